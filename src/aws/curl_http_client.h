#pragma once
// Variants of the libcurl client that the credential chain needs besides make_curl_http_client().
#include <memory>

#include "aws/http.h"

namespace pingwatch::aws {

// Never uses a proxy, whatever HTTP(S)_PROXY say: for the link-local metadata endpoints (IMDS, container
// credentials), which a proxy cannot reach.
std::shared_ptr<HttpClient> make_direct_curl_http_client(HttpOptions options);

}  // namespace pingwatch::aws
