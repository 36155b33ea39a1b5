// GP sampler benchmark (not a test): speed per ask and peak memory, and the rule for
// running trials. The GP's optimisation quality against hpod's TPE, random and Optuna's TPE
// is measured in the shared harness: scripts/bench.sh samplers --samplers gp,tpe,random,optuna-tpe.
//
//   gp_bench [speed|running|all] [--seeds N] [--trials N]
//            [--dims 5,10] [--points 100,300,1000]   (speed: dimensions and trial counts)
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_functions.hpp"
#include "bench_stats.hpp"
#include "hpod/in_memory_study.hpp"
#include "samplers/gp/gp_sampler.hpp"
#include "samplers/random_sampler.hpp"

using namespace hpod;
using namespace hpod::bench;

namespace {

// ---- the per-sampler loop ------------------------------------------------------------

FrozenTrial& ask(Sampler& sampler, InMemoryStudy& study, const SearchSpace& space) {
  FrozenTrial t;
  t.number = static_cast<int>(study.size());
  t.state = TrialState::kRunning;
  FrozenTrial& added = study.add_trial(std::move(t));
  for (auto& [name, v] : sampler.sample(study, added, space)) added.params[name] = TrialParam{v, space.at(name)};
  return added;
}

double tell(InMemoryStudy& study, const BenchFunction& p, int number) {
  Params values;
  for (auto& [name, param] : study.trial(number)->params) values[name] = param.internal;
  const double v = p.f(values);
  study.finish(number, TrialState::kComplete, {v}, Timestamp{});
  return v;
}

// `trials` trials with `in_flight` evaluated concurrently (the oldest finishes first);
// returns the best value.
double optimize(Sampler& sampler, const BenchFunction& p, int trials, int in_flight = 1) {
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
      BenchFunction p{"st", box("x", d, -5.0, 5.0), [d](const Params& q) { return styblinski_tang(q, d); }, 0.0};
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
  for (const BenchFunction& p : bench_functions()) {
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
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seeds") seeds = std::stoi(argv[i + 1]);
    else if (flag == "--trials") trials = std::stoi(argv[i + 1]);
    else if (flag == "--dims") dims = int_list(argv[i + 1]);
    else if (flag == "--points") sizes = int_list(argv[i + 1]);
    else {
      std::cerr << "unknown option " << flag << "\n";
      return 2;
    }
  }
  if (what != "speed" && what != "running" && what != "all") {
    std::cerr << "usage: gp_bench [speed|running|all] [--seeds N] [--trials N] [--dims 5,10] [--points 100,300,1000]\n"
                 "(GP quality: scripts/bench.sh samplers --samplers gp,tpe,random,optuna-tpe)\n";
    return 2;
  }
  std::cout << "gp_bench: " << what << "\n";
  if (what == "speed" || what == "all") bench_speed(dims, sizes);
  if (what == "running" || what == "all") bench_running(seeds, trials);
  return 0;
}
