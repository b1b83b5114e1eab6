#include "monitor/alarm_memo.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <stdexcept>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>


namespace pingwatch::monitor {

AlarmMemoStore::AlarmMemoStore(std::string path) : path_(std::move(path)) {
  if (path_.empty() || !std::filesystem::exists(path_)) return;
  std::ifstream in(path_);
  std::stringstream text;
  text << in.rdbuf();
  try {
    const auto j = nlohmann::json::parse(text.str());
    for (const auto& [scope, m] : j.at("alarm_checks").items()) {
      memos_.push_back({scope, AlarmMemo{m.at("fingerprint").get<std::string>(), m.at("checked_at").get<double>()}});
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format(
        "sync-alarms state file {} is not pingwatch's JSON ({}): delete it (the next cycle checks every alarm "
        "and writes it again) or pass another --state",
        path_, e.what()));
  }
}

std::optional<AlarmMemo> AlarmMemoStore::get(const std::string& scope) const {
  std::lock_guard lock(mutex_);
  for (const auto& [s, m] : memos_) {
    if (s == scope) return m;
  }
  return std::nullopt;
}

void AlarmMemoStore::put(const std::string& scope, const AlarmMemo& memo) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(memos_.begin(), memos_.end(), [&](const auto& e) { return e.first == scope; });
  if (it != memos_.end()) {
    it->second = memo;
  } else {
    memos_.push_back({scope, memo});
  }
  save_locked();
}

void AlarmMemoStore::forget(const std::string& scope) {
  std::lock_guard lock(mutex_);
  const auto before = memos_.size();
  std::erase_if(memos_, [&](const auto& e) { return e.first == scope; });
  if (memos_.size() != before) save_locked();
}

void AlarmMemoStore::save_locked() const {
  if (path_.empty()) return;
  nlohmann::json j;
  j["alarm_checks"] = nlohmann::json::object();
  for (const auto& [scope, m] : memos_) {
    j["alarm_checks"][scope] = {{"fingerprint", m.fingerprint}, {"checked_at", m.checked_at}};
  }
  const auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  // Temporary file + rename: a crash leaves the old memo or the new one, never half of either.
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump() << "\n";
    if (!out) throw std::runtime_error("sync-alarms: cannot write state file " + tmp + ": check the directory's permissions");
  }
  std::filesystem::rename(tmp, path_);
}

std::string alarm_memo_scope(const Settings& s) {
  return fmt::format("{}|{}|{}|{}", s.aws.profile, s.aws.region, s.aws.endpoint_url, s.alarm.prefix);
}

namespace {

constexpr std::uint64_t kFnvOffset = 1469598103934665603ull;
constexpr std::uint64_t kFnvPrime = 1099511628211ull;

std::uint64_t fnv1a(std::string_view text, std::uint64_t h = kFnvOffset) {
  for (const char c : text) h = (h ^ static_cast<unsigned char>(c)) * kFnvPrime;
  return h;
}

std::string fingerprint_text(const std::vector<std::string>& v) { return fmt::format("{}", fmt::join(v, ",")); }
std::string fingerprint_text(const std::optional<int>& v) { return fmt::format("{}", v.value_or(-1)); }
template <class T>
std::string fingerprint_text(const T& v) { return fmt::format("{}", v); }

// Every field pingwatch sets, '|'-separated, the dimensions and tags last, each named.
std::string fingerprint_line(const core::AlarmSpec& s) {
  std::string line;
  core::for_each_alarm_field(s, s, [&line](std::string_view, const auto& field, const auto&) {
    if constexpr (!std::is_same_v<std::decay_t<decltype(field)>, std::vector<core::MetricDimension>>) {
      line += '|' + fingerprint_text(field);
    }
  });
  line.erase(0, 1);
  for (const auto& d : s.dimensions) line += "|d:" + d.name + "=" + d.value;
  for (const auto& [k, v] : s.tags) line += "|t:" + k + "=" + v;
  return line;
}

}  // namespace

std::string alarm_fingerprint(const std::vector<std::string>& instance_ids, const core::AlarmSpecOptions& options) {
  // Each alarm is reduced to a 64-bit hash of every field pingwatch sets; the sorted hashes are hashed again,
  // so equal sets give equal fingerprints in any order (8 bytes an alarm held, not the alarm).
  std::vector<std::uint64_t> hashes;
  hashes.reserve(instance_ids.size());
  for (const auto& id : instance_ids) {
    const std::string line = fingerprint_line(core::alarm_spec_for(id, options));
    hashes.push_back(fnv1a(line));
  }
  std::sort(hashes.begin(), hashes.end());
  std::uint64_t h = kFnvOffset;
  for (const auto v : hashes) h = fnv1a(std::string_view(reinterpret_cast<const char*>(&v), sizeof v), h);
  return fmt::format("{}:{:016x}", instance_ids.size(), h);
}

}  // namespace pingwatch::monitor
