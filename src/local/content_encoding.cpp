#include "local/content_encoding.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "local/service.h"

namespace pingwatch::local {

namespace {

std::vector<std::string> codings_of(const std::string& encoding) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= encoding.size()) {
    const std::size_t comma = encoding.find(',', pos);
    std::string token = encoding.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    token.erase(std::remove_if(token.begin(), token.end(), [](unsigned char c) { return std::isspace(c); }), token.end());
    std::transform(token.begin(), token.end(), token.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!token.empty()) out.push_back(token);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

[[noreturn]] void malformed() {
  // AWS's common error for a body that does not decompress as its content-encoding says.
  throw ServiceError(400, "MalformedHttpRequestException",
                     "The request body could not be decompressed according to the specified Content-Encoding.");
}

// gzip (RFC 1952) or zlib-wrapped deflate (RFC 1950): zlib detects which from the header (window bits 32 + 15).
std::string inflate_body(const std::string& compressed, std::size_t max_bytes) {
  z_stream stream{};
  if (inflateInit2(&stream, 32 + MAX_WBITS) != Z_OK) throw std::runtime_error("zlib: inflateInit2 failed");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char chunk[16384];
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof chunk;
    status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) {
      inflateEnd(&stream);
      malformed();
    }
    out.append(chunk, sizeof chunk - stream.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&stream);
      throw ServiceError(413, "RequestEntityTooLargeException",
                         "Request must be smaller than " + std::to_string(max_bytes) + " bytes once decompressed");
    }
    if (status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
      inflateEnd(&stream);
      malformed();   // the stream ended before its end marker: truncated
    }
  }
  inflateEnd(&stream);
  return out;
}

}  // namespace

std::string decode_request_body(const std::string& encoding, std::string body, std::size_t max_bytes) {
  const auto codings = codings_of(encoding);
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    if (*it == "gzip" || *it == "x-gzip" || *it == "deflate") body = inflate_body(body, max_bytes);
  }
  return body;
}

}  // namespace pingwatch::local
