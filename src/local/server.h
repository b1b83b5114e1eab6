#pragma once
// The stack's HTTP listener (cpp-httplib, thread pool): turns each request into a RawRequest, gives
// /_local/* to the stack's own handler and everything else to the Router.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "local/router.h"

namespace httplib { class Server; }

namespace pingwatch::local {

struct ServerOptions {
  std::size_t threads = 32;                       // Lambda runtime long-polls hold a thread each
  std::size_t max_payload_bytes = 80 * 1024 * 1024;   // transport cap; the Router's limits answer 413 below it
};

class HttpServer {
 public:
  // Returns a response for /_local/* paths it handles, nullopt to pass the request to the router.
  using LocalHandler = std::function<std::optional<Response>(const RawRequest&)>;
  HttpServer(Router& router, LocalHandler local, ServerOptions options = {});
  ~HttpServer();
  int bind(const std::string& host, int port);    // port 0 picks a free one; returns the port; throws on failure
  void start();                                   // serves on a background thread
  void stop();
 private:
  Router& router_;
  LocalHandler local_;
  ServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace pingwatch::local
