// Kernel, prior, marginal likelihood, loss and posterior against Optuna 4.9's numbers for
// fixed hyper-parameters (gp_optuna_4_9.gp_fixed_hyperparams, 1e-9 relative).
#include <doctest/doctest.h>

#include "samplers/gp/acquisition.hpp"
#include "samplers/gp/gp_fit.hpp"
#include "samplers/gp/kernel.hpp"
#include "samplers/gp/posterior.hpp"
#include "gp_test_util.hpp"
#include "test_vectors.hpp"

using namespace hpod;
using namespace hpod::gp;
using hpod::testing::close;
using hpod::testing::json_matrix;
using hpod::testing::json_vector;
using hpod::testing::vectors;

namespace {

const nlohmann::json& fixed() { return vectors()["gp_optuna_4_9"]["gp_fixed_hyperparams"]; }

KernelParams fixed_params() {
  KernelParams p;
  p.inverse_squared_lengthscales = json_vector(fixed()["inverse_squared_lengthscales"]);
  p.kernel_scale = fixed()["kernel_scale"].get<double>();
  p.noise_var = fixed()["noise_var"].get<double>();
  return p;
}

std::vector<bool> fixed_categorical() { return fixed()["is_categorical"].get<std::vector<bool>>(); }

}  // namespace

TEST_CASE("gp kernel: Matern 5/2 values and its closed-form derivative") {
  auto& m = vectors()["gp_optuna_4_9"]["matern52"];
  auto r2 = m["squared_distance"].get<std::vector<double>>();
  auto want = m["value"].get<std::vector<double>>();
  for (std::size_t i = 0; i < r2.size(); ++i) CHECK(close(matern52(r2[i]), want[i], 1e-12));
  CHECK(close(matern52(0.5), 0.7024957601538032, 1e-14));
  CHECK(close(matern52(4.0), 0.13866021913850426, 1e-14));
  CHECK(matern52_derivative(0.0) == doctest::Approx(-5.0 / 6.0).epsilon(1e-15));
  for (double x : {1e-4, 0.01, 0.5, 1.0, 4.0, 25.0}) {
    double h = 1e-6 * std::max(x, 0.01);
    double fd = (matern52(x + h) - matern52(x - h)) / (2 * h);
    CAPTURE(x);
    CHECK(close(matern52_derivative(x), fd, 1e-7));
  }
}

TEST_CASE("gp kernel: kernel matrix, marginal likelihood, prior and loss equal Optuna 4.9's") {
  Eigen::MatrixXd X = json_matrix(fixed()["X_normalized"]);
  Eigen::VectorXd y = json_vector(fixed()["y_standardized"]);
  KernelParams p = fixed_params();
  auto cat = fixed_categorical();

  Eigen::MatrixXd K = kernel_matrix(X, X, cat, p);
  Eigen::MatrixXd want = json_matrix(fixed()["kernel_matrix_without_noise"]);
  for (Eigen::Index i = 0; i < K.rows(); ++i)
    for (Eigen::Index j = 0; j < K.cols(); ++j) CHECK(close(K(i, j), want(i, j), 1e-12));
  // The symmetric matrix the fit assembles column by column gives the same likelihood.
  HyperparameterLoss direct(X, y, cat, false);
  Eigen::VectorXd g;
  CHECK(close(direct(direct.start_theta(p), g), -(marginal_log_likelihood(X, y, cat, p) + log_prior(p)), 1e-6));

  const double mll = fixed()["marginal_log_likelihood_without_constant"].get<double>();
  const double prior = fixed()["default_log_prior"].get<double>();
  const double loss = fixed()["loss_minimized_by_lbfgsb"].get<double>();
  CHECK(close(marginal_log_likelihood(X, y, cat, p), mll, 1e-9));
  CHECK(close(log_prior(p), prior, 1e-12));

  for (bool deterministic : {false, true}) {
    HyperparameterLoss f(X, y, cat, deterministic);
    KernelParams q = p;
    if (deterministic) q.noise_var = kMinNoiseVar;
    Eigen::VectorXd theta(f.size());
    theta.head(3) = q.inverse_squared_lengthscales.array().log();
    theta[3] = std::log(q.kernel_scale);
    if (!deterministic) theta[4] = std::log(q.noise_var - kMinNoiseVar);
    Eigen::VectorXd g;
    double value = f(theta, g);
    if (!deterministic) {
      CHECK(close(value, loss, 1e-9));
    } else {
      CHECK(close(value, -(marginal_log_likelihood(X, y, cat, q) + log_prior(q)), 1e-9));
    }
  }
}

TEST_CASE("gp fit: analytic gradient of the loss equals central finite differences") {
  // Mixed data with ties in the categorical column and a few more points than the vectors.
  Eigen::MatrixXd X(9, 3);
  X << 0.1, 0.2, 0, 0.5, 0.9, 1, 0.8, 0.4, 2, 0.3, 0.7, 1, 0.95, 0.05, 0, 0.6, 0.6, 2, 0.15, 0.85, 1, 0.45, 0.3, 0,
      0.7, 0.75, 1;
  Eigen::VectorXd y(9);
  y << 0.36, -1.46, -0.49, 1.58, 0.0, 0.7, -0.3, 1.1, -1.2;
  std::vector<bool> cat{false, false, true};
  for (bool deterministic : {false, true}) {
    HyperparameterLoss f(X, y, cat, deterministic);
    for (int trial = 0; trial < 3; ++trial) {
      Eigen::VectorXd theta(f.size());
      for (Eigen::Index i = 0; i < theta.size(); ++i) theta[i] = 0.3 * std::sin(1.7 * static_cast<double>(i + 3 * trial)) - 0.2 * trial;
      Eigen::VectorXd g, dummy;
      f(theta, g);
      for (Eigen::Index i = 0; i < theta.size(); ++i) {
        const double h = 1e-5;
        Eigen::VectorXd a = theta, b = theta;
        a[i] += h;
        b[i] -= h;
        double fd = (f(a, dummy) - f(b, dummy)) / (2 * h);
        CAPTURE(deterministic);
        CAPTURE(i);
        CHECK(g[i] == doctest::Approx(fd).epsilon(1e-6));
      }
    }
  }
}

TEST_CASE("gp posterior: mean, variance and log EI at test points equal Optuna 4.9's") {
  Eigen::MatrixXd X = json_matrix(fixed()["X_normalized"]);
  Eigen::VectorXd y = json_vector(fixed()["y_standardized"]);
  auto post = GpPosterior::build(X, y, fixed_categorical(), fixed_params());
  REQUIRE(post.ok());
  Eigen::MatrixXd T = json_matrix(fixed()["test_points"]);
  Eigen::VectorXd mean = json_vector(fixed()["posterior_mean"]);
  Eigen::VectorXd var = json_vector(fixed()["posterior_var"]);
  Eigen::VectorXd logei = json_vector(fixed()["logEI_at_test_points_threshold_max_y"]);
  LogEiAcquisition acq(*post, y.maxCoeff());

  Eigen::VectorXd bm, bv;
  post->predict(T, bm, bv);
  Eigen::VectorXd batch = acq.values(T);
  for (Eigen::Index i = 0; i < T.rows(); ++i) {
    auto mv = post->predict(Eigen::VectorXd(T.row(i).transpose()));
    CHECK(close(mv.mean, mean[i], 1e-9));
    CHECK(close(mv.var, var[i], 1e-9));
    CHECK(close(bm[i], mean[i], 1e-9));
    CHECK(close(bv[i], var[i], 1e-9));
    CHECK(close(acq.value(T.row(i).transpose()), logei[i], 1e-9));
    CHECK(close(batch[i], logei[i], 1e-9));
  }
}

TEST_CASE("gp posterior: gradients in x equal finite differences; categorical coordinates get 0") {
  Eigen::MatrixXd X = json_matrix(fixed()["X_normalized"]);
  Eigen::VectorXd y = json_vector(fixed()["y_standardized"]);
  auto post = GpPosterior::build(X, y, fixed_categorical(), fixed_params());
  REQUIRE(post.ok());
  LogEiAcquisition acq(*post, y.maxCoeff());
  for (Eigen::Vector3d x : {Eigen::Vector3d(0.2, 0.3, 0), Eigen::Vector3d(0.6, 0.6, 1), Eigen::Vector3d(0.35, 0.68, 1)}) {
    Eigen::VectorXd g;
    acq.value_and_gradient(x, g);
    CHECK(g[2] == 0.0);
    for (int d = 0; d < 2; ++d) {
      const double h = 1e-6;
      Eigen::VectorXd a = x, b = x;
      a[d] += h;
      b[d] -= h;
      double fd = (acq.value(a) - acq.value(b)) / (2 * h);
      CHECK(g[d] == doctest::Approx(fd).epsilon(1e-5));
    }
  }
}

TEST_CASE("gp posterior: appending points extends the factor as a full rebuild would") {
  Eigen::MatrixXd X = json_matrix(fixed()["X_normalized"]);
  Eigen::VectorXd y = json_vector(fixed()["y_standardized"]);
  Eigen::MatrixXd extra(2, 3);
  extra << 0.25, 0.35, 0, 0.65, 0.55, 2;
  Eigen::VectorXd liar = Eigen::VectorXd::Constant(2, y.maxCoeff());
  auto extended = GpPosterior::build(X, y, fixed_categorical(), fixed_params());
  REQUIRE(extended.ok());
  REQUIRE(extended->append(extra, liar).ok());
  Eigen::MatrixXd all(7, 3);
  all << X, extra;
  Eigen::VectorXd ally(7);
  ally << y, liar;
  auto rebuilt = GpPosterior::build(all, ally, fixed_categorical(), fixed_params());
  REQUIRE(rebuilt.ok());
  Eigen::MatrixXd T = json_matrix(fixed()["test_points"]);
  for (Eigen::Index i = 0; i < T.rows(); ++i) {
    auto a = extended->predict(Eigen::VectorXd(T.row(i).transpose()));
    auto b = rebuilt->predict(Eigen::VectorXd(T.row(i).transpose()));
    CHECK(close(a.mean, b.mean, 1e-12, 1e-14));
    CHECK(close(a.var, b.var, 1e-10, 1e-14));
  }
}
