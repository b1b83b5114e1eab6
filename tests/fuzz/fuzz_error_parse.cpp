// libFuzzer: AWS error replies (JSON __type/x-amzn-ErrorType, query <ErrorResponse>, EC2 <Response><Errors>)
// of any shape yield an AwsError, never a crash. The first byte picks the protocol and status.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "aws/error_parse.h"
#include "aws/service_client.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  using pingwatch::aws::Protocol;
  const Protocol protocol = data[0] % 3 == 0 ? Protocol::Json10 : data[0] % 3 == 1 ? Protocol::Json11 : Protocol::Query;
  pingwatch::aws::HttpResponse response;
  response.status = 400 + (data[0] % 120);
  response.body.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 0x80) response.headers.emplace_back("x-amzn-query-error", response.body.substr(0, 40));
  try {
    (void)pingwatch::aws::parse_error_response(protocol, response, data[0] & 0x40 ? "ec2" : "monitoring", "Op");
  } catch (const std::exception&) {
  }
  return 0;
}
