// Parsing of what Slurm 22.05's clients print (the lines below are copied from real
// output, see the README's Slurm section) and the job state mapping of the README's Slurm table.
#include <doctest/doctest.h>

#include "daemon/executors/slurm_parse.hpp"

using namespace hpod;

TEST_CASE("squeue -O output: every field, spaces and commas in names and reasons, array-style ids") {
  // squeue -h -t all -O 'JobID:|,JobArrayID:|,State:|,exit_code:|,NodeList:|,TimeUsed:|,Reason:|'
  const char* out =
      "6|6|CANCELLED|0||0:00|t6.sbatch|JobHeldUser|\n"
      "2|2|COMPLETED|0|vm|1:02:03|hpod-demo-2|None|\n"
      "1|1|FAILED|4021|vm|0:00|hpod-demo-1|JobLaunchFailure|\n"
      "12|12|FAILED|768|vm|0:07|a very long job name with spaces and more than twenty chars|NonZeroExitCode|\n"
      "13|13|CANCELLED|15|vm|2-03:04:05|name|with|bars|None|\n"
      "14|14|PENDING|0||0:00|x|ReqNodeNotAvail, UnavailableNodes:vm|\n"
      "15|15|PENDING|0||0:00|x|Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions|\n"
      "8|8_[2-5%2]|PENDING|0||0:00|wrap|JobArrayTaskLimit|\n"
      "10|8_1|RUNNING|0|vm|0:01|wrap|None|\n"
      "garbage line\n"
      "16|16|RUNNING|0|vm|0:01|no reason field\n";
  auto recs = parse_squeue(out);
  REQUIRE(recs.size() == 9);

  CHECK(recs[0].job_id == "6");
  CHECK(recs[0].array_id == "6");
  CHECK(recs[0].state == "CANCELLED");
  CHECK(recs[0].nodes.empty());
  CHECK(recs[0].elapsed_s == 0);
  CHECK(recs[0].reason == "JobHeldUser");
  CHECK(recs[0].exit_code == 0);
  CHECK(recs[0].name == "t6.sbatch");

  CHECK(recs[1].nodes == "vm");
  CHECK(recs[1].elapsed_s == 3723);
  CHECK(recs[1].reason == "None");

  CHECK(recs[2].exit_code == 128 + 53);  // raw wait status 4021: killed by signal 53 (launch failure)
  CHECK(recs[3].exit_code == 3);         // 768 = exit 3
  CHECK(recs[3].name == "a very long job name with spaces and more than twenty chars");
  CHECK(recs[4].name == "name|with|bars");
  CHECK(recs[4].reason == "None");
  CHECK(recs[4].exit_code == 128 + 15);  // SIGTERM
  CHECK(recs[4].elapsed_s == 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
  CHECK(recs[5].reason == "ReqNodeNotAvail, UnavailableNodes:vm");
  CHECK(recs[6].reason ==
        "Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions");

  CHECK(recs[7].job_id == "8");
  CHECK(recs[7].array_id == "8_[2-5%2]");
  CHECK(recs[8].job_id == "10");
  CHECK(recs[8].array_id == "8_1");
}

TEST_CASE("sacct -P and sacct -c -P output") {
  // sacct -c -n -P -j ... -o JobIDRaw,JobID,State,ExitCode,NodeList,Elapsed
  const char* out =
      "1|1|FAILED|0:53|vm|00:00:00|hpod-demo-1\n"
      "2|2|COMPLETED|0:0|vm|00:01:10|hpod-demo-2\n"
      "5|5|CANCELLED by 0|0:0|(null)|00:00:00|t6.sbatch\n"
      "10|8_1|TIMEOUT|0:15|vm|1-00:00:01|wrap\n"
      "11|11|NODE_FAIL|0:0|None assigned|00:00:00|x\n"
      "12.batch|12.batch|COMPLETED|0:0|vm|00:00:01|batch\n"
      "13|13|FAILED|3:0|vm|00:00:02|my|job\n";
  auto recs = parse_sacct(out);
  REQUIRE(recs.size() == 6);
  CHECK(recs[0].exit_code == 128 + 53);
  CHECK(recs[1].state == "COMPLETED");
  CHECK(recs[1].exit_code == 0);
  CHECK(recs[1].elapsed_s == 70);
  CHECK(recs[2].state == "CANCELLED");  // "CANCELLED by <uid>" → first word
  CHECK(recs[2].nodes.empty());
  CHECK(recs[3].job_id == "10");
  CHECK(recs[3].array_id == "8_1");
  CHECK(recs[3].elapsed_s == 86401);
  CHECK(recs[4].nodes.empty());
  CHECK(recs[5].job_id == "13");
  CHECK(recs[5].exit_code == 3);
  CHECK(recs[5].reason.empty());
  CHECK(recs[0].name == "hpod-demo-1");
  CHECK(recs[5].name == "my|job");  // the name is last and takes the rest of the line
}

TEST_CASE("durations, exit codes, ids") {
  CHECK(parse_slurm_duration("0:00") == 0);
  CHECK(parse_slurm_duration("1:23") == 83);
  CHECK(parse_slurm_duration("01:02:03") == 3723);
  CHECK(parse_slurm_duration("3-00:00:00") == 3 * 86400);
  CHECK(parse_slurm_duration("1-02:03") == 86400 + 2 * 3600 + 3 * 60);
  CHECK_FALSE(parse_slurm_duration("INVALID"));
  CHECK_FALSE(parse_slurm_duration("UNLIMITED"));
  CHECK_FALSE(parse_slurm_duration(""));
  CHECK_FALSE(parse_slurm_duration("1:2:3:4"));

  CHECK(exit_code_from_wait_status(0) == 0);
  CHECK(exit_code_from_wait_status(256) == 1);
  CHECK(exit_code_from_wait_status(9) == 137);
  CHECK(exit_code_from_pair("0:0") == 0);
  CHECK(exit_code_from_pair("3:0") == 3);
  CHECK(exit_code_from_pair("0:9") == 137);
  CHECK_FALSE(exit_code_from_pair(""));
  CHECK_FALSE(exit_code_from_pair("x:0"));

  CHECK(valid_slurm_job_id("42"));
  CHECK(valid_slurm_job_id("43_2"));
  CHECK_FALSE(valid_slurm_job_id(""));
  CHECK_FALSE(valid_slurm_job_id("42.batch"));
  CHECK_FALSE(valid_slurm_job_id("43_"));
  CHECK_FALSE(valid_slurm_job_id("4,2"));
  CHECK_FALSE(valid_slurm_job_id("1234:5678"));  // a local executor id
}

TEST_CASE("array-style ids match raw ids, task ids and pending ranges") {
  auto record = [](const char* job_id, const char* array_id) {
    SlurmJobRecord r;
    r.job_id = job_id;
    r.array_id = array_id;
    return r;
  };
  SlurmJobRecord task = record("46", "43_2");
  CHECK(slurm_id_matches(task, "46"));
  CHECK(slurm_id_matches(task, "43_2"));
  CHECK_FALSE(slurm_id_matches(task, "43"));
  CHECK_FALSE(slurm_id_matches(task, "43_3"));

  SlurmJobRecord rest = record("43", "43_[3-9%4]");
  CHECK(slurm_id_matches(rest, "43_3"));
  CHECK(slurm_id_matches(rest, "43_9"));
  CHECK_FALSE(slurm_id_matches(rest, "43_2"));
  CHECK_FALSE(slurm_id_matches(rest, "43_10"));
  CHECK_FALSE(slurm_id_matches(rest, "4_3"));

  SlurmJobRecord listed = record("50", "50_[1,4-6,10-20:5]");
  CHECK(slurm_id_matches(listed, "50_1"));
  CHECK(slurm_id_matches(listed, "50_5"));
  CHECK(slurm_id_matches(listed, "50_15"));
  CHECK_FALSE(slurm_id_matches(listed, "50_2"));
  CHECK_FALSE(slurm_id_matches(listed, "50_11"));
}

TEST_CASE("Slurm states map onto job phases as the README says") {
  for (const char* s : {"PENDING", "CONFIGURING"}) {
    CAPTURE(s);
    CHECK(map_slurm_state(s).phase == JobPhase::kPending);
  }
  for (const char* s : {"RUNNING", "COMPLETING"}) {
    CAPTURE(s);
    CHECK(map_slurm_state(s).phase == JobPhase::kRunning);
  }
  for (const char* s : {"COMPLETED", "FAILED", "TIMEOUT", "OUT_OF_MEMORY", "CANCELLED", "BOOT_FAIL", "DEADLINE"}) {
    CAPTURE(s);
    CHECK(map_slurm_state(s).phase == JobPhase::kFinished);
    CHECK_FALSE(map_slurm_state(s).retryable);
  }
  for (const char* s : {"NODE_FAIL", "PREEMPTED"}) {
    CAPTURE(s);
    CHECK(map_slurm_state(s).phase == JobPhase::kFinished);
    CHECK(map_slurm_state(s).retryable);
  }
  CHECK(map_slurm_state("SUSPENDED").phase == JobPhase::kRunning);
  CHECK(map_slurm_state("WHATEVER").phase == JobPhase::kUnknown);
  CHECK(map_slurm_state("").phase == JobPhase::kUnknown);
}

TEST_CASE("sbatch --parsable output") {
  CHECK(*parse_sbatch_output("42\n") == "42");
  CHECK(*parse_sbatch_output("42;cluster\n") == "42");
  CHECK(*parse_sbatch_output("sbatch: some notice\n43\n") == "43");
  CHECK(parse_sbatch_output("").status().code() == Status::Code::kInternal);
  CHECK(parse_sbatch_output("Submitted batch job 42\n").status().code() == Status::Code::kInternal);
}

TEST_CASE("failed Slurm commands become the right Status") {
  auto failed = [](const char* err) {
    CommandResult r;
    r.exit_code = 1;
    r.err = err;
    return r;
  };
  auto code = [](const CommandResult& r) { return slurm_command_error(r, "sbatch").code(); };

  CHECK(code(failed("sbatch: error: Batch job submission failed: Invalid partition name specified\n")) ==
        Status::Code::kInvalidArgument);
  CHECK(code(failed("sbatch: error: Batch job submission failed: Requested node configuration is not available\n")) ==
        Status::Code::kInvalidArgument);
  CHECK(code(failed("sbatch: error: Batch job submission failed: Invalid qos specification\n")) ==
        Status::Code::kInvalidArgument);
  CHECK(code(failed("sbatch: error: Batch job submission failed: Job violates accounting/QOS policy (job submit "
                    "limit, user's size and/or time limits)\n")) == Status::Code::kFailedPrecondition);
  CHECK(code(failed("sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect "
                    "failure)\n")) == Status::Code::kUnavailable);
  CHECK(code(failed("slurm_load_jobs error: Socket timed out on send/recv operation\n")) == Status::Code::kUnavailable);

  CommandResult hung;
  hung.timed_out = true;
  hung.seconds = 30;
  CHECK(code(hung) == Status::Code::kUnavailable);
  CHECK(slurm_command_error(hung, "sbatch").message().find("timed out") != std::string::npos);

  CommandResult missing;
  missing.spawn_failed = true;
  missing.err = "cannot run /nonexistent/sbatch: No such file or directory";
  CHECK(code(missing) == Status::Code::kFailedPrecondition);

  // The message carries Slurm's own words.
  auto s = slurm_command_error(failed("sbatch: error: Batch job submission failed: Invalid account or "
                                      "account/partition combination specified\n"),
                               "sbatch");
  CHECK(s.message().find("Invalid account or account/partition combination specified") != std::string::npos);
}
