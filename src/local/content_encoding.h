#pragma once
// Request bodies sent with Content-Encoding (botocore and the JS SDK gzip PutMetricData bodies of 10 KB or more:
// the model's requestcompression trait). The HTTP layer hands the router the bytes as sent, because the SigV4
// signature covers those; the router decodes them here before parsing.
#include <cstddef>
#include <string>

namespace pingwatch::local {

// The header name under which the HTTP layer keeps a request's Content-Encoding while it reads the body, so that
// cpp-httplib does not inflate it (server.cpp); the router sees the original header again.
inline constexpr char kWireContentEncodingHeader[] = "X-Pingwatch-Wire-Content-Encoding";

// The body with every coding of `encoding` ("gzip", "x-gzip", "deflate", "identity"; a list is applied in
// order, so decoded last to first) undone; codings it does not know are left as they are. Throws ServiceError
// 400 MalformedHttpRequestException when the bytes do not decode, 413 when the result exceeds max_bytes.
std::string decode_request_body(const std::string& encoding, std::string body, std::size_t max_bytes);

}  // namespace pingwatch::local
