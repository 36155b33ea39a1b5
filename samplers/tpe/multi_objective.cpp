#include "samplers/tpe/multi_objective.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace hpod::tpe {

namespace {

bool dominates(const Eigen::MatrixXd& l, int a, int b) {
  return (l.row(a).array() <= l.row(b).array()).all() && (l.row(a).array() < l.row(b).array()).any();
}

// r_j = max(1.1·w_j, 0.9·w_j) with w_j the worst loss; 0 becomes 1e-12.
Eigen::VectorXd reference_point(const Eigen::MatrixXd& points) {
  Eigen::VectorXd r = points.colwise().maxCoeff().transpose();
  for (Eigen::Index j = 0; j < r.size(); ++j) {
    r[j] = std::max(1.1 * r[j], 0.9 * r[j]);
    if (r[j] == 0) r[j] = 1e-12;
  }
  return r;
}

// Hypervolume by slicing along the last objective (fine for the small sets TPE uses).
double hv_recursive(std::vector<Eigen::VectorXd> pts, const Eigen::VectorXd& ref, Eigen::Index m) {
  if (pts.empty()) return 0.0;
  if (m == 1) {
    double best = ref[0];
    for (auto& p : pts) best = std::min(best, p[0]);
    return ref[0] - best;
  }
  if (m == 2) {
    std::sort(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]); });
    double hv = 0.0, y = ref[1];
    for (auto& p : pts) {
      if (p[1] < y) {
        hv += (ref[0] - p[0]) * (y - p[1]);
        y = p[1];
      }
    }
    return hv;
  }
  std::sort(pts.begin(), pts.end(), [m](const auto& a, const auto& b) { return a[m - 1] < b[m - 1]; });
  double hv = 0.0;
  std::vector<Eigen::VectorXd> slice;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    slice.push_back(pts[i].head(m - 1));
    const double top = i + 1 < pts.size() ? pts[i + 1][m - 1] : ref[m - 1];
    const double depth = top - pts[i][m - 1];
    if (depth > 0) hv += depth * hv_recursive(slice, ref, m - 1);
  }
  return hv;
}

std::vector<Eigen::VectorXd> rows(const Eigen::MatrixXd& m, const std::vector<int>& idx) {
  std::vector<Eigen::VectorXd> out;
  for (int i : idx) out.push_back(m.row(i).transpose());
  return out;
}

// Greedy: repeatedly the point that adds the most hypervolume (first on ties).
std::vector<int> select_by_hypervolume(const Eigen::MatrixXd& losses, const std::vector<int>& front, int k) {
  Eigen::MatrixXd pts(static_cast<Eigen::Index>(front.size()), losses.cols());
  for (std::size_t i = 0; i < front.size(); ++i) pts.row(static_cast<Eigen::Index>(i)) = losses.row(front[i]);
  const Eigen::VectorXd ref = reference_point(pts);
  std::vector<int> chosen;
  std::vector<char> taken(front.size(), 0);
  if (!ref.allFinite()) {
    for (int i = 0; i < k; ++i) chosen.push_back(front[static_cast<std::size_t>(i)]);
    return chosen;
  }
  std::vector<Eigen::VectorXd> selected;
  for (int step = 0; step < k; ++step) {
    double best = -std::numeric_limits<double>::infinity();
    std::size_t best_i = 0;
    for (std::size_t i = 0; i < front.size(); ++i) {
      if (taken[i]) continue;
      auto with = selected;
      with.push_back(pts.row(static_cast<Eigen::Index>(i)).transpose());
      const double hv = hv_recursive(with, ref, ref.size());
      if (hv > best) {
        best = hv;
        best_i = i;
      }
    }
    taken[best_i] = 1;
    selected.push_back(pts.row(static_cast<Eigen::Index>(best_i)).transpose());
    chosen.push_back(front[best_i]);
  }
  return chosen;
}

}  // namespace

double hypervolume(const Eigen::MatrixXd& points, const Eigen::VectorXd& reference) {
  std::vector<int> all(static_cast<std::size_t>(points.rows()));
  std::iota(all.begin(), all.end(), 0);
  return hv_recursive(rows(points, all), reference, reference.size());
}

std::vector<int> pareto_front(const Eigen::MatrixXd& losses, const std::vector<int>& candidates) {
  std::vector<int> front;
  for (int a : candidates) {
    bool dominated = false;
    for (int b : candidates)
      if (b != a && dominates(losses, b, a)) {
        dominated = true;
        break;
      }
    if (!dominated) front.push_back(a);
  }
  return front;
}

Eigen::VectorXd losses_of(const FrozenTrial& t, const std::vector<StudyDirection>& directions) {
  Eigen::VectorXd l(static_cast<Eigen::Index>(directions.size()));
  for (std::size_t j = 0; j < directions.size(); ++j) {
    const double v = j < t.values.size() ? t.values[j] : std::numeric_limits<double>::quiet_NaN();
    const double s = directions[j] == StudyDirection::kMaximize ? -v : v;
    l[static_cast<Eigen::Index>(j)] = std::isnan(s) ? std::numeric_limits<double>::infinity() : s;
  }
  return l;
}

BelowAbove split_multi_objective(const std::vector<const FrozenTrial*>& trials, int n_below,
                                 const std::vector<StudyDirection>& directions) {
  std::vector<const FrozenTrial*> complete;
  BelowAbove out;
  for (const FrozenTrial* t : trials) (t->state == TrialState::kComplete ? complete.push_back(t) : out.above.push_back(t->number));
  std::sort(complete.begin(), complete.end(), [](auto* a, auto* b) { return a->number < b->number; });
  n_below = std::min<int>(n_below, static_cast<int>(complete.size()));
  Eigen::MatrixXd losses(static_cast<Eigen::Index>(complete.size()), static_cast<Eigen::Index>(directions.size()));
  for (std::size_t i = 0; i < complete.size(); ++i) losses.row(static_cast<Eigen::Index>(i)) = losses_of(*complete[i], directions);

  std::vector<int> remaining(complete.size());
  std::iota(remaining.begin(), remaining.end(), 0);
  std::vector<char> is_below(complete.size(), 0);
  int placed = 0;
  while (placed < n_below) {
    const std::vector<int> front = pareto_front(losses, remaining);
    const int room = n_below - placed;
    const std::vector<int> take = static_cast<int>(front.size()) <= room ? front : select_by_hypervolume(losses, front, room);
    for (int i : take) is_below[static_cast<std::size_t>(i)] = 1;
    placed += static_cast<int>(take.size());
    std::erase_if(remaining, [&](int i) { return std::find(front.begin(), front.end(), i) != front.end(); });
  }
  for (std::size_t i = 0; i < complete.size(); ++i) (is_below[i] ? out.below : out.above).push_back(complete[i]->number);
  std::sort(out.below.begin(), out.below.end());
  std::sort(out.above.begin(), out.above.end());
  return out;
}

std::vector<double> motpe_below_weights(const Eigen::MatrixXd& losses) {
  const auto n = static_cast<std::size_t>(losses.rows());
  if (n == 0) return {};
  const Eigen::VectorXd ref = reference_point(losses);
  std::vector<int> all(n);
  std::iota(all.begin(), all.end(), 0);
  const std::vector<int> front = pareto_front(losses, all);
  const double hv_all = hv_recursive(rows(losses, front), ref, ref.size());
  if (!ref.allFinite() || !std::isfinite(hv_all)) return std::vector<double>(n, 1.0);
  std::vector<double> contribution(n, 1e-12);
  for (int i : front) {
    std::vector<int> others;
    for (int j : front)
      if (j != i) others.push_back(j);
    contribution[static_cast<std::size_t>(i)] = hv_all - hv_recursive(rows(losses, others), ref, ref.size());
  }
  const double top = std::max(*std::max_element(contribution.begin(), contribution.end()), 1e-12);
  for (double& c : contribution) c = std::max(c / top, 1e-12);
  return contribution;
}

}  // namespace hpod::tpe
