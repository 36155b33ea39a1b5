#include "samplers/gp/acquisition.hpp"

#include "samplers/gp/log_ei.hpp"

namespace hpod::gp {

double LogEiAcquisition::value(const Eigen::VectorXd& x) const {
  auto mv = posterior_.predict(x);
  return log_ei(mv.mean, mv.var, f0_);
}

namespace {

Eigen::VectorXd log_ei_all(const Eigen::VectorXd& mean, const Eigen::VectorXd& var, double f0) {
  Eigen::VectorXd out(mean.size());
  for (Eigen::Index i = 0; i < out.size(); ++i) out[i] = log_ei(mean[i], var[i], f0);
  return out;
}

}  // namespace

Eigen::VectorXd LogEiAcquisition::values(const Eigen::MatrixXd& Xs) const {
  Eigen::VectorXd mean, var;
  posterior_.predict(Xs, mean, var);
  return log_ei_all(mean, var, f0_);
}

Eigen::VectorXd LogEiAcquisition::screening_values(const Eigen::MatrixXd& Xs) const {
  Eigen::VectorXd mean, var;
  posterior_.screen(Xs, mean, var);
  return log_ei_all(mean, var, f0_);
}

double LogEiAcquisition::value_and_gradient(const Eigen::VectorXd& x, Eigen::VectorXd& gradient) const {
  Eigen::VectorXd d_mean, d_var;
  auto mv = posterior_.predict_with_gradient(x, d_mean, d_var);
  LogEiWithGradient e = log_ei_with_gradient(mv.mean, mv.var, f0_);
  gradient = e.d_mean * d_mean + e.d_var * d_var;
  return e.value;
}

}  // namespace hpod::gp
