#pragma once
// `pingwatch run --listen HOST:PORT`: the HTTP status server (cpp-httplib) over a StatusBoard.
// Its own small thread pool serves requests from snapshots; nothing it does waits for a job or holds a lock a
// job needs, so a slow client slows only its own connection.
#include <memory>
#include <string>
#include <thread>

#include "monitor/config.h"
#include "runtime/status_board.h"

namespace httplib {
class Server;
}

namespace pingwatch::runtime {

// [server]: listen = "127.0.0.1:9464" (PINGWATCH_SERVER_LISTEN, --listen); empty = no server (the default).
// allow_remote = false: the host must be a loopback address unless this is true.
struct ServerSettings {
  std::string listen;
  bool allow_remote = false;
};
ServerSettings load_server_settings(const monitor::ConfigSource& source);

struct ListenAddress {
  std::string host;   // as given, without [] for IPv6
  int port = 0;       // 0: any free port (tests)
};
// "HOST:PORT", "[::1]:PORT" or a bare "PORT" (loopback). Throws monitor::ConfigError naming server.listen.
ListenAddress parse_listen_address(const std::string& text, bool allow_remote);
// localhost, 127.0.0.0/8 or ::1 (with or without brackets).
bool is_loopback_host(const std::string& host);

class StatusServer {
 public:
  // Binds at once (throws std::runtime_error naming the address when it cannot) and serves on a thread.
  StatusServer(const StatusBoard& board, const ListenAddress& address);
  ~StatusServer();   // stops accepting, finishes requests in flight, joins
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  int port() const { return port_; }
  std::string url() const;

 private:
  const StatusBoard& board_;
  std::string host_;
  int port_ = 0;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace pingwatch::runtime
