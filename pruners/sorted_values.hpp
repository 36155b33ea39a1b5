// A sorted multiset of doubles with rank lookup: the per-step and per-rung indexes the
// pruners decide from. Blocks of sorted vectors keep inserts cheap and memory compact
// (8 bytes a value); a Fenwick tree over the block sizes finds the block holding a rank
// in O(log n), so a percentile or a promotion threshold costs O(log n) per decision.
#pragma once

#include <cstddef>
#include <vector>

namespace hpod {

class SortedValues {
 public:
  // `v` must not be NaN (callers count NaN separately).
  void insert(double v);
  // Many values at once (index rebuild): one sort and merge instead of a search each.
  void insert_bulk(std::vector<double> values);
  // Removes one occurrence of `v`; false if there is none.
  bool erase(double v);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // The k-th smallest value (0-based), k < size().
  double operator[](std::size_t k) const;

 private:
  std::size_t block_for(double v) const;
  void rebuild_index();
  void tree_add(std::size_t block, long delta);

  std::vector<std::vector<double>> blocks_;
  // blocks_[i].back(), contiguous: the block search touches one array instead of every
  // block's heap storage (cache misses dominated inserts into cold indexes).
  std::vector<double> maxes_;
  std::vector<long> tree_;  // Fenwick tree over blocks_[i].size(), 1-based
  std::size_t size_ = 0;
};

}  // namespace hpod
