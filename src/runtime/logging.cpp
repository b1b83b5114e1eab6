#include "runtime/logging.h"

#include <chrono>
#include <ctime>
#include <memory>
#include <string_view>

#include <fmt/chrono.h>
#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace pingwatch::runtime {
namespace {

// One JSON object per line. A message that is itself a JSON object (a cycle summary) is merged in as fields,
// so log processors get numbers, not text.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    nlohmann::json line;
    line["time"] = fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", tm, ms % 1000);
    line["level"] = std::string(spdlog::level::to_string_view(msg.level).data(),
                                spdlog::level::to_string_view(msg.level).size());
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    bool merged = false;
    if (!payload.empty() && payload.front() == '{') {
      auto fields = nlohmann::json::parse(payload, nullptr, false);
      if (fields.is_object()) {
        for (auto& [k, v] : fields.items()) line[k] = v;
        merged = true;
      }
    }
    if (!merged) line["msg"] = payload;
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

void configure_logging(const monitor::LogSettings& settings, bool to_stdout) {
  std::shared_ptr<spdlog::logger> logger;
  if (to_stdout) {
    logger = std::make_shared<spdlog::logger>("pingwatch", std::make_shared<spdlog::sinks::stdout_sink_mt>());
  } else {
    logger = std::make_shared<spdlog::logger>("pingwatch", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  }
  if (settings.format == "json") {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(spdlog::level::from_str(settings.level));
  logger->flush_on(spdlog::level::trace);   // one line per event, visible at once (journald, docker logs)
  spdlog::set_default_logger(logger);
}

}  // namespace pingwatch::runtime
