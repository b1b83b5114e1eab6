// libFuzzer: the local stack's request parsing: form bodies (query protocol), request classification
// (X-Amz-Target, Action/Version, Lambda REST paths) and the chaos rules JSON of POST /_local/chaos.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "local/chaos.h"
#include "local/router.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto form = pingwatch::local::parse_form(text);
  pingwatch::local::RawRequest raw;
  raw.method = size > 0 && (data[0] & 1) ? "GET" : "POST";
  raw.path = text.substr(0, text.find('\n'));
  raw.target = raw.path;
  raw.body = text;
  raw.headers.emplace_back("X-Amz-Target", text.substr(0, 48));
  (void)pingwatch::local::Router::classify(raw, form);
  raw.headers.clear();
  (void)pingwatch::local::Router::classify(raw, form);
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_discarded()) {
    try {
      pingwatch::local::ChaosEngine chaos({});
      chaos.configure(json);
    } catch (const std::invalid_argument&) {
    }
  }
  return 0;
}
