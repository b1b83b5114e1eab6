// libFuzzer: the Authorization header parser (client side) and the local stack's signature check on
// arbitrary headers and bodies: refusals are AuthFailure exceptions, never crashes.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "aws/sigv4.h"
#include "local/auth.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)pingwatch::aws::sigv4::parse_authorization(text);
  const auto cut = text.find('\n');
  pingwatch::local::SignedRequest request{"POST", cut == std::string::npos ? "/" : "/" + text.substr(cut + 1, 64),
                                          {{"Authorization", text.substr(0, cut)},
                                           {"X-Amz-Date", "20240101T000000Z"},
                                           {"Host", "127.0.0.1"}},
                                          text,
                                          "ssm"};
  try {
    (void)pingwatch::local::credential_scope_of(request);
    pingwatch::local::CredentialStore keys;
    (void)pingwatch::local::verify_signature(request, keys, 1704067200, 1704067200);
  } catch (const std::exception&) {
  }
  return 0;
}
