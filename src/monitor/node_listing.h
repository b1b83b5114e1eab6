#pragma once
// The full node inventory, listed as concurrent partitions of DescribeInstanceInformation instead of one
// chain of NextToken pages, without ever losing a node whose attributes nobody foresaw.
//
// SSM pages are sequential and its filters have no negation and no count, so a listing of "every known
// value" cannot see a node with an unknown one. Coverage therefore does not rest on the partitions alone
// (docs/architecture.md, "Partitioned inventory", gives the argument in full):
//   1. cells: disjoint AgentVersion (x PlatformType) filters planned from the catalog, the nodes the last
//      inventory of the same scope listed; balanced, run concurrently;
//   2. closure: every catalogued node no cell returned is asked for by InstanceIds (whatever its values now);
//   3. census: one unfiltered chain, concurrently, resumed where it stopped last time, lists what nothing
//      else could (a new node with an unforeseen value); with no catalog it is the whole listing.
// Every page is handed to the callback with nodes already delivered removed (each node exactly once), from
// one thread at a time.
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "aws/ssm_client.h"

namespace pingwatch::monitor {

struct ListingOptions {
  int page_size = 50;                    // MaxResults of every call
  int concurrency = 8;                   // DescribeInstanceInformation calls in flight at most (>= 2 to partition)
  double max_calls_per_second = 0;       // shared by every chain; 0: none beyond the SDK's retries and backoff
  // No call is started after this moment; the listing is then incomplete.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Whose catalog: one per (endpoint, account, region). Empty: no memory, every listing is one census chain.
  std::string catalog_key;
};

struct ListingReport {
  bool complete = false;                 // cells, closure (and a cold census) all read to their end
  bool deadline_reached = false;
  bool could_not_start = false;          // nothing could be read: the first calls failed
  long pages = 0;                        // calls answered (cells + closure + census)
  long nodes = 0;                        // distinct nodes delivered
  long duplicates = 0;                   // nodes listed twice (census overlap, a node moving cells) and dropped
  int cells = 0;
  long closure_ids = 0;                  // catalogued nodes no cell returned, asked for by id
  long closure_found = 0;                // ... and still there
  long census_pages = 0;
  bool census_pass_finished = false;     // the census chain reached its last page in this listing
  std::vector<std::string> errors;
};

using NodePageCallback = std::function<void(const aws::DescribeInstanceInformationPage&)>;

// Lists every managed node; never throws for a failed call (errors land in the report, complete = false).
ListingReport list_managed_nodes(aws::SsmClient& ssm, const ListingOptions& options, const NodePageCallback& on_page);

// The catalog of a key is process memory (a daemon, a warm Lambda container); tests start from scratch.
void forget_node_catalog(const std::string& catalog_key);

// One partition: the Filters of one chain and how many catalogued nodes it is expected to return.
struct ListingCell {
  std::vector<aws::SsmFilter> filters;
  long expected = 0;
};
// Plans cells over catalogued (AgentVersion, PlatformType) pairs: one cell per version, a big one split over
// every documented PlatformType, small ones packed together; largest first.
// counts: catalogued nodes per (AgentVersion, PlatformType). A node with no AgentVersion has no cell (the
// closure asks for it by id).
std::vector<ListingCell> plan_listing_cells(const std::map<std::pair<std::string, std::string>, long>& counts,
                                            int workers, int page_size);

}  // namespace pingwatch::monitor
