// StudySpec: the study definition parser. Every bad input names the source, the JSON
// path and the rule; nothing is partially applied.
#include <doctest/doctest.h>

#include <string>

#include "hpod/study.hpp"

using namespace hpod;

namespace {

const char* kGood = R"({
  "name": "mnist-cnn",
  "direction": "minimize",
  "search_space": {
    "lr":        {"type": "float", "low": 1e-5, "high": 0.1, "log": true},
    "dropout":   {"type": "float", "low": 0.0, "high": 0.5, "step": 0.05},
    "layers":    {"type": "int", "low": 1, "high": 6},
    "batch":     {"type": "int", "low": 16, "high": 512, "log": true},
    "optimizer": {"type": "categorical", "choices": ["adam", "sgd", "rmsprop"]}
  },
  "sampler": {"type": "random", "seed": 7},
  "pruner":  {"type": "nop"},
  "budget":  {"n_trials": 200, "max_parallel": 8, "timeout_s": 86400},
  "trial": {
    "command": ["python3", "train.py", "--lr", "{lr}", "--layers", "{layers}"],
    "workdir": ".",
    "env": {"DATA": "/scratch/mnist"},
    "prune_grace_s": 30,
    "heartbeat_timeout_s": 900,
    "progress_timeout_s": 7200,
    "max_retries": 1
  },
  "executor": {"type": "slurm", "partition": "gpu", "gres": "gpu:1", "cpus_per_task": 4,
               "mem": "16G", "time": "02:00:00", "account": "cms", "extra_args": []}
})";

// Replaces the text between the first occurrence of `from` and the end of its line.
std::string with(std::string base, const std::string& from, const std::string& to) {
  auto p = base.find(from);
  REQUIRE_MESSAGE(p != std::string::npos, from);
  base.replace(p, from.size(), to);
  return base;
}

std::string spec_error_of(const std::string& text) {
  auto r = parse_study_spec(text, "mnist.json");
  REQUIRE_MESSAGE(!r.ok(), "expected an error for: " << text);
  CHECK(r.status().code() == Status::Code::kInvalidArgument);
  return r.status().message();
}

}  // namespace

TEST_CASE("a full study definition parses") {
  auto r = parse_study_spec(kGood, "mnist.json");
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  const StudySpec& s = *r;
  CHECK(s.name == "mnist-cnn");
  CHECK(s.direction() == StudyDirection::kMinimize);
  REQUIRE(s.search_space.size() == 5);
  auto& lr = std::get<FloatDistribution>(s.search_space.at("lr"));
  CHECK(lr.log);
  CHECK(lr.low == 1e-5);
  auto& dropout = std::get<FloatDistribution>(s.search_space.at("dropout"));
  CHECK(dropout.step == 0.05);
  CHECK(dropout.high == 0.5);
  CHECK(std::get<IntDistribution>(s.search_space.at("batch")).log);
  CHECK(std::get<CategoricalDistribution>(s.search_space.at("optimizer")).choices.size() == 3);
  CHECK(s.budget.n_trials == 200);
  CHECK(s.budget.max_parallel == 8);
  CHECK(s.budget.timeout_s == 86400);
  REQUIRE(s.trial);
  CHECK(s.trial->argv.size() == 6);
  CHECK(s.trial->env.at("DATA") == "/scratch/mnist");
  CHECK(s.trial->max_retries == 1);
  CHECK(s.trial->heartbeat_timeout_s == 900);
  CHECK(s.trial->progress_timeout_s == 7200);
  CHECK(s.executor.type == ExecutorSpec::Type::kSlurm);
  CHECK(s.executor.slurm.partition == "gpu");
  CHECK(s.executor.slurm.cpus_per_task == 4);
  CHECK(s.sampler_json == R"({"seed":7,"type":"random"})");
}

TEST_CASE("defaults of a minimal ask/tell study") {
  auto r = parse_study_spec(R"({"name": "s", "search_space": {"x": {"type": "float", "low": -1, "high": 1}}})", "s.json");
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(r->direction() == StudyDirection::kMinimize);
  CHECK_FALSE(r->trial);
  CHECK(r->budget.max_parallel == 1);
  CHECK(r->sampler_json == "null");
  CHECK(r->executor.type == ExecutorSpec::Type::kLocal);
}

TEST_CASE("canonical JSON ignores key order and whitespace") {
  auto a = parse_study_spec(R"({"name": "s", "search_space": {"x": {"type": "int", "low": 0, "high": 3}}})", "a");
  auto b = parse_study_spec(R"({"search_space":{"x":{"high":3,"low":0,"type":"int"}},"name":"s"})", "b");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->canonical_json == b->canonical_json);
}

TEST_CASE("a shell command string and placeholders") {
  auto r = parse_study_spec(
      R"({"name": "s", "search_space": {"x": {"type": "float", "low": 0, "high": 1}},
          "budget": {"n_trials": 3}, "trial": {"command": "echo {x} {{literal}}"}})",
      "s.json");
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(r->trial->shell == "echo {x} {{literal}}");
  CHECK(r->trial->argv.empty());
  auto names = placeholder_names("a{x}b{{c}}{y}");
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"x", "y"});
}

// Each row: a change to the good definition, and the exact message it must produce.
TEST_CASE("bad study definitions are refused with file, JSON path and rule") {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::string g = kGood;
  const std::vector<Case> cases = {
      {"{", "mnist.json: invalid JSON: line 1, column 2: syntax error while parsing object key - unexpected end of input; expected string literal"},
      {"[]", "mnist.json: the study definition must be a JSON object"},
      {with(g, R"("name": "mnist-cnn",)", ""), "mnist.json: name: missing (every study needs a name)"},
      {with(g, R"("name": "mnist-cnn")", R"("name": "../etc")"),
       "mnist.json: name: must be 1-128 characters of letters, digits, '.', '_' or '-', not starting with '.' or '-'"},
      {with(g, R"("name": "mnist-cnn")", R"("name": 3)"), "mnist.json: name: must be a string"},
      {with(g, R"("direction": "minimize")", R"("direction": "minimise")"),
       "mnist.json: direction: must be \"minimize\" or \"maximize\" (did you mean \"minimize\"?)"},
      {with(g, R"("direction": "minimize")", R"("direction": "minimize", "directions": ["minimize"])"),
       "mnist.json: directions: give either \"direction\" or \"directions\", not both"},
      {with(g, R"("direction": "minimize")", R"("directions": ["minimize", "maximize"])"),
       "mnist.json: directions: multi-objective studies are not supported yet (give one direction)"},
      {with(g, R"("direction": "minimize",)", R"("direction": "minimize", "serach_space": {},)"),
       "mnist.json: serach_space: unknown key (did you mean \"search_space\"?)"},
      {with(g, R"("lr":        {"type": "float", "low": 1e-5, "high": 0.1, "log": true})",
            R"("lr": {"type": "float", "low": 0, "high": 0.1, "log": true})"),
       "mnist.json: search_space.lr: \"low\" must be > 0 when \"log\" is true"},
      {with(g, R"("lr":        {"type": "float", "low": 1e-5, "high": 0.1, "log": true})",
            R"("lr": {"type": "float", "low": 1, "high": 0.1})"),
       "mnist.json: search_space.lr: \"low\" must be <= \"high\" (low 1.0, high 0.1)"},
      {with(g, R"("lr":        {"type": "float", "low": 1e-5, "high": 0.1, "log": true})",
            R"("lr": {"type": "float", "low": 0.1, "high": 1, "log": true, "step": 0.1})"),
       "mnist.json: search_space.lr: \"step\" is not supported when \"log\" is true"},
      {with(g, R"("lr":        {"type": "float", "low": 1e-5, "high": 0.1, "log": true})",
            R"("lr": {"type": "float", "low": "0", "high": 0.1})"),
       "mnist.json: search_space.lr.low: must be a number"},
      {with(g, R"("lr":        {"type": "float", "low": 1e-5, "high": 0.1, "log": true})",
            R"("lr": {"type": "float", "high": 0.1})"),
       "mnist.json: search_space.lr: missing \"low\""},
      {with(g, R"("lr":        {"type": "float", "low": 1e-5, "high": 0.1, "log": true})",
            R"("lr": {"type": "float", "low": 1e-5, "high": 0.1, "lgo": true})"),
       "mnist.json: search_space.lr.lgo: unknown key (did you mean \"log\"?)"},
      {with(g, R"("lr":        {"type": "float", "low": 1e-5, "high": 0.1, "log": true})",
            R"("lr": {"type": "flaot", "low": 1e-5, "high": 0.1})"),
       "mnist.json: search_space.lr.type: unknown type \"flaot\" (one of \"float\", \"int\", \"categorical\") (did you mean \"float\"?)"},
      {with(g, R"("lr":        {"type": "float", "low": 1e-5, "high": 0.1, "log": true})", R"("lr": 0.1)"),
       "mnist.json: search_space.lr: must be a JSON object"},
      {with(g, R"("lr":        {"type": "float", "low": 1e-5, "high": 0.1, "log": true})",
            R"("lr": {"low": 1e-5, "high": 0.1})"),
       "mnist.json: search_space.lr: missing \"type\" (one of \"float\", \"int\", \"categorical\")"},
      {with(g, R"("layers":    {"type": "int", "low": 1, "high": 6})", R"("layers": {"type": "int", "low": 1.5, "high": 6})"),
       "mnist.json: search_space.layers.low: must be an integer"},
      {with(g, R"("batch":     {"type": "int", "low": 16, "high": 512, "log": true})",
            R"("batch": {"type": "int", "low": 0, "high": 512, "log": true})"),
       "mnist.json: search_space.batch: \"low\" must be >= 1 when \"log\" is true"},
      {with(g, R"("layers":    {"type": "int", "low": 1, "high": 6})", R"("layers": {"type": "int", "low": 1, "high": 6, "step": 0})"),
       "mnist.json: search_space.layers: \"step\" must be > 0"},
      {with(g, R"("optimizer": {"type": "categorical", "choices": ["adam", "sgd", "rmsprop"]})",
            R"("optimizer": {"type": "categorical", "choices": []})"),
       "mnist.json: search_space.optimizer.choices: \"choices\" must not be empty"},
      {with(g, R"("optimizer": {"type": "categorical", "choices": ["adam", "sgd", "rmsprop"]})",
            R"("optimizer": {"type": "categorical", "choices": ["adam", {"a": 1}]})"),
       "mnist.json: search_space.optimizer.choices[1]: a choice must be null, a boolean, a number or a string"},
      {with(g, R"("optimizer": {"type": "categorical", "choices": ["adam", "sgd", "rmsprop"]})",
            R"("optimizer": {"type": "categorical", "choices": [true, 1]})"),
       "mnist.json: search_space.optimizer.choices[1]: duplicate of choice 0 (true; Python equality makes true == 1 == 1.0)"},
      {with(g, R"("search_space": {)", R"("search_space": {}, "x": {)"),
       "mnist.json: search_space: must be a non-empty object of parameter name → distribution"},
      {with(g, R"("sampler": {"type": "random", "seed": 7})", R"("sampler": {"type": "randon"})"),
       "mnist.json: sampler.type: unknown sampler \"randon\" (one of \"tpe\", \"gp\", \"random\") (did you mean \"random\"?)"},
      {with(g, R"("sampler": {"type": "random", "seed": 7})", R"("sampler": {"type": "random", "seed": -1})"),
       "mnist.json: sampler.seed: must be between 0 and 4294967295"},
      {with(g, R"("sampler": {"type": "random", "seed": 7})", R"("sampler": {"type": "random", "sed": 1})"),
       "mnist.json: sampler.sed: unknown key (did you mean \"seed\"?)"},
      {with(g, R"("pruner":  {"type": "nop"})", R"("pruner": {"type": "nope"})"),
       "mnist.json: pruner.type: unknown pruner \"nope\" (did you mean \"nop\"?)"},
      {with(g, R"("budget":  {"n_trials": 200,)", R"("budget":  {"n_trials": 0,)"),
       "mnist.json: budget.n_trials: must be between 1 and 10000000"},
      {with(g, R"("max_parallel": 8)", R"("max_parallel": "8")"), "mnist.json: budget.max_parallel: must be an integer"},
      {with(g, R"("timeout_s": 86400)", R"("timeout_s": -5)"), "mnist.json: budget.timeout_s: must be > 0 and at most 31622400 s (366 days)"},
      {with(g, R"("budget":  {"n_trials": 200, "max_parallel": 8, "timeout_s": 86400},)", ""),
       "mnist.json: budget: a study that runs trials needs \"n_trials\" or \"timeout_s\" so that it ends"},
      {with(g, R"("--lr", "{lr}")", R"("--lr", "{learning_rate}")"),
       "mnist.json: trial.command[3]: placeholder {learning_rate} is not a parameter of search_space"},
      {with(g, R"("--lr", "{lr}")", R"("--lr", "{lr")"),
       "mnist.json: trial.command[3]: unclosed \"{\" (write \"{{\" for a literal brace)"},
      {with(g, R"("--layers", "{layers}")", R"("--layers", "{layer}")"),
       "mnist.json: trial.command[5]: placeholder {layer} is not a parameter of search_space (did you mean \"layers\"?)"},
      {with(g, R"("command": ["python3", "train.py", "--lr", "{lr}", "--layers", "{layers}"],)", R"("command": [],)"),
       "mnist.json: trial.command: must not be empty"},
      {with(g, R"("command": ["python3", "train.py", "--lr", "{lr}", "--layers", "{layers}"],)", R"("command": 5,)"),
       "mnist.json: trial.command: must be a list of strings or a string"},
      {with(g, R"("command": ["python3", "train.py", "--lr", "{lr}", "--layers", "{layers}"],)", R"("workdir": ".",)"),
       "mnist.json: trial: missing \"command\" (a list of arguments, or a string run by /bin/sh -c)"},
      {with(g, R"("env": {"DATA": "/scratch/mnist"})", R"("env": {"DATA": 5})"), "mnist.json: trial.env.DATA: must be a string"},
      {with(g, R"("env": {"DATA": "/scratch/mnist"})", R"("env": {"HPOD_TOKEN": "x"})"),
       "mnist.json: trial.env.HPOD_TOKEN: HPOD_* variables are set by hpod"},
      {with(g, R"("prune_grace_s": 30)", R"("prune_grace_s": -1)"), "mnist.json: trial.prune_grace_s: must be between 0 and 86400 s (1 day)"},
      {with(g, R"("progress_timeout_s": 7200)", R"("progress_timeout_s": -1)"),
       "mnist.json: trial.progress_timeout_s: must be >= 0 (0 disables it)"},
      {with(g, R"("max_retries": 1)", R"("max_retries": 1, "max_retry": 2)"),
       "mnist.json: trial.max_retry: unknown key (did you mean \"max_retries\"?)"},
      {with(g, R"("max_retries": 1)", R"("max_retries": 1000)"), "mnist.json: trial.max_retries: must be between 0 and 100"},
      {with(g, R"("max_retries": 1)", R"("max_retries": 1, "final_value": "last")"),
       "mnist.json: trial.final_value: must be \"tell\" or \"last_report\""},
      {with(g, R"("type": "slurm")", R"("type": "slrum")"),
       "mnist.json: executor.type: unknown executor \"slrum\" (one of \"local\", \"slurm\") (did you mean \"slurm\"?)"},
      {with(g, R"("cpus_per_task": 4)", R"("cpus_per_task": 0)"), "mnist.json: executor.cpus_per_task: must be between 1 and 100000"},
      {with(g, R"("extra_args": [])", R"("extra_args": ["exclusive"])"),
       "mnist.json: executor.extra_args[0]: must be an sbatch option starting with \"-\""},
      {with(g, R"("account": "cms")", R"("acount": "cms")"),
       "mnist.json: executor.acount: unknown key (did you mean \"account\"?)"},
      {with(g, R"("type": "slurm", "partition": "gpu", "gres": "gpu:1", "cpus_per_task": 4,)",
            R"("type": "local", "gpus": [0, 0], "x": 1,)"),
       "mnist.json: executor.gpus[1]: GPU 0 is listed twice"},
  };
  CHECK(cases.size() >= 30);
  for (const auto& c : cases) {
    std::string got = spec_error_of(c.text);
    // Cases whose edit breaks more than one rule report every error, one per line; the
    // rule under test is always among them.
    bool found = got == c.message || got.find(c.message + "\n") == 0 || got.find("\n" + c.message) != std::string::npos;
    CHECK_MESSAGE(found, "want: " << c.message << "\n got: " << got);
  }
}

TEST_CASE("every error is reported, not only the first") {
  std::string g = kGood;
  g = with(g, R"("direction": "minimize")", R"("direction": "up")");
  g = with(g, R"("max_parallel": 8)", R"("max_parallel": 0)");
  auto r = parse_study_spec(g, "mnist.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() ==
        "mnist.json: direction: must be \"minimize\" or \"maximize\"\n"
        "mnist.json: budget.max_parallel: must be between 1 and 100000");
}

TEST_CASE("a missing study file is NotFound with its path") {
  auto r = load_study_file("/nonexistent/x.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kNotFound);
  CHECK(r.status().message() == "/nonexistent/x.json: cannot open the study file");
}
