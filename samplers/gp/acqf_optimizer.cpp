#include "samplers/gp/acqf_optimizer.hpp"

#include <cmath>

#include "samplers/gp/sobol.hpp"

namespace hpod::gp {

Eigen::MatrixXd preliminary_points(const GpSearchSpace& space, Eigen::Index n, NumpyRandom& rng) {
  Eigen::MatrixXd P = shifted_sobol_points(n, static_cast<Eigen::Index>(space.size()), rng);
  for (int j : space.discrete_indices()) {
    for (Eigen::Index i = 0; i < n; ++i) P(i, j) = space.round_uniform_to_grid(static_cast<std::size_t>(j), P(i, j));
  }
  return P;
}

std::vector<Eigen::Index> sample_without_replacement(const Eigen::VectorXd& weights, int m, NumpyRandom& rng) {
  Eigen::VectorXd w = weights;
  std::vector<Eigen::Index> out;
  for (int k = 0; k < m; ++k) {
    const double total = w.sum();
    if (!(total > 0.0)) break;
    double u = rng.random_sample() * total;
    Eigen::Index pick = -1;
    for (Eigen::Index i = 0; i < w.size(); ++i) {
      if (w[i] <= 0.0) continue;
      pick = i;  // the last positive weight absorbs rounding at the top end
      if (u < w[i]) break;
      u -= w[i];
    }
    out.push_back(pick);
    w[pick] = 0.0;
  }
  return out;
}

AcquisitionPoint optimize_acquisition(const Acquisition& acq, const GpSearchSpace& space,
                                      const std::vector<Eigen::VectorXd>& warm_starts, NumpyRandom& rng,
                                      const AcqfOptimizerOptions& options) {
  const Eigen::MatrixXd P = preliminary_points(space, options.preliminary_samples, rng);
  const Eigen::VectorXd f = acq.screening_values(P);
  Eigen::Index best;
  const double f_best = f.maxCoeff(&best);

  // Roulette over the other sweep points, p_i ∝ exp(f_i − f_best).
  Eigen::VectorXd p = (f.array() - f_best).exp().matrix();
  p[best] = 0.0;
  const int positive = static_cast<int>((p.array() > 0.0).count());
  const int wanted = options.local_searches - static_cast<int>(warm_starts.size()) - 1;
  const int m = std::max(0, std::min(wanted, positive));

  // Start values at full precision: the local search compares against them.
  std::vector<AcquisitionPoint> starts;
  auto add_start = [&](const Eigen::VectorXd& x) { starts.push_back({x, acq.value(x)}); };
  add_start(P.row(best).transpose());
  for (Eigen::Index i : sample_without_replacement(p, m, rng)) add_start(P.row(i).transpose());
  for (const Eigen::VectorXd& w : warm_starts) add_start(w);

  AcquisitionPoint result = starts.front();
  for (const AcquisitionPoint& s : starts) {
    AcquisitionPoint r = local_search(acq, space, s, options.local);
    if (r.value > result.value) result = std::move(r);
  }
  return result;
}

}  // namespace hpod::gp
