#include "monitor/watch_stream.h"

#include <algorithm>
#include <utility>

#include "monitor/listed_nodes.h"

namespace pingwatch::monitor {

namespace {

// Records judged together: small enough to cost nothing, large enough that evaluate_cycle's per-call work is noise.
constexpr std::size_t kChunk = 512;

void add_counts(std::map<std::string, long>& into, const std::map<std::string, long>& from) {
  for (const auto& [key, n] : from) into[key] += n;
}

class InventoryStream {
 public:
  InventoryStream(StateStore& store, FleetReader& reader, const WatchSettings& settings, bool commit_in_parts)
      : store_(store), reader_(reader), settings_(settings), policy_(settings.policy), commit_in_parts_(commit_in_parts) {
    out_.counts = core::count_fleet({}, {});   // every key at 0
  }

  StreamedInventory run() {
    list();
    // The meta read again right before the records, as load() reads it: the version the commit expects goes
    // with the records judged (and DynamoDB finishes a commit a crash interrupted first).
    out_.loaded = store_.load_meta();
    out_.loaded.watch.nodes.clear();
    meta_ = out_.loaded.watch;
    if (commit_in_parts_) out_.part = store_.begin_commit(out_.loaded.version);
    std::vector<core::NodeRecord> chunk;
    store_.for_each_record([&](core::NodeRecord&& record) {
      chunk.push_back(std::move(record));
      if (chunk.size() == kChunk) judge_stored(std::exchange(chunk, {}));
    });
    judge_stored(std::move(chunk));
    judge_first_sightings();
    judge_with_ec2();
    out_.next = judge({}, {}).state;   // the next meta (cycle, baseline, last full cycle), no records
    out_.next.nodes = std::move(kept_);   // moved whole: re-inserting would hold every kept record twice
    std::stable_sort(out_.transitions.begin(), out_.transitions.end(),
                     [](const core::Transition& a, const core::Transition& b) { return a.instance_id < b.instance_id; });
    const auto transition_counts = core::count_fleet({}, out_.transitions);
    add_counts(out_.counts.by_transition, transition_counts.by_transition);
    return std::move(out_);
  }

 private:
  // The whole listing, then the ignore tag, as the whole-state cycle reads them (the tag lookup's pages also
  // tell when the tagged nodes were seen: take_observed_times()).
  void list() {
    const auto end = reader_.all_nodes([&](const core::ManagedNode& n, double t) { listed_.add(n, t); });
    listed_.finish();
    out_.nodes_listed = listed_.listed();
    out_.complete = end.complete;
    out_.server_time = end.server_time;
    obs_.full = true;
    obs_.snapshot.complete = end.complete;
    obs_.snapshot.server_time = end.server_time;
    if (settings_.lookup_ignore_tag && !policy_.ignore_tag_key.empty() && end.complete) {
      obs_.ignored_ids = reader_.tagged(policy_.ignore_tag_key, policy_.ignore_tag_value);
    }
    for (const auto& [id, t] : reader_.take_observed_times()) {
      if (auto i = listed_.find(id)) listed_.set_observed_at(*i, t);
    }
  }

  core::CycleOutcome judge(std::vector<core::NodeRecord> records, const std::vector<std::size_t>& listed) {
    core::WatchState previous = meta_;
    for (auto& r : records) {
      std::string id = r.instance_id;
      previous.nodes.insert_or_assign(std::move(id), std::move(r));
    }
    obs_.snapshot.nodes.clear();
    obs_.observed_at.clear();
    for (std::size_t i : listed) {
      obs_.snapshot.nodes.push_back(listed_.node(i));
      obs_.observed_at[listed_.id(i)] = listed_.observed_at(i);
    }
    auto outcome = core::evaluate_cycle(previous, obs_, policy_);
    core::keep_unmoved_records(previous, outcome.state, policy_);   // coarse writes, as the whole-state cycle
    chunk_previous_ = std::move(previous);
    return outcome;
  }

  void judge_stored(std::vector<core::NodeRecord> records) {
    std::vector<std::size_t> listed;
    for (const auto& r : records) {
      if (auto i = listed_.find(r.instance_id)) {
        listed_.take(*i);
        listed.push_back(*i);
      }
    }
    first_pass(judge(std::move(records), listed), listed);
  }

  void judge_first_sightings() {
    std::vector<std::size_t> listed;
    for (std::size_t i = 0; i < listed_.size(); ++i) {
      if (listed_.taken(i)) continue;
      listed.push_back(i);
      if (listed.size() < kChunk) continue;
      first_pass(judge({}, listed), listed);   // two statements: judge() must see the chunk before it is cleared
      listed.clear();
    }
    first_pass(judge({}, listed), listed);
  }

  // Nodes without a transition are final now. Those with one wait (their stored record and listing kept)
  // for judge_with_ec2(): EC2's answers can change what their transitions say.
  void first_pass(core::CycleOutcome outcome, const std::vector<std::size_t>& listed) {
    std::set<std::string> waiting;
    for (const auto& t : outcome.transitions) waiting.insert(t.instance_id);
    for (const auto& id : waiting) {
      if (auto p = chunk_previous_.nodes.find(id); p != chunk_previous_.nodes.end()) {
        waiting_records_.push_back(std::move(p->second));
        chunk_previous_.nodes.erase(p);
      }
      outcome.state.nodes.erase(id);
    }
    for (std::size_t i : listed) {
      if (waiting.count(listed_.id(i))) waiting_listed_.push_back(i);
    }
    for (auto& t : outcome.transitions) first_transitions_.push_back(std::move(t));
    keep(outcome.state);
  }

  // As decide(): EC2 is asked about the nodes whose transition is notified or is a vanishing, once.
  void judge_with_ec2() {
    std::stable_sort(first_transitions_.begin(), first_transitions_.end(),
                     [](const core::Transition& a, const core::Transition& b) { return a.instance_id < b.instance_id; });
    std::vector<std::string> ids;
    for (const auto& t : first_transitions_) {
      if (t.notify || t.kind == core::TransitionKind::Vanished) ids.push_back(t.instance_id);
    }
    if (settings_.use_ec2 && !ids.empty()) {
      auto facts = reader_.ec2_facts(ids);
      obs_.vanished_reasons = std::move(facts.reasons);
      obs_.tags = std::move(facts.tags);
    }
    auto outcome = judge(std::move(waiting_records_), waiting_listed_);
    for (auto& t : outcome.transitions) out_.transitions.push_back(std::move(t));
    keep(outcome.state);
  }

  // Counts every judged node; keeps what the commit needs: records that changed, appeared or must move, and
  // the stored form of those and of the removed ones. Unchanged records are dropped here.
  void keep(core::WatchState& next) {
    const auto counts = core::count_fleet(next, {});
    add_counts(out_.counts.by_status, counts.by_status);
    add_counts(out_.counts.by_condition, counts.by_condition);
    out_.nodes_known += static_cast<long>(next.nodes.size());
    core::WatchState previous_part, next_part;
    auto& stored = chunk_previous_.nodes;
    for (auto& [id, record] : next.nodes) {
      auto p = stored.find(id);
      if (p != stored.end() && p->second == record && !store_.misplaced(record)) continue;
      if (p != stored.end()) previous_part.nodes.insert_or_assign(id, std::move(p->second));
      next_part.nodes.insert_or_assign(id, std::move(record));
    }
    for (auto& [id, record] : stored) {
      if (!next.nodes.count(id)) previous_part.nodes.insert_or_assign(id, std::move(record));
    }
    if (out_.part) {   // written now, counted, dropped
      count_writes(previous_part, next_part, policy_, out_.written);
      out_.part->write(previous_part, next_part);
      return;
    }
    out_.loaded.watch.nodes.merge(previous_part.nodes);
    kept_.merge(next_part.nodes);
  }

  StateStore& store_;
  FleetReader& reader_;
  const WatchSettings& settings_;
  const core::WatchPolicy& policy_;
  const bool commit_in_parts_;
  StreamedInventory out_;
  core::WatchState meta_;             // the stored meta, no records: each chunk's previous state starts from it
  ListedNodes listed_;
  core::Observation obs_;             // one chunk's nodes at a time; the cycle-wide facts stay
  core::WatchState chunk_previous_;   // the chunk judged last, as stored
  std::map<std::string, core::NodeRecord> kept_;
  std::vector<core::NodeRecord> waiting_records_;
  std::vector<std::size_t> waiting_listed_;
  std::vector<core::Transition> first_transitions_;
};

}  // namespace

StreamedInventory stream_full_inventory(StateStore& store, FleetReader& reader, const WatchSettings& settings,
                                        bool commit_in_parts) {
  return InventoryStream(store, reader, settings, commit_in_parts).run();
}

void count_writes(const core::WatchState& previous, const core::WatchState& next, const core::WatchPolicy& policy,
                  WriteCounts& counts) {
  const auto diff = diff_states(previous, next);
  counts.written += static_cast<long>(diff.upserts.size());
  counts.removed += static_cast<long>(diff.removals.size());
  for (const auto& [id, record] : next.nodes) {
    auto it = previous.nodes.find(id);
    if (it != previous.nodes.end() && core::is_cold(it->second, policy) != core::is_cold(record, policy)) ++counts.moved;
  }
}

}  // namespace pingwatch::monitor
