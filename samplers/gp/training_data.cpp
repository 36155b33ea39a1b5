#include "samplers/gp/training_data.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hpod::gp {

Eigen::VectorXd standardize_objective(const std::vector<double>& values, StudyDirection direction) {
  const auto n = static_cast<Eigen::Index>(values.size());
  Eigen::VectorXd v(n);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (Eigen::Index i = 0; i < n; ++i) {
    v[i] = direction == StudyDirection::kMinimize ? -values[static_cast<std::size_t>(i)] : values[static_cast<std::size_t>(i)];
    if (std::isfinite(v[i])) {
      lo = std::min(lo, v[i]);
      hi = std::max(hi, v[i]);
    }
  }
  if (!std::isfinite(lo)) lo = hi = 0.0;
  // COMPLETE trials never hold NaN (Optuna fails such a trial); treat one as the worst.
  for (Eigen::Index i = 0; i < n; ++i) {
    if (std::isfinite(v[i])) continue;
    v[i] = v[i] > 0 ? hi : lo;
  }
  if (n == 0) return v;
  const double mean = v.mean();
  const double std_dev = std::sqrt((v.array() - mean).square().mean());
  return ((v.array() - mean) / std::max(std_dev, 1e-10)).matrix();
}

namespace {

bool has_planned_point(const FrozenTrial& t, const GpSearchSpace& space) {
  for (const EncodedDim& d : space.dims()) {
    const TrialParam* p = t.param(d.name);
    if (!p || !(p->distribution == d.distribution) || !contains(d.distribution, p->internal)) return false;
  }
  return true;
}

}  // namespace

GpTrainingData collect_training_data(const StudyView& study, const GpSearchSpace& space, int current) {
  std::vector<const FrozenTrial*> complete, running;
  for (const FrozenTrial* t : study.trials()) {
    if (t->state == TrialState::kComplete && !t->values.empty()) complete.push_back(t);
    else if (t->state == TrialState::kRunning && t->number != current && has_planned_point(*t, space)) running.push_back(t);
  }
  const auto dim = static_cast<Eigen::Index>(space.size());
  GpTrainingData out;
  out.X.resize(static_cast<Eigen::Index>(complete.size()), dim);
  std::vector<double> values;
  for (std::size_t i = 0; i < complete.size(); ++i) {
    out.X.row(static_cast<Eigen::Index>(i)) = space.encode(*complete[i]).transpose();
    values.push_back(complete[i]->values.front());
  }
  out.y = standardize_objective(values, study.direction());
  out.X_running.resize(static_cast<Eigen::Index>(running.size()), dim);
  for (std::size_t i = 0; i < running.size(); ++i) out.X_running.row(static_cast<Eigen::Index>(i)) = space.encode(*running[i]).transpose();
  return out;
}

}  // namespace hpod::gp
