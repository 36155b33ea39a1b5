#include "samplers/gp/curvature.hpp"

#include <Eigen/Cholesky>
#include <cmath>

namespace hpod::gp {

Eigen::MatrixXd inverse_hessian_factor(const OptimizationPath& path, int memory) {
  std::vector<std::pair<Eigen::VectorXd, Eigen::VectorXd>> pairs;  // (s, y)
  for (std::size_t k = 1; k < path.points.size(); ++k) {
    Eigen::VectorXd s = path.points[k] - path.points[k - 1];
    Eigen::VectorXd y = path.gradients[k] - path.gradients[k - 1];
    if (!s.allFinite() || !y.allFinite()) continue;
    if (s.dot(y) > 1e-10 * s.norm() * y.norm()) pairs.emplace_back(std::move(s), std::move(y));
  }
  if (pairs.empty()) return {};
  if (static_cast<int>(pairs.size()) > memory) pairs.erase(pairs.begin(), pairs.end() - memory);

  const Eigen::Index n = pairs.front().first.size();
  const auto& [s_last, y_last] = pairs.back();
  Eigen::MatrixXd H = (s_last.dot(y_last) / y_last.squaredNorm()) * Eigen::MatrixXd::Identity(n, n);
  for (const auto& [s, y] : pairs) {
    // H ← (I − ρ·s·yᵀ)·H·(I − ρ·y·sᵀ) + ρ·s·sᵀ
    const double rho = 1.0 / s.dot(y);
    const Eigen::VectorXd Hy = H * y;
    const double yHy = y.dot(Hy);
    H += rho * rho * yHy * (s * s.transpose()) - rho * (Hy * s.transpose() + s * Hy.transpose()) +
         rho * (s * s.transpose());
  }
  Eigen::LLT<Eigen::MatrixXd> llt(H);
  if (llt.info() != Eigen::Success || !H.allFinite()) return {};
  return llt.matrixL();
}

}  // namespace hpod::gp
