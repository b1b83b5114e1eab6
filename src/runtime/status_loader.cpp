#include "runtime/status_loader.h"

#include <chrono>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "aws/client_factory.h"
#include "monitor/watch.h"

namespace pingwatch::runtime {

NodeStateLoader::NodeStateLoader(StatusBoard& board, OpenStore open_store)
    : board_(board), open_store_(std::move(open_store)), thread_([this] { loop(); }) {}

NodeStateLoader::~NodeStateLoader() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void NodeStateLoader::request(const std::string& scope) {
  {
    std::lock_guard lock(mutex_);
    pending_.insert(scope);
  }
  cv_.notify_all();
}

void NodeStateLoader::drain() {
  std::set<std::string> scopes;
  {
    std::lock_guard lock(mutex_);
    scopes.swap(pending_);
  }
  for (const auto& s : scopes) load(s);
}

void NodeStateLoader::loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (stopping_) return;
    const std::string scope = *pending_.begin();
    pending_.erase(pending_.begin());
    lock.unlock();
    load(scope);
    lock.lock();
  }
}

void NodeStateLoader::load(const std::string& scope) {
  std::lock_guard lock(load_mutex_);
  try {
    auto& store = stores_[scope];
    if (!store) store = open_store_(scope);
    const monitor::StoredState state = store->load();
    ScopeNodes nodes;
    nodes.scope = scope;
    nodes.loaded_at = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    nodes.nodes.reserve(state.watch.nodes.size() + state.quiet.size());
    for (const auto& [id, record] : state.watch.nodes) nodes.nodes.push_back(node_view(record, scope));
    board_.set_scope_nodes(std::move(nodes));
  } catch (const std::exception& e) {
    stores_.erase(scope);   // open it afresh next time
    spdlog::warn(nlohmann::json{{"msg", "status server: cannot load the watch state; the pages keep the last one"},
                                {"scope", scope}, {"error", e.what()}}.dump());
  }
}

NodeStateLoader::OpenStore watch_state_opener(const monitor::Settings& settings) {
  monitor::ConfigSource::Inputs in;
  in.flags = settings.origin.flags;
  in.config_file = settings.origin.config_file;
  const monitor::WatchSettings watch = monitor::load_watch_settings(monitor::ConfigSource::load(std::move(in)));
  const aws::AwsOptions aws_options = settings.aws;
  return [watch, aws_options](const std::string& scope) -> std::unique_ptr<monitor::StateStore> {
    if (!watch.dynamodb_table.empty()) {
      auto client = std::make_shared<aws::DynamoDbClient>(aws::ClientFactory(aws_options).dynamodb());
      return monitor::open_dynamodb_state_store(client, watch.dynamodb_table, scope, false);
    }
    return monitor::open_sqlite_state_store(watch.state_path, scope);
  };
}

}  // namespace pingwatch::runtime
