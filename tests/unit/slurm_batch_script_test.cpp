// The generated batch script: its #SBATCH lines, and what it does when a shell runs it
// (here /bin/sh without Slurm, with the variables Slurm would set).
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>

#include "daemon/executors/command_runner.hpp"
#include "daemon/executors/run_dir_files.hpp"
#include "daemon/executors/slurm_batch_script.hpp"
#include "tests/support/slurm_test_support.hpp"

using namespace hpod;
using hpod::testing::ScratchDir;
using hpod::testing::slurm_launch_spec;
using hpod::testing::slurp;

namespace {

// The #SBATCH words of a script, read by the rules of sbatch's own parser (22.05,
// src/sbatch/opt.c): whitespace separates words, '"' and '\'' group, a backslash takes
// the next character literally (also inside quotes), an unquoted '#' ends the line.
std::vector<std::string> sbatch_words(const std::string& script) {
  std::vector<std::string> words;
  std::istringstream in(script);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("#SBATCH", 0) != 0) continue;
    std::size_t i = 7;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      if (i >= line.size() || line[i] == '#') break;
      std::string w;
      char quote = 0;
      for (; i < line.size() && (quote || !std::isspace(static_cast<unsigned char>(line[i]))); ++i) {
        char c = line[i];
        if (c == '\\' && i + 1 < line.size()) {
          w += line[++i];
        } else if (quote && c == quote) {
          quote = 0;
        } else if (!quote && (c == '"' || c == '\'')) {
          quote = c;
        } else if (!quote && c == '#') {
          break;
        } else {
          w += c;
        }
      }
      words.push_back(w);
      if (i < line.size() && line[i] == '#') break;
    }
  }
  return words;
}

CommandResult run_script(const std::string& path, std::vector<std::string> env) {
  std::vector<std::string> argv = {"/usr/bin/env", "-u", "CUDA_VISIBLE_DEVICES"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back("/bin/sh");
  argv.push_back(path);
  return ProcessRunner().run(Command{argv, std::chrono::seconds(20)});
}

}  // namespace

TEST_CASE("the script carries the executor block as #SBATCH lines") {
  LaunchSpec spec = slurm_launch_spec("/runs/demo/7", "/home/u/proj");
  auto& x = spec.executor.slurm;
  x.partition = "gpu";
  x.account = "cms";
  x.qos = "normal";
  x.time = "02:00:00";
  x.gres = "gpu:1";
  x.gpus = "2";
  x.cpus_per_task = 4;
  x.mem = "16G";
  x.constraint = "a100&ib";
  x.extra_args = {"--comment=two words", "--exclusive", "-N", "1"};
  auto script = make_batch_script(spec);
  REQUIRE(script.ok());
  CHECK(script->rfind("#!/bin/sh\n", 0) == 0);
  std::vector<std::string> expected = {
      "--job-name=hpod-demo-7", "--output=/runs/demo/7/stdout", "--error=/runs/demo/7/stderr",
      "--chdir=/home/u/proj",   "--no-requeue",                 "--partition=gpu",
      "--account=cms",          "--qos=normal",                 "--time=02:00:00",
      "--gres=gpu:1",           "--gpus=2",                     "--cpus-per-task=4",
      "--mem=16G",              "--constraint=a100&ib",         "--comment=two words",
      "--exclusive",            "-N",                           "1"};
  CHECK(sbatch_words(*script) == expected);

  // sbatch reads #SBATCH lines only up to the first command: all of them come first.
  auto first_command = script->find("\nexport ");
  auto last_directive = script->rfind("#SBATCH");
  CHECK(last_directive < first_command);
}

TEST_CASE("unset executor fields give no #SBATCH line") {
  auto script = make_batch_script(slurm_launch_spec("/r", "/w"));
  REQUIRE(script.ok());
  CHECK(sbatch_words(*script) == std::vector<std::string>{"--job-name=hpod-demo-7", "--output=/r/stdout",
                                                          "--error=/r/stderr", "--chdir=/w", "--no-requeue"});
}

TEST_CASE("#SBATCH quoting survives spaces, quotes, backslashes and '#' and '%' is doubled in file names") {
  for (std::string word : {"plain", "two words", "it's", "say \"hi\"", "back\\slash", "hash # tag", "", "%j"}) {
    CAPTURE(word);
    CHECK(sbatch_words("#SBATCH " + sbatch_directive_quote(word) + "\n") == std::vector<std::string>{word});
  }
  CHECK(slurm_filename_literal("/r/a%j/%%x") == "/r/a%%j/%%%%x");

  LaunchSpec spec = slurm_launch_spec("/runs/odd dir #1 %j 'q\"", "/work dir");
  auto script = make_batch_script(spec);
  REQUIRE(script.ok());
  auto words = sbatch_words(*script);
  REQUIRE(words.size() == 5);
  CHECK(words[1] == "--output=/runs/odd dir #1 %%j 'q\"/stdout");
  CHECK(words[3] == "--chdir=/work dir");
}

TEST_CASE("values a batch script cannot carry are refused with the reason") {
  auto code_and_message = [](const LaunchSpec& s) {
    auto r = make_batch_script(s);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalidArgument);
    CHECK(r.status().message().find("trial 7 of study demo") != std::string::npos);
    return r.status().message();
  };
  LaunchSpec s = slurm_launch_spec("/r", "/w");
  s.argv.clear();
  CHECK(code_and_message(s).find("no command") != std::string::npos);

  s = slurm_launch_spec("/r\\x", "/w");
  CHECK(code_and_message(s).find("backslash") != std::string::npos);

  s = slurm_launch_spec("relative", "/w");
  CHECK(code_and_message(s).find("absolute") != std::string::npos);

  s = slurm_launch_spec("/r", "/w");
  s.executor.slurm.extra_args = {"--comment=a\nb"};
  CHECK(code_and_message(s).find("executor.extra_args[0]") != std::string::npos);

  s = slurm_launch_spec("/r", "/w");
  s.executor.slurm.partition = "gpu\n#SBATCH --x";
  CHECK(code_and_message(s).find("executor.partition") != std::string::npos);

  s = slurm_launch_spec("/r", "/w");
  s.env["BAD-NAME"] = "x";
  CHECK(code_and_message(s).find("BAD-NAME") != std::string::npos);

  s = slurm_launch_spec("/r", "/w");
  s.argv = {"/bin/echo", std::string("a\0b", 3)};
  CHECK(code_and_message(s).find("NUL") != std::string::npos);
}

TEST_CASE("the script runs the command with its environment and records status and placement") {
  ScratchDir dir("hpod-script");
  std::string run_dir = dir / "run dir %x #1 'q\"";
  std::string workdir = dir / "work dir";
  std::filesystem::create_directories(run_dir);
  std::filesystem::create_directories(workdir);

  LaunchSpec spec = slurm_launch_spec(run_dir, workdir);
  spec.argv = {"/bin/sh", "-c",
               "printf '%s\\n' \"$@\" > args.txt; printf '%s' \"$HPOD_ODD\" > env.txt; pwd > pwd.txt; exit 3", "sh",
               "a b", "it's", "$HOME", "*", "new\nline", ""};
  const std::string odd = "x'y\"z $PATH `id` \\ \n end";
  spec.env = {{"HPOD_ODD", odd}, {"HPOD_TRIAL_NUMBER", "7"}};
  auto script = make_batch_script(spec);
  REQUIRE(script.ok());
  std::string path = run_dir + "/" + slurm_files::kScript;
  hpod::testing::spit(path, *script);

  auto r = run_script(path, {"SLURMD_NODENAME=node7", "SLURM_JOB_ID=99", "CUDA_VISIBLE_DEVICES=2,3"});
  CHECK(r.exit_code == 3);
  CHECK(slurp(workdir + "/args.txt") == "a b\nit's\n$HOME\n*\nnew\nline\n\n");
  CHECK(slurp(workdir + "/env.txt") == odd);
  CHECK(slurp(workdir + "/pwd.txt") == workdir + "\n");
  CHECK(parse_exit_status(slurp(run_dir + "/exit_status")) == 3);

  auto where = parse_slurm_env(slurp(run_dir + "/slurm_env"));
  CHECK(where.node == "node7");
  CHECK(where.job_id == "99");
  CHECK(where.cuda_visible_devices == "2,3");
  // Only the records, no temporary files left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(run_dir)) ++files;
  CHECK(files == 3);  // job.sbatch, slurm_env, exit_status
}

TEST_CASE("a job without GPUs records no CUDA_VISIBLE_DEVICES but the study's env can set it") {
  ScratchDir dir("hpod-script");
  LaunchSpec spec = slurm_launch_spec(dir.path(), dir.path());
  std::string path = dir / slurm_files::kScript;
  hpod::testing::spit(path, *make_batch_script(spec));
  CHECK(run_script(path, {"SLURMD_NODENAME=n"}).exit_code == 0);
  CHECK_FALSE(parse_slurm_env(slurp(dir / "slurm_env")).cuda_visible_devices.has_value());
  CHECK(parse_exit_status(slurp(dir / "exit_status")) == 0);

  spec.env["CUDA_VISIBLE_DEVICES"] = "";
  hpod::testing::spit(path, *make_batch_script(spec));
  CHECK(run_script(path, {"SLURMD_NODENAME=n"}).exit_code == 0);
  CHECK(parse_slurm_env(slurp(dir / "slurm_env")).cuda_visible_devices == "");
}

TEST_CASE("SIGTERM to the job: the command dies of it and the script still records 143") {
  ScratchDir dir("hpod-script");
  LaunchSpec spec = slurm_launch_spec(dir.path(), dir.path());
  // Like scancel --full --signal=TERM: every process of the job (here its process group)
  // gets the signal.
  spec.argv = {"/bin/sh", "-c", "kill -TERM 0; exit 0"};
  std::string path = dir / slurm_files::kScript;
  hpod::testing::spit(path, *make_batch_script(spec));
  auto r = run_script(path, {"SLURMD_NODENAME=n"});
  CHECK(r.exit_code == 143);
  CHECK(parse_exit_status(slurp(dir / "exit_status")) == 143);
}

TEST_CASE("a working directory that does not exist fails the trial before the command runs") {
  ScratchDir dir("hpod-script");
  LaunchSpec spec = slurm_launch_spec(dir.path(), dir / "missing");
  spec.argv = {"/bin/sh", "-c", "touch ran"};
  std::string path = dir / slurm_files::kScript;
  hpod::testing::spit(path, *make_batch_script(spec));
  CHECK(run_script(path, {"SLURMD_NODENAME=n"}).exit_code == 1);
  CHECK(parse_exit_status(slurp(dir / "exit_status")) == 1);
  CHECK_FALSE(std::filesystem::exists(dir / "ran"));
  CHECK_FALSE(std::filesystem::exists(dir / "missing/ran"));
}

TEST_CASE("slurm_env and exit_status files parse strictly") {
  auto w = parse_slurm_env("SLURMD_NODENAME=gpu-01\nSLURM_JOB_ID=42\nCUDA_VISIBLE_DEVICES=0,1\n");
  CHECK(w.node == "gpu-01");
  CHECK(w.job_id == "42");
  CHECK(w.cuda_visible_devices == "0,1");
  CHECK(parse_slurm_env("").node.empty());
  CHECK(parse_exit_status("0\n") == 0);
  CHECK(parse_exit_status("143") == 143);
  CHECK_FALSE(parse_exit_status(""));
  CHECK_FALSE(parse_exit_status("3x\n"));
  CHECK_FALSE(parse_exit_status("\n"));
}
