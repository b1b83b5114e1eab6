// libFuzzer: EventBridge schedule expressions (rate(), cron()) never crash the parser; bad ones throw.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "local/events/schedule_expression.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)pingwatch::local::events::parse_schedule_expression(text);
  } catch (const std::exception&) {
    // Refusing bad input with an exception is the contract.
  }
  return 0;
}
