#include "local/server.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "aws/url_parts.h"
#include "local/chaos.h"
#include "local/content_encoding.h"

namespace pingwatch::local {

namespace {

bool iequals(const std::string& a, const char* b) {
  const std::string_view bv(b);
  return a.size() == bv.size() && std::equal(a.begin(), a.end(), bv.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The request as the router reads it, from what cpp-httplib parsed.
RawRequest raw_request_of(const httplib::Request& req) {
  RawRequest raw;
  raw.method = req.method;
  raw.target = req.target.empty() ? req.path : req.target;
  raw.path = req.path;
  // The URL's own query (httplib also folds form bodies into req.params; those are the body's).
  if (const auto q = raw.target.find('?'); q != std::string::npos) {
    for (auto& [k, v] : parse_form(std::string_view(raw.target).substr(q + 1))) raw.query.emplace(k, std::move(v));
  }
  for (const auto& [k, v] : req.headers) {
    // httplib adds these for its own bookkeeping; they were not sent by the client.
    if (k == "REMOTE_ADDR" || k == "REMOTE_PORT" || k == "LOCAL_ADDR" || k == "LOCAL_PORT") continue;
    // The Content-Encoding the client sent, set aside before the body was read (see set_content_encoding_aside).
    raw.headers.emplace_back(iequals(k, kWireContentEncodingHeader) ? "Content-Encoding" : k, v);
  }
  raw.body = req.body;
  return raw;
}

// The reply as cpp-httplib sends it; a chaos cut ("drop" or "truncate", local/chaos.h) breaks the connection.
void write_reply(Response response, httplib::Response& res) {
  res.status = response.status;
  std::string content_type = "application/octet-stream";
  std::string chaos_cut;
  for (const auto& [k, v] : response.headers) {
    if (aws::find_header({{k, v}}, "content-type")) content_type = v;
    else if (aws::find_header({{k, v}}, kChaosConnectionHeader)) chaos_cut = v;
    else res.set_header(k, v);
  }
  if (chaos_cut.empty()) {
    res.set_content(std::move(response.body), content_type);
    return;
  }
  // The headers promise the whole body; the provider sends none (drop) or half (truncate) and then fails,
  // which makes cpp-httplib close the connection mid-reply.
  auto body = std::make_shared<std::string>(std::move(response.body));
  const std::size_t sent = chaos_cut == "truncate" ? body->size() / 2 : 0;
  res.set_content_provider(body->size(), content_type,
                           [body, sent](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                             if (offset < sent) {
                               sink.write(body->data() + offset, sent - offset);
                               return true;
                             }
                             return false;
                           });
}

// cpp-httplib inflates a gzip body while reading it; the SigV4 signature covers the compressed bytes, so the
// router needs those. Before the body is read (pre-routing runs first), the Content-Encoding header is moved
// aside under a private name that raw_request_of turns back; the router decodes the body itself. The Request
// is a non-const object inside httplib that its hook only passes as const.
httplib::Server::HandlerResponse set_content_encoding_aside(const httplib::Request& req, httplib::Response&) {
  auto& headers = const_cast<httplib::Request&>(req).headers;
  headers.erase(kWireContentEncodingHeader);   // only the stack itself may set it
  const auto range = headers.equal_range("Content-Encoding");
  std::vector<std::string> encodings;
  for (auto it = range.first; it != range.second; ++it) encodings.push_back(it->second);
  headers.erase(range.first, range.second);
  for (auto& e : encodings) headers.emplace(kWireContentEncodingHeader, std::move(e));
  return httplib::Server::HandlerResponse::Unhandled;
}

}  // namespace

HttpServer::HttpServer(Router& router, LocalHandler local, ServerOptions options)
    : router_(router), local_(std::move(local)), options_(options), server_(std::make_unique<httplib::Server>()) {
  const std::size_t threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_payload_max_length(options_.max_payload_bytes);
  server_->set_tcp_nodelay(true);   // replies are written in pieces: without it Nagle + delayed ACK add ~40 ms each
  server_->set_keep_alive_max_count(1000);
  server_->set_read_timeout(60, 0);
  server_->set_write_timeout(60, 0);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    RawRequest raw = raw_request_of(req);
    std::optional<Response> local_reply;
    if (raw.path.starts_with("/_local/") || raw.path == "/_local") local_reply = local_(raw);
    write_reply(local_reply ? std::move(*local_reply) : router_.route(raw), res);
  };
  // Bodies are read through a ContentReader: Debian's compiled cpp-httplib refuses form-encoded bodies over
  // 8 KB on its plain handlers, and awsQuery requests (PutMetricData from the AWS CLI or boto3) go up to 1 MB.
  auto with_body = [handler](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    httplib::Request full = req;
    reader([&full](const char* data, std::size_t length) {
      full.body.append(data, length);
      return true;
    });
    handler(full, res);
  };
  server_->set_pre_routing_handler(set_content_encoding_aside);
  server_->Get(".*", handler);
  server_->Post(".*", with_body);
  server_->Put(".*", with_body);
  server_->Delete(".*", handler);
  server_->Patch(".*", with_body);
  server_->Options(".*", handler);
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::bind(const std::string& host, int port) {
  if (port == 0) {
    const int bound = server_->bind_to_any_port(host);
    if (bound <= 0) throw std::runtime_error("cannot listen on " + host + ": no free port");
    return bound;
  }
  if (!server_->bind_to_port(host, port)) {
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) +
                             " (in use? pick another with --port, or --port 0 for a free one)");
  }
  return port;
}

void HttpServer::start() {
  auto returned = std::make_shared<std::atomic<bool>>(false);
  thread_ = std::thread([this, returned] {
    server_->listen_after_bind();
    *returned = true;
  });
  // cpp-httplib's stop() does nothing until the listening thread has marked the server running, so a stop that
  // came first would leave that thread accepting forever (and stop()'s join hanging): return once it runs.
  while (!server_->is_running() && !*returned) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace pingwatch::local
