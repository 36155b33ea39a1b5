// The GP's view of a search space (optuna/_gp/search_space.py (4.9)): every parameter becomes one
// coordinate of a point in the "normalized" box, in the search space's (name-sorted) order.
//   numeric: u = (v − lo)/(hi − lo) with lo = low − q/2, hi = high + q/2 (q = step, 0 for
//            continuous floats), logarithms taken first for log parameters;
//   categorical: u = choice index, not scaled.
#pragma once

#include <Eigen/Core>
#include <map>
#include <string>
#include <vector>

#include "hpod/search_space.hpp"
#include "hpod/trial.hpp"

namespace hpod::gp {

enum class DimKind {
  kContinuous,  // float without step
  kDiscrete,    // int, or float with step
  kCategorical,
};

struct EncodedDim {
  std::string name;
  Distribution distribution;
  DimKind kind = DimKind::kContinuous;
  bool log = false;
  bool is_int = false;
  double low = 0.0, high = 0.0;  // the distribution's bounds (internal values)
  double step = 0.0;             // q; 0 for continuous floats
  double lo = 0.0, hi = 0.0;     // encoding bounds: half a step wider, log-transformed if log
  // Discrete numeric: the encoded values of low, low + q, …, high. Categorical: 0 … C−1.
  std::vector<double> grid;
};

class GpSearchSpace {
 public:
  explicit GpSearchSpace(const SearchSpace& space);

  std::size_t size() const { return dims_.size(); }
  const std::vector<EncodedDim>& dims() const { return dims_; }
  const EncodedDim& dim(std::size_t j) const { return dims_[j]; }
  // Per dimension: compared by equality (Hamming) in the kernel.
  const std::vector<bool>& categorical_mask() const { return categorical_; }
  const std::vector<int>& continuous_indices() const { return continuous_; }
  const std::vector<int>& discrete_indices() const { return discrete_; }  // discrete numeric + categorical

  // Internal value → normalized coordinate, and back. decode clips to the bounds and
  // rounds integers half-to-even but does not snap to the step grid (the optimiser only
  // proposes grid points for discrete dimensions).
  double encode(std::size_t j, double internal) const;
  double decode(std::size_t j, double u) const;
  // The point of a trial that has every parameter of this space.
  Eigen::VectorXd encode(const FrozenTrial& trial) const;
  std::map<std::string, double> decode(const Eigen::VectorXd& u) const;

  // A normalized value of a discrete numeric dimension moved to the grid point whose
  // cell contains it (used after quasi-random sampling); categorical: floor(u·C).
  double round_uniform_to_grid(std::size_t j, double u) const;

 private:
  std::vector<EncodedDim> dims_;
  std::vector<bool> categorical_;
  std::vector<int> continuous_, discrete_;
};

}  // namespace hpod::gp
