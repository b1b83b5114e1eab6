#include "runtime/lambda_http.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace pingwatch::runtime {

namespace {

constexpr int kConnectTimeoutMs = 5000;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Reads from the socket on demand; `received_any` tells a dead keep-alive connection from a cut reply.
class Reader {
 public:
  explicit Reader(int fd) : fd_(fd) {}
  bool received_any() const { return received_any_; }

  std::string line() {   // without its CRLF
    for (;;) {
      const auto end = buffer_.find("\r\n", pos_);
      if (end != std::string::npos) {
        std::string out = buffer_.substr(pos_, end - pos_);
        pos_ = end + 2;
        return out;
      }
      if (!fill()) throw HttpTransportError("connection closed in the middle of the reply's head");
    }
  }
  std::string bytes(std::size_t n) {
    while (buffer_.size() - pos_ < n) {
      if (!fill()) throw HttpTransportError("connection closed in the middle of the reply's body");
    }
    std::string out = buffer_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::string rest() {
    while (fill()) {
    }
    std::string out = buffer_.substr(pos_);
    pos_ = buffer_.size();
    return out;
  }

 private:
  bool fill() {
    char chunk[16384];
    for (;;) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        received_any_ = true;
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
      }
      if (n == 0) return false;
      if (errno != EINTR) throw HttpTransportError(errno_text("recv"));
    }
  }
  int fd_;
  std::string buffer_;
  std::size_t pos_ = 0;
  bool received_any_ = false;
};

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw HttpTransportError(errno_text("send"));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string chunked_body(Reader& in) {
  std::string body;
  for (;;) {
    const std::string size_line = in.line();
    const std::size_t size = std::stoul(size_line, nullptr, 16);   // chunk extensions after ';' are ignored
    if (size == 0) break;
    body += in.bytes(size);
    in.line();
  }
  while (!in.line().empty()) {   // trailers, then the empty line
  }
  return body;
}

// Status line and headers; a 1xx interim reply (100 Continue) is skipped.
void read_head(Reader& in, HttpReply& reply) {
  do {
    const std::string status_line = in.line();
    if (status_line.rfind("HTTP/", 0) != 0 || status_line.size() < 12) {
      throw HttpTransportError("not an HTTP reply: " + status_line.substr(0, 80));
    }
    reply.status = std::atoi(status_line.c_str() + 9);
    reply.headers.clear();
    for (std::string h = in.line(); !h.empty(); h = in.line()) {
      const auto colon = h.find(':');
      if (colon != std::string::npos) reply.headers.emplace_back(trim(h.substr(0, colon)), trim(h.substr(colon + 1)));
    }
  } while (reply.status >= 100 && reply.status < 200);
}

}  // namespace

const std::string* HttpReply::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return &v;
  }
  return nullptr;
}

LoopbackHttpClient::LoopbackHttpClient(std::string host_port) : host_port_(std::move(host_port)) {}

LoopbackHttpClient::~LoopbackHttpClient() { close_connection(); }

void LoopbackHttpClient::close_connection() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void LoopbackHttpClient::connect_once() {
  const auto colon = host_port_.rfind(':');
  if (colon == std::string::npos) throw HttpTransportError("\"" + host_port_ + "\" is not host:port");
  std::string host = host_port_.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = host_port_.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    throw HttpTransportError("cannot resolve " + host_port_ + ": " + ::gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, kConnectTimeoutMs) == 1 ? 0 : -1;
      int so_error = rc == 0 ? 0 : ETIMEDOUT;
      socklen_t len = sizeof so_error;
      if (rc == 0) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
      errno = so_error;
      rc = so_error == 0 ? 0 : -1;
    }
    if (rc == 0) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);   // replies are awaited without a timeout
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);   // head and body go out as written
      fd_ = fd;
    } else {
      last_error = errno_text("connect");
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  if (fd_ < 0) throw HttpTransportError("cannot connect to " + host_port_ + ": " + last_error);
}

HttpReply LoopbackHttpClient::exchange(const std::string& head, const std::string* body, bool& nothing_received) {
  Reader in(fd_);
  try {
    send_all(fd_, head);
    if (body != nullptr) send_all(fd_, *body);
    HttpReply reply;
    read_head(in, reply);
    bool close_after = false;
    if (const auto* c = reply.header("Connection")) close_after = iequals(*c, "close");
    const auto* te = reply.header("Transfer-Encoding");
    const auto* length = reply.header("Content-Length");
    if (te != nullptr && !iequals(*te, "identity")) {
      reply.body = chunked_body(in);
    } else if (length != nullptr) {
      reply.body = in.bytes(static_cast<std::size_t>(std::stoull(*length)));
    } else if (reply.status != 204 && reply.status != 304) {
      reply.body = in.rest();   // delimited by the end of the connection
      close_after = true;
    }
    if (close_after) close_connection();
    return reply;
  } catch (const std::logic_error& e) {   // std::stoul/stoull on a malformed length
    close_connection();
    throw HttpTransportError(std::string("malformed reply: ") + e.what());
  } catch (...) {
    nothing_received = !in.received_any();
    close_connection();
    throw;
  }
}

HttpReply LoopbackHttpClient::request(std::string_view method, std::string_view target, const std::string* body,
                                      const std::vector<std::string>& extra_headers) {
  std::string head;
  head.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host_port_).append("\r\n");
  for (const auto& h : extra_headers) head.append(h).append("\r\n");
  if (body != nullptr) head.append("Content-Length: ").append(std::to_string(body->size())).append("\r\n");
  head.append("\r\n");
  // A kept-alive connection the peer has closed in the meantime fails before any byte of the reply: that
  // request is sent once more on a new connection (as libcurl does). A fresh connection's failure is final.
  for (int attempt = 0;; ++attempt) {
    const bool reused = fd_ >= 0;
    if (!reused) connect_once();
    bool nothing_received = false;
    try {
      return exchange(head, body, nothing_received);
    } catch (const HttpTransportError&) {
      if (!(reused && nothing_received && attempt == 0)) throw;
    }
  }
}

}  // namespace pingwatch::runtime
