// Partitioned listing: cells + closure + census (node_listing.h; the coverage argument is in
// docs/architecture.md, "Partitioned inventory").
#include "monitor/node_listing.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "aws/error.h"
#include "monitor/rate_limiter.h"

namespace pingwatch::monitor {

namespace {

// What the last inventory of one scope listed: each node's (AgentVersion, PlatformType), and where the
// census chain resumes. Immutable once published; a listing builds the next one.
struct Catalog {
  std::vector<std::pair<std::string, std::string>> kinds;   // distinct (AgentVersion, PlatformType)
  std::unordered_map<std::string, std::uint32_t> nodes;     // instance id -> index in kinds
  std::string census_token;                                 // empty: the next census starts a new pass
  bool valid = false;                                       // some listing of this scope was complete
};

std::mutex catalogs_mutex;
std::map<std::string, std::shared_ptr<const Catalog>>& catalogs() {
  static std::map<std::string, std::shared_ptr<const Catalog>> all;
  return all;
}

std::shared_ptr<const Catalog> load_catalog(const std::string& key) {
  std::lock_guard lock(catalogs_mutex);
  auto it = catalogs().find(key);
  return it == catalogs().end() ? std::make_shared<const Catalog>() : it->second;
}

void store_catalog(const std::string& key, std::shared_ptr<const Catalog> catalog) {
  std::lock_guard lock(catalogs_mutex);
  catalogs()[key] = std::move(catalog);
}

enum class Chain { Cell, Closure, Census };

class Listing {
 public:
  Listing(aws::SsmClient& ssm, const ListingOptions& options, const NodePageCallback& on_page)
      : ssm_(ssm), options_(options), on_page_(on_page) {
    if (options_.max_calls_per_second > 0) limiter_.emplace(options_.max_calls_per_second);
  }

  ListingReport run(const Catalog& old) {
    // Cells and the census run side by side: with a bound of one call in flight there is only the chain.
    const bool partition = old.valid && options_.concurrency >= 2;
    const auto cells = partition ? plan_listing_cells(counts(old), workers(), options_.page_size) : std::vector<ListingCell>{};
    report_.cells = static_cast<int>(cells.size());
    if (cells.empty()) {   // cold (or nothing catalogued): the census is the listing, read to its end
      next_census_token_ = "";
      const bool finished = run_chain(request({}, ""), Chain::Census);
      report_.census_pass_finished = finished;
      report_.complete = finished && report_.errors.empty() && !report_.deadline_reached;
      return std::move(report_);
    }
    next_census_token_ = old.census_token;
    std::thread census([&] { run_census(old.census_token); });
    std::vector<aws::DescribeInstanceInformationRequest> requests;
    for (const auto& c : cells) requests.push_back(request(c.filters, ""));
    bool all_finished = run_all(requests, Chain::Cell);
    if (all_finished) all_finished = run_all(closure_requests(old), Chain::Closure);
    stop_census_ = true;
    census.join();
    report_.complete = all_finished && report_.errors.empty() && !report_.deadline_reached;
    return std::move(report_);
  }

  // The catalog the next listing plans from: what this one listed; an incomplete listing keeps the old entries
  // it did not see (still to be asked for by id).
  std::shared_ptr<const Catalog> next_catalog(const Catalog& old, bool complete) {
    auto next = std::make_shared<Catalog>();
    next->kinds = std::move(kinds_);
    next->nodes = std::move(listed_);
    if (!complete) {
      std::map<std::pair<std::string, std::string>, std::uint32_t> index;
      for (std::uint32_t i = 0; i < next->kinds.size(); ++i) index[next->kinds[i]] = i;
      for (const auto& [id, kind] : old.nodes) {
        if (next->nodes.count(id)) continue;
        auto [it, added] = index.emplace(old.kinds[kind], static_cast<std::uint32_t>(next->kinds.size()));
        if (added) next->kinds.push_back(old.kinds[kind]);
        next->nodes.emplace(id, it->second);
      }
    }
    next->census_token = next_census_token_;
    next->valid = complete || old.valid;
    return next;
  }

 private:
  int workers() const { return std::max(1, options_.concurrency - 1); }   // one slot is the census's

  static std::map<std::pair<std::string, std::string>, long> counts(const Catalog& c) {
    std::vector<long> per_kind(c.kinds.size(), 0);
    for (const auto& [id, kind] : c.nodes) ++per_kind[kind];
    std::map<std::pair<std::string, std::string>, long> out;
    for (std::size_t i = 0; i < c.kinds.size(); ++i) out[c.kinds[i]] += per_kind[i];
    return out;
  }

  aws::DescribeInstanceInformationRequest request(std::vector<aws::SsmFilter> filters, std::string token) const {
    aws::DescribeInstanceInformationRequest r;
    r.filters = std::move(filters);
    r.max_results = options_.page_size;
    r.next_token = std::move(token);
    return r;
  }

  // Catalogued nodes no cell (nor the census) returned: moved to an unforeseen value, or gone. 50 ids a call.
  std::vector<aws::DescribeInstanceInformationRequest> closure_requests(const Catalog& old) {
    std::vector<std::string> missing;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [id, kind] : old.nodes) {
        if (!listed_.count(id)) missing.push_back(id);
      }
    }
    std::sort(missing.begin(), missing.end());
    {
      std::lock_guard lock(mutex_);
      report_.closure_ids = static_cast<long>(missing.size());
    }
    std::vector<aws::DescribeInstanceInformationRequest> out;
    for (std::size_t i = 0; i < missing.size(); i += 50) {
      std::vector<std::string> batch(missing.begin() + static_cast<std::ptrdiff_t>(i),
                                     missing.begin() + static_cast<std::ptrdiff_t>(std::min(missing.size(), i + 50)));
      out.push_back(request({{"InstanceIds", std::move(batch)}}, ""));
    }
    return out;
  }

  // Runs the chains on at most workers() threads, longest first; true when every one reached its last page.
  bool run_all(const std::vector<aws::DescribeInstanceInformationRequest>& requests, Chain kind) {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> all_finished{true};
    auto work = [&] {
      for (std::size_t i = next++; i < requests.size(); i = next++) {
        if (!run_chain(requests[i], kind)) all_finished = false;
      }
    };
    std::vector<std::thread> pool;
    const auto n = std::min<std::size_t>(static_cast<std::size_t>(workers()), requests.size());
    for (std::size_t t = 1; t < n; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    return all_finished;
  }

  void run_census(const std::string& token) {
    if (run_chain(request({}, token), Chain::Census)) report_.census_pass_finished = true;
  }

  // Waits for the rate bound; false when no call may start (deadline, another chain failed, census stopped).
  bool may_call(Chain kind) {
    if (abort_ || (kind == Chain::Census && stop_census_ && report_.cells > 0)) return false;
    const auto deadline = options_.deadline;
    const bool counts_for_deadline = kind != Chain::Census || report_.cells == 0;
    if (std::chrono::steady_clock::now() >= deadline || (limiter_ && !limiter_->acquire_before(deadline))) {
      if (counts_for_deadline) {
        std::lock_guard lock(mutex_);
        report_.deadline_reached = true;
      }
      return false;
    }
    return true;
  }

  bool run_chain(aws::DescribeInstanceInformationRequest req, Chain kind) {
    bool finished = false;
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        if (!may_call(kind)) return false;
        ssm_.for_each_instance_information_page(req, [&](const aws::DescribeInstanceInformationPage& page) {
          deliver(page, kind);
          if (page.next_token.empty()) {
            finished = true;
            return false;
          }
          return may_call(kind);
        });
        return finished;
      } catch (const aws::AwsError& e) {
        // A census token kept since the last listing may have expired: start the pass again, once.
        if (kind == Chain::Census && attempt == 0 && e.code == "InvalidNextToken" && !req.next_token.empty()) {
          req.next_token.clear();
          continue;
        }
        fail(e.what(), kind);
      } catch (const std::exception& e) {
        fail(e.what(), kind);
      }
      return false;
    }
    return false;
  }

  void fail(const std::string& what, Chain kind) {
    std::lock_guard lock(mutex_);
    report_.errors.push_back("DescribeInstanceInformation: " + what);
    if (report_.pages == 0) report_.could_not_start = true;
    if (kind != Chain::Census) abort_ = true;   // the listing is incomplete anyway: stop spending calls
  }

  // Hands the page on with the nodes already delivered removed; one thread at a time.
  void deliver(const aws::DescribeInstanceInformationPage& page, Chain kind) {
    std::lock_guard lock(mutex_);
    ++report_.pages;
    report_.could_not_start = false;
    if (kind == Chain::Census) {
      ++report_.census_pages;
      next_census_token_ = page.next_token;
    }
    aws::DescribeInstanceInformationPage fresh;
    fresh.next_token = page.next_token;
    fresh.server_time = page.server_time;
    fresh.request_id = page.request_id;
    for (const auto& node : page.nodes) {
      if (!listed_.emplace(node.instance_id, kind_of(node)).second) {
        ++report_.duplicates;
        continue;
      }
      fresh.nodes.push_back(node);
    }
    report_.nodes += static_cast<long>(fresh.nodes.size());
    if (kind == Chain::Closure) report_.closure_found += static_cast<long>(fresh.nodes.size());
    on_page_(fresh);
  }

  std::uint32_t kind_of(const core::ManagedNode& node) {   // caller holds mutex_
    auto key = std::make_pair(node.agent_version, node.platform_type);
    auto [it, added] = kind_index_.emplace(key, static_cast<std::uint32_t>(kinds_.size()));
    if (added) kinds_.push_back(std::move(key));
    return it->second;
  }

  aws::SsmClient& ssm_;
  const ListingOptions& options_;
  const NodePageCallback& on_page_;
  std::optional<RateLimiter> limiter_;
  std::atomic<bool> abort_{false};
  std::atomic<bool> stop_census_{false};
  std::mutex mutex_;   // everything below, and the callback
  ListingReport report_;
  std::unordered_map<std::string, std::uint32_t> listed_;
  std::vector<std::pair<std::string, std::string>> kinds_;
  std::map<std::pair<std::string, std::string>, std::uint32_t> kind_index_;
  std::string next_census_token_;
};

}  // namespace

ListingReport list_managed_nodes(aws::SsmClient& ssm, const ListingOptions& options, const NodePageCallback& on_page) {
  const auto old = options.catalog_key.empty() ? std::make_shared<const Catalog>() : load_catalog(options.catalog_key);
  Listing listing(ssm, options, on_page);
  ListingReport report = listing.run(*old);
  if (!options.catalog_key.empty()) store_catalog(options.catalog_key, listing.next_catalog(*old, report.complete));
  return report;
}

void forget_node_catalog(const std::string& catalog_key) {
  std::lock_guard lock(catalogs_mutex);
  catalogs().erase(catalog_key);
}

}  // namespace pingwatch::monitor
