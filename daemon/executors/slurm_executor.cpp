#include "daemon/executors/slurm_executor.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "daemon/executors/run_dir_files.hpp"

namespace hpod {

namespace {

using json = nlohmann::json;

std::string in_run_dir(const std::string& run_dir, const char* name) {
  if (!run_dir.empty() && run_dir.back() == '/') return run_dir + name;
  return run_dir + "/" + name;
}

std::string join_ids(const std::vector<const JobRef*>& refs) {
  std::string s;
  for (const JobRef* r : refs) {
    if (!s.empty()) s += ',';
    s += r->id;
  }
  return s;
}

JobStatus unknown_status(const std::string& reason) {
  JobStatus st;
  st.phase = JobPhase::kUnknown;
  st.reason = reason;
  return st;
}

// The name launch() gave the job; empty for refs that do not say.
std::string expected_job_name(const JobRef& ref) {
  json d = json::parse(ref.details, nullptr, /*allow_exceptions=*/false);
  if (d.is_object() && d.contains("job_name") && d["job_name"].is_string()) return d["job_name"].get<std::string>();
  return "";
}

bool says_invalid_job_id(const CommandResult& r) {
  return !r.timed_out && r.exit_code == 1 && r.err.find("Invalid job id") != std::string::npos;
}

}  // namespace

// The jobs of one poll call that still need an answer, in the caller's order.
struct SlurmExecutor::Lookup {
  std::vector<const JobRef*> open;
  std::map<std::string, JobStatus>* result = nullptr;

  // Answers every open job some record matches, from `source`. A record must also carry
  // the job's name: after slurmctld lost its state, job ids start again at 1 and an old
  // id may name somebody else's job.
  void settle(SlurmExecutor& ex, const std::vector<SlurmJobRecord>& records, Source source) {
    std::unordered_multimap<std::string_view, const SlurmJobRecord*> by_id;
    for (const auto& rec : records) {
      by_id.emplace(rec.job_id, &rec);
      if (rec.array_id != rec.job_id) by_id.emplace(rec.array_id, &rec);
    }
    std::vector<const JobRef*> still_open;
    for (const JobRef* ref : open) {
      const std::string name = expected_job_name(*ref);
      const SlurmJobRecord* match = nullptr;
      bool foreign = false;
      auto consider = [&](const SlurmJobRecord* rec) {
        if (name.empty() || rec->name == name) {
          match = rec;
        } else {
          foreign = true;
        }
      };
      auto [first, last] = by_id.equal_range(ref->id);
      for (auto it = first; it != last; ++it) consider(it->second);
      if (!match && ref->id.find('_') != std::string::npos) {
        for (const auto& rec : records)
          if (slurm_id_matches(rec, ref->id)) consider(&rec);
      }
      if (match) {
        (*result)[ref->id] = ex.status_from_record(*ref, *match, source);
      } else {
        if (foreign)
          ex.warn("slurm poll: job id " + ref->id + " now names a job that is not " + name +
                  " (slurmctld state reset?); looking elsewhere");
        still_open.push_back(ref);
      }
    }
    open = std::move(still_open);
  }
};

SlurmExecutor::SlurmExecutor(SlurmExecutorOptions options)
    : options_(std::move(options)),
      runner_(options_.runner ? options_.runner : std::make_shared<ProcessRunner>()) {}

CommandResult SlurmExecutor::run(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  return runner_->run(Command{std::move(argv), timeout});
}

void SlurmExecutor::warn(const std::string& message) const {
  if (options_.warn) options_.warn(message);
}

Result<JobRef> SlurmExecutor::launch(const LaunchSpec& spec) {
  const std::string context = "study " + spec.study + " trial " + std::to_string(spec.trial_number);
  if (spec.executor.type != ExecutorSpec::Type::kSlurm)
    return Status::InvalidArgument(context + ": the study's executor is not slurm");
  auto script = make_batch_script(spec);
  if (!script.ok()) return script.status();

  // A run directory used before must not hand this job an old outcome.
  for (const char* stale : {slurm_files::kExitStatus, slurm_files::kSlurmEnv, slurm_files::kCancelled})
    ::unlink(in_run_dir(spec.run_dir, stale).c_str());
  // 0600: the script holds the trial's HPOD_TOKEN.
  const std::string script_path = in_run_dir(spec.run_dir, slurm_files::kScript);
  HPOD_RETURN_IF_ERROR(write_file_atomic(script_path, *script, 0600).with_context(context));

  const std::string job_name = slurm_job_name(spec);
  CommandResult r = run({options_.sbatch, "--parsable", script_path}, options_.submit_timeout);
  std::string job_id;
  if (r.ok()) {
    auto id = parse_sbatch_output(r.out);
    if (!id.ok()) return id.status().with_context(context);
    job_id = *id;
  } else if (r.timed_out) {
    // slurmctld may have queued the job and only the answer got lost: adopt it rather than
    // submit a twin on the next attempt.
    auto found = find_submitted(job_name);
    if (!found) return slurm_command_error(r, "sbatch").with_context(context);
    warn(context + ": sbatch timed out but job " + *found + " (" + job_name + ") is queued; adopting it");
    job_id = *found;
  } else {
    return slurm_command_error(r, "sbatch").with_context(context);
  }

  JobRef ref;
  ref.kind = "slurm";
  ref.id = job_id;
  ref.run_dir = spec.run_dir;
  ref.details = json{{"job_name", job_name}, {"script", script_path}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return ref;
}

std::optional<std::string> SlurmExecutor::find_submitted(const std::string& job_name) {
  CommandResult r = run({options_.squeue, "-h", "-n", job_name, "-O", "JobID:|"}, options_.query_timeout);
  if (!r.ok()) return std::nullopt;
  std::optional<std::string> newest;
  std::size_t pos = 0;
  while (pos < r.out.size()) {
    auto nl = r.out.find('\n', pos);
    std::string line = r.out.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? r.out.size() : nl + 1;
    if (auto bar = line.find('|'); bar != std::string::npos) line.resize(bar);
    if (!valid_slurm_job_id(line) || line.find('_') != std::string::npos) continue;
    if (!newest || std::stoll(line) > std::stoll(*newest)) newest = line;
  }
  return newest;
}

std::map<std::string, JobStatus> SlurmExecutor::poll(const std::vector<JobRef>& jobs) {
  std::map<std::string, JobStatus> result;
  Lookup lookup;
  lookup.result = &result;
  for (const JobRef& ref : jobs) {
    if (ref.kind != kind() || result.count(ref.id)) continue;
    if (!valid_slurm_job_id(ref.id)) {
      JobStatus st;
      st.phase = JobPhase::kFinished;
      st.state = "LOST";
      st.reason = "\"" + ref.id + "\" is not a Slurm job id";
      result[ref.id] = st;
      continue;
    }
    result[ref.id] = unknown_status("");  // placeholder, keeps duplicates out
    lookup.open.push_back(&ref);
  }
  if (lookup.open.empty()) return result;

  // One squeue call for every job; -t all keeps finished jobs (until MinJobAge) in view.
  // With several ids squeue fetches every job slurmctld holds and filters them itself;
  // naming our user makes slurmctld send only ours (hpod submits as itself).
  CommandResult r = run({options_.squeue, "-h", "-t", "all", "-u", std::to_string(::getuid()), "-j",
                         join_ids(lookup.open), "-O", squeue_format()},
                        options_.query_timeout);
  if (r.ok()) {
    lookup.settle(*this, parse_squeue(r.out), Source::kSqueue);
  } else if (!says_invalid_job_id(r)) {  // "Invalid job id": squeue knows none of them
    std::string why = r.describe("squeue") + " (will ask again)";
    warn("slurm poll: " + why);
    for (const JobRef* ref : lookup.open) result[ref->id] = unknown_status(why);
    return result;
  }
  if (!lookup.open.empty()) settle_forgotten(lookup);
  return result;
}

void SlurmExecutor::settle_forgotten(Lookup& lookup) {
  std::string doubt;  // why a job nobody knows may still be known later
  bool accounting;
  {
    std::lock_guard lock(mu_);
    accounting = options_.use_accounting && !accounting_disabled_;
  }
  if (accounting) {
    CommandResult r = run({options_.sacct, "-n", "-P", "-X", "-j", join_ids(lookup.open), "-o", sacct_format()},
                          options_.query_timeout);
    if (r.ok()) {
      lookup.settle(*this, parse_sacct(r.out), Source::kSacct);
    } else if (r.err.find("accounting storage is disabled") != std::string::npos) {
      std::lock_guard lock(mu_);
      accounting_disabled_ = true;
    } else {
      doubt = r.describe("sacct");
      warn("slurm poll: " + doubt);
    }
  }
  if (!lookup.open.empty() && options_.use_jobcomp) {
    // Array lines make sacct -c complain on stderr even with -j; the answer is still good.
    CommandResult r = run({options_.sacct, "-c", "-n", "-P", "-j", join_ids(lookup.open), "-o", sacct_format()},
                          options_.query_timeout);
    if (r.ok()) {
      lookup.settle(*this, parse_sacct(r.out), Source::kJobcomp);
    } else if (r.timed_out) {
      doubt = r.describe("sacct -c");
    }
    // Other failures: no job completion file on this cluster; nothing to learn there.
  }
  for (const JobRef* ref : lookup.open) {
    JobStatus& st = (*lookup.result)[ref->id];
    if (auto text = read_small_file(in_run_dir(ref->run_dir, slurm_files::kExitStatus))) {
      if (auto code = parse_exit_status(*text)) {
        st = status_from_files(*ref, *code);
        warn("slurm poll: job " + ref->id + " settled from its exit_status file");
        continue;
      }
    }
    if (!doubt.empty()) {
      st = unknown_status("Slurm job " + ref->id + " is no longer in squeue and " + doubt + " (will ask again)");
      continue;
    }
    // Slurm answered and nobody knows the job, and it recorded no exit status: it ended
    // without running the command to its end (cancelled or killed, its node lost) and was
    // purged. The trial never had a fair run.
    st = JobStatus{};
    st.phase = JobPhase::kFinished;
    st.state = "LOST";
    st.retryable = true;
    fill_where(*ref, st, true);
    fill_outcome(*ref, st, std::nullopt);
    st.reason = "Slurm job " + ref->id +
                " is gone (no longer in squeue, not in accounting or the job completion file) and left no exit_status";
  }
}

JobStatus SlurmExecutor::status_from_record(const JobRef& ref, const SlurmJobRecord& rec, Source source) {
  JobStatus st;
  SlurmStateMapping m = map_slurm_state(rec.state);
  st.phase = m.phase;
  st.attrs["slurm_job_id"] = json(ref.id).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  st.attrs["state"] = json(rec.state).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (!rec.reason.empty() && rec.reason != "None") st.attrs["reason"] = json(rec.reason).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (!rec.nodes.empty()) st.attrs["node"] = json(rec.nodes).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (rec.elapsed_s) st.attrs["elapsed"] = json(*rec.elapsed_s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  switch (m.phase) {
    case JobPhase::kPending:
      st.reason = rec.reason;
      break;
    case JobPhase::kRunning:
      fill_where(ref, st, false);
      break;
    case JobPhase::kUnknown:
      st.reason = "Slurm job " + ref.id + " is in state " + rec.state + ", which hpod does not know";
      break;
    case JobPhase::kFinished: {
      st.state = rec.state;
      st.retryable = m.retryable;
      fill_where(ref, st, true);
      // The job completion file writes 0:0 for jobs that did not end on their own
      // (CANCELLED, TIMEOUT, ...): only its COMPLETED and FAILED codes mean something.
      bool code_known = source != Source::kJobcomp || rec.state == "COMPLETED" || rec.state == "FAILED";
      fill_outcome(ref, st, code_known ? rec.exit_code : std::nullopt);
      std::string r = "Slurm job " + ref.id + " " + rec.state;
      if (rec.state == "CANCELLED") r += st.cancelled_by_hpod ? " by hpod" : " by someone else";
      if (st.exit_code >= 0) r += ", exit status " + std::to_string(st.exit_code);
      if (!rec.reason.empty() && rec.reason != "None") r += " (" + rec.reason + ")";
      if (m.retryable) r += "; the trial may be retried";
      if (source == Source::kSacct) r += " [from sacct]";
      if (source == Source::kJobcomp) r += " [from sacct -c, the job completion file]";
      st.reason = r;
      break;
    }
  }
  return st;
}

JobStatus SlurmExecutor::status_from_files(const JobRef& ref, int exit_code) {
  JobStatus st;
  st.phase = JobPhase::kFinished;
  st.state = exit_code == 0 ? "COMPLETED" : "FAILED";
  st.attrs["slurm_job_id"] = json(ref.id).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  st.attrs["state"] = json(st.state).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  fill_where(ref, st, true);
  fill_outcome(ref, st, exit_code);
  st.reason = "Slurm job " + ref.id + " " + st.state + ", exit status " + std::to_string(st.exit_code) +
              " [from its exit_status file; Slurm no longer knows the job]";
  return st;
}

void SlurmExecutor::fill_outcome(const JobRef& ref, JobStatus& st, std::optional<int> slurm_exit_code) {
  // The script's own record is the command's status; Slurm's is the batch shell's.
  std::optional<int> code;
  if (auto text = read_small_file(in_run_dir(ref.run_dir, slurm_files::kExitStatus))) code = parse_exit_status(*text);
  if (!code) code = slurm_exit_code;
  st.exit_code = code.value_or(-1);
  if (code) st.attrs["exit_code"] = json(*code).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  {
    std::lock_guard lock(mu_);
    st.cancelled_by_hpod = cancelled_.erase(ref.id) > 0;
  }
  if (!st.cancelled_by_hpod) st.cancelled_by_hpod = file_exists(in_run_dir(ref.run_dir, slurm_files::kCancelled));
}

void SlurmExecutor::fill_where(const JobRef& ref, JobStatus& st, bool finished) {
  std::optional<SlurmEnvRecord> where;
  {
    std::lock_guard lock(mu_);
    if (auto it = where_.find(ref.id); it != where_.end()) {
      where = it->second;
      if (finished) where_.erase(it);
    }
  }
  if (!where) {
    if (auto text = read_small_file(in_run_dir(ref.run_dir, slurm_files::kSlurmEnv))) {
      where = parse_slurm_env(*text);
      if (!finished) {
        std::lock_guard lock(mu_);
        where_[ref.id] = *where;
      }
    }
  }
  if (!where) return;
  if (!st.attrs.count("node") && !where->node.empty()) st.attrs["node"] = json(where->node).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (where->cuda_visible_devices) st.attrs["gpus"] = json(*where->cuda_visible_devices).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status SlurmExecutor::mark_cancelled(const JobRef& job) {
  if (job.kind != kind() || !valid_slurm_job_id(job.id))
    return Status::InvalidArgument("not a Slurm job: " + job.kind + " " + job.id);
  {
    std::lock_guard lock(mu_);
    cancelled_.insert(job.id);
  }
  // Survives a daemon restart, so a re-attached hpod still knows who cancelled the job.
  // Best effort: the in-memory mark covers this object's lifetime.
  if (!job.run_dir.empty()) (void)write_file_atomic(in_run_dir(job.run_dir, slurm_files::kCancelled), "");
  return Status::OK();
}

Status SlurmExecutor::terminate(const JobRef& job) {
  HPOD_RETURN_IF_ERROR(mark_cancelled(job));
  CommandResult r = run({options_.scancel, "--full", "--signal=TERM", job.id}, options_.cancel_timeout);
  if (r.ok() || says_invalid_job_id(r)) return Status::OK();  // "Invalid job id": already ended
  // A pending job has no process to signal ("Job can not be altered now"): cancel it.
  if (!slurm_controller_unreachable(r) && r.err.find("can not be altered") != std::string::npos) return kill(job);
  return slurm_command_error(r, "scancel --signal=TERM").with_context("Slurm job " + job.id);
}

Status SlurmExecutor::kill(const JobRef& job) {
  HPOD_RETURN_IF_ERROR(mark_cancelled(job));
  // scancel of a job that already ended is rc=0 in 22.05; older versions say "Invalid job id".
  CommandResult r = run({options_.scancel, job.id}, options_.cancel_timeout);
  if (r.ok() || says_invalid_job_id(r)) return Status::OK();
  return slurm_command_error(r, "scancel").with_context("Slurm job " + job.id);
}

}  // namespace hpod
