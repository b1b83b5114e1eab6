#pragma once
// A full inventory in flat memory (issue 14 §7): the listing held once compactly (ListedNodes), the stored
// records streamed from the store a chunk at a time, each chunk judged by core::evaluate_cycle (which judges
// every node on its own record and listing alone, so chunks decide exactly what one whole call would), and
// only the records the commit writes kept. Nodes with a transition are judged last, together, after EC2's
// word on them, as decide() does for a whole state.
#include <memory>
#include <vector>

#include "core/transitions.h"
#include "monitor/state_store.h"
#include "monitor/watch.h"

namespace pingwatch::monitor {

// What a commit writes, as the stores count it (state_store.h): changed records, removed ones, records that
// move between cold and hot (DynamoDB).
struct WriteCounts {
  long written = 0;
  long removed = 0;
  long moved = 0;
};
// Adds what a commit of `next` over `previous` writes to `counts`.
void count_writes(const core::WatchState& previous, const core::WatchState& next, const core::WatchPolicy& policy,
                  WriteCounts& counts);

struct StreamedInventory {
  StoredState loaded;       // the meta, and the stored records the commit changes, removes or moves
  core::WatchState next;    // the next meta, and the records the commit writes (changed or misplaced)
  std::vector<core::Transition> transitions;   // in instance-id order
  core::FleetCounts counts;                    // every node of the next state, and the transitions
  long nodes_known = 0;
  long nodes_listed = 0;
  bool complete = true;
  double server_time = 0;
  // With a part commit the records went to it as they were judged (loaded and next hold none), counted here.
  std::unique_ptr<PartCommit> part;
  WriteCounts written;
};

// Requires store.streams_records(). `commit_in_parts`: write the records as they are judged where the store
// can (StateStore::begin_commit); the caller finishes the part commit. False for a dry run.
StreamedInventory stream_full_inventory(StateStore& store, FleetReader& reader, const WatchSettings& settings,
                                        bool commit_in_parts);

}  // namespace pingwatch::monitor
