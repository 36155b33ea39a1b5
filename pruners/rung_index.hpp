// Successive Halving's bookkeeping (optuna/pruners/_successive_halving.py (4.9); docs/
// architecture.md "Stored encodings"): the system attribute
// "completed_rung_<k>" holds the value with which a trial passed rung k, as the JSON text
// Python's json.dumps writes for a float; and an index of those values per rung.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hpod/trial.hpp"
#include "pruners/sorted_values.hpp"

#include "hpod/json_float.hpp"

namespace hpod {

std::string completed_rung_key(int rung);
// k of "completed_rung_<k>", nullopt for any other key.
std::optional<int> parse_completed_rung_key(std::string_view key);

// The completed_rung_<k> values of a set of trials (a study, or one Hyperband bracket),
// per rung, sorted. A trial counts once per rung: setting its rung again replaces its value.
class RungIndex {
 public:
  // Reads a trial's completed_rung_* attributes (index rebuild, e.g. after a restart).
  // Values that do not parse, and NaN, are skipped: Optuna never writes them.
  void add_from_attrs(const FrozenTrial& trial);
  void set(int rung, int number, double value);
  // The values of rung k (empty if none).
  const SortedValues& rung(int k) const;

 private:
  struct Rung {
    SortedValues values;
    std::unordered_map<int, double> by_trial;
  };
  std::vector<Rung> rungs_;
};

}  // namespace hpod
