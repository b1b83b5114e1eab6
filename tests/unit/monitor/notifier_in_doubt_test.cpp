// A publish that got no answer is in doubt, never "refused": the real libcurl client against a loopback
// socket server that reads the whole Publish request and then closes the connection without answering
// (as SNS would look if it accepted the message and the connection dropped before the reply).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aws/credentials.h"
#include "aws/http.h"
#include "aws/sns_client.h"
#include "monitor/notifier.h"
#include "monitor/state_store.h"

using namespace pingwatch;
using namespace pingwatch::monitor;

namespace {

// What the server does with each request, in order: answer 200 (a PublishResponse), answer 500, or read the
// request and close the connection without a byte of reply. Requests past the script are answered 200.
enum class Reply { Ok, ServerError, Drop };

class LoopbackSns {
 public:
  explicit LoopbackSns(std::vector<Reply> script) : script_(script.begin(), script.end()) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;   // a free port
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackSns() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
    for (auto& c : connections_) c.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mutex_);
    return bodies_;
  }

 private:
  // One thread per connection: a kept-alive idle connection must not stop a new one from being served.
  void serve() {
    while (!stopping_) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      timeval poll{0, 100000};   // recv wakes up every 100 ms to notice the end of the test
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &poll, sizeof poll);
      connections_.emplace_back([this, fd] {
        // Keep-alive: several requests may come on one connection until one is dropped.
        while (handle_one(fd)) {
        }
        ::close(fd);
      });
    }
  }

  ssize_t receive(int fd, char* buf, std::size_t size) {
    for (;;) {
      const ssize_t n = ::recv(fd, buf, size, 0);
      if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK) || stopping_) return n;
    }
  }

  // Reads one request (headers + Content-Length body); returns false when the connection is to be closed.
  bool handle_one(int fd) {
    std::string data;
    char buf[4096];
    std::size_t header_end = std::string::npos;
    while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = receive(fd, buf, sizeof buf);
      if (n <= 0) return false;
      data.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t length = 0;
    if (auto at = data.find("Content-Length: "); at != std::string::npos) length = std::stoul(data.substr(at + 16));
    while (data.size() < header_end + 4 + length) {
      const ssize_t n = receive(fd, buf, sizeof buf);
      if (n <= 0) return false;
      data.append(buf, static_cast<std::size_t>(n));
    }
    Reply reply = Reply::Ok;
    {
      std::lock_guard lock(mutex_);
      bodies_.push_back(data.substr(header_end + 4, length));
      if (!script_.empty()) {
        reply = script_.front();
        script_.pop_front();
      }
    }
    if (reply == Reply::Drop) return false;   // accepted, never answered
    const std::string body = reply == Reply::Ok
        ? "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult><MessageId>m-" +
              std::to_string(bodies().size()) + "</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId>"
              "</ResponseMetadata></PublishResponse>"
        : "<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>oops</Message></Error>"
          "<RequestId>r</RequestId></ErrorResponse>";
    const std::string head = std::string("HTTP/1.1 ") + (reply == Reply::Ok ? "200 OK" : "500 Internal Server Error") +
                             "\r\nContent-Type: text/xml\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    const std::string out = head + body;
    return ::send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size());
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::vector<std::thread> connections_;
  mutable std::mutex mutex_;
  std::deque<Reply> script_;
  std::vector<std::string> bodies_;
};

struct NoProxy {   // the loopback server is reached directly
  NoProxy() {
    for (const char* n : {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"}) ::unsetenv(n);
  }
};

class InDoubt : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("pingwatch-in-doubt-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    std::filesystem::remove(path_);
    store_ = open_sqlite_state_store(path_, "123456789012/us-east-1");
  }
  void TearDown() override {
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  // One pending notice in the outbox, as a cycle's commit leaves it.
  void record_notice(const std::string& id) {
    core::Notice n;
    n.id = id;
    n.subject = "[pingwatch] LOST: i-0123456789abcdef0 in 123456789012/us-east-1";
    n.body = "i-0123456789abcdef0 lost contact with Systems Manager.\n";
    n.json = {{"notice_id", id}};
    n.attributes["pingwatch.notice_id"] = id;
    auto loaded = store_->load();
    core::WatchState next = loaded.watch;
    ++next.cycle;
    ASSERT_TRUE(store_->commit(loaded.version, loaded.watch, next, {n}, now_));
  }

  aws::ClientConfig sns_config(const LoopbackSns& server) {
    aws::ClientConfig c;
    c.region = "us-east-1";
    c.endpoint = server.endpoint();
    c.credentials = aws::make_static_credentials({"AKIDTEST", "secret", "", std::nullopt, "test"});
    c.http = aws::make_curl_http_client({std::chrono::milliseconds(2000), std::chrono::milliseconds(5000)});
    c.retry.max_attempts = 3;
    c.retry.random = [] { return 0.0; };
    c.sleep = [](std::chrono::milliseconds) {};
    return c;
  }

  DeliveryReport deliver(NoticePublisher& publisher, bool resend_in_doubt) {
    DeliveryOptions o;
    o.owner = "test";
    o.lease_seconds = 120;
    o.resend_in_doubt = resend_in_doubt;
    o.now = [this] { return now_; };
    return deliver_outbox(*store_, publisher, o);
  }

  NoProxy no_proxy_;
  std::string path_;
  std::unique_ptr<StateStore> store_;
  double now_ = 1712910420;
  const std::string topic_ = "arn:aws:sns:us-east-1:123456789012:SSM-Ping";
};

std::size_t count_of(const std::vector<std::string>& bodies, const std::string& needle) {
  std::size_t n = 0;
  for (const auto& b : bodies) n += b.find(needle) != std::string::npos ? 1 : 0;
  return n;
}

}  // namespace

// At-most-once: the dropped Publish is neither retried by the client nor resent by later cycles; it is
// reported in doubt, then held (closed as not resent) once its lease runs out.
TEST_F(InDoubt, DroppedPublishIsHeldNotResentWhenResendIsOff) {
  // A first notice goes through, so the dropped one travels on a kept-alive connection (where libcurl
  // would otherwise silently send it again on a fresh connection).
  LoopbackSns server({Reply::Ok, Reply::Drop});
  auto publisher = make_sns_publisher(sns_config(server), topic_, /*resend_in_doubt=*/false);
  record_notice("n-warm");
  EXPECT_EQ(deliver(*publisher, false).sent, 1);
  record_notice("n-doubt");

  DeliveryReport first = deliver(*publisher, false);
  EXPECT_EQ(first.in_doubt, 1);
  EXPECT_EQ(first.failed, 0) << "an unanswered publish was taken as refused";
  EXPECT_EQ(count_of(server.bodies(), "n-doubt"), 1u) << "the in-doubt Publish was sent again";
  ASSERT_FALSE(first.errors.empty());
  EXPECT_NE(first.errors.front().find("in doubt"), std::string::npos) << first.errors.front();

  now_ += 60;   // inside the lease: nobody touches it
  DeliveryReport second = deliver(*publisher, false);
  EXPECT_EQ(second.skipped, 1);
  now_ += 120;  // past the lease: held for good and reported, never published again
  DeliveryReport third = deliver(*publisher, false);
  EXPECT_EQ(third.dropped_in_doubt, 1);
  EXPECT_EQ(third.publish_calls, 0);
  ASSERT_EQ(third.errors.size(), 1u);
  EXPECT_NE(third.errors.front().find("not resent"), std::string::npos) << third.errors.front();
  EXPECT_EQ(count_of(server.bodies(), "n-doubt"), 1u);
  EXPECT_TRUE(store_->unsent().empty());
}

// At-least-once: the client sends the dropped Publish again; once delivered, the notice is sent.
TEST_F(InDoubt, DroppedPublishIsResentWhenResendIsOn) {
  LoopbackSns server({Reply::Drop, Reply::Ok});
  auto publisher = make_sns_publisher(sns_config(server), topic_, /*resend_in_doubt=*/true);
  record_notice("n-doubt");
  DeliveryReport r = deliver(*publisher, true);
  EXPECT_EQ(r.sent, 1);
  EXPECT_EQ(count_of(server.bodies(), "n-doubt"), 2u);
  EXPECT_TRUE(store_->unsent().empty());
}

// When every attempt goes unanswered the notice stays claimed; the next cycle after the lease resends it,
// saying in the message that it may be a duplicate.
TEST_F(InDoubt, InDoubtNoticeResentAfterTheLeaseSaysItMayBeADuplicate) {
  LoopbackSns server({Reply::Drop, Reply::Drop, Reply::Drop, Reply::Ok});
  auto publisher = make_sns_publisher(sns_config(server), topic_, /*resend_in_doubt=*/true);
  record_notice("n-doubt");
  DeliveryReport first = deliver(*publisher, true);
  EXPECT_EQ(first.in_doubt, 1);
  EXPECT_EQ(first.failed, 0);
  ASSERT_EQ(server.bodies().size(), 3u);
  EXPECT_EQ(count_of(server.bodies(), "may%20be%20a%20duplicate"), 0u);

  now_ += 200;
  DeliveryReport second = deliver(*publisher, true);
  EXPECT_EQ(second.sent, 1);
  EXPECT_EQ(second.resent_in_doubt, 1);
  ASSERT_EQ(server.bodies().size(), 4u);
  EXPECT_EQ(count_of({server.bodies().back()}, "may%20be%20a%20duplicate"), 1u) << server.bodies().back();
  EXPECT_EQ(count_of({server.bodies().back()}, "pingwatch.possible_duplicate"), 1u);
}

// A 5xx from SNS may come after the message was accepted: in doubt, not refused, and under at-most-once
// not retried by the client either.
TEST_F(InDoubt, ServerErrorIsInDoubtNotRefused) {
  LoopbackSns server({Reply::ServerError});
  auto publisher = make_sns_publisher(sns_config(server), topic_, /*resend_in_doubt=*/false);
  record_notice("n-500");
  DeliveryReport r = deliver(*publisher, false);
  EXPECT_EQ(r.in_doubt, 1);
  EXPECT_EQ(r.failed, 0);
  EXPECT_EQ(server.bodies().size(), 1u);
}
