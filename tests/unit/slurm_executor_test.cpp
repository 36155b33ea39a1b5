// SlurmExecutor against fake Slurm clients: small shell scripts that log their arguments
// and answer with canned output, exit status, or hang. The outputs are copied from Slurm
// 22.05 (README "Slurm"); the real-cluster tests are in tests/slurm/.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <thread>

#include "daemon/executors/slurm_executor.hpp"
#include "tests/support/slurm_test_support.hpp"

using namespace hpod;
using namespace std::chrono_literals;
using hpod::testing::ScratchDir;
using hpod::testing::slurp;
using hpod::testing::spit;

namespace {

// Fake sbatch/squeue/scancel/sacct in a scratch directory. Each call appends its
// arguments as one line to <name>.calls and answers from <name>.out / <name>.err /
// <name>.rc, or hangs if <name>.hang exists. `sacct -c` is "sacct-c" and
// `scancel --full ...` is "scancel-signal", so they can answer differently.
class FakeSlurm {
 public:
  FakeSlurm() : dir_("hpod-fake-slurm") {
    for (const char* name : {"sbatch", "squeue", "scancel", "sacct"}) {
      std::string script = "#!/bin/sh\nd='" + dir_.path() + "'\nn=" + name + "\n";
      if (std::string(name) == "sacct") script += "[ \"$1\" = -c ] && n=sacct-c\n";
      if (std::string(name) == "scancel") script += "[ \"$1\" = --full ] && n=scancel-signal\n";
      script +=
          "printf '%s\\n' \"$*\" >> \"$d/$n.calls\"\n"
          "[ -f \"$d/$n.hang\" ] && exec sleep 60\n"
          "[ -f \"$d/$n.out\" ] && cat \"$d/$n.out\"\n"
          "[ -f \"$d/$n.err\" ] && cat \"$d/$n.err\" >&2\n"
          "exit \"$(cat \"$d/$n.rc\" 2>/dev/null || echo 0)\"\n";
      std::string path = dir_ / name;
      spit(path, script);
      ::chmod(path.c_str(), 0755);
    }
  }

  void answer(const std::string& name, const std::string& out, const std::string& err = "", int rc = 0) {
    spit(dir_ / (name + ".out"), out);
    spit(dir_ / (name + ".err"), err);
    spit(dir_ / (name + ".rc"), std::to_string(rc));
  }
  void hang(const std::string& name) { spit(dir_ / (name + ".hang"), ""); }

  std::vector<std::string> calls(const std::string& name) const {
    std::vector<std::string> lines;
    std::istringstream in(slurp(dir_ / (name + ".calls")));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  SlurmExecutorOptions options() const {
    SlurmExecutorOptions o;
    o.sbatch = dir_ / "sbatch";
    o.squeue = dir_ / "squeue";
    o.scancel = dir_ / "scancel";
    o.sacct = dir_ / "sacct";
    o.query_timeout = o.submit_timeout = o.cancel_timeout = 5s;
    o.outage_probe_interval = 0ms;  // every call asks; the outage test sets its own
    return o;
  }

 private:
  ScratchDir dir_;
};

// The arguments poll() passes to squeue for these ids.
std::string squeue_call(const std::string& ids) {
  return "-h -t all -u " + std::to_string(::getuid()) + " -j " + ids + " -O " + squeue_format();
}

JobRef slurm_ref(const std::string& id, const std::string& run_dir) { return JobRef{"slurm", id, run_dir, "{}"}; }

// Now as squeue's SubmitTime prints it (local time).
std::string slurm_now(std::chrono::seconds offset = 0s) {
  std::time_t t = std::time(nullptr) + offset.count();
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

}  // namespace

TEST_CASE("launch writes the script and submits it with sbatch --parsable") {
  FakeSlurm fake;
  ScratchDir runs("hpod-runs");
  fake.answer("sbatch", "4242\n", "sbatch: warning: something harmless\n");
  SlurmExecutor ex(fake.options());
  CHECK(ex.kind() == "slurm");

  const std::string run_dir = runs / "7";
  LaunchSpec spec = hpod::testing::slurm_launch_spec(run_dir, runs.path());
  spec.env["HPOD_TOKEN"] = "secret";
  std::filesystem::create_directories(run_dir);
  spit(run_dir + "/exit_status", "0\n");  // left by an earlier run in this run dir
  CHECK(ex.can_launch(spec));
  auto ref = ex.launch(spec);
  REQUIRE(ref.ok());
  CHECK(ref->kind == "slurm");
  CHECK(ref->id == "4242");
  CHECK(ref->run_dir == run_dir);
  CHECK(ref->details.find("hpod-demo-7") != std::string::npos);

  const std::string script = run_dir + "/job.sbatch";
  CHECK(fake.calls("sbatch") == std::vector<std::string>{"--parsable " + script});
  CHECK(slurp(script) == *make_batch_script(spec));
  struct stat st {};
  REQUIRE(::stat(script.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);  // it holds HPOD_TOKEN
  CHECK_FALSE(std::filesystem::exists(run_dir + "/exit_status"));
  // The earlier run is kept beside it, not deleted.
  int moved = 0;
  for (const auto& e : std::filesystem::directory_iterator(runs.path()))
    if (e.path().filename().string().rfind("7.old-", 0) == 0) moved += slurp(e.path() / "exit_status") == "0\n";
  CHECK(moved == 1);
}

TEST_CASE("a rejected sbatch is InvalidArgument / FailedPrecondition with Slurm's message") {
  FakeSlurm fake;
  ScratchDir runs("hpod-runs");
  SlurmExecutor ex(fake.options());
  LaunchSpec spec = hpod::testing::slurm_launch_spec(runs.path(), runs.path());

  fake.answer("sbatch", "", "sbatch: error: Batch job submission failed: Invalid partition name specified\n", 1);
  auto bad = ex.launch(spec);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Status::Code::kInvalidArgument);
  CHECK(bad.status().message().find("Invalid partition name specified") != std::string::npos);
  CHECK(bad.status().message().find("study demo trial 7") != std::string::npos);

  fake.answer("sbatch", "",
              "sbatch: error: QOSMaxSubmitJobPerUserLimit\nsbatch: error: Batch job submission failed: Job "
              "violates accounting/QOS policy (job submit limit, user's size and/or time limits)\n",
              1);
  CHECK(ex.launch(spec).status().code() == Status::Code::kFailedPrecondition);

  fake.answer("sbatch", "",
              "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)\n", 1);
  CHECK(ex.launch(spec).status().code() == Status::Code::kUnavailable);

  spec.executor.type = ExecutorSpec::Type::kLocal;
  CHECK(ex.launch(spec).status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("an sbatch that times out is Unavailable, unless the job was queued anyway") {
  FakeSlurm fake;
  ScratchDir runs("hpod-runs");
  auto options = fake.options();
  options.submit_timeout = 300ms;
  SlurmExecutor ex(options);
  LaunchSpec spec = hpod::testing::slurm_launch_spec(runs.path(), runs.path());
  fake.hang("sbatch");

  // An older job of the same name (another database's trial 7) is not ours.
  fake.answer("squeue", "12|" + slurm_now(-3600s) + "|hpod-demo-7|\n");
  auto r = ex.launch(spec);
  CHECK(r.status().code() == Status::Code::kUnavailable);
  CHECK(r.status().message().find("sbatch timed out") != std::string::npos);
  CHECK(fake.calls("squeue") == std::vector<std::string>{"-h -t all -n hpod-demo-7 -O JobID:|,SubmitTime:|,Name:|"});

  // The next attempt looks first and finds the job the timed-out sbatch queued.
  fake.answer("squeue", "77|" + slurm_now() + "|hpod-demo-7|\n");
  auto adopted = ex.launch(spec);
  REQUIRE(adopted.ok());
  CHECK(adopted->id == "77");
  CHECK(fake.calls("sbatch").size() == 1);
}

TEST_CASE("find_unrecorded: a job of the trial's name submitted after its script was written, asked only if there is a script") {
  FakeSlurm fake;
  ScratchDir runs("hpod-runs");
  SlurmExecutor ex(fake.options());
  LaunchSpec spec = hpod::testing::slurm_launch_spec(runs / "7", runs.path());
  std::filesystem::create_directories(spec.run_dir);

  auto none = ex.find_unrecorded(spec);  // never got as far as sbatch
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  CHECK(fake.calls("squeue").empty());

  spit(spec.run_dir + "/job.sbatch", "#!/bin/sh\n");
  fake.answer("squeue", "", "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n", 1);
  CHECK(ex.find_unrecorded(spec).status().code() == Status::Code::kUnavailable);

  fake.answer("squeue", "30|" + slurm_now(-7200s) + "|hpod-demo-7|\n31|" + slurm_now() + "|hpod-demo-7|\n");
  auto found = ex.find_unrecorded(spec);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->id == "31");
  CHECK((*found)->details.find("hpod-demo-7") != std::string::npos);

  // Purged from squeue: the job completion file knows it.
  fake.answer("squeue", "");
  fake.answer("sacct-c", "32|" + slurm_now() + "|hpod-demo-7\n");
  found = ex.find_unrecorded(spec);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->id == "32");
  CHECK(fake.calls("sacct-c").back() == "-c -n -P --name=hpod-demo-7 -o JobIDRaw,Submit,JobName");
}

TEST_CASE("while the controller does not answer, one call at a time asks; the others fail at once") {
  FakeSlurm fake;
  ScratchDir runs("hpod-runs");
  auto options = fake.options();
  options.outage_probe_interval = 60s;
  std::vector<std::string> warnings;
  options.warn = [&](const std::string& w) { warnings.push_back(w); };
  SlurmExecutor ex(options);
  const std::string down = "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n";
  fake.answer("squeue", "", down, 1);
  fake.answer("sbatch", "", "sbatch: error: Batch job submission failed: Unable to contact slurm controller\n", 1);
  fake.answer("scancel-signal", "", "scancel: error: Unable to contact slurm controller\n", 1);
  JobRef job = slurm_ref("40", runs.path());

  CHECK(ex.poll({job})["40"].phase == JobPhase::kUnknown);
  CHECK(fake.calls("squeue").size() == 1);
  // Launches and stops queued meanwhile do not each wait for a client timeout.
  LaunchSpec spec = hpod::testing::slurm_launch_spec(runs / "7", runs.path());
  auto r = ex.launch(spec);
  CHECK(r.status().code() == Status::Code::kUnavailable);
  CHECK(ex.terminate(job).code() == Status::Code::kUnavailable);
  CHECK(ex.poll({job})["40"].phase == JobPhase::kUnknown);
  CHECK(fake.calls("sbatch").empty());
  CHECK(fake.calls("scancel-signal").empty());
  CHECK(fake.calls("squeue").size() == 1);
  CHECK(warnings.size() == 1);
  CHECK(warnings.at(0).find("Slurm controller not answering") != std::string::npos);
}

TEST_CASE("after the probe interval one call asks again, and an answer ends the outage") {
  FakeSlurm fake;
  ScratchDir runs("hpod-runs");
  auto options = fake.options();
  options.outage_probe_interval = 200ms;
  std::vector<std::string> warnings;
  options.warn = [&](const std::string& w) { warnings.push_back(w); };
  SlurmExecutor ex(options);
  JobRef job = slurm_ref("40", runs.path());
  fake.answer("scancel", "", "scancel: error: Unable to contact slurm controller (connect failure)\n", 1);
  CHECK(ex.kill(job).code() == Status::Code::kUnavailable);
  CHECK(ex.kill(job).code() == Status::Code::kUnavailable);
  CHECK(fake.calls("scancel").size() == 1);
  std::this_thread::sleep_for(250ms);  // the probe interval itself is what is tested
  fake.answer("scancel", "");
  CHECK(ex.kill(job).ok());
  CHECK(ex.kill(job).ok());
  CHECK(fake.calls("scancel").size() == 3);
  REQUIRE(warnings.size() == 2);
  CHECK(warnings.at(1).find("Slurm controller answers again") != std::string::npos);
}

TEST_CASE("a job cancelled after its command had exited 0 is COMPLETED") {
  FakeSlurm fake;
  ScratchDir a("hpod-run");
  spit(a / "exit_status", "0\n");
  fake.answer("squeue", "25|25|CANCELLED|15|n1|0:30|hpod-demo-25|None|\n");
  SlurmExecutor ex(fake.options());
  CHECK(ex.kill(slurm_ref("25", a.path())).ok());
  auto st = ex.poll({slurm_ref("25", a.path())});
  CHECK(st["25"].phase == JobPhase::kFinished);
  CHECK(st["25"].state == "COMPLETED");
  CHECK(st["25"].attrs["state"] == "\"COMPLETED\"");
  CHECK(st["25"].exit_code == 0);
}

TEST_CASE("one squeue call per poll for all jobs gives states, reasons and attrs") {
  FakeSlurm fake;
  ScratchDir a("hpod-run"), b("hpod-run"), c("hpod-run"), d("hpod-run");
  spit(b / "slurm_env", "SLURMD_NODENAME=gpu-03\nSLURM_JOB_ID=11\nCUDA_VISIBLE_DEVICES=2\n");
  spit(c / "slurm_env", "SLURMD_NODENAME=gpu-04\nSLURM_JOB_ID=12\nCUDA_VISIBLE_DEVICES=0,1\n");
  spit(c / "exit_status", "3\n");
  fake.answer("squeue",
              "10|10|PENDING|0||0:00|hpod-demo-10|Resources|\n"
              "11|11|RUNNING|0|gpu-03|1:05|hpod-demo-11|None|\n"
              "12|12|FAILED|768|gpu-04|0:07|hpod-demo-12|NonZeroExitCode|\n"
              "13|13|NODE_FAIL|15|gpu-05|10:00|hpod-demo-13|NodeDown|\n");
  SlurmExecutor ex(fake.options());
  std::vector<JobRef> refs = {slurm_ref("10", a.path()), slurm_ref("11", b.path()), slurm_ref("12", c.path()),
                              slurm_ref("13", d.path()), JobRef{"local", "123:456", "/x", "{}"},
                              slurm_ref("11", b.path())};
  auto st = ex.poll(refs);

  CHECK(fake.calls("squeue") == std::vector<std::string>{squeue_call("10,11,12,13")});
  CHECK(fake.calls("sacct").empty());
  REQUIRE(st.size() == 4);  // the local job is not ours; the duplicate is answered once

  CHECK(st["10"].phase == JobPhase::kPending);
  CHECK(st["10"].reason == "Resources");

  CHECK(st["11"].phase == JobPhase::kRunning);
  CHECK(st["11"].attrs["slurm_job_id"] == "\"11\"");
  CHECK(st["11"].attrs["node"] == "\"gpu-03\"");
  CHECK(st["11"].attrs["gpus"] == "\"2\"");
  CHECK(st["11"].attrs["elapsed"] == "65");
  CHECK(st["11"].attrs["state"] == "\"RUNNING\"");

  CHECK(st["12"].phase == JobPhase::kFinished);
  CHECK(st["12"].state == "FAILED");
  CHECK(st["12"].exit_code == 3);
  CHECK_FALSE(st["12"].retryable);
  CHECK_FALSE(st["12"].cancelled_by_hpod);
  CHECK(st["12"].attrs["exit_code"] == "3");
  CHECK(st["12"].attrs["gpus"] == "\"0,1\"");
  CHECK(st["12"].attrs["reason"] == "\"NonZeroExitCode\"");
  CHECK(st["12"].reason.find("FAILED") != std::string::npos);

  CHECK(st["13"].phase == JobPhase::kFinished);
  CHECK(st["13"].state == "NODE_FAIL");
  CHECK(st["13"].retryable);
  CHECK(st["13"].exit_code == 143);  // from Slurm: the script never recorded one
}

TEST_CASE("CANCELLED by hpod or by someone else and the mark survives a new executor object") {
  FakeSlurm fake;
  ScratchDir a("hpod-run"), b("hpod-run");
  fake.answer("squeue", "20|20|CANCELLED|15|n1|0:30|hpod-demo-20|None|\n21|21|CANCELLED|0||0:00|hpod-demo-21|Priority|\n");
  {
    SlurmExecutor ex(fake.options());
    auto st = ex.poll({slurm_ref("20", a.path()), slurm_ref("21", b.path())});
    CHECK_FALSE(st["20"].cancelled_by_hpod);
    CHECK(st["20"].reason.find("CANCELLED by someone else") != std::string::npos);

    CHECK(ex.terminate(slurm_ref("20", a.path())).ok());
    CHECK(fake.calls("scancel-signal") == std::vector<std::string>{"--full --signal=TERM 20"});
    st = ex.poll({slurm_ref("20", a.path())});
    CHECK(st["20"].cancelled_by_hpod);
    CHECK(st["20"].reason.find("CANCELLED by hpod") != std::string::npos);
  }
  SlurmExecutor after_restart(fake.options());
  auto st = after_restart.poll({slurm_ref("20", a.path()), slurm_ref("21", b.path())});
  CHECK(st["20"].cancelled_by_hpod);
  CHECK_FALSE(st["21"].cancelled_by_hpod);
}

TEST_CASE("terminate: a finished job is fine, a pending one is cancelled, a dead controller is Unavailable") {
  FakeSlurm fake;
  ScratchDir a("hpod-run");
  SlurmExecutor ex(fake.options());
  JobRef job = slurm_ref("30", a.path());

  fake.answer("scancel-signal", "", "scancel: error: Kill job error on job id 30: Invalid job id specified\n", 1);
  CHECK(ex.terminate(job).ok());
  CHECK(fake.calls("scancel").empty());

  fake.answer("scancel-signal", "",
              "scancel: error: Kill job error on job id 30: Job can not be altered now, try again later\n", 228);
  CHECK(ex.terminate(job).ok());
  CHECK(fake.calls("scancel") == std::vector<std::string>{"30"});

  fake.answer("scancel-signal", "", "scancel: error: Kill job error on job id 30: Unable to contact slurm controller\n",
              1);
  CHECK(ex.terminate(job).code() == Status::Code::kUnavailable);

  CHECK(ex.kill(job).ok());
  CHECK(fake.calls("scancel") == std::vector<std::string>{"30", "30"});
  fake.answer("scancel", "", "scancel: error: Unable to contact slurm controller (connect failure)\n", 1);
  CHECK(ex.kill(job).code() == Status::Code::kUnavailable);

  CHECK(ex.kill(slurm_ref("1;rm", a.path())).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("a hung squeue times out and every job is kUnknown, not failed") {
  FakeSlurm fake;
  ScratchDir a("hpod-run");
  auto options = fake.options();
  options.query_timeout = 300ms;
  std::vector<std::string> warnings;
  options.warn = [&](const std::string& w) { warnings.push_back(w); };
  fake.hang("squeue");
  spit(a / "exit_status", "0\n");  // even a recorded outcome waits for Slurm's word
  SlurmExecutor ex(options);
  auto t0 = std::chrono::steady_clock::now();
  auto st = ex.poll({slurm_ref("40", a.path()), slurm_ref("41", a.path())});
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  REQUIRE(st.size() == 2);
  for (const char* id : {"40", "41"}) {
    CAPTURE(id);
    CHECK(st[id].phase == JobPhase::kUnknown);
    CHECK(st[id].reason.find("squeue timed out") != std::string::npos);
  }
  CHECK(fake.calls("sacct").empty());
  CHECK(warnings.size() == 1);
}

TEST_CASE("a controller that refuses the connection makes jobs kUnknown") {
  FakeSlurm fake;
  ScratchDir a("hpod-run");
  fake.answer("squeue", "", "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n", 1);
  SlurmExecutor ex(fake.options());
  auto st = ex.poll({slurm_ref("42", a.path())});
  CHECK(st["42"].phase == JobPhase::kUnknown);
  CHECK(st["42"].reason.find("Unable to contact slurm controller") != std::string::npos);
}

TEST_CASE("a purged job is settled from its exit_status file when Slurm has no record") {
  FakeSlurm fake;
  ScratchDir a("hpod-run"), b("hpod-run");
  spit(a / "exit_status", "3\n");
  spit(a / "slurm_env", "SLURMD_NODENAME=gpu-01\nSLURM_JOB_ID=50\nCUDA_VISIBLE_DEVICES=1\n");
  spit(b / "exit_status", "0\n");
  fake.answer("squeue", "", "slurm_load_jobs error: Invalid job id specified\n", 1);
  fake.answer("sacct", "", "Slurm accounting storage is disabled\n", 1);
  fake.answer("sacct-c", "");
  SlurmExecutor ex(fake.options());
  auto st = ex.poll({slurm_ref("50", a.path()), slurm_ref("51", b.path())});

  CHECK(fake.calls("sacct") == std::vector<std::string>{std::string("-n -P -X -j 50,51 -o ") + sacct_format()});
  CHECK(fake.calls("sacct-c") == std::vector<std::string>{std::string("-c -n -P -j 50,51 -o ") + sacct_format()});
  CHECK(st["50"].phase == JobPhase::kFinished);
  CHECK(st["50"].state == "FAILED");
  CHECK(st["50"].exit_code == 3);
  CHECK(st["50"].attrs["node"] == "\"gpu-01\"");
  CHECK(st["50"].attrs["gpus"] == "\"1\"");
  CHECK(st["50"].reason.find("exit_status") != std::string::npos);
  CHECK(st["51"].state == "COMPLETED");
  CHECK(st["51"].exit_code == 0);

  // Accounting said it is disabled: not asked again.
  ex.poll({slurm_ref("50", a.path())});
  CHECK(fake.calls("sacct").size() == 1);
  CHECK(fake.calls("sacct-c").size() == 2);
}

TEST_CASE("jobs squeue forgot are settled from sacct, then sacct -c, in one call each") {
  FakeSlurm fake;
  ScratchDir a("hpod-run"), b("hpod-run"), c("hpod-run"), d("hpod-run");
  spit(b / "exit_status", "143\n");
  // 60 is still known; 61 only to accounting; 62 only to the job completion file; 63 to nobody.
  fake.answer("squeue", "60|60|RUNNING|0|n1|0:05|hpod-demo-60|None|\n");
  fake.answer("sacct", "61|61|COMPLETED|0:0|n1|00:00:09|x\n61.batch|61.batch|COMPLETED|0:0|n1|00:00:09|x\n");
  fake.answer("sacct-c", "62|62|TIMEOUT|0:0|n2|00:01:21|x\n64|64|CANCELLED by 0|0:0|n2|00:00:03|x\n",
              "sacct: error: Unknown type ArrayJobId: 8\n");
  SlurmExecutor ex(fake.options());
  auto st = ex.poll({slurm_ref("60", a.path()), slurm_ref("61", a.path()), slurm_ref("62", b.path()),
                     slurm_ref("63", c.path()), slurm_ref("64", d.path())});
  CHECK(fake.calls("squeue").size() == 1);
  CHECK(fake.calls("sacct") == std::vector<std::string>{std::string("-n -P -X -j 61,62,63,64 -o ") + sacct_format()});
  CHECK(fake.calls("sacct-c") == std::vector<std::string>{std::string("-c -n -P -j 62,63,64 -o ") + sacct_format()});

  CHECK(st["60"].phase == JobPhase::kRunning);
  CHECK(st["61"].state == "COMPLETED");
  CHECK(st["61"].attrs["elapsed"] == "9");
  CHECK(st["62"].state == "TIMEOUT");
  CHECK(st["62"].exit_code == 143);  // the exit_status file beats the jobcomp file's 0:0
  CHECK(st["62"].attrs["node"] == "\"n2\"");
  CHECK(st["62"].reason.find("sacct -c") != std::string::npos);
  // Everybody answered, nobody knows 63, and it recorded nothing: lost, retry it.
  CHECK(st["63"].phase == JobPhase::kFinished);
  CHECK(st["63"].state == "LOST");
  CHECK(st["63"].retryable);
  // The job completion file's 0:0 for a cancelled job is no exit status.
  CHECK(st["64"].state == "CANCELLED");
  CHECK(st["64"].exit_code == -1);
  CHECK(st["64"].attrs.count("exit_code") == 0);
}

TEST_CASE("a forgotten job stays kUnknown while a source that might know it does not answer") {
  FakeSlurm fake;
  ScratchDir a("hpod-run");
  fake.answer("squeue", "", "slurm_load_jobs error: Invalid job id specified\n", 1);
  fake.answer("sacct", "",
              "sacct: error: slurm_persist_conn_open_without_init: failed to open persistent connection to "
              "host:dbd:6819: Connection refused\n",
              1);
  fake.answer("sacct-c", "");
  SlurmExecutor ex(fake.options());
  auto st = ex.poll({slurm_ref("70", a.path())});
  CHECK(st["70"].phase == JobPhase::kUnknown);
  CHECK(st["70"].reason.find("Connection refused") != std::string::npos);

  // Once the outcome is on disk it no longer matters.
  spit(a / "exit_status", "0\n");
  st = ex.poll({slurm_ref("70", a.path())});
  CHECK(st["70"].state == "COMPLETED");
}

TEST_CASE("array-style ids are polled and matched and ids that are no Slurm ids never reach squeue") {
  FakeSlurm fake;
  ScratchDir a("hpod-run");
  fake.answer("squeue", "8|8_[2-5%2]|PENDING|0||0:00|hpod-demo-8|JobArrayTaskLimit|\n10|8_1|RUNNING|0|vm|0:01|hpod-demo-10|None|\n");
  SlurmExecutor ex(fake.options());
  auto st = ex.poll({slurm_ref("8_1", a.path()), slurm_ref("8_4", a.path()), slurm_ref("12;rm -rf", a.path())});
  CHECK(fake.calls("squeue") == std::vector<std::string>{squeue_call("8_1,8_4")});
  CHECK(st["8_1"].phase == JobPhase::kRunning);
  CHECK(st["8_4"].phase == JobPhase::kPending);
  CHECK(st["8_4"].reason == "JobArrayTaskLimit");
  CHECK(st["12;rm -rf"].phase == JobPhase::kFinished);
  CHECK(st["12;rm -rf"].state == "LOST");
}

TEST_CASE("an empty poll calls nothing") {
  FakeSlurm fake;
  SlurmExecutor ex(fake.options());
  CHECK(ex.poll({}).empty());
  CHECK(ex.poll({JobRef{"local", "1:2", "/x", "{}"}}).empty());
  CHECK(fake.calls("squeue").empty());
}

TEST_CASE("a job id that now names somebody else's job is not taken for ours") {
  // After slurmctld loses its state, ids start again at 1: job 5 in squeue is a stranger,
  // ours is in the job completion file.
  FakeSlurm fake;
  ScratchDir a("hpod-run"), b("hpod-run");
  fake.answer("squeue", "5|5|RUNNING|0|n1|0:10|somebody's job|None|\n6|6|PENDING|0||0:00|hpod-demo-6|Priority|\n");
  fake.answer("sacct", "", "Slurm accounting storage is disabled\n", 1);
  fake.answer("sacct-c", "5|5|FAILED|2:0|n1|00:00:10|somebody's job\n5|5|COMPLETED|0:0|n2|00:05:00|hpod-demo-5\n");
  std::vector<std::string> warnings;
  auto options = fake.options();
  options.warn = [&](const std::string& w) { warnings.push_back(w); };
  SlurmExecutor ex(options);
  JobRef ours{"slurm", "5", a.path(), R"({"job_name":"hpod-demo-5"})"};
  JobRef pending{"slurm", "6", b.path(), R"({"job_name":"hpod-demo-6"})"};
  auto st = ex.poll({ours, pending});
  CHECK(st["5"].phase == JobPhase::kFinished);
  CHECK(st["5"].state == "COMPLETED");
  CHECK(st["5"].attrs["node"] == "\"n2\"");
  CHECK(st["6"].phase == JobPhase::kPending);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("job id 5 now names a job that is not hpod-demo-5") != std::string::npos);
}
