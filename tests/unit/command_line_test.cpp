// A trial's command line and environment (daemon/orchestrator/command_line.*).
#include <doctest/doctest.h>

#include "daemon/orchestrator/command_line.hpp"

using namespace hpod;

TEST_CASE("command lines: placeholders, quoting, environment") {
  FrozenTrial t;
  t.id = 12;
  t.number = 3;
  t.params["lr"] = TrialParam{1e-05, *make_float_distribution(1e-6, 1, true, std::nullopt)};
  t.params["layers"] = TrialParam{4, *make_int_distribution(1, 8, false, 1)};
  t.params["name"] = TrialParam{1, CategoricalDistribution{{std::string("a"), std::string("it's $(rm -rf /)")}}};
  TrialSpec argv_spec;
  argv_spec.argv = {"python3", "train.py", "--lr={lr}", "--layers", "{layers}", "{{literal}}", "{name}"};
  CHECK(trial_argv(argv_spec, t) ==
        std::vector<std::string>{"python3", "train.py", "--lr=1e-05", "--layers", "4", "{literal}", "it's $(rm -rf /)"});
  TrialSpec shell_spec;
  shell_spec.shell = "echo {name} > out-{layers}.txt";
  auto sh = trial_argv(shell_spec, t);
  REQUIRE(sh.size() == 3);
  CHECK(sh[0] == "/bin/sh");
  CHECK(sh[2] == "echo 'it'\"'\"'s $(rm -rf /)' > out-'4'.txt");
  CHECK(placeholder_text(ParamValue{true}) == "true");
  CHECK(placeholder_text(ParamValue{std::monostate{}}) == "null");
  CHECK(placeholder_text(ParamValue{0.1}) == "0.1");
  TrialSpec env_spec;
  env_spec.env = {{"DATA", "/scratch"}};
  auto env = trial_env(env_spec, t, {"http://h:1", "s", "tok", "/runs/s/3"});
  CHECK(env.at("DATA") == "/scratch");
  CHECK(env.at("HPOD_TRIAL_ID") == "12");
  CHECK(env.at("HPOD_TRIAL_NUMBER") == "3");
  CHECK(env.at("HPOD_TOKEN") == "tok");
  CHECK(env.at("HPOD_HEARTBEAT_TIMEOUT_S") == "900.0");  // the client heartbeats at a fraction of it
  CHECK(env.at("HPOD_PARAMS") == R"x({"layers":4,"lr":1e-05,"name":"it's $(rm -rf /)"})x");
}
