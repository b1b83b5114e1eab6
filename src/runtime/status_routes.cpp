#include "runtime/status_routes.h"

#include <algorithm>
#include <chrono>
#include <functional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aws/query_protocol.h"
#include "runtime/status_render.h"

namespace pingwatch::runtime {
namespace {

StatusReply json_error(int status, const std::string& message) {
  StatusReply r;
  r.status = status;
  r.body = nlohmann::json{{"error", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

struct QueryError {
  std::string message;
};

// The one value of each allowed parameter; an unknown or repeated one is a client error.
std::map<std::string, std::string> query_params(const StatusRequest& req, const std::vector<std::string>& allowed) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : req.query) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      std::string names;
      for (const auto& a : allowed) names += (names.empty() ? "" : ", ") + a;
      throw QueryError{fmt::format("unknown query parameter \"{}\" for {}: {}", k, req.path,
                                   allowed.empty() ? std::string("it takes none") : "use " + names)};
    }
    if (!out.emplace(k, v).second) throw QueryError{fmt::format("query parameter \"{}\" is given twice", k)};
  }
  return out;
}

StatusReply text_reply(std::string content_type, std::string body) {
  StatusReply r;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

StatusReply nodes_reply(const StatusRequest& req, const StatusSnapshot& snapshot) {
  const auto params = query_params(req, {"condition", "scope"});
  NodeFilter filter;
  if (auto it = params.find("condition"); it != params.end()) {
    filter.condition = core::parse_condition(it->second);
    if (!filter.condition) {
      throw QueryError{fmt::format("condition \"{}\" is not one of healthy, lost, stale, absent", it->second)};
    }
  }
  if (auto it = params.find("scope"); it != params.end()) filter.scope = it->second;
  return text_reply("application/json", render_nodes_json(snapshot, filter));
}

StatusReply transitions_reply(const StatusRequest& req, const StatusSnapshot& snapshot) {
  const auto params = query_params(req, {"since"});
  std::optional<double> since;
  if (auto it = params.find("since"); it != params.end()) {
    const auto t = aws::query_protocol::parse_iso8601(it->second);
    if (!t) {
      throw QueryError{fmt::format("since \"{}\" is not an ISO 8601 time: use e.g. 2026-12-04T15:00:00Z", it->second)};
    }
    since = std::chrono::duration<double>(t->time_since_epoch()).count();
  }
  return text_reply("application/json", render_transitions_json(snapshot, since));
}

}  // namespace

StatusReply handle_status_request(const StatusRequest& req, const StatusBoard& board, double now) {
  using Route = std::function<StatusReply(const StatusRequest&)>;
  // Each route reads one snapshot: a consistent view, taken under the board's lock for microseconds.
  const std::map<std::string, Route> routes{
      {"/metrics", [&](const StatusRequest& r) {
         query_params(r, {});
         return text_reply("text/plain; version=0.0.4; charset=utf-8", render_metrics(board, *board.snapshot()));
       }},
      {"/healthz", [&](const StatusRequest& r) {
         query_params(r, {});
         return text_reply("text/plain; charset=utf-8", "ok\n");
       }},
      {"/readyz", [&](const StatusRequest& r) {
         query_params(r, {});
         const auto j = readiness_json(*board.snapshot(), now);
         StatusReply reply = text_reply("application/json", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
         reply.status = j["ready"].get<bool>() ? 200 : 503;
         return reply;
       }},
      {"/api/v1/nodes", [&](const StatusRequest& r) { return nodes_reply(r, *board.snapshot()); }},
      {"/api/v1/transitions", [&](const StatusRequest& r) { return transitions_reply(r, *board.snapshot()); }},
      {"/", [&](const StatusRequest& r) {
         query_params(r, {});
         return text_reply("text/html; charset=utf-8", render_dashboard_page(*board.snapshot(), now));
       }},
      {"/dashboard/live", [&](const StatusRequest& r) {
         query_params(r, {});
         return text_reply("text/html; charset=utf-8", render_dashboard_main(*board.snapshot(), now));
       }},
  };
  const auto route = routes.find(req.path);
  if (route == routes.end()) return json_error(404, fmt::format("no such path: {}", req.path));
  if (req.method != "GET" && req.method != "HEAD") {
    StatusReply r = json_error(405, fmt::format("method {} is not allowed on {}: use GET", req.method, req.path));
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  try {
    return route->second(req);
  } catch (const QueryError& e) {
    return json_error(400, e.message);
  }
}

}  // namespace pingwatch::runtime
