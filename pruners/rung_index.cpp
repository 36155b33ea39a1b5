#include "pruners/rung_index.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "hpod/distributions.hpp"

namespace hpod {

namespace {
constexpr std::string_view kRungPrefix = "completed_rung_";
}

std::string completed_rung_key(int rung) { return std::string(kRungPrefix) + std::to_string(rung); }

std::optional<int> parse_completed_rung_key(std::string_view key) {
  if (key.substr(0, kRungPrefix.size()) != kRungPrefix) return std::nullopt;
  std::string_view digits = key.substr(kRungPrefix.size());
  int k = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), k);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || k < 0) return std::nullopt;
  return k;
}

void RungIndex::add_from_attrs(const FrozenTrial& trial) {
  for (const auto& [key, text] : trial.system_attrs) {
    auto k = parse_completed_rung_key(key);
    // Rung 64 would need a promotion step beyond 2^64: such a key is not Optuna's.
    if (!k || *k > 63) continue;
    auto v = parse_python_json_float(text);
    if (v && !std::isnan(*v)) set(*k, trial.number, *v);
  }
}

void RungIndex::set(int rung, int number, double value) {
  if (static_cast<std::size_t>(rung) >= rungs_.size()) rungs_.resize(static_cast<std::size_t>(rung) + 1);
  Rung& r = rungs_[static_cast<std::size_t>(rung)];
  auto [it, inserted] = r.by_trial.try_emplace(number, value);
  if (!inserted) {
    r.values.erase(it->second);
    it->second = value;
  }
  r.values.insert(value);
}

const SortedValues& RungIndex::rung(int k) const {
  static const SortedValues kEmpty;
  if (k < 0 || static_cast<std::size_t>(k) >= rungs_.size()) return kEmpty;
  return rungs_[static_cast<std::size_t>(k)].values;
}

}  // namespace hpod
