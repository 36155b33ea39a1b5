#include "samplers/gp/cholesky.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <vector>

#include "samplers/gp/fork_join.hpp"

namespace hpod::gp {

bool cholesky_in_place(Eigen::MatrixXd& C) {
  Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>, Eigen::Lower> llt(C);
  // Overflowing entries factorise "successfully" into infinities and NaNs.
  return llt.info() == Eigen::Success && C.diagonal().allFinite();
}

void inverse_from_cholesky(const Eigen::MatrixXd& L, Eigen::MatrixXd& inverse, Eigen::MatrixXd& work) {
  const Eigen::Index n = L.rows();
  // L⁻¹ is lower triangular: its column block j solves the trailing triangle of L against
  // the identity block, so no work is spent on the known zeros above it. Column blocks are
  // independent; the two halves of the work (by cost, ∝ (n − j)²) run in parallel.
  constexpr Eigen::Index kBlock = 48;
  const auto blocks = static_cast<std::size_t>((n + kBlock - 1) / kBlock);
  const std::vector<int> part = balance_two_ways(blocks, [&](std::size_t i) {
    const double rest = static_cast<double>(n - static_cast<Eigen::Index>(i) * kBlock);
    return rest * rest;
  });
  work.setZero(n, n);
  fork_join2([&](int p) {
    for (std::size_t i = 0; i < blocks; ++i) {
      if (part[i] != p) continue;
      const Eigen::Index j = static_cast<Eigen::Index>(i) * kBlock, b = std::min(kBlock, n - j);
      work.block(j, j, b, b).setIdentity();
      auto panel = work.block(j, j, n - j, b);
      L.block(j, j, n - j, n - j).triangularView<Eigen::Lower>().solveInPlace(panel);
    }
  });
  // C⁻¹ = (L⁻¹)ᵀ·L⁻¹, again block column by block column over the non-zero rows only.
  inverse.resize(n, n);
  fork_join2([&](int p) {
    for (std::size_t i = 0; i < blocks; ++i) {
      if (part[i] != p) continue;
      const Eigen::Index j = static_cast<Eigen::Index>(i) * kBlock, b = std::min(kBlock, n - j);
      inverse.block(j, j, n - j, b).noalias() =
          work.block(j, j, n - j, n - j).triangularView<Eigen::Lower>().transpose() * work.block(j, j, n - j, b);
    }
  });
  inverse.triangularView<Eigen::StrictlyUpper>() = inverse.transpose();
}

void cholesky_solve_in_place(const Eigen::MatrixXd& L, Eigen::VectorXd& b) {
  L.triangularView<Eigen::Lower>().solveInPlace(b);
  L.triangularView<Eigen::Lower>().transpose().solveInPlace(b);
}

bool extend_cholesky(Eigen::MatrixXd& L, const Eigen::MatrixXd& B, const Eigen::MatrixXd& D) {
  const Eigen::Index n = L.rows(), m = D.rows();
  if (m == 0) return true;
  Eigen::MatrixXd L21t = B;  // n × m: L⁻¹·B, the transpose of the new off-diagonal block
  L.triangularView<Eigen::Lower>().solveInPlace(L21t);
  Eigen::MatrixXd S = D;
  S.noalias() -= L21t.transpose() * L21t;
  if (!cholesky_in_place(S)) return false;
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(n + m, n + m);
  out.topLeftCorner(n, n).triangularView<Eigen::Lower>() = L.triangularView<Eigen::Lower>();
  out.bottomLeftCorner(m, n) = L21t.transpose();
  out.bottomRightCorner(m, m).triangularView<Eigen::Lower>() = S.triangularView<Eigen::Lower>();
  L = std::move(out);
  return true;
}

}  // namespace hpod::gp
