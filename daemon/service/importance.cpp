#include "daemon/service/importance.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "hpod/search_space.hpp"

namespace hpod {

namespace {

// splitmix64: a small, portable generator (std distributions differ between libraries).
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

struct Node {
  int feature = -1;  // -1: leaf
  double threshold = 0;
  int left = -1, right = -1;
  double value = 0;  // weighted mean of the node's targets
};

// One regression tree on a bootstrap sample (weights = how often each row was drawn).
// Rows are kept sorted by every feature at once: a node is the same range [b, e) in each
// feature's order, and a split partitions every order stably, so no node sorts.
class TreeBuilder {
 public:
  TreeBuilder(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
              const std::vector<std::vector<int>>& sorted, const std::vector<double>& w, const ImportanceOptions& o,
              Rng& rng)
      : x_(x), y_(y), w_(w), o_(o), rng_(rng), left_(y.size(), 0) {
    order_.resize(x.size());
    for (std::size_t f = 0; f < x.size(); ++f)
      for (int i : sorted[f])
        if (w[static_cast<std::size_t>(i)] > 0) order_[f].push_back(i);
    tmp_.resize(order_.empty() ? 0 : order_[0].size());
    features_.resize(x.size());
    std::iota(features_.begin(), features_.end(), 0);
  }

  std::vector<Node> build() {
    if (!order_.empty() && !order_[0].empty()) grow(0, order_[0].size(), 0);
    return std::move(nodes_);
  }

 private:
  int grow(std::size_t b, std::size_t e, int depth) {
    int id = static_cast<int>(nodes_.size());
    nodes_.emplace_back();
    double W = 0, S = 0, Q = 0;
    for (std::size_t k = b; k < e; ++k) {
      int i = order_[0][k];
      double wi = w_[static_cast<std::size_t>(i)], yi = y_[static_cast<std::size_t>(i)];
      W += wi;
      S += wi * yi;
      Q += wi * yi * yi;
    }
    nodes_[static_cast<std::size_t>(id)].value = S / W;
    double sse = Q - S * S / W;
    if (depth >= o_.max_depth || e - b < static_cast<std::size_t>(std::max(o_.min_samples_split, 2)) ||
        sse <= 1e-12 * std::max(1.0, std::abs(Q)))
      return id;

    // The best split over all features (visited in a random order, so ties go to a
    // random feature as in a random forest).
    for (std::size_t k = features_.size(); k > 1; --k) std::swap(features_[k - 1], features_[rng_.below(k)]);
    double best_gain = S * S / W * (1 + 1e-12) + 1e-300;
    int best_f = -1;
    std::size_t best_k = 0;
    double best_t = 0;
    const std::size_t min_leaf = static_cast<std::size_t>(std::max(o_.min_samples_leaf, 1));
    for (int f : features_) {
      const auto& ord = order_[static_cast<std::size_t>(f)];
      const auto& xf = x_[static_cast<std::size_t>(f)];
      double Wl = 0, Sl = 0;
      for (std::size_t k = b; k + 1 < e; ++k) {
        int i = ord[k];
        Wl += w_[static_cast<std::size_t>(i)];
        Sl += w_[static_cast<std::size_t>(i)] * y_[static_cast<std::size_t>(i)];
        double xa = xf[static_cast<std::size_t>(i)], xb = xf[static_cast<std::size_t>(ord[k + 1])];
        if (!(xa < xb)) continue;
        if (k + 1 - b < min_leaf || e - (k + 1) < min_leaf) continue;
        double Wr = W - Wl, Sr = S - Sl;
        double gain = Sl * Sl / Wl + Sr * Sr / Wr;
        if (gain > best_gain) {
          best_gain = gain;
          best_f = f;
          best_k = k + 1;
          best_t = 0.5 * (xa + xb);
        }
      }
    }
    if (best_f < 0) return id;

    const auto& xf = x_[static_cast<std::size_t>(best_f)];
    for (std::size_t k = b; k < e; ++k) {
      int i = order_[static_cast<std::size_t>(best_f)][k];
      left_[static_cast<std::size_t>(i)] = xf[static_cast<std::size_t>(i)] <= best_t;
    }
    for (auto& ord : order_) {
      std::size_t l = b, r = 0;
      for (std::size_t k = b; k < e; ++k) {
        int i = ord[k];
        if (left_[static_cast<std::size_t>(i)]) ord[l++] = i;
        else tmp_[r++] = i;
      }
      std::copy(tmp_.begin(), tmp_.begin() + static_cast<std::ptrdiff_t>(r), ord.begin() + static_cast<std::ptrdiff_t>(l));
    }
    nodes_[static_cast<std::size_t>(id)].feature = best_f;
    nodes_[static_cast<std::size_t>(id)].threshold = best_t;
    int l = grow(b, best_k, depth + 1);
    int r = grow(best_k, e, depth + 1);
    nodes_[static_cast<std::size_t>(id)].left = l;
    nodes_[static_cast<std::size_t>(id)].right = r;
    return id;
  }

  const std::vector<std::vector<double>>& x_;
  const std::vector<double>& y_;
  const std::vector<double>& w_;
  const ImportanceOptions& o_;
  Rng& rng_;
  std::vector<std::vector<int>> order_;
  std::vector<int> tmp_;
  std::vector<char> left_;
  std::vector<int> features_;
  std::vector<Node> nodes_;
};

struct Leaf {
  std::vector<double> lo, hi;
  double value;
  double volume;
};

void collect_leaves(const std::vector<Node>& nodes, int id, std::vector<double>& lo, std::vector<double>& hi,
                    std::vector<Leaf>& out) {
  const Node& n = nodes[static_cast<std::size_t>(id)];
  if (n.feature < 0) {
    double vol = 1;
    for (std::size_t f = 0; f < lo.size(); ++f) vol *= hi[f] - lo[f];
    out.push_back({lo, hi, n.value, vol});
    return;
  }
  auto f = static_cast<std::size_t>(n.feature);
  double saved_hi = hi[f], saved_lo = lo[f];
  hi[f] = std::clamp(n.threshold, lo[f], saved_hi);
  collect_leaves(nodes, n.left, lo, hi, out);
  hi[f] = saved_hi;
  lo[f] = std::clamp(n.threshold, saved_lo, hi[f]);
  collect_leaves(nodes, n.right, lo, hi, out);
  lo[f] = saved_lo;
}

// The fraction of the tree's variance over the unit cube explained by each feature's main
// effect. The main effect of feature f at x is the tree's mean over the other features:
// the sum, over the leaves whose interval in f contains x, of value · volume / width_f.
// A sweep over the leaves' interval ends in f evaluates it on every piece where it is
// constant.
std::vector<double> tree_main_effects(const std::vector<Leaf>& leaves, std::size_t d, bool& has_variance) {
  std::vector<double> share(d, 0.0);
  double mean = 0;
  for (const Leaf& l : leaves) mean += l.volume * l.value;
  double total = 0;
  for (const Leaf& l : leaves) total += l.volume * (l.value - mean) * (l.value - mean);
  has_variance = total > 1e-300;
  if (!has_variance) return share;
  std::vector<std::pair<double, double>> events;  // position, change of the main effect
  for (std::size_t f = 0; f < d; ++f) {
    events.clear();
    for (const Leaf& l : leaves) {
      double width = l.hi[f] - l.lo[f];
      if (width <= 0 || l.volume <= 0) continue;
      double c = l.value * l.volume / width;
      events.emplace_back(l.lo[f], c);
      events.emplace_back(l.hi[f], -c);
    }
    std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    double v = 0, effect = 0;
    for (std::size_t k = 0; k < events.size();) {
      double at = events[k].first;
      while (k < events.size() && events[k].first == at) effect += events[k++].second;
      if (k < events.size()) {
        double len = events[k].first - at;
        v += len * (effect - mean) * (effect - mean);
      }
    }
    share[f] = std::clamp(v / total, 0.0, 1.0);
  }
  return share;
}

}  // namespace

std::vector<double> fanova_importance(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                                      const ImportanceOptions& o) {
  const std::size_t d = x.size(), n = y.size();
  std::vector<double> sum(d, 0.0);
  if (d == 0 || n < 2) return sum;
  std::vector<std::vector<int>> sorted(d, std::vector<int>(n));
  for (std::size_t f = 0; f < d; ++f) {
    std::iota(sorted[f].begin(), sorted[f].end(), 0);
    std::stable_sort(sorted[f].begin(), sorted[f].end(),
                     [&](int a, int b) { return x[f][static_cast<std::size_t>(a)] < x[f][static_cast<std::size_t>(b)]; });
  }
  Rng rng{o.seed * 0x2545f4914f6cdd1dULL + 1};
  int trees_with_variance = 0;
  std::vector<double> w(n);
  std::vector<Leaf> leaves;
  for (int t = 0; t < o.n_trees; ++t) {
    std::fill(w.begin(), w.end(), 0.0);
    for (std::size_t k = 0; k < n; ++k) w[rng.below(n)] += 1;
    auto nodes = TreeBuilder(x, y, sorted, w, o, rng).build();
    if (nodes.empty()) continue;
    leaves.clear();
    std::vector<double> lo(d, 0.0), hi(d, 1.0);
    collect_leaves(nodes, 0, lo, hi, leaves);
    bool has_variance = false;
    auto share = tree_main_effects(leaves, d, has_variance);
    if (!has_variance) continue;
    ++trees_with_variance;
    for (std::size_t f = 0; f < d; ++f) sum[f] += share[f];
  }
  double total = std::accumulate(sum.begin(), sum.end(), 0.0);
  if (trees_with_variance == 0 || total <= 0) return std::vector<double>(d, 0.0);
  for (double& s : sum) s /= total;
  return sum;
}

namespace {

// [lo, hi] of a parameter on the axis the forest sees, and the position of a value.
struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  std::size_t n_choices = 0;  // categorical: slots
  double position(double internal) const {
    if (n_choices) return (internal + 0.5) / static_cast<double>(n_choices);
    double v = log ? std::log(internal) : internal;
    return std::clamp((v - lo) / (hi - lo), 0.0, 1.0);
  }
};

Axis axis_of(const Distribution& dist) {
  Axis a;
  if (auto* c = std::get_if<CategoricalDistribution>(&dist)) {
    a.n_choices = c->choices.size();
    return a;
  }
  double low, high, half_step = 0;
  if (auto* f = std::get_if<FloatDistribution>(&dist)) {
    low = f->low;
    high = f->high;
    a.log = f->log;
    if (f->step) half_step = *f->step / 2;
  } else {
    auto& i = std::get<IntDistribution>(dist);
    low = static_cast<double>(i.low);
    high = static_cast<double>(i.high);
    a.log = i.log;
    half_step = static_cast<double>(i.step) / 2;
  }
  // Each grid point owns an equal share of the axis.
  low -= half_step;
  high += half_step;
  if (a.log) {
    low = std::log(std::max(low, 1e-300));
    high = std::log(high);
  }
  a.lo = low;
  a.hi = high;
  return a;
}

}  // namespace

Result<ImportanceInput> importance_input(const StudyView& study, const ImportanceOptions& options) {
  std::vector<const FrozenTrial*> usable;
  for (const FrozenTrial* t : study.trials())
    if (t->state == TrialState::kComplete && !t->values.empty() && std::isfinite(t->values[0])) usable.push_back(t);
  ImportanceInput in;
  in.n_completed = usable.size();
  if (usable.size() < 2) return Status::FailedPrecondition("fewer than two completed trials with a finite value");
  if (options.max_trials >= 2 && usable.size() > options.max_trials) {
    std::vector<const FrozenTrial*> subset;
    for (std::size_t k = 0; k < options.max_trials; ++k)
      subset.push_back(usable[k * (usable.size() - 1) / (options.max_trials - 1)]);
    usable = std::move(subset);
  }
  SearchSpace space = intersection_search_space(study, false);
  std::vector<Axis> axes;
  for (auto& [name, dist] : space) {
    if (single(dist)) continue;
    in.names.push_back(name);
    axes.push_back(axis_of(dist));
  }
  if (in.names.empty()) return Status::FailedPrecondition("no parameter varies across the completed trials");
  in.features.assign(in.names.size(), std::vector<double>(usable.size()));
  in.y.resize(usable.size());
  for (std::size_t i = 0; i < usable.size(); ++i) {
    in.y[i] = usable[i]->values[0];
    for (std::size_t f = 0; f < in.names.size(); ++f)
      in.features[f][i] = axes[f].position(usable[i]->param(in.names[f])->internal);
  }
  return in;
}

StudyImportance compute_importance(const ImportanceInput& in, const ImportanceOptions& options) {
  StudyImportance out;
  auto imp = fanova_importance(in.features, in.y, options);
  for (std::size_t f = 0; f < in.names.size(); ++f) out.params.push_back({in.names[f], imp[f]});
  std::stable_sort(out.params.begin(), out.params.end(),
                   [](const ParamImportance& a, const ParamImportance& b) { return a.importance > b.importance; });
  out.n_trials = in.y.size();
  out.n_completed = in.n_completed;
  return out;
}

Result<StudyImportance> study_importance(const StudyView& study, const ImportanceOptions& options) {
  HPOD_ASSIGN_OR_RETURN(auto in, importance_input(study, options));
  return compute_importance(in, options);
}

}  // namespace hpod
