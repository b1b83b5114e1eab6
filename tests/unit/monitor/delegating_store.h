#pragma once
// A StateStore that hands every call to another one: tests override the one or two calls they change
// (e.g. streams_records() false, to run a real SQLite store through the whole-state path).
#include <memory>
#include <utility>

#include "monitor/state_store.h"

namespace pingwatch::testing {

class DelegatingStore : public monitor::StateStore {
 public:
  explicit DelegatingStore(std::unique_ptr<monitor::StateStore> inner) : inner_(std::move(inner)) {}
  std::string describe() const override { return inner_->describe(); }
  monitor::StoredState load() override { return inner_->load(); }
  monitor::StoredState load_meta() override { return inner_->load_meta(); }
  monitor::StoredState load_compact() override { return inner_->load_compact(); }
  std::vector<core::NodeRecord> load_records(const std::vector<std::string>& ids) override {
    return inner_->load_records(ids);
  }
  bool streams_records() const override { return inner_->streams_records(); }
  void for_each_record(const std::function<void(core::NodeRecord&& record)>& on_record) override {
    inner_->for_each_record(on_record);
  }
  bool misplaced(const core::NodeRecord& record) const override { return inner_->misplaced(record); }
  std::unique_ptr<monitor::PartCommit> begin_commit(long expected_version) override {
    return inner_->begin_commit(expected_version);
  }
  void use_policy(const core::WatchPolicy& policy) override { inner_->use_policy(policy); }
  bool commit(long expected_version, const core::WatchState& previous, const core::WatchState& next,
              const std::vector<core::Notice>& notices, double now) override {
    return inner_->commit(expected_version, previous, next, notices, now);
  }
  std::vector<monitor::OutboxEntry> unsent() override { return inner_->unsent(); }
  bool claim(const std::string& id, const std::string& owner, double now, double lease) override {
    return inner_->claim(id, owner, now, lease);
  }
  void mark_sent(const std::string& id, const std::string& message_id, double now) override {
    inner_->mark_sent(id, message_id, now);
  }
  void release(const std::string& id) override { inner_->release(id); }

 private:
  std::unique_ptr<monitor::StateStore> inner_;
};

}  // namespace pingwatch::testing
