#include "runtime/metrics_text.h"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace pingwatch::runtime {

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_sample_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{}", static_cast<long long>(value));
  return fmt::format("{}", value);   // shortest text that reads back as the same double
}

void MetricsText::family(std::string_view name, std::string_view type, std::string_view help) {
  // HELP text escapes only backslash and newline.
  std::string escaped;
  for (const char c : help) {
    if (c == '\\') escaped += "\\\\";
    else if (c == '\n') escaped += "\\n";
    else escaped += c;
  }
  fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, escaped, name, type);
}

void MetricsText::sample(std::string_view name, const std::vector<std::string>& label_names,
                         const LabelValues& label_values, double value) {
  if (label_names.size() != label_values.size()) {
    throw std::logic_error(fmt::format("metric {}: {} label names, {} values", name, label_names.size(), label_values.size()));
  }
  out_ += name;
  if (!label_names.empty()) {
    out_ += '{';
    for (std::size_t i = 0; i < label_names.size(); ++i) {
      if (i) out_ += ',';
      out_ += label_names[i];
      out_ += "=\"";
      out_ += escape_label_value(label_values[i]);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += format_sample_value(value);
  out_ += '\n';
}

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void CounterFamily::add(const LabelValues& labels, double amount) {
  if (amount < 0) throw std::logic_error("counter " + name_ + " cannot decrease");
  std::lock_guard lock(mutex_);
  values_[labels] += amount;
}

void CounterFamily::touch(const LabelValues& labels) {
  std::lock_guard lock(mutex_);
  values_.try_emplace(labels, 0.0);
}

void CounterFamily::write(MetricsText& out) const {
  std::map<LabelValues, double> copy;
  {
    std::lock_guard lock(mutex_);
    copy = values_;
  }
  out.family(name_, "counter", help_);
  for (const auto& [labels, value] : copy) out.sample(name_, label_names_, labels, value);
}

HistogramFamily::HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                                 std::vector<double> upper_bounds)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), bounds_(std::move(upper_bounds)) {}

void HistogramFamily::observe(const LabelValues& labels, double value) {
  std::lock_guard lock(mutex_);
  auto& s = series_[labels];
  if (s.buckets.empty()) s.buckets.assign(bounds_.size(), 0);
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) {
      ++s.buckets[i];
      break;
    }
  }
  ++s.count;
  s.sum += value;
}

void HistogramFamily::write(MetricsText& out) const {
  std::map<LabelValues, Series> copy;
  {
    std::lock_guard lock(mutex_);
    copy = series_;
  }
  out.family(name_, "histogram", help_);
  auto names = label_names_;
  names.push_back("le");
  for (const auto& [labels, s] : copy) {
    auto with_le = labels;
    with_le.push_back("");
    long cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += s.buckets[i];
      with_le.back() = format_sample_value(bounds_[i]);
      out.sample(name_ + "_bucket", names, with_le, static_cast<double>(cumulative));
    }
    with_le.back() = "+Inf";
    out.sample(name_ + "_bucket", names, with_le, static_cast<double>(s.count));
    out.sample(name_ + "_sum", label_names_, labels, s.sum);
    out.sample(name_ + "_count", label_names_, labels, static_cast<double>(s.count));
  }
}

}  // namespace pingwatch::runtime
