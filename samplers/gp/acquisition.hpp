// Acquisition functions (maximised by acqf_optimizer). The single-objective one is log
// expected improvement of the posterior over the best standardized observation f0
// (optuna/_gp/acqf.py (4.9), logei and LogEI).
#pragma once

#include <Eigen/Core>

#include "samplers/gp/posterior.hpp"

namespace hpod::gp {

class Acquisition {
 public:
  virtual ~Acquisition() = default;
  virtual double value(const Eigen::VectorXd& x) const = 0;
  // One value per row.
  virtual Eigen::VectorXd values(const Eigen::MatrixXd& Xs) const = 0;
  // values() where only the ranking matters (the optimiser's quasi-random sweep); may be
  // computed with less precision.
  virtual Eigen::VectorXd screening_values(const Eigen::MatrixXd& Xs) const { return values(Xs); }
  // Value and ∂/∂x (0 in categorical coordinates).
  virtual double value_and_gradient(const Eigen::VectorXd& x, Eigen::VectorXd& gradient) const = 0;
  // λ_j of the model: the continuous local search runs on x_j·√λ_j, one unit per
  // lengthscale.
  virtual const Eigen::VectorXd& inverse_squared_lengthscales() const = 0;
};

class LogEiAcquisition final : public Acquisition {
 public:
  LogEiAcquisition(const GpPosterior& posterior, double f0) : posterior_(posterior), f0_(f0) {}

  double value(const Eigen::VectorXd& x) const override;
  Eigen::VectorXd values(const Eigen::MatrixXd& Xs) const override;
  Eigen::VectorXd screening_values(const Eigen::MatrixXd& Xs) const override;
  double value_and_gradient(const Eigen::VectorXd& x, Eigen::VectorXd& gradient) const override;
  const Eigen::VectorXd& inverse_squared_lengthscales() const override {
    return posterior_.params().inverse_squared_lengthscales;
  }

 private:
  const GpPosterior& posterior_;
  double f0_;
};

}  // namespace hpod::gp
