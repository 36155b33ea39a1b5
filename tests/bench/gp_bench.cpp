// GP sampler benchmark (not a test): speed per ask, peak memory, optimisation quality
// against hpod's RandomSampler and Optuna 3.1's TPESampler, and the running-trials rule.
//
//   gp_bench [speed|quality|running|all] [--seeds N] [--trials N] [--optuna-script PATH]
//            [--dims 5,10] [--points 100,300,1000]   (speed: dimensions and trial counts)
//
// The objective functions and the per-sampler loop are deliberately self-contained (the
// shared sampler harness will absorb them). gp_bench_optuna.py holds the same functions for
// Optuna and is run with /usr/bin/python3.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "hpod/in_memory_study.hpp"
#include "samplers/gp/gp_sampler.hpp"
#include "samplers/random_sampler.hpp"

using namespace hpod;

namespace {

using Params = std::map<std::string, double>;  // internal values

struct Problem {
  std::string name;
  SearchSpace space;
  std::function<double(const Params&)> f;
  double optimum;
};

// "x3". Built with append: GCC 12 at -O3 warns (-Wrestrict, a false positive) on
// literal + std::to_string.
std::string indexed(const char* prefix, int i) {
  std::string s(prefix);
  s.append(std::to_string(i));
  return s;
}

SearchSpace box(const char* prefix, int d, double lo, double hi) {
  SearchSpace s;
  for (int i = 0; i < d; ++i) s.emplace(indexed(prefix, i), FloatDistribution{lo, hi, false, std::nullopt});
  return s;
}

std::vector<double> xs(const Params& p, int d) {
  std::vector<double> x(static_cast<std::size_t>(d));
  for (int i = 0; i < d; ++i) x[static_cast<std::size_t>(i)] = p.at(indexed("x", i));
  return x;
}

double branin(const Params& p) {
  const double x1 = p.at("x1"), x2 = p.at("x2"), pi = std::numbers::pi;
  const double b = 5.1 / (4 * pi * pi), c = 5 / pi;
  return std::pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - 1 / (8 * pi)) * std::cos(x1) + 10;
}

double hartmann6(const Params& p) {
  static const double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14}, {3, 3.5, 1.7, 10, 17, 8},
                                 {17, 8, 0.05, 10, 0.1, 14}};
  static const double P[4][6] = {{1312, 1696, 5569, 124, 8283, 5886}, {2329, 4135, 8307, 3736, 1004, 9991},
                                 {2348, 1451, 3522, 2883, 3047, 6650}, {4047, 8828, 8732, 5743, 1091, 381}};
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  auto x = xs(p, 6);
  double total = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (int j = 0; j < 6; ++j) inner += A[i][j] * std::pow(x[static_cast<std::size_t>(j)] - P[i][j] * 1e-4, 2);
    total += alpha[i] * std::exp(-inner);
  }
  return -total;
}

double rosenbrock4(const Params& p) {
  auto x = xs(p, 4);
  double s = 0;
  for (std::size_t i = 0; i + 1 < 4; ++i) s += 100 * std::pow(x[i + 1] - x[i] * x[i], 2) + std::pow(1 - x[i], 2);
  return s;
}

double styblinski_tang(const Params& p, int d) {
  double s = 0;
  for (double v : xs(p, d)) s += v * v * v * v - 16 * v * v + 5 * v;
  return 0.5 * s;
}

double mixed(const Params& p) {
  static const double choice_cost[4] = {1.0, 0.0, 0.6, 2.0};  // a, b, c, d
  return std::pow(p.at("x") - 1.3, 2) + 0.5 * std::pow(std::log2(p.at("n")) - 3.5, 2) + 0.3 * std::fabs(p.at("k") - 7) +
         choice_cost[static_cast<int>(p.at("c"))];
}

std::vector<Problem> quality_problems() {
  std::vector<Problem> out;
  SearchSpace b;
  b.emplace("x1", FloatDistribution{-5.0, 10.0, false, std::nullopt});
  b.emplace("x2", FloatDistribution{0.0, 15.0, false, std::nullopt});
  out.push_back({"branin", b, branin, 0.397887357729738});
  out.push_back({"hartmann6", box("x", 6, 0.0, 1.0), hartmann6, -3.32236801141551});
  out.push_back({"rosenbrock4", box("x", 4, -5.0, 10.0), rosenbrock4, 0.0});
  out.push_back({"styblinski_tang8", box("x", 8, -5.0, 5.0), [](const Params& p) { return styblinski_tang(p, 8); },
                 -39.1661657037714 * 8});
  SearchSpace m;
  m.emplace("x", FloatDistribution{-5.0, 5.0, false, std::nullopt});
  m.emplace("n", IntDistribution{1, 64, true, 1});
  m.emplace("k", IntDistribution{0, 10, false, 1});
  m.emplace("c", CategoricalDistribution{{std::string("a"), std::string("b"), std::string("c"), std::string("d")}});
  out.push_back({"mixed", m, mixed, 0.5 * std::pow(std::log2(11.0) - 3.5, 2)});  // x = 1.3, n = 11, k = 7, c = b
  return out;
}

// ---- the per-sampler loop ------------------------------------------------------------

FrozenTrial& ask(Sampler& sampler, InMemoryStudy& study, const SearchSpace& space) {
  FrozenTrial t;
  t.number = static_cast<int>(study.size());
  t.state = TrialState::kRunning;
  FrozenTrial& added = study.add_trial(std::move(t));
  for (auto& [name, v] : sampler.sample(study, added, space)) added.params[name] = TrialParam{v, space.at(name)};
  return added;
}

double tell(InMemoryStudy& study, const Problem& p, int number) {
  Params values;
  for (auto& [name, param] : study.trial(number)->params) values[name] = param.internal;
  const double v = p.f(values);
  study.finish(number, TrialState::kComplete, {v}, Timestamp{});
  return v;
}

// `trials` trials with `in_flight` evaluated concurrently (the oldest finishes first);
// returns the best value.
double optimize(Sampler& sampler, const Problem& p, int trials, int in_flight = 1) {
  InMemoryStudy study(p.name, {StudyDirection::kMinimize});
  std::deque<int> running;
  double best = std::numeric_limits<double>::infinity();
  for (int asked = 0; asked < trials || !running.empty();) {
    if (asked < trials && static_cast<int>(running.size()) < in_flight) {
      running.push_back(ask(sampler, study, p.space).number);
      ++asked;
      continue;
    }
    best = std::min(best, tell(study, p, running.front()));
    running.pop_front();
  }
  return best;
}

// ---- statistics and output -------------------------------------------------------------

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto i = static_cast<std::size_t>(pos);
  const double frac = pos - static_cast<double>(i);
  return i + 1 < v.size() ? v[i] * (1 - frac) + v[i + 1] * frac : v[i];
}

std::string summary(const std::vector<double>& v) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%11.4g [%10.4g, %10.4g]", quantile(v, 0.5), quantile(v, 0.25), quantile(v, 0.75));
  return buf;
}

long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU time of this process: the machine is shared, so wall time alone overstates cost.
double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) * 1e-6;
}

double load_average() {
  double load = -1;
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = -1;
    std::fclose(f);
  }
  return load;
}

// ---- speed -----------------------------------------------------------------------------

void bench_speed(const std::vector<int>& dims, const std::vector<int>& sizes) {
  std::cout << "== speed: ms per GP ask with N COMPLETE trials (Styblinski-Tang-D, warm-started fit), "
               "median of repeats; cpu = process CPU time, the rest wall time (load average "
            << load_average() << " on " << std::thread::hardware_concurrency() << " cores) ==\n";
  std::printf("%4s %6s %9s %9s %9s %9s %10s %8s %12s\n", "D", "N", "ask_ms", "ask_cpu", "fit_ms", "acqf_ms",
              "fit_evals", "repeats", "peak_rss_MB");
  for (int d : dims) {
    for (int n : sizes) {
      Problem p{"st", box("x", d, -5.0, 5.0), [d](const Params& q) { return styblinski_tang(q, d); }, 0.0};
      InMemoryStudy study("speed", {StudyDirection::kMinimize});
      RandomSampler random(1);
      for (int i = 0; i + 1 < n; ++i) tell(study, p, ask(random, study, p.space).number);
      gp::GpSamplerOptions o;
      o.seed = 1;
      gp::GpSampler gp(o);
      tell(study, p, ask(gp, study, p.space).number);  // the cold fit at N − 1; not timed
      const int repeats = n >= 1000 ? 3 : 7;
      std::vector<double> total, cpu, fit, acqf, evals;
      for (int r = 0; r < repeats; ++r) {
        const double t0 = now_ms(), c0 = cpu_ms();
        const int number = ask(gp, study, p.space).number;
        total.push_back(now_ms() - t0);
        cpu.push_back(cpu_ms() - c0);
        fit.push_back(gp.last_stats().fit_ms);
        acqf.push_back(gp.last_stats().acqf_ms);
        evals.push_back(gp.last_stats().fit_evaluations);
        tell(study, p, number);
      }
      std::printf("%4d %6d %9.1f %9.1f %9.1f %9.1f %10.1f %8d %12.1f\n", d, n, quantile(total, 0.5),
                  quantile(cpu, 0.5), quantile(fit, 0.5), quantile(acqf, 0.5), quantile(evals, 0.5), repeats,
                  static_cast<double>(peak_rss_kb()) / 1024.0);
      std::fflush(stdout);
    }
  }
}

// ---- quality ---------------------------------------------------------------------------

nlohmann::json run_optuna(const std::string& script, int seeds, int trials) {
  std::string cmd("/usr/bin/python3 ");
  cmd.append(script).append(" --seeds ").append(std::to_string(seeds)).append(" --trials ").append(std::to_string(trials));
  std::FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return nullptr;
  std::string out;
  char buf[4096];
  while (std::size_t got = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, got);
  if (pclose(pipe) != 0 || out.empty()) return nullptr;
  return nlohmann::json::parse(out, nullptr, false);
}

void bench_quality(int seeds, int trials, const std::string& optuna_script) {
  std::cout << "== quality: final best after " << trials << " trials, " << seeds
            << " seeds, median [IQR] (minimisation) ==\n";
  std::cout << "   running Optuna 3.1 TPESampler (" << optuna_script << ") ..." << std::endl;
  const double t_optuna = now_ms();
  nlohmann::json optuna = run_optuna(optuna_script, seeds, trials);
  const double optuna_s = (now_ms() - t_optuna) / 1000.0;
  if (optuna.is_discarded() || optuna.is_null()) std::cout << "   (Optuna run failed: no TPE column)\n";
  std::printf("%-17s %11s | %-35s | %-35s | %-35s | %s\n", "function", "optimum", "hpod GP", "hpod random",
              "Optuna 3.1 TPE", "ms/ask GP, TPE");
  int gp_beats_tpe = 0, continuous = 0;
  for (const Problem& p : quality_problems()) {
    std::vector<double> gp_best, random_best, tpe_best;
    double gp_ms = 0;
    for (int s = 0; s < seeds; ++s) {
      gp::GpSamplerOptions o;
      o.seed = static_cast<std::uint32_t>(s);
      gp::GpSampler gp(o);
      const double t0 = now_ms();
      gp_best.push_back(optimize(gp, p, trials));
      gp_ms += now_ms() - t0;
      RandomSampler random(static_cast<std::uint32_t>(s));
      random_best.push_back(optimize(random, p, trials));
    }
    std::string tpe = "n/a";
    double tpe_ms = 0;
    if (optuna.is_object() && optuna.contains(p.name)) {
      tpe_best = optuna[p.name]["best"].get<std::vector<double>>();
      tpe = summary(tpe_best);
      tpe_ms = optuna[p.name]["ms_per_ask"].get<double>();
    }
    std::printf("%-17s %11.5g | %-35s | %-35s | %-35s | %.1f, %.1f\n", p.name.c_str(), p.optimum,
                summary(gp_best).c_str(), summary(random_best).c_str(), tpe.c_str(), gp_ms / (seeds * trials), tpe_ms);
    if (p.name != "mixed" && !tpe_best.empty()) {
      ++continuous;
      gp_beats_tpe += quantile(gp_best, 0.5) < quantile(tpe_best, 0.5) ? 1 : 0;
    }
    if (p.name == "mixed") {
      std::printf("   mixed: GP median %s random median\n",
                  quantile(gp_best, 0.5) <= quantile(random_best, 0.5) ? "<=" : ">");
    }
    std::fflush(stdout);
  }
  std::printf("   GP median beats Optuna TPE median on %d of %d continuous functions\n", gp_beats_tpe, continuous);
  if (optuna.is_object()) {
    std::printf("   Optuna 3.1 TPE: %.1f s for the whole run (%s)\n", optuna_s,
                optuna.value("optuna_version", std::string("?")).c_str());
  }
}

// ---- running trials ----------------------------------------------------------------------

void bench_running(int seeds, int trials) {
  std::cout << "== running trials: 4 trials in flight (the oldest finishes first), " << trials << " trials, " << seeds
            << " seeds, final best median [IQR]; last column: 1 in flight ==\n";
  const std::pair<const char*, gp::RunningTrials> rules[] = {
      {"constant liar best (4.8)", gp::RunningTrials::kConstantLiarBest},
      {"kriging believer", gp::RunningTrials::kKrigingBeliever},
      {"constant liar worst", gp::RunningTrials::kConstantLiarWorst},
      {"ignore running (<= 4.7)", gp::RunningTrials::kIgnore},
  };
  std::printf("%-17s", "function");
  for (auto& [label, rule] : rules) std::printf(" | %-33s", label);
  std::printf(" | %-33s\n", "sequential");
  for (const Problem& p : quality_problems()) {
    std::printf("%-17s", p.name.c_str());
    for (auto& [label, rule] : rules) {
      std::vector<double> best;
      for (int s = 0; s < seeds; ++s) {
        gp::GpSamplerOptions o;
        o.seed = static_cast<std::uint32_t>(s);
        o.running_trials = rule;
        gp::GpSampler gp(o);
        best.push_back(optimize(gp, p, trials, 4));
      }
      std::printf(" | %-33s", summary(best).c_str());
      std::fflush(stdout);
    }
    std::vector<double> sequential;
    for (int s = 0; s < seeds; ++s) {
      gp::GpSamplerOptions o;
      o.seed = static_cast<std::uint32_t>(s);
      gp::GpSampler gp(o);
      sequential.push_back(optimize(gp, p, trials, 1));
    }
    std::printf(" | %-33s\n", summary(sequential).c_str());
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string what = argc > 1 ? argv[1] : "all";
  int seeds = 20, trials = 100;
  std::vector<int> dims{5, 10}, sizes{100, 300, 1000};
  auto int_list = [](const std::string& csv) {
    std::vector<int> out;
    std::size_t start = 0;
    while (start < csv.size()) {
      std::size_t end = csv.find(',', start);
      if (end == std::string::npos) end = csv.size();
      out.push_back(std::stoi(csv.substr(start, end - start)));
      start = end + 1;
    }
    return out;
  };
  std::string script = HPOD_GP_BENCH_OPTUNA_SCRIPT;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seeds") seeds = std::stoi(argv[i + 1]);
    else if (flag == "--trials") trials = std::stoi(argv[i + 1]);
    else if (flag == "--optuna-script") script = argv[i + 1];
    else if (flag == "--dims") dims = int_list(argv[i + 1]);
    else if (flag == "--points") sizes = int_list(argv[i + 1]);
    else {
      std::cerr << "unknown option " << flag << "\n";
      return 2;
    }
  }
  if (what != "speed" && what != "quality" && what != "running" && what != "all") {
    std::cerr << "usage: gp_bench [speed|quality|running|all] [--seeds N] [--trials N] [--optuna-script PATH]"
                 " [--dims 5,10] [--points 100,300,1000]\n";
    return 2;
  }
  std::cout << "gp_bench: " << what << " (hpod GP vs hpod random vs Optuna 3.1 TPE)\n";
  if (what == "speed" || what == "all") bench_speed(dims, sizes);
  if (what == "quality" || what == "all") bench_quality(seeds, trials, script);
  if (what == "running" || what == "all") bench_running(seeds, trials);
  return 0;
}
