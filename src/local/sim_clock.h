#pragma once
// The stack's simulated clock: sim = sim0 + scale * (wall - wall0). Everything the stack reports follows it.
#include <chrono>

namespace pingwatch::local {

class SimClock {
 public:
  using Wall = std::chrono::system_clock;
  // sim0 in epoch seconds; scale 60 = one simulated minute per wall second.
  SimClock(double sim0_epoch_seconds, double scale, double wall0_epoch_seconds = wall_now());
  double now() const { return to_sim(wall_now()); }               // simulated epoch seconds
  double to_sim(double wall_epoch_seconds) const { return sim0_ + scale_ * (wall_epoch_seconds - wall0_); }
  double to_wall(double sim_epoch_seconds) const { return wall0_ + (sim_epoch_seconds - sim0_) / scale_; }
  double scale() const { return scale_; }
  static double wall_now() {
    return std::chrono::duration<double>(Wall::now().time_since_epoch()).count();
  }
 private:
  double sim0_;
  double scale_;
  double wall0_;
};

inline SimClock::SimClock(double sim0, double scale, double wall0) : sim0_(sim0), scale_(scale), wall0_(wall0) {}

}  // namespace pingwatch::local
