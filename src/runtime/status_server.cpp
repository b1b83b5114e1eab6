#include "runtime/status_server.h"

#include <arpa/inet.h>
#include <httplib.h>

#include <charconv>
#include <chrono>

#include <fmt/format.h>

#include "runtime/status_routes.h"

namespace pingwatch::runtime {
namespace {

constexpr std::size_t kServerThreads = 4;
constexpr time_t kIoTimeoutSeconds = 5;   // a client that stops sending or reading loses its connection

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::optional<std::string> valid_listen(const std::string& v) {
  if (v.empty()) return std::nullopt;
  try {
    parse_listen_address(v, true);
    return std::nullopt;
  } catch (const monitor::ConfigError&) {
    return "use HOST:PORT, [IPv6]:PORT or PORT, e.g. 127.0.0.1:9464";
  }
}

}  // namespace

ServerSettings load_server_settings(const monitor::ConfigSource& source) {
  ServerSettings s;
  s.listen = source.get_string("server.listen", "", valid_listen);
  s.allow_remote = source.get_bool("server.allow_remote", false);
  if (!s.listen.empty()) parse_listen_address(s.listen, s.allow_remote);   // loopback unless allowed
  return s;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  const std::string v6_text = bracketed ? host.substr(1, host.size() - 2) : host;
  in6_addr v6{};
  if (inet_pton(AF_INET6, v6_text.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

ListenAddress parse_listen_address(const std::string& text, bool allow_remote) {
  auto bad = [&](const std::string& why) {
    return monitor::ConfigError(fmt::format("config: server.listen = \"{}\" is not allowed: {}", text, why));
  };
  ListenAddress a;
  std::string port_text;
  if (text.find(':') == std::string::npos) {
    a.host = "127.0.0.1";
    port_text = text;
  } else if (text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string::npos) throw bad("use [IPv6]:PORT, e.g. [::1]:9464");
    a.host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    a.host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (a.host.find(':') != std::string::npos) throw bad("write an IPv6 address in brackets, e.g. [::1]:9464");
  }
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), a.port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || a.port < 0 || a.port > 65535) {
    throw bad("the port must be a number from 0 to 65535");
  }
  if (a.host.empty()) throw bad("name the host, e.g. 127.0.0.1:9464");
  if (!allow_remote && !is_loopback_host(a.host)) {
    throw bad("it is not a loopback address; set server.allow_remote = true to serve other hosts (the pages are not authenticated)");
  }
  return a;
}

StatusServer::StatusServer(const StatusBoard& board, const ListenAddress& address)
    : board_(board), host_(address.host), server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  server_->set_read_timeout(kIoTimeoutSeconds, 0);
  server_->set_write_timeout(kIoTimeoutSeconds, 0);
  server_->set_keep_alive_timeout(kIoTimeoutSeconds);
  server_->set_payload_max_length(64 * 1024);
  server_->set_tcp_nodelay(true);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    StatusRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) r.query.emplace_back(k, v);
    StatusReply reply = handle_status_request(r, board_, wall_now());
    res.status = reply.status;
    for (const auto& [k, v] : reply.headers) res.set_header(k, v);
    res.set_content(std::move(reply.body), reply.content_type);
  };
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Delete(".*", handler);
  server_->Patch(".*", handler);
  server_->Options(".*", handler);
  if (address.port == 0) {
    port_ = server_->bind_to_any_port(host_);
  } else {
    port_ = server_->bind_to_port(host_, address.port) ? address.port : -1;
  }
  if (port_ <= 0) throw std::runtime_error(fmt::format("status server: cannot listen on {}:{}", host_, address.port));
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

StatusServer::~StatusServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string StatusServer::url() const {
  const bool v6 = host_.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}", v6 ? "[" : "", host_, v6 ? "]" : "", port_);
}

}  // namespace pingwatch::runtime
