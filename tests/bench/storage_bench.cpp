// storage_bench: how fast hpod's SQLite storage commits intermediate values, and how long
// a large study takes to load at start-up. Not a test; prints its figures.
//
//   storage_bench [--dir DIR] [--seconds S] [--load-trials N] [--params P] [--steps K]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "hpod/storage.hpp"

using namespace hpod;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

long peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

std::unique_ptr<Storage> open_or_die(const std::string& path, const std::string& sync) {
  StorageOptions o;
  o.path = path;
  o.synchronous = sync;
  auto s = Storage::open(o);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.status().message().c_str());
    std::exit(1);
  }
  return std::move(s).value();
}

void die_if(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    std::exit(1);
  }
}

FrozenTrial trial_with_params(int params) {
  FrozenTrial t;
  t.datetime_start = std::chrono::system_clock::now();
  for (int p = 0; p < params; ++p)
    t.params["p" + std::to_string(p)] = TrialParam{0.5 + p, *make_float_distribution(0, 100, false, std::nullopt)};
  return t;
}

// Intermediate values per second, each transaction holding `batch` of them.
double commit_rate(const std::string& dir, const std::string& sync, int batch, double seconds) {
  std::string path = dir + "/commit-" + sync + "-" + std::to_string(batch) + ".db";
  fs::remove(path);
  fs::remove(path + "-wal");
  fs::remove(path + "-shm");
  auto s = open_or_die(path, sync);
  auto sid = *s->create_study("bench", {StudyDirection::kMinimize});
  auto tid = *s->create_trial(sid, trial_with_params(3));
  long written = 0;
  auto t0 = Clock::now();
  while (seconds_since(t0) < seconds) {
    die_if(s->transaction([&] {
      for (int i = 0; i < batch; ++i, ++written)
        HPOD_RETURN_IF_ERROR(s->add_intermediate_value(tid, written, 0.25 * static_cast<double>(written)));
      return Status::OK();
    }));
  }
  return static_cast<double>(written) / seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = fs::temp_directory_path() / "hpod-storage-bench";
  double seconds = 2.0;
  int load_trials = 100000, params = 10, steps = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--dir") dir = argv[i + 1];
    else if (a == "--seconds") seconds = std::stod(argv[i + 1]);
    else if (a == "--load-trials") load_trials = std::stoi(argv[i + 1]);
    else if (a == "--params") params = std::stoi(argv[i + 1]);
    else if (a == "--steps") steps = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  fs::create_directories(dir);
  std::printf("storage_bench: SQLite %s, WAL, files in %s\n\n", "3.40", dir.c_str());
  std::printf("intermediate values committed per second (%.0f s per cell)\n", seconds);
  std::printf("%-22s %12s %12s %12s %12s\n", "synchronous \\ batch", "1", "10", "100", "1000");
  for (std::string sync : {"NORMAL", "FULL"}) {
    std::printf("%-22s", sync.c_str());
    for (int batch : {1, 10, 100, 1000}) {
      std::printf(" %12.0f", commit_rate(dir, sync, batch, seconds));
      std::fflush(stdout);
    }
    std::printf("\n");
  }

  std::printf("\nstart-up load: %d trials x %d params x %d intermediate values\n", load_trials, params, steps);
  std::string path = dir + "/load.db";
  fs::remove(path);
  fs::remove(path + "-wal");
  fs::remove(path + "-shm");
  {
    auto s = open_or_die(path, "NORMAL");
    auto sid = *s->create_study("big", {StudyDirection::kMinimize});
    auto t0 = Clock::now();
    const int per_tx = 200;
    for (int base = 0; base < load_trials; base += per_tx) {
      die_if(s->transaction([&] {
        for (int k = base; k < std::min(load_trials, base + per_tx); ++k) {
          FrozenTrial t = trial_with_params(params);
          HPOD_ASSIGN_OR_RETURN(auto tid, s->create_trial(sid, t));
          for (int st = 0; st < steps; ++st) HPOD_RETURN_IF_ERROR(s->add_intermediate_value(tid, st, 1.0 / (st + 1) + k));
          HPOD_RETURN_IF_ERROR(s->finish_trial(tid, TrialState::kComplete, {static_cast<double>(k)}, std::chrono::system_clock::now()));
        }
        return Status::OK();
      }));
    }
    std::printf("  written in %.1f s (%.0f intermediate values/s in 200-trial transactions)\n", seconds_since(t0),
                static_cast<double>(load_trials) * steps / seconds_since(t0));
  }
  std::printf("  file size %.0f MB\n", static_cast<double>(fs::file_size(path)) / 1e6);
  long rss_before = peak_rss_mb();
  auto t0 = Clock::now();
  auto s = open_or_die(path, "NORMAL");
  auto all = s->load_all_studies();
  die_if(all.status());
  double secs = seconds_since(t0);
  std::size_t n = 0, iv = 0;
  for (auto& st : *all)
    for (auto& t : st.trials) {
      ++n;
      iv += t.intermediate_values.size();
    }
  std::printf("  loaded %zu trials, %zu intermediate values in %.2f s (peak RSS %ld MB, before load %ld MB)\n", n, iv,
              secs, peak_rss_mb(), rss_before);
  return 0;
}
