#include "pruners/sorted_values.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace hpod {

namespace {
// A block splits in two when it grows past this: inserts move at most ~4 KB, and a study
// of 10,000 trials has a few dozen blocks per step.
constexpr std::size_t kMaxBlock = 512;
// Bulk loads below this size go value by value.
constexpr std::size_t kMinBulk = 64;
}  // namespace

std::size_t SortedValues::block_for(double v) const {
  // First block whose largest value is >= v (it holds the first occurrence of v, if any);
  // the last block when v is larger than everything.
  auto it = std::lower_bound(maxes_.begin(), maxes_.end(), v);
  if (it == maxes_.end()) return blocks_.size() - 1;
  return static_cast<std::size_t>(it - maxes_.begin());
}

void SortedValues::rebuild_index() {
  maxes_.resize(blocks_.size());
  tree_.assign(blocks_.size() + 1, 0);
  for (std::size_t i = 1; i <= blocks_.size(); ++i) {
    maxes_[i - 1] = blocks_[i - 1].back();
    tree_[i] += static_cast<long>(blocks_[i - 1].size());
    std::size_t parent = i + (i & (~i + 1));
    if (parent <= blocks_.size()) tree_[parent] += tree_[i];
  }
}

void SortedValues::tree_add(std::size_t block, long delta) {
  for (std::size_t i = block + 1; i < tree_.size(); i += i & (~i + 1)) tree_[i] += delta;
}

void SortedValues::insert(double v) {
  assert(!std::isnan(v));
  ++size_;
  if (blocks_.empty()) {
    blocks_.push_back({v});
    rebuild_index();
    return;
  }
  std::size_t b = block_for(v);
  auto& block = blocks_[b];
  block.insert(std::upper_bound(block.begin(), block.end(), v), v);
  if (block.size() <= kMaxBlock) {
    maxes_[b] = block.back();
    tree_add(b, 1);
    return;
  }
  std::vector<double> upper(block.begin() + static_cast<long>(block.size() / 2), block.end());
  block.resize(block.size() / 2);
  blocks_.insert(blocks_.begin() + static_cast<long>(b) + 1, std::move(upper));
  rebuild_index();
}

void SortedValues::insert_bulk(std::vector<double> values) {
  if (values.size() < kMinBulk) {
    for (double v : values) insert(v);
    return;
  }
  std::sort(values.begin(), values.end());
  std::vector<double> all;
  all.reserve(size_ + values.size());
  for (auto& block : blocks_) all.insert(all.end(), block.begin(), block.end());
  std::vector<double> merged(all.size() + values.size());
  std::merge(all.begin(), all.end(), values.begin(), values.end(), merged.begin());
  blocks_.clear();
  for (std::size_t i = 0; i < merged.size(); i += kMaxBlock / 2) {
    auto end = std::min(merged.size(), i + kMaxBlock / 2);
    blocks_.emplace_back(merged.begin() + static_cast<long>(i), merged.begin() + static_cast<long>(end));
  }
  size_ = merged.size();
  rebuild_index();
}

bool SortedValues::erase(double v) {
  if (blocks_.empty() || std::isnan(v)) return false;
  std::size_t b = block_for(v);
  auto& block = blocks_[b];
  auto it = std::lower_bound(block.begin(), block.end(), v);
  if (it == block.end() || *it != v) return false;
  block.erase(it);
  --size_;
  if (block.empty()) {
    blocks_.erase(blocks_.begin() + static_cast<long>(b));
    rebuild_index();
  } else {
    maxes_[b] = block.back();
    tree_add(b, -1);
  }
  return true;
}

double SortedValues::operator[](std::size_t k) const {
  assert(k < size_);
  // Fenwick descent: the largest prefix of blocks holding <= k values.
  std::size_t pos = 0;
  long rest = static_cast<long>(k);
  std::size_t step = 1;
  while (step * 2 <= blocks_.size()) step *= 2;
  for (; step > 0; step /= 2) {
    if (pos + step <= blocks_.size() && tree_[pos + step] <= rest) {
      pos += step;
      rest -= tree_[pos];
    }
  }
  return blocks_[pos][static_cast<std::size_t>(rest)];
}

}  // namespace hpod
