// Local search of the acquisition from one start point (optuna/_gp/optim_mixed.py
// local_search_mixed_batched (4.9)): coordinate
// blocks in turn — all continuous dimensions together by L-BFGS-B on x/ℓ, then each
// discrete dimension by trying its grid — until a full round changes nothing.
#pragma once

#include <Eigen/Core>

#include "samplers/gp/acquisition.hpp"
#include "samplers/gp/search_space_encoding.hpp"

namespace hpod::gp {

struct LocalSearchOptions {
  double tol = 1e-4;                  // L-BFGS-B stops at a projected gradient of √tol (in x/ℓ units)
  int max_lbfgsb_iterations = 200;
  int max_rounds = 100;
  std::size_t exhaustive_grid_size = 16;  // larger numeric grids get a 1-D Brent search
};

struct AcquisitionPoint {
  Eigen::VectorXd x;
  double value = 0.0;
};

// L-BFGS-B over the continuous coordinates of `p` (others fixed). true if it improved p.
bool improve_continuous(const Acquisition& acq, const GpSearchSpace& space, AcquisitionPoint& p,
                        const LocalSearchOptions& options);
// The best grid value of discrete coordinate j (others fixed). true if it improved p.
bool improve_discrete(const Acquisition& acq, const GpSearchSpace& space, std::size_t j, AcquisitionPoint& p,
                      const LocalSearchOptions& options);

AcquisitionPoint local_search(const Acquisition& acq, const GpSearchSpace& space, AcquisitionPoint start,
                              const LocalSearchOptions& options = {});

}  // namespace hpod::gp
