#include "samplers/gp/search_space_encoding.hpp"

#include <algorithm>
#include <cmath>

namespace hpod::gp {

namespace {

EncodedDim make_dim(const std::string& name, const Distribution& d) {
  EncodedDim e;
  e.name = name;
  e.distribution = d;
  if (auto* c = std::get_if<CategoricalDistribution>(&d)) {
    e.kind = DimKind::kCategorical;
    e.low = 0;
    e.high = static_cast<double>(c->choices.size()) - 1;
    for (std::size_t k = 0; k < c->choices.size(); ++k) e.grid.push_back(static_cast<double>(k));
    return e;
  }
  if (auto* f = std::get_if<FloatDistribution>(&d)) {
    e.low = f->low;
    e.high = f->high;
    e.log = f->log;
    e.step = f->step.value_or(0.0);
    e.kind = f->step ? DimKind::kDiscrete : DimKind::kContinuous;
  } else {
    auto& i = std::get<IntDistribution>(d);
    e.low = static_cast<double>(i.low);
    e.high = static_cast<double>(i.high);
    e.log = i.log;
    e.step = static_cast<double>(i.step);
    e.is_int = true;
    e.kind = DimKind::kDiscrete;
  }
  e.lo = e.low - e.step / 2;
  e.hi = e.high + e.step / 2;
  if (e.log) {
    e.lo = std::log(e.lo);
    e.hi = std::log(e.hi);
  }
  return e;
}

}  // namespace

GpSearchSpace::GpSearchSpace(const SearchSpace& space) {
  for (auto& [name, dist] : space) {
    dims_.push_back(make_dim(name, dist));
    const std::size_t j = dims_.size() - 1;
    EncodedDim& e = dims_.back();
    categorical_.push_back(e.kind == DimKind::kCategorical);
    if (e.kind == DimKind::kContinuous) {
      continuous_.push_back(static_cast<int>(j));
      continue;
    }
    discrete_.push_back(static_cast<int>(j));
    if (e.kind == DimKind::kDiscrete) {
      auto n = static_cast<long long>(std::llround((e.high - e.low) / e.step));
      for (long long k = 0; k <= n; ++k) e.grid.push_back(encode(j, e.low + static_cast<double>(k) * e.step));
    }
  }
}

double GpSearchSpace::encode(std::size_t j, double internal) const {
  const EncodedDim& e = dims_[j];
  if (e.kind == DimKind::kCategorical) return internal;
  double v = e.log ? std::log(internal) : internal;
  if (e.hi == e.lo) return 0.5;
  return (v - e.lo) / (e.hi - e.lo);
}

double GpSearchSpace::decode(std::size_t j, double u) const {
  const EncodedDim& e = dims_[j];
  if (e.kind == DimKind::kCategorical) {
    return std::clamp(std::trunc(u), 0.0, static_cast<double>(e.grid.size()) - 1);
  }
  double v = u * (e.hi - e.lo) + e.lo;
  if (e.log) v = std::exp(v);
  v = std::clamp(v, e.low, e.high);
  return e.is_int ? std::nearbyint(v) : v;
}

Eigen::VectorXd GpSearchSpace::encode(const FrozenTrial& trial) const {
  Eigen::VectorXd u(static_cast<Eigen::Index>(dims_.size()));
  for (std::size_t j = 0; j < dims_.size(); ++j) u[static_cast<Eigen::Index>(j)] = encode(j, trial.param(dims_[j].name)->internal);
  return u;
}

std::map<std::string, double> GpSearchSpace::decode(const Eigen::VectorXd& u) const {
  std::map<std::string, double> out;
  for (std::size_t j = 0; j < dims_.size(); ++j) out[dims_[j].name] = decode(j, u[static_cast<Eigen::Index>(j)]);
  return out;
}

double GpSearchSpace::round_uniform_to_grid(std::size_t j, double u) const {
  const EncodedDim& e = dims_[j];
  if (e.kind == DimKind::kContinuous) return u;
  if (e.kind == DimKind::kCategorical) {
    return std::min(std::floor(u * static_cast<double>(e.grid.size())), static_cast<double>(e.grid.size()) - 1);
  }
  double v = u * (e.hi - e.lo) + e.lo;
  if (e.log) v = std::exp(v);
  double snapped = std::clamp(std::floor((v - e.low + e.step / 2) / e.step) * e.step + e.low, e.low, e.high);
  return encode(j, snapped);
}

}  // namespace hpod::gp
