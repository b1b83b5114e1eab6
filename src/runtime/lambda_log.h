#pragma once
// JSON lines on stderr for the Lambda runtime: CloudWatch Logs keeps one event per line, Logs Insights parses
// the fields. Callers pass only non-secret fields (no credentials, no event payloads).
#include <chrono>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

namespace pingwatch::runtime {

class LambdaLog {
 public:
  explicit LambdaLog(std::ostream& out,
                     std::function<std::chrono::system_clock::time_point()> clock = std::chrono::system_clock::now);
  // Writes {"time": ISO-8601 UTC with ms, "level", "msg", ...fields} as one line, flushed.
  void write(const std::string& level, const std::string& message, const nlohmann::json& fields = nlohmann::json::object());
  void info(const std::string& message, const nlohmann::json& fields = nlohmann::json::object()) { write("info", message, fields); }
  void error(const std::string& message, const nlohmann::json& fields = nlohmann::json::object()) { write("error", message, fields); }

 private:
  std::ostream& out_;
  std::function<std::chrono::system_clock::time_point()> clock_;
  std::mutex mutex_;
};

}  // namespace pingwatch::runtime
