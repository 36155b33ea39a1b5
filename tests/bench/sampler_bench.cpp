// Sampler benchmark: hpod's samplers and Optuna's side by side in one run. Two Optunas,
// both through tests/bench/optuna_sampler_bench.py under /usr/bin/python3:
//   optuna-*  Optuna 3.1, Debian 12's python3-optuna (installed);
//   optuna4-* Optuna 4.x with PYTHONPATH=DIR (--optuna4 DIR): scripts/bench.sh unpacks
//             Debian 13's python3-optuna 4.1 there. hpod's TPE follows 4.x (spec 4.9), so
//             optuna4-* is the like-for-like reference; without --optuna4 those rows go.
//
//   sampler_bench [--mode quality|speed|memory|all] [--samplers tpe,tpe-mv,random,gp,optuna-tpe,...]
//                 [--functions branin,...] [--seeds 20] [--trials 100]
//                 [--speed-n 100,1000,5000] [--speed-d 5,20] [--asks 20]
//                 [--python /usr/bin/python3] [--optuna-script PATH] [--optuna4 DIR]
//
// quality: final best over `trials` trials for each seed; median, IQR, and a Mann–Whitney
//          U test of each hpod TPE against its counterpart in each Optuna, and of Optuna
//          4.x against Optuna 3.1.
// speed:   ms per ask (ask + sampling of every parameter, then tell) with N completed
//          trials, D parameters, univariate and multivariate TPE.
// memory:  peak RSS of a child process running TPE asks at N = 5,000.
//
// A sampler is a row of kSamplers: name → engine (hpod / optuna) and factory JSON.
// "gp" is not in the default list (neither Optuna here has a GPSampler to set it against);
// ask for it: --samplers gp,tpe,random,optuna-tpe.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "bench_functions.hpp"
#include "bench_stats.hpp"
#include "hpod/in_memory_study.hpp"
#include "hpod/rng.hpp"
#include "hpod/sampler.hpp"
#include "samplers/random_sampler.hpp"
#include "samplers/tpe/sum_exp.hpp"
#include "samplers/tpe/tpe_sampler.hpp"

using namespace hpod;
using namespace hpod::bench;
using json = nlohmann::json;

namespace {

struct SamplerEntry {
  std::string name;
  // "hpod", "hpod-3.1" (hpod's TPE with Optuna 3.1's estimator), "optuna" (3.1), "optuna4"
  std::string engine;
  std::string config;  // the study file's "sampler" block (seed added per run)
};

const std::vector<SamplerEntry> kSamplers = {
    {"tpe", "hpod", R"({"type": "tpe"})"},
    {"tpe-mv", "hpod", R"({"type": "tpe", "multivariate": true})"},
    {"random", "hpod", R"({"type": "random"})"},
    {"gp", "hpod", R"({"type": "gp"})"},
    {"tpe-3.1", "hpod-3.1", R"({"type": "tpe"})"},
    {"tpe-mv-3.1", "hpod-3.1", R"({"type": "tpe", "multivariate": true})"},
    {"optuna-tpe", "optuna", R"({"type": "tpe"})"},
    {"optuna-tpe-mv", "optuna", R"({"type": "tpe", "multivariate": true})"},
    {"optuna-random", "optuna", R"({"type": "random"})"},
    {"optuna4-tpe", "optuna4", R"({"type": "tpe"})"},
    {"optuna4-tpe-mv", "optuna4", R"({"type": "tpe", "multivariate": true})"},
    {"optuna4-random", "optuna4", R"({"type": "random"})"},
};
const std::vector<std::string> kOptunaEngines = {"optuna4", "optuna"};  // column order

bool is_optuna(const std::string& engine) { return engine == "optuna" || engine == "optuna4"; }

// The counterpart of a sampler in each Optuna engine: the speed table's ratios and the
// quality table's Mann–Whitney references. A multivariate row falls back to the
// univariate counterpart when that Optuna's multivariate sampler was not run.
const std::map<std::string, std::map<std::string, std::string>> kPeers = {
    {"tpe", {{"optuna4", "optuna4-tpe"}, {"optuna", "optuna-tpe"}}},
    {"tpe-mv", {{"optuna4", "optuna4-tpe-mv"}, {"optuna", "optuna-tpe-mv"}}},
    {"tpe-3.1", {{"optuna", "optuna-tpe"}}},
    {"tpe-mv-3.1", {{"optuna", "optuna-tpe-mv"}}},
    {"optuna4-tpe", {{"optuna", "optuna-tpe"}}},
    {"optuna4-tpe-mv", {{"optuna", "optuna-tpe-mv"}}},
};
// hpod samplers timed against Optuna in the speed and memory modes.
const std::vector<std::string> kTimed = {"tpe", "tpe-mv"};

struct Flags {
  std::string mode = "all";
  std::vector<std::string> samplers{"tpe",         "tpe-mv",        "random",        "optuna-tpe",
                                    "optuna-tpe-mv", "optuna4-tpe", "optuna4-tpe-mv"};
  bool samplers_given = false;
  std::vector<std::string> functions;
  int seeds = 20;
  int trials = 100;
  std::vector<int> speed_n{100, 1000, 5000};
  std::vector<int> speed_d{5, 20};
  int asks = 20;
  int optuna_asks = 10;
  int optuna_asks_large = 3;  // at N >= 5000
  int memory_n = 5000;
  std::string python = "/usr/bin/python3";
  std::string optuna_script = HPOD_BENCH_DIR "/optuna_sampler_bench.py";
  std::string optuna4;  // PYTHONPATH holding Optuna 4.x; empty: no optuna4-* samplers
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<int> int_list(const std::string& s) {
  std::vector<int> out;
  for (auto& x : split_list(s)) out.push_back(std::stoi(x));
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::string join(const std::vector<int>& v) {
  std::vector<std::string> s;
  for (int x : v) s.push_back(std::to_string(x));
  return join(s);
}

const SamplerEntry& entry(const std::string& name) {
  for (auto& e : kSamplers)
    if (e.name == name) return e;
  std::cerr << "unknown sampler " << name << "; known:";
  for (auto& e : kSamplers) std::cerr << ' ' << e.name;
  std::cerr << '\n';
  std::exit(2);
}

std::unique_ptr<Sampler> make(const SamplerEntry& e, std::optional<std::uint32_t> seed) {
  json config = json::parse(e.config);
  if (seed) config["seed"] = *seed;
  auto s = make_sampler(config, "sampler");
  if (!s.ok()) {
    std::cerr << e.name << ": " << s.status().message() << '\n';
    std::exit(2);
  }
  if (e.engine == "hpod-3.1") {
    // Not a study-file option: set on the parsed TPE options.
    tpe::TpeOptions o = dynamic_cast<const tpe::TpeSampler&>(*s.value()).options();
    o.optuna_3_1_estimator = true;
    return std::make_unique<tpe::TpeSampler>(o);
  }
  return std::move(s).value();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The shell command that runs the Optuna script under an engine's Optuna.
std::string optuna_command(const Flags& fl, const std::string& engine, const std::string& args) {
  const std::string env = engine == "optuna4" ? "PYTHONPATH=" + shell_quote(fl.optuna4) + " " : "";
  return env + fl.python + " " + fl.optuna_script + " " + args;
}

// An Optuna script running in a child process; its JSON output (stdout) is read at finish.
struct OptunaRun {
  std::string cmd;
  FILE* pipe;
};

OptunaRun start_optuna(const Flags& fl, const std::string& engine, const std::string& args) {
  OptunaRun run{optuna_command(fl, engine, args), nullptr};
  run.pipe = popen(run.cmd.c_str(), "r");
  if (!run.pipe) {
    std::cerr << "cannot run " << run.cmd << '\n';
    std::exit(1);
  }
  return run;
}

json finish_optuna(const OptunaRun& run) {
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, run.pipe)) > 0;) out.append(buf, n);
  if (pclose(run.pipe) != 0) {
    std::cerr << "failed: " << run.cmd << '\n';
    std::exit(1);
  }
  return json::parse(out);
}

json run_optuna(const Flags& fl, const std::string& engine, const std::string& args) {
  return finish_optuna(start_optuna(fl, engine, args));
}

json optuna_samplers_json(const std::vector<std::string>& names) {
  json j = json::object();
  for (auto& n : names) j[n] = json::parse(entry(n).config);
  return j;
}

// The Optuna engine is wanted: one of its samplers is listed.
bool with_engine(const Flags& fl, const std::string& engine) {
  for (auto& s : fl.samplers)
    if (entry(s).engine == engine) return true;
  return false;
}

// "4.1.0": the version of the Optuna the engine's Python imports, asked once per engine.
std::string engine_version(const Flags& fl, const std::string& engine) {
  static std::map<std::string, std::string> versions;
  auto it = versions.find(engine);
  if (it == versions.end())
    it = versions.emplace(engine, run_optuna(fl, engine, "version")["version"].get<std::string>()).first;
  return it->second;
}

std::string engine_label(const Flags& fl, const std::string& engine) { return "Optuna " + engine_version(fl, engine); }

// The counterpart of `sampler` in `engine` that this run has results for, or "".
std::string peer_of(const std::string& sampler, const std::string& engine, const std::set<std::string>& ran) {
  auto p = kPeers.find(sampler);
  if (p == kPeers.end() || !p->second.count(engine)) return "";
  std::string peer = p->second.at(engine);
  if (ran.count(peer)) return peer;
  const std::string mv = "-mv";
  if (peer.size() > mv.size() && peer.compare(peer.size() - mv.size(), mv.size(), mv) == 0) {
    peer.resize(peer.size() - mv.size());
    if (ran.count(peer)) return peer;
  }
  return "";
}

// ---------------------------------------------------------------------------- quality

double run_study(Sampler& sampler, const BenchFunction& fn, int trials) {
  InMemoryStudy study(fn.name, {StudyDirection::kMinimize});
  double best = INFINITY;
  for (int i = 0; i < trials; ++i) {
    FrozenTrial& t = study.add_trial(FrozenTrial{});
    auto params = sampler.sample(study, t, fn.space);
    FrozenTrial* m = study.mutable_trial(t.number);
    for (auto& [name, v] : params) m->params[name] = TrialParam{v, fn.space.at(name)};
    const double value = fn.f(params);
    best = std::min(best, value);
    study.finish(t.number, TrialState::kComplete, {value}, std::chrono::system_clock::now());
  }
  return best;
}

void quality(const Flags& fl) {
  auto functions = bench_functions();
  std::vector<std::string> fnames;
  for (auto& f : functions)
    if (fl.functions.empty() || std::find(fl.functions.begin(), fl.functions.end(), f.name) != fl.functions.end())
      fnames.push_back(f.name);
  std::vector<std::string> hpod_names;
  std::map<std::string, std::vector<std::string>> optuna_names;  // engine → samplers
  for (auto& s : fl.samplers) {
    const std::string& engine = entry(s).engine;
    (is_optuna(engine) ? optuna_names[engine] : hpod_names).push_back(s);
  }

  // Each Optuna runs in a child process while hpod's studies run here (quality is not
  // timed, so they may share the cores).
  std::vector<OptunaRun> children;
  for (auto& [engine, names] : optuna_names)
    children.push_back(start_optuna(
        fl, engine,
        "quality --samplers " + shell_quote(optuna_samplers_json(names).dump()) + " --functions " + join(fnames) +
            " --seeds " + std::to_string(fl.seeds) + " --trials " + std::to_string(fl.trials)));
  std::map<std::string, std::map<std::string, std::vector<double>>> best;  // sampler → function → per seed
  for (auto& fn : functions) {
    if (std::find(fnames.begin(), fnames.end(), fn.name) == fnames.end()) continue;
    for (auto& s : hpod_names)
      for (int seed = 0; seed < fl.seeds; ++seed) {
        auto sampler = make(entry(s), static_cast<std::uint32_t>(seed));
        best[s][fn.name].push_back(run_study(*sampler, fn, fl.trials));
      }
  }
  for (const OptunaRun& child : children) {
    const json parsed = finish_optuna(child);
    for (auto& [s, per_fn] : parsed.items())
      for (auto& [f, values] : per_fn.items()) best[s][f] = values.get<std::vector<double>>();
  }
  std::set<std::string> ran;
  for (auto& [s, unused] : best) ran.insert(s);

  std::vector<std::string> engines;  // the Optuna columns of the table
  for (auto& e : kOptunaEngines)
    if (optuna_names.count(e)) engines.push_back(e);
  std::printf("\n== quality: final best after %d trials, %d seeds (minimisation) ==\n", fl.trials, fl.seeds);
  std::printf("Mann-Whitney U (two-sided, normal approximation) of a row against its counterpart in each\n"
              "Optuna (univariate vs *-tpe, multivariate vs *-tpe-mv if run, else *-tpe).\n");
  for (auto& e : engines)
    std::printf("  %s-*: %s%s\n", e.c_str(), engine_label(fl, e).c_str(),
                e == "optuna4" ? " (the algorithm hpod's TPE follows)" : " (Debian 12's python3-optuna)");
  std::printf("target: p > 0.05, or the row's median is the better. tpe-3.1 / tpe-mv-3.1: hpod with Optuna\n"
              "3.1's estimator rules (diagnosis only, not a study-file option).\n\n");
  std::printf("%-17s %-15s %12s %12s %12s", "function", "sampler", "median", "q25", "q75");
  for (auto& e : engines) std::printf("  %-15s %8s %-13s", ("vs " + engine_version(fl, e)).c_str(), "p", "verdict");
  std::printf("\n");
  for (auto& f : fnames) {
    for (auto& s : fl.samplers) {
      const auto& v = best[s][f];
      std::printf("%-17s %-15s %12.6g %12.6g %12.6g", f.c_str(), s.c_str(), median(v), quantile(v, 0.25),
                  quantile(v, 0.75));
      for (auto& e : engines) {
        const std::string ref = peer_of(s, e, ran);
        if (ref.empty()) {
          std::printf("  %-15s %8s %-13s", "", "", "");
          continue;
        }
        const auto& r = best[ref][f];
        const MannWhitney mw = mann_whitney(v, r);
        std::printf("  %-15s %8.3g %-13s", ref.c_str(), mw.p,
                    mw.p > 0.05 ? "same" : median(v) <= median(r) ? "better" : "WORSE");
      }
      std::printf("\n");
    }
  }
}

// ------------------------------------------------------------------------------ speed

SearchSpace speed_space(int d) { return box("x", d, -5, 5); }

double sphere(const Params& p) {
  double s = 0;
  for (auto& [n, v] : p) s += v * v;
  return s;
}

// A study with n COMPLETE trials drawn at random (sphere objective).
void fill_study(InMemoryStudy& study, const SearchSpace& space, int n) {
  NumpyRandom rng(12345);
  for (int i = 0; i < n; ++i) {
    FrozenTrial t;
    Params p;
    for (auto& [name, dist] : space) {
      p[name] = sample_random_internal(dist, rng);
      t.params[name] = TrialParam{p[name], dist};
    }
    FrozenTrial& a = study.add_trial(std::move(t));
    study.finish(a.number, TrialState::kComplete, {sphere(p)}, std::chrono::system_clock::now());
  }
}

// CPU time of this thread: the machine may be shared, and waiting for a core is not the
// sampler's cost (the Optuna script measures process CPU time likewise).
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct AskTiming {
  double first_ms;  // includes building the cache over N trials
  double mean_ms;   // the following asks, each after one tell: median (robust to a busy machine)
};

AskTiming time_asks(Sampler& sampler, InMemoryStudy& study, const SearchSpace& space, int asks) {
  AskTiming r{0, 0};
  std::vector<double> times;
  for (int i = 0; i <= asks; ++i) {
    FrozenTrial& t = study.add_trial(FrozenTrial{});
    const double start = cpu_ms();
    auto params = sampler.sample(study, t, space);
    const double ms = cpu_ms() - start;
    if (i == 0) r.first_ms = ms;
    else times.push_back(ms);
    FrozenTrial* m = study.mutable_trial(t.number);
    for (auto& [name, v] : params) m->params[name] = TrialParam{v, space.at(name)};
    study.finish(t.number, TrialState::kComplete, {sphere(params)}, std::chrono::system_clock::now());
  }
  r.mean_ms = median(times);
  return r;
}

// hpod samplers of the speed and memory modes that are listed.
std::vector<std::string> timed_samplers(const Flags& fl) {
  std::vector<std::string> out;
  for (auto& s : fl.samplers)
    if (std::find(kTimed.begin(), kTimed.end(), s) != kTimed.end()) out.push_back(s);
  return out;
}

void speed(const Flags& fl) {
  const std::vector<std::string> hpod_names = timed_samplers(fl);
  std::map<std::string, json> hpod;  // "sampler/N/D" → timing
  for (auto& s : hpod_names)
    for (int n : fl.speed_n)
      for (int d : fl.speed_d) {
        InMemoryStudy study("speed", {StudyDirection::kMinimize});
        const SearchSpace space = speed_space(d);
        fill_study(study, space, n);
        auto sampler = make(entry(s), 1u);
        const AskTiming t = time_asks(*sampler, study, space, fl.asks);
        hpod[s + "/" + std::to_string(n) + "/" + std::to_string(d)] = {{"first", t.first_ms}, {"mean", t.mean_ms}};
      }
  // Each Optuna afterwards, one at a time: the timings must not share the CPU.
  std::vector<std::string> engines;
  json optuna = json::object();  // peer → "N/D" → timing
  for (auto& e : kOptunaEngines) {
    if (!with_engine(fl, e)) continue;
    engines.push_back(e);
    std::vector<std::string> peers;
    for (auto& s : hpod_names) peers.push_back(kPeers.at(s).at(e));
    if (peers.empty()) continue;
    json got = run_optuna(fl, e,
                          "speed --samplers " + shell_quote(optuna_samplers_json(peers).dump()) + " --n " +
                              join(fl.speed_n) + " --d " + join(fl.speed_d) + " --asks " +
                              std::to_string(fl.optuna_asks) + " --asks-large " + std::to_string(fl.optuna_asks_large));
    for (auto& [k, v] : got.items()) optuna[k] = v;
  }

  std::printf("\n== speed: CPU ms per ask with N COMPLETE trials, D float parameters ==\n");
  std::printf("CPU time (the machine may be shared), median over asks. hpod: %d asks, each after a tell (incremental cache); 'cold' = the first ask, which\n"
              "builds the cache over all N trials. Optuna (in-memory storage): %d asks (%d at\n"
              "N >= 5000, to keep time sane); an ask = study.ask() + every suggest_float.\n"
              "hpod's sum-exp/erf kernels: %s.\n\n",
              fl.asks, fl.optuna_asks, fl.optuna_asks_large, tpe::sum_exp_uses_avx2() ? "AVX2+FMA" : "portable");
  std::printf("%-8s %6s %4s %10s %10s", "sampler", "N", "D", "hpod ms", "hpod cold");
  for (auto& e : engines) {
    const std::string label = engine_label(fl, e);
    std::printf(" %14s %9s", (label + " ms").c_str(), "speed-up");
  }
  std::printf("\n");
  for (auto& s : hpod_names)
    for (int n : fl.speed_n)
      for (int d : fl.speed_d) {
        const std::string key = std::to_string(n) + "/" + std::to_string(d);
        const json& h = hpod[s + "/" + key];
        std::printf("%-8s %6d %4d %10.3f %10.3f", s.c_str(), n, d, h["mean"].get<double>(), h["first"].get<double>());
        for (auto& e : engines) {
          const std::string peer = kPeers.at(s).at(e);
          if (optuna.contains(peer) && optuna[peer].contains(key)) {
            const double o = optuna[peer][key]["mean"].get<double>();
            std::printf(" %14.1f %8.0fx", o, o / h["mean"].get<double>());
          } else {
            std::printf(" %14s %9s", "", "");
          }
        }
        std::printf("\n");
      }
}

// ----------------------------------------------------------------------------- memory

long vm_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  return -1;
}

// One configuration in this (fresh) process: prints "<KB after building the study> <peak KB>".
void memory_child(const Flags& fl) {
  InMemoryStudy study("memory", {StudyDirection::kMinimize});
  const SearchSpace space = speed_space(fl.speed_d.front());
  fill_study(study, space, fl.memory_n);
  const long before = vm_kb("VmHWM:");
  auto sampler = make(entry(fl.samplers.front()), 1u);
  time_asks(*sampler, study, space, fl.asks);
  std::printf("%ld %ld\n", before, vm_kb("VmHWM:"));
}

void memory(const Flags& fl) {
  std::printf("\n== memory: peak RSS at N = %d COMPLETE trials, %d asks (a fresh process per row) ==\n",
              fl.memory_n, fl.asks);
  std::printf("%-8s %4s %14s %16s %16s\n", "sampler", "D", "study only MB", "peak w/ asks MB", "sampler MB");
  for (auto& s : timed_samplers(fl)) {
    for (int d : fl.speed_d) {
      // popen runs a shell, whose /proc/self/exe would be the shell: resolve it here.
      const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
      const std::string cmd = self + " --mode memory-child --samplers " + s + " --speed-d " + std::to_string(d) +
                              " --memory-n " + std::to_string(fl.memory_n) + " --asks " + std::to_string(fl.asks);
      FILE* p = popen(cmd.c_str(), "r");
      long before = 0, peak = 0;
      if (!p || std::fscanf(p, "%ld %ld", &before, &peak) != 2) std::fprintf(stderr, "memory child failed: %s\n", cmd.c_str());
      if (p) pclose(p);
      std::printf("%-8s %4d %14.1f %16.1f %16.1f\n", s.c_str(), d, before / 1024.0, peak / 1024.0,
                  (peak - before) / 1024.0);
    }
  }
  for (auto& e : kOptunaEngines) {
    if (!with_engine(fl, e)) continue;
    const std::string peer = kPeers.at("tpe").at(e);
    json o = run_optuna(fl, e,
                        "memory --samplers " + shell_quote(optuna_samplers_json({peer}).dump()) + " --n " +
                            std::to_string(fl.memory_n) + " --d " + join(fl.speed_d) + " --asks " +
                            std::to_string(fl.optuna_asks_large));
    for (auto& [key, v] : o[peer].items())
      std::printf("%-8s %4s %14.1f %16.1f %16.1f   (%s, %d asks)\n", e.c_str(), key.c_str(),
                  v["before_kb"].get<double>() / 1024, v["peak_kb"].get<double>() / 1024,
                  (v["peak_kb"].get<double>() - v["before_kb"].get<double>()) / 1024, engine_label(fl, e).c_str(),
                  fl.optuna_asks_large);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Flags fl;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--mode") fl.mode = next();
    else if (a == "--samplers") {
      fl.samplers = split_list(next());
      fl.samplers_given = true;
    }
    else if (a == "--functions") fl.functions = split_list(next());
    else if (a == "--seeds") fl.seeds = std::stoi(next());
    else if (a == "--trials") fl.trials = std::stoi(next());
    else if (a == "--speed-n") fl.speed_n = int_list(next());
    else if (a == "--speed-d") fl.speed_d = int_list(next());
    else if (a == "--asks") fl.asks = std::stoi(next());
    else if (a == "--optuna-asks") fl.optuna_asks = std::stoi(next());
    else if (a == "--optuna-asks-large") fl.optuna_asks_large = std::stoi(next());
    else if (a == "--memory-n") fl.memory_n = std::stoi(next());
    else if (a == "--python") fl.python = next();
    else if (a == "--optuna-script") fl.optuna_script = next();
    else if (a == "--optuna4") fl.optuna4 = next();
    else {
      std::cerr << "unknown flag " << a << " (see the comment at the top of sampler_bench.cpp)\n";
      return 2;
    }
  }
  for (auto& s : fl.samplers) entry(s);  // validate names early
  if (fl.optuna4.empty()) {
    // Without Optuna 4.x the default list loses its optuna4-* rows; asked-for ones are an error.
    std::vector<std::string> kept;
    for (auto& s : fl.samplers) {
      if (entry(s).engine != "optuna4") kept.push_back(s);
      else if (fl.samplers_given) {
        std::cerr << s << " needs --optuna4 DIR, a PYTHONPATH holding Optuna 4.x (scripts/bench.sh samplers unpacks "
                     "Debian 13's python3-optuna there)\n";
        return 2;
      }
    }
    if (kept.size() != fl.samplers.size())
      std::cerr << "no --optuna4 DIR: running without the Optuna 4.x rows\n";
    fl.samplers = kept;
  }
  if (fl.mode == "quality" || fl.mode == "all") quality(fl);
  if (fl.mode == "speed" || fl.mode == "all") speed(fl);
  if (fl.mode == "memory" || fl.mode == "all") memory(fl);
  if (fl.mode == "memory-child") memory_child(fl);
  return 0;
}
