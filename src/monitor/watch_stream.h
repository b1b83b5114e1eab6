#pragma once
// A full inventory in flat memory (issue 14 §7): the listing held once compactly (ListedNodes), the stored
// records streamed from the store a chunk at a time, each chunk judged by core::evaluate_cycle (which judges
// every node on its own record and listing alone, so chunks decide exactly what one whole call would), and
// only the records the commit writes kept. Nodes with a transition are judged last, together, after EC2's
// word on them, as decide() does for a whole state.
#include <vector>

#include "core/transitions.h"
#include "monitor/state_store.h"
#include "monitor/watch.h"

namespace pingwatch::monitor {

struct StreamedInventory {
  StoredState loaded;       // the meta, and the stored records the commit changes, removes or moves
  core::WatchState next;    // the next meta, and the records the commit writes (changed or misplaced)
  std::vector<core::Transition> transitions;   // in instance-id order
  core::FleetCounts counts;                    // every node of the next state, and the transitions
  long nodes_known = 0;
  long nodes_listed = 0;
  bool complete = true;
  double server_time = 0;
};

// Requires store.streams_records().
StreamedInventory stream_full_inventory(StateStore& store, FleetReader& reader, const WatchSettings& settings);

}  // namespace pingwatch::monitor
