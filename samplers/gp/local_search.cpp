#include "samplers/gp/local_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "samplers/gp/brent.hpp"
#include "samplers/gp/lbfgsb.hpp"

namespace hpod::gp {

bool improve_continuous(const Acquisition& acq, const GpSearchSpace& space, AcquisitionPoint& p,
                        const LocalSearchOptions& options) {
  const std::vector<int>& cont = space.continuous_indices();
  const auto n = static_cast<Eigen::Index>(cont.size());
  if (n == 0) return false;
  // Search in z = x/ℓ so that one unit is one lengthscale in every direction.
  const Eigen::VectorXd& lambda = acq.inverse_squared_lengthscales();
  Eigen::VectorXd scale(n), z0(n);
  for (Eigen::Index c = 0; c < n; ++c) {
    scale[c] = std::sqrt(lambda[cont[static_cast<std::size_t>(c)]]);  // 1/ℓ
    z0[c] = p.x[cont[static_cast<std::size_t>(c)]] * scale[c];
  }
  Eigen::VectorXd x = p.x, grad;
  auto negative_acq = [&](const Eigen::VectorXd& z, Eigen::VectorXd& gz) {
    for (Eigen::Index c = 0; c < n; ++c) x[cont[static_cast<std::size_t>(c)]] = z[c] / scale[c];
    double value = acq.value_and_gradient(x, grad);
    gz.resize(n);
    for (Eigen::Index c = 0; c < n; ++c) gz[c] = -grad[cont[static_cast<std::size_t>(c)]] / scale[c];
    return -value;
  };
  LbfgsbOptions lo;
  lo.pgtol = std::sqrt(options.tol);
  lo.max_iterations = options.max_lbfgsb_iterations;
  LbfgsbResult r = minimize_lbfgsb(negative_acq, z0, Eigen::VectorXd::Zero(n), scale, lo);
  if (!(-r.f > p.value)) return false;
  for (Eigen::Index c = 0; c < n; ++c) p.x[cont[static_cast<std::size_t>(c)]] = r.x[c] / scale[c];
  p.value = -r.f;
  return true;
}

namespace {

bool improve_by_trying_all(const Acquisition& acq, const std::vector<double>& grid, std::size_t j,
                           AcquisitionPoint& p) {
  const auto jj = static_cast<Eigen::Index>(j);
  Eigen::MatrixXd candidates(static_cast<Eigen::Index>(grid.size()), p.x.size());
  Eigen::Index rows = 0;
  for (double g : grid) {
    if (g == p.x[jj]) continue;
    candidates.row(rows) = p.x.transpose();
    candidates(rows++, jj) = g;
  }
  if (rows == 0) return false;
  Eigen::VectorXd values = acq.values(candidates.topRows(rows));
  Eigen::Index best;
  double best_value = values.maxCoeff(&best);
  if (!(best_value > p.value)) return false;
  p.x[jj] = candidates(best, jj);
  p.value = best_value;
  return true;
}

// Brent on the piecewise-linear interpolation of −acq between grid points; each grid
// point is evaluated at most once.
bool improve_by_line_search(const Acquisition& acq, const std::vector<double>& grid, std::size_t j,
                            AcquisitionPoint& p) {
  const auto jj = static_cast<Eigen::Index>(j);
  std::map<std::size_t, double> cache;  // grid index → −acq
  Eigen::VectorXd x = p.x;
  auto at = [&](std::size_t k) {
    auto it = cache.find(k);
    if (it != cache.end()) return it->second;
    x[jj] = grid[k];
    double v = -acq.value(x);
    cache.emplace(k, v);
    return v;
  };
  auto current = static_cast<std::size_t>(std::lower_bound(grid.begin(), grid.end(), p.x[jj]) - grid.begin());
  if (current < grid.size() && grid[current] == p.x[jj]) cache.emplace(current, -p.value);
  auto interpolated = [&](double t) {
    t = std::clamp(t, grid.front(), grid.back());
    auto hi = static_cast<std::size_t>(std::upper_bound(grid.begin(), grid.end(), t) - grid.begin());
    if (hi >= grid.size()) return at(grid.size() - 1);
    if (hi == 0) return at(0);
    const std::size_t lo = hi - 1;
    const double w = (t - grid[lo]) / (grid[hi] - grid[lo]);
    return (1.0 - w) * at(lo) + w * at(hi);
  };
  double min_gap = std::numeric_limits<double>::infinity();
  for (std::size_t k = 1; k < grid.size(); ++k) min_gap = std::min(min_gap, grid[k] - grid[k - 1]);
  const double t = brent_minimize(interpolated, grid.front() - 1e-12, grid.back() + 1e-12,
                                  std::clamp(p.x[jj], grid.front(), grid.back()), min_gap / 4);
  auto nearest = static_cast<std::size_t>(std::lower_bound(grid.begin(), grid.end(), t) - grid.begin());
  if (nearest == grid.size() || (nearest > 0 && t - grid[nearest - 1] < grid[nearest] - t)) --nearest;
  if (grid[nearest] == p.x[jj]) return false;
  const double value = -at(nearest);
  if (!(value > p.value)) return false;
  p.x[jj] = grid[nearest];
  p.value = value;
  return true;
}

}  // namespace

bool improve_discrete(const Acquisition& acq, const GpSearchSpace& space, std::size_t j, AcquisitionPoint& p,
                      const LocalSearchOptions& options) {
  const EncodedDim& dim = space.dim(j);
  if (dim.kind == DimKind::kCategorical || dim.grid.size() <= options.exhaustive_grid_size) {
    return improve_by_trying_all(acq, dim.grid, j, p);
  }
  return improve_by_line_search(acq, dim.grid, j, p);
}

AcquisitionPoint local_search(const Acquisition& acq, const GpSearchSpace& space, AcquisitionPoint p,
                              const LocalSearchOptions& options) {
  // Block 0: the continuous coordinates (if any); then one block per discrete coordinate.
  const bool has_continuous = !space.continuous_indices().empty();
  const std::vector<int>& discrete = space.discrete_indices();
  const int blocks = static_cast<int>(discrete.size()) + (has_continuous ? 1 : 0);
  auto run = [&](int b) {
    if (has_continuous && b == 0) return improve_continuous(acq, space, p, options);
    return improve_discrete(acq, space, static_cast<std::size_t>(discrete[static_cast<std::size_t>(b - (has_continuous ? 1 : 0))]), p,
                            options);
  };
  int last_changed = -1;
  for (int round = 0; round < options.max_rounds; ++round) {
    for (int b = 0; b < blocks; ++b) {
      // Back at the block that changed last with nothing changed since: converged.
      if (b == last_changed) return p;
      if (run(b)) last_changed = b;
    }
    if (last_changed == -1) return p;
  }
  return p;
}

}  // namespace hpod::gp
