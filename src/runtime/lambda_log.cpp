#include "runtime/lambda_log.h"

#include <ctime>

#include <fmt/format.h>

namespace pingwatch::runtime {

LambdaLog::LambdaLog(std::ostream& out, std::function<std::chrono::system_clock::time_point()> clock)
    : out_(out), clock_(std::move(clock)) {}

namespace {
std::string iso8601_ms(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
}
}  // namespace

void LambdaLog::write(const std::string& level, const std::string& message, const nlohmann::json& fields) {
  nlohmann::json line = nlohmann::json::object();
  line["time"] = iso8601_ms(clock_());
  line["level"] = level;
  line["msg"] = message;
  if (fields.is_object()) {
    for (const auto& [k, v] : fields.items()) line[k] = v;
  }
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(mutex_);
  out_ << text << '\n';
  out_.flush();
}

}  // namespace pingwatch::runtime
