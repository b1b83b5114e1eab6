// libFuzzer: a TOML config file of any content is read and validated into Settings, or refused with a
// ConfigError (std::runtime_error) naming the problem; never a crash.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "monitor/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/pingwatch-fuzz-config-" + std::to_string(getpid()) + ".toml";
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  pingwatch::monitor::ConfigSource::Inputs inputs;
  inputs.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  inputs.config_file = path;
  try {
    const auto source = pingwatch::monitor::ConfigSource::load(inputs);
    (void)pingwatch::monitor::load_settings(source);
  } catch (const std::exception&) {
  }
  return 0;
}
