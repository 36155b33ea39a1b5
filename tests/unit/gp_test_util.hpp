// Helpers shared by the GP unit tests: JSON test vectors → Eigen.
#pragma once

#include <Eigen/Core>
#include <nlohmann/json.hpp>
#include <vector>

namespace hpod::testing {

inline Eigen::MatrixXd json_matrix(const nlohmann::json& rows) {
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows[0].size()));
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) m(i, j) = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)].get<double>();
  return m;
}

inline Eigen::VectorXd json_vector(const nlohmann::json& v) {
  auto s = v.get<std::vector<double>>();
  return Eigen::Map<Eigen::VectorXd>(s.data(), static_cast<Eigen::Index>(s.size()));
}

}  // namespace hpod::testing
