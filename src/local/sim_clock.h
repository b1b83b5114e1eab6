#pragma once
// The stack's simulated clock: sim = sim0 + scale * (wall - wall0). Everything the stack reports follows it.
// How the timestamps clients send are read is one rule, client_times() below; docs/local-stack.md "Time"
// explains it and why.
#include <chrono>
#include <cmath>

namespace pingwatch::local {

// The timestamps of one request, moved onto the simulated clock by one shift (0 when the request already
// speaks simulated time). A shift, never a scale: an hour before the client's now is an hour before the
// stack's simulated now, so ranges keep their length and data keep their spacing.
class ClientTimes {
 public:
  explicit ClientTimes(double shift_seconds = 0) : shift_(shift_seconds) {}
  double to_sim(double client_epoch_seconds) const { return client_epoch_seconds + shift_; }
  double shift() const { return shift_; }

 private:
  double shift_;
};

class SimClock {
 public:
  using Wall = std::chrono::system_clock;
  // sim0 in epoch seconds; scale 60 = one simulated minute per wall second.
  SimClock(double sim0_epoch_seconds, double scale, double wall0_epoch_seconds = wall_now());
  double now() const { return to_sim(wall_now()); }               // simulated epoch seconds
  double to_sim(double wall_epoch_seconds) const { return sim0_ + scale_ * (wall_epoch_seconds - wall0_); }
  double to_wall(double sim_epoch_seconds) const { return wall0_ + (sim_epoch_seconds - sim0_) / scale_; }
  double scale() const { return scale_; }
  // The simulated time the clock started at (--sim-start): fixed, unlike now() a moment later, which a loaded machine
  // moves by seconds of simulated time (60x) and with it anything derived from it.
  double origin() const { return sim0_; }
  static double wall_now() {
    return std::chrono::duration<double>(Wall::now().time_since_epoch()).count();
  }

  // THE rule for every timestamp a client sends (docs/local-stack.md "Time"). A request speaks one clock, judged
  // by its newest timestamp (`anchor`: EndTime, EndDate, the newest datum's Timestamp), the one a client puts
  // nearest its own "now". Within kClientSkewSeconds of the wall now it is wall time: boto3, the AWS CLI and the
  // JS SDK's own Dates are the usual clients, and AWS itself allows a client clock that much skew. Further out,
  // it is the clock whose now it is nearer: simulated (a client reading the Date header, a person typing times
  // the stack printed) is taken as it is; wall time is shifted by sim now - wall now.
  static constexpr double kClientSkewSeconds = 15 * 60;
  ClientTimes client_times(double anchor_epoch_seconds, double wall_now_epoch_seconds = wall_now()) const {
    const double sim_now = to_sim(wall_now_epoch_seconds);
    const double from_wall = std::fabs(anchor_epoch_seconds - wall_now_epoch_seconds);
    if (from_wall > kClientSkewSeconds && std::fabs(anchor_epoch_seconds - sim_now) < from_wall) return ClientTimes(0);
    return ClientTimes(sim_now - wall_now_epoch_seconds);
  }

 private:
  double sim0_;
  double scale_;
  double wall0_;
};

inline SimClock::SimClock(double sim0, double scale, double wall0) : sim0_(sim0), scale_(scale), wall0_(wall0) {}

}  // namespace pingwatch::local
