#include "samplers/gp/sobol.hpp"

#include <boost/random/sobol.hpp>
#include <cstdint>
#include <vector>

namespace hpod::gp {

Eigen::MatrixXd shifted_sobol_points(Eigen::Index n, Eigen::Index dim, NumpyRandom& rng) {
  using Engine = boost::random::sobol_engine<std::uint32_t, 32>;
  Eigen::MatrixXd out(n, dim);
  if (dim == 0) return out;
  if (static_cast<std::size_t>(dim) > boost::random::default_sobol_table::max_dimension) {
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index d = 0; d < dim; ++d) out(i, d) = rng.random_sample();
    return out;
  }
  std::vector<std::uint32_t> shift(static_cast<std::size_t>(dim));
  for (auto& s : shift) s = rng.next_u32();
  Engine engine(static_cast<std::size_t>(dim));
  constexpr double kScale = 1.0 / 4294967296.0;  // 2^-32
  // Boost starts after the sequence's first point, the origin; put it back so that the
  // first 2^k points form a complete net.
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index d = 0; d < dim; ++d) {
      const std::uint32_t bits = i == 0 ? 0u : static_cast<std::uint32_t>(engine());
      out(i, d) = static_cast<double>(bits ^ shift[static_cast<std::size_t>(d)]) * kScale;
    }
  }
  return out;
}

}  // namespace hpod::gp
