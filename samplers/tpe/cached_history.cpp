// The study folded incrementally over StudyView::finished_order: a finished trial never
// changes, so each one is indexed once — into the ranking, the search-space summaries and
// one observation column per parameter (dense by trial number, plus a copy kept sorted by
// working value for the univariate bandwidth rule). An ask then reads columns instead of
// trials, in time proportional to the observations it uses.
#include <algorithm>
#include <cmath>
#include <limits>

#include "samplers/tpe/search_space_groups.hpp"
#include "samplers/tpe/split.hpp"
#include "samplers/tpe/trial_history.hpp"

namespace hpod::tpe {

namespace {

constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();

bool is_used(const FrozenTrial& t) { return t.state == TrialState::kComplete || t.state == TrialState::kPruned; }

double working_value(const TrialParam& p) { return is_log(p.distribution) ? std::log(p.internal) : p.internal; }

class CachedHistory final : public TrialHistory {
 public:
  explicit CachedHistory(StudyDirection direction) : direction_(direction) {}

  bool follows(const StudyView& study) const override {
    const auto& order = study.finished_order();
    return study.name() == name_ && order.size() >= folded_.size() &&
           std::equal(folded_.begin(), folded_.end(), order.begin());
  }

  void sync(const StudyView& study) override {
    if (!follows(study)) *this = CachedHistory(direction_);
    name_ = study.name();
    const auto& order = study.finished_order();
    // Many new trials (a cold cache): append, then sort once, instead of sorted inserts.
    const bool bulk = order.size() - folded_.size() > 64;
    for (std::size_t i = folded_.size(); i < order.size(); ++i) {
      folded_.push_back(order[i]);
      const FrozenTrial* t = study.trial(order[i]);
      if (t && is_used(*t)) add(*t, bulk);
    }
    if (bulk) {
      std::sort(used_.begin(), used_.end());
      std::sort(ranking_.begin(), ranking_.end());
      for (auto& [name, c] : columns_) std::sort(c.by_work.begin(), c.by_work.end());
    }
  }

  int n_used() const override { return static_cast<int>(used_.size()); }

  std::vector<int> best(int n) const override {
    std::vector<int> out;
    for (std::size_t i = 0; i < ranking_.size() && static_cast<int>(i) < n; ++i) out.push_back(ranking_[i].number);
    std::sort(out.begin(), out.end());
    return out;
  }

  SearchSpace intersection() const override { return intersection_; }

  std::vector<SearchSpace> groups() const override { return groups_.groups(); }

  void observations(const ParamSet& params, const std::vector<int>& below,
                    const std::vector<const FrozenTrial*>& running, bool sort_above, Observations& below_out,
                    Observations& above_out) const override;

 private:
  struct Column {
    std::vector<double> value;     // by trial number; kAbsent where the trial lacks it
    std::vector<int> dist_id;      // by trial number, index into dists
    std::vector<Distribution> dists;
    std::vector<std::pair<double, int>> by_work;  // (working value, number) ascending; numeric only
    std::size_t present = 0;  // used trials that have it
  };

  // `append`: leave the sorted vectors unsorted (sync sorts them after a bulk catch-up).
  void add(const FrozenTrial& t, bool append);
  static int intern(Column& c, const Distribution& d);

  // Rows of the previous call, when they are the same for every parameter set: a fixed
  // search space and no running trials. Univariate TPE asks once per parameter with the
  // same `below`, so the rows (and their index in row_of_number_) are made once per ask.
  struct RowMemo {
    std::size_t folded = std::numeric_limits<std::size_t>::max();  // folded_.size() when made
    std::vector<int> below, lo, hi;
    bool rows_indexed = false;  // row_of_number_ holds hi's rows
  };
  // Drops the memo, and its rows from row_of_number_.
  void forget_rows() const;

  StudyDirection direction_;
  std::string name_;
  std::vector<int> folded_;  // the finished_order prefix consumed
  std::vector<int> used_;    // ascending numbers
  std::vector<RankKey> ranking_;
  bool any_used_ = false;
  SearchSpace intersection_;
  GroupIndex groups_;
  std::map<std::string, Column, std::less<>> columns_;
  // Scratch for observations(): −1 except for the memo's rows while it holds them.
  mutable std::vector<int> row_of_number_;
  mutable RowMemo memo_;
};

void CachedHistory::forget_rows() const {
  if (memo_.rows_indexed)
    for (int n : memo_.hi) row_of_number_[static_cast<std::size_t>(n)] = -1;
  memo_ = RowMemo{};
}

int CachedHistory::intern(Column& c, const Distribution& d) {
  for (std::size_t i = 0; i < c.dists.size(); ++i)
    if (c.dists[i] == d) return static_cast<int>(i);
  c.dists.push_back(d);
  return static_cast<int>(c.dists.size()) - 1;
}

// Inserts `v` into the sorted vector `into`, or appends it.
template <typename T>
void place(std::vector<T>& into, const T& v, bool append) {
  into.insert(append ? into.end() : std::upper_bound(into.begin(), into.end(), v), v);
}

void CachedHistory::add(const FrozenTrial& t, bool append) {
  const int n = t.number;
  place(used_, n, append);
  place(ranking_, rank_key(t, direction_), append);

  if (!any_used_) {
    for (auto& [name, p] : t.params) intersection_.emplace(name, p.distribution);
    any_used_ = true;
  } else {
    for (auto it = intersection_.begin(); it != intersection_.end();) {
      const TrialParam* p = t.param(it->first);
      it = (!p || !(p->distribution == it->second)) ? intersection_.erase(it) : std::next(it);
    }
  }
  groups_.add(t);

  const auto size = static_cast<std::size_t>(n) + 1;
  for (auto& [name, p] : t.params) {
    Column& c = columns_[name];
    if (c.value.size() < size) {
      c.value.resize(size, kAbsent);
      c.dist_id.resize(size, 0);
    }
    c.value[static_cast<std::size_t>(n)] = p.internal;
    ++c.present;
    c.dist_id[static_cast<std::size_t>(n)] = intern(c, p.distribution);
    if (!is_categorical(p.distribution)) place(c.by_work, std::pair<double, int>{working_value(p), n}, append);
  }
}

void CachedHistory::observations(const ParamSet& params, const std::vector<int>& below,
                                 const std::vector<const FrozenTrial*>& running, bool sort_above,
                                 Observations& below_out, Observations& above_out) const {
  const std::size_t d = params.names.size();
  std::vector<const Column*> cols(d, nullptr);
  std::vector<std::vector<char>> compatible_id(d);
  for (std::size_t j = 0; j < d; ++j) {
    auto it = columns_.find(params.names[j]);
    if (it == columns_.end()) continue;
    cols[j] = &it->second;
    for (const Distribution& dist : it->second.dists)
      compatible_id[j].push_back(compatible(dist, params.distributions[j]) ? 1 : 0);
  }
  auto has_all = [&](int n) {
    const auto i = static_cast<std::size_t>(n);
    for (std::size_t j = 0; j < d; ++j) {
      const Column* c = cols[j];
      if (!c || i >= c->value.size() || std::isnan(c->value[i]) || !compatible_id[j][static_cast<std::size_t>(c->dist_id[i])])
        return false;
    }
    return true;
  };

  // Every used trial has every parameter, compatibly (a fixed search space): no checks.
  bool complete = true;
  for (std::size_t j = 0; j < d; ++j) {
    complete = complete && cols[j] && cols[j]->present == used_.size();
    for (char ok : compatible_id[j]) complete = complete && ok;
  }

  // Rows in number order: used trials (values from the columns) merged with running ones
  // (values from the trials; `extra` holds their row and trial).
  std::vector<int>& lo = below_out.numbers;
  std::vector<int>& hi = above_out.numbers;
  std::vector<std::pair<int, const FrozenTrial*>> extra;
  const bool memo_fits = complete && running.empty();
  const bool reuse = memo_fits && memo_.folded == folded_.size() && memo_.below == below;
  if (reuse) {
    lo = memo_.lo;
    hi = memo_.hi;
  } else {
    forget_rows();
    lo.clear();
    hi.clear();
    for (int n : below)
      if (has_all(n)) lo.push_back(n);
    hi.reserve(used_.size() + running.size());
    auto b = below.begin();
    auto r = running.begin();
    auto take_running_before = [&](int limit) {
      for (; r != running.end() && (*r)->number < limit; ++r) {
        if (!has_params(**r, params)) continue;
        extra.push_back({static_cast<int>(hi.size()), *r});
        hi.push_back((*r)->number);
      }
    };
    for (int n : used_) {
      if (r != running.end() && (*r)->number < n) take_running_before(n);
      while (b != below.end() && *b < n) ++b;
      if (b != below.end() && *b == n) continue;
      if (complete || has_all(n)) hi.push_back(n);
    }
    take_running_before(std::numeric_limits<int>::max());
    if (memo_fits) {
      memo_.folded = folded_.size();
      memo_.below = below;
      memo_.lo = lo;
      memo_.hi = hi;
    }
  }

  // Running trials may have a parameter no finished trial has: then no column exists.
  static const Column kEmpty;
  for (auto& c : cols)
    if (!c) c = &kEmpty;
  auto fill = [&](Observations& out, const std::vector<std::pair<int, const FrozenTrial*>>& from_trials) {
    const auto n = static_cast<Eigen::Index>(out.numbers.size());
    out.parzen.values.resize(n, static_cast<Eigen::Index>(d));
    out.parzen.sorted_rows.clear();
    for (std::size_t j = 0; j < d; ++j) {
      double* col = out.parzen.values.col(static_cast<Eigen::Index>(j)).data();
      const double* value = cols[j]->value.data();
      Eigen::Index i = 0;
      for (auto& [row, t] : from_trials) {
        for (; i < row; ++i) col[i] = value[out.numbers[static_cast<std::size_t>(i)]];
        col[i++] = t->param(params.names[j])->internal;
      }
      for (; i < n; ++i) col[i] = value[out.numbers[static_cast<std::size_t>(i)]];
    }
  };
  fill(below_out, {});
  fill(above_out, extra);
  if (!sort_above) return;

  // The above rows in (working value, number) order: the column's sorted copy filtered
  // to the rows taken, merged with the running trials' values.
  // Sized for every number it is indexed with: the rows and the columns' entries.
  const int largest = std::max(hi.empty() ? -1 : hi.back(), used_.empty() ? -1 : used_.back());
  if (row_of_number_.size() <= static_cast<std::size_t>(largest + 1))
    row_of_number_.resize(static_cast<std::size_t>(largest) + 1, -1);
  if (!(reuse && memo_.rows_indexed)) {
    for (std::size_t i = 0; i < hi.size(); ++i) row_of_number_[static_cast<std::size_t>(hi[i])] = static_cast<int>(i);
    memo_.rows_indexed = memo_fits;
  }
  auto& sorted = above_out.parzen.sorted_rows;
  sorted.assign(d, {});
  std::vector<std::pair<double, int>> running_rows;  // (working value, row)
  for (std::size_t j = 0; j < d; ++j) {
    if (is_categorical(params.distributions[j])) continue;
    running_rows.clear();
    for (auto& [row, t] : extra) running_rows.push_back({working_value(*t->param(params.names[j])), row});
    // Rows are in number order, so (value, row) orders ties by number as the column does.
    std::sort(running_rows.begin(), running_rows.end());
    auto& out = sorted[j];
    out.reserve(hi.size());
    auto rr = running_rows.begin();
    for (const auto& [w, n] : cols[j]->by_work) {
      const int row = row_of_number_[static_cast<std::size_t>(n)];
      if (row < 0) continue;
      for (; rr != running_rows.end() && (rr->first < w || (rr->first == w && rr->second < row)); ++rr)
        out.push_back(rr->second);
      out.push_back(row);
    }
    for (; rr != running_rows.end(); ++rr) out.push_back(rr->second);
  }
  if (!memo_fits)
    for (int n : hi) row_of_number_[static_cast<std::size_t>(n)] = -1;
}

}  // namespace

std::unique_ptr<TrialHistory> make_cached_history(StudyDirection direction) {
  return std::make_unique<CachedHistory>(direction);
}

}  // namespace hpod::tpe
