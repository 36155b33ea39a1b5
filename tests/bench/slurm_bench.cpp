// slurm_bench: how fast trials are submitted through the SlurmExecutor, and what one poll
// cycle costs with many of hpod's jobs pending. Not a test; prints its figures, each next
// to the plain way of doing the same (bare sbatch; one squeue per job).
//
//   SLURM_CONF=... slurm_bench [--jobs N] [--polls K] [--baseline B]
//
// Jobs are submitted held (--hold), so they stay PENDING and never run; all of them are
// cancelled at the end (also when the benchmark fails half-way).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "daemon/executors/slurm_executor.hpp"
#include "tests/support/slurm_test_support.hpp"

using namespace hpod;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using hpod::testing::CountingRunner;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// Every job id the benchmark queued, cancelled in one scancel at scope exit.
class Cleanup {
 public:
  ~Cleanup() {
    if (ids_.empty()) return;
    ProcessRunner runner;
    for (std::size_t i = 0; i < ids_.size(); i += 500) {
      std::vector<std::string> argv = {"scancel"};
      argv.insert(argv.end(), ids_.begin() + i, ids_.begin() + std::min(ids_.size(), i + 500));
      auto r = runner.run({argv, 60s});
      if (!r.ok()) std::fprintf(stderr, "cleanup: %s\n", r.describe("scancel").c_str());
    }
    std::fprintf(stderr, "cleanup: cancelled %zu jobs\n", ids_.size());
  }
  void add(const std::string& id) { ids_.push_back(id); }

 private:
  std::vector<std::string> ids_;
};

// Thrown so that the job cleanup runs on the way out.
struct Failure {
  std::string what;
};
[[noreturn]] void die(const std::string& what) { throw Failure{what}; }

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * (v.size() - 1) + 0.5))];
}

}  // namespace

int bench(int argc, char** argv) {
  int jobs = 500, polls = 20, baseline = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--jobs")) jobs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--polls")) polls = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--baseline")) baseline = std::atoi(argv[i + 1]);
    else die(std::string("unknown option ") + argv[i]);
  }
  if (!std::getenv("SLURM_CONF")) die("SLURM_CONF is not set (eval \"$(scripts/slurm-local.sh start)\")");
  if (jobs < 1 || polls < 1 || baseline < 1) die("--jobs, --polls and --baseline must be >= 1");

  hpod::testing::ScratchDir dir("hpod-slurm-bench");
  Cleanup cleanup;
  auto counter = std::make_shared<CountingRunner>();
  SlurmExecutorOptions options;
  options.runner = counter;
  SlurmExecutor ex(options);
  ProcessRunner plain;

  // 1. Submission: held jobs through the executor (script written, sbatch --parsable).
  // For the first `baseline` of them a bare `sbatch --wrap` (no script file, same options)
  // runs right after, so the two are compared under the same load on a shared machine.
  std::vector<JobRef> refs;
  double submit_ms = 0, paired_ms = 0, plain_submit_ms = 0;
  for (int i = 0; i < jobs; ++i) {
    LaunchSpec spec;
    spec.study = "bench";
    spec.trial_number = i;
    spec.trial_id = i;
    spec.argv = {"/bin/true"};
    spec.run_dir = dir / std::to_string(i);
    spec.workdir = dir.path();
    spec.env = {{"HPOD_STUDY", "bench"}, {"HPOD_TRIAL_NUMBER", std::to_string(i)}};
    spec.executor.type = ExecutorSpec::Type::kSlurm;
    spec.executor.slurm.gres = "gpu:1";
    spec.executor.slurm.extra_args = {"--hold"};
    fs::create_directories(spec.run_dir);
    auto t0 = Clock::now();
    auto ref = ex.launch(spec);
    double ms = ms_since(t0);
    if (!ref.ok()) die("launch: " + ref.status().to_string());
    cleanup.add(ref->id);
    refs.push_back(*ref);
    submit_ms += ms;
    if (i >= baseline) continue;
    paired_ms += ms;
    t0 = Clock::now();
    auto r = plain.run({{"sbatch", "--parsable", "--hold", "--gres=gpu:1", "-o", "/dev/null", "-J", "bench-plain",
                         "--wrap", "true"},
                        30s});
    plain_submit_ms += ms_since(t0);
    if (!r.ok()) die(r.describe("sbatch"));
    cleanup.add(std::string(r.out.substr(0, r.out.find_first_of(";\n"))));
  }
  baseline = std::min(baseline, jobs);
  counter->take();

  // 2. One poll cycle with every job pending.
  std::vector<double> poll_ms;
  std::map<std::string, int> calls;
  for (int k = 0; k < polls; ++k) {
    auto t0 = Clock::now();
    auto st = ex.poll(refs);
    poll_ms.push_back(ms_since(t0));
    for (const auto& [name, n] : counter->take()) calls[name] += n;
    std::size_t pending = 0;
    for (const auto& ref : refs) pending += st[ref.id].phase == JobPhase::kPending;
    if (pending != refs.size())
      die("poll: " + std::to_string(pending) + " of " + std::to_string(refs.size()) + " jobs pending");
  }

  // The plain way: one squeue per job (timed on a sample, scaled to all jobs).
  int sample = std::min<int>(baseline, static_cast<int>(refs.size()));
  auto t0 = Clock::now();
  for (int i = 0; i < sample; ++i) {
    auto r = plain.run({{"squeue", "-h", "-t", "all", "-j", refs[i].id, "-o", "%i|%T|%r"}, 30s});
    if (!r.ok()) die(r.describe("squeue"));
  }
  double per_job_ms = ms_since(t0) / sample;

  std::printf("slurm_bench: %d held gpu:1 jobs, %d polls (SLURM_CONF=%s)\n", jobs, polls, std::getenv("SLURM_CONF"));
  std::printf("  submit through SlurmExecutor   %8.1f jobs/s  (%.1f ms each)\n", jobs / (submit_ms / 1000),
              submit_ms / jobs);
  std::printf("  paired with bare sbatch --wrap (%d pairs): executor %.1f ms, bare %.1f ms   bare/executor = %.2f\n",
              baseline, paired_ms / baseline, plain_submit_ms / baseline, plain_submit_ms / paired_ms);
  std::printf("  poll() of %d pending jobs     median %.1f ms, p95 %.1f ms, max %.1f ms\n", jobs,
              percentile(poll_ms, 0.5), percentile(poll_ms, 0.95), percentile(poll_ms, 1.0));
  std::printf("  commands per poll              squeue %.2f, sacct %.2f, scancel %.2f\n",
              calls["squeue"] / double(polls), calls["sacct"] / double(polls), calls["scancel"] / double(polls));
  std::printf("  one squeue per job (%d timed)  %.1f ms each → %.0f ms for %d jobs   per-job/poll() = %.1f\n", sample,
              per_job_ms, per_job_ms * jobs, jobs, per_job_ms * jobs / percentile(poll_ms, 0.5));
  bool ok = calls["squeue"] == polls && percentile(poll_ms, 0.5) < 200;
  std::printf("  target: one squeue call and < 200 ms per poll: %s\n", ok ? "met" : "NOT MET");
  return ok ? 0 : 2;
}

int main(int argc, char** argv) {
  try {
    return bench(argc, argv);
  } catch (const Failure& f) {
    std::fprintf(stderr, "slurm_bench: %s\n", f.what.c_str());
    return 1;
  }
}
