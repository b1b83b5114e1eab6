#pragma once
// The status server's routes as a pure function of the request, the board and the clock, so every status
// code and body is tested without a socket (status_server.cpp only moves bytes).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/status_board.h"

namespace pingwatch::runtime {

struct StatusRequest {
  std::string method;                                  // GET, HEAD, POST, ...
  std::string path;                                    // without the query
  std::vector<std::pair<std::string, std::string>> query;   // decoded, in order
};

struct StatusReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// GET (and HEAD) /metrics, /healthz, /readyz, /api/v1/nodes[?condition=&scope=], /api/v1/transitions[?since=],
// /, /dashboard/live. Unknown path: 404; known path, other method: 405 with Allow; bad query: 400.
// Every error is a JSON object {"error": "..."}.
StatusReply handle_status_request(const StatusRequest& request, const StatusBoard& board, double now);

}  // namespace pingwatch::runtime
