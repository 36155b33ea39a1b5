#include "daemon/executors/slurm_executor.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "daemon/executors/run_dir_files.hpp"
#include "hpod/json_text.hpp"

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

constexpr const char* kNotAskedAgain = "Unable to contact slurm controller (not asked again yet; ";

// A call run_on_controller answered itself, without asking the controller.
bool held_back(const CommandResult& r) { return r.err.rfind(kNotAskedAgain, 0) == 0; }

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

CommandResult SlurmExecutor::run_on_controller(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  const std::string name = argv.empty() ? std::string() : argv[0].substr(argv[0].rfind('/') + 1);
  bool probe = false;
  {
    std::lock_guard lock(mu_);
    if (controller_down_) {
      auto now = std::chrono::steady_clock::now();
      if (probing_ || now - last_probe_ < options_.outage_probe_interval) {
        CommandResult r;
        r.exit_code = 1;
        r.err = std::string(kNotAskedAgain) + "last answer: " + down_reason_ + ")";
        return r;
      }
      probing_ = probe = true;
      last_probe_ = now;
    }
  }
  CommandResult r = run(std::move(argv), timeout);
  std::string news;
  {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (probe) probing_ = false;
    if (slurm_controller_unreachable(r)) {
      if (!controller_down_) {
        last_probe_ = now;
        down_since_ = now;
        news = "Slurm controller not answering (" + r.describe(name) + "); until it does, one call at a time tries it";
      }
      controller_down_ = true;
      down_reason_ = r.describe(name);
    } else if (!r.spawn_failed && controller_down_) {
      controller_down_ = false;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.0f s", std::chrono::duration<double>(now - down_since_).count());
      news = "Slurm controller answers again (after " + std::string(buf) + ")";
    }
  }
  if (!news.empty()) warn(news);
  return r;
}

JobRef SlurmExecutor::make_ref(const LaunchSpec& spec, const std::string& job_id) const {
  JobRef ref;
  ref.kind = "slurm";
  ref.id = job_id;
  ref.run_dir = spec.run_dir;
  ref.details = json_text(json{{"job_name", slurm_job_name(spec)}, {"script", in_run_dir(spec.run_dir, slurm_files::kScript)}});
  return ref;
}

Result<JobRef> SlurmExecutor::launch(const LaunchSpec& spec) {
  const std::string context = "study " + spec.study + " trial " + std::to_string(spec.trial_number);
  if (spec.executor.type != ExecutorSpec::Type::kSlurm)
    return Status::InvalidArgument(context + ": the study's executor is not slurm");
  const std::string job_name = slurm_job_name(spec);
  bool uncertain;
  {
    std::lock_guard lock(mu_);
    uncertain = uncertain_submissions_.count(job_name) > 0;
  }
  if (uncertain) {
    // An earlier sbatch of this trial timed out: it may have queued the job all the same.
    auto found = find_unrecorded(spec);
    if (!found.ok()) return found.status().with_context(context);
    {
      std::lock_guard lock(mu_);
      uncertain_submissions_.erase(job_name);
    }
    if (*found) {
      warn(context + ": an earlier sbatch timed out but queued job " + (*found)->id + " (" + job_name + "); adopting it");
      return **found;
    }
  }
  HPOD_ASSIGN_OR_RETURN(auto script, make_batch_script(spec));

  // Nothing of an earlier run (another database, a launch before a crash) may decide this
  // one's outcome or mix into its log.
  auto prepared = prepare_run_dir(spec.run_dir);
  if (!prepared.ok()) return prepared.status().with_context(context);
  if (!prepared->empty()) warn(context + ": moved the old run directory aside to " + *prepared);
  // 0600: the script holds the trial's HPOD_TOKEN.
  const std::string script_path = in_run_dir(spec.run_dir, slurm_files::kScript);
  HPOD_RETURN_IF_ERROR(write_file_atomic(script_path, script, 0600).with_context(context));

  CommandResult r = run_on_controller({options_.sbatch, "--parsable", script_path}, options_.submit_timeout);
  if (r.ok()) {
    auto id = parse_sbatch_output(r.out);
    if (!id.ok()) return id.status().with_context(context);
    return make_ref(spec, *id);
  }
  if (r.timed_out) {
    // slurmctld may have queued the job and only the answer got lost: adopt it rather than
    // submit a twin (now, or on the next attempt if Slurm cannot tell now).
    {
      std::lock_guard lock(mu_);
      uncertain_submissions_.insert(job_name);
    }
    auto found = find_unrecorded(spec);
    if (found.ok() && *found) {
      std::lock_guard lock(mu_);
      uncertain_submissions_.erase(job_name);
    }
    if (!found.ok() || !*found) return slurm_command_error(r, "sbatch").with_context(context);
    warn(context + ": sbatch timed out but job " + (*found)->id + " (" + job_name + ") is queued; adopting it");
    return **found;
  }
  // Refused: the script goes, so the next attempt finds an empty run directory again.
  ::unlink(script_path.c_str());
  return slurm_command_error(r, "sbatch").with_context(context);
}

bool SlurmExecutor::command_ended(const JobRef& job) { return exit_status_recorded(job.run_dir); }

namespace {

// "2026-12-02T17:50:01" (Slurm prints local time) → seconds since the epoch.
std::optional<std::time_t> parse_slurm_time(const std::string& text) {
  std::tm tm{};
  const char* end = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end || *end != '\0') return std::nullopt;
  tm.tm_isdst = -1;
  return std::mktime(&tm);
}

// The newest job in "<id>|<submit time>|<name>|" lines named `name` and submitted at or after
// `not_before`: hpod never runs two jobs of one name at once, and an older one is a run of
// the same trial number from another database.
std::optional<std::string> newest_job_named(const std::string& out, const std::string& name, std::time_t not_before) {
  std::optional<std::string> newest;
  std::size_t pos = 0;
  while (pos < out.size()) {
    auto nl = out.find('\n', pos);
    std::string line = out.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? out.size() : nl + 1;
    auto b1 = line.find('|');
    auto b2 = b1 == std::string::npos ? b1 : line.find('|', b1 + 1);
    if (b2 == std::string::npos) continue;
    std::string id = line.substr(0, b1), submit = line.substr(b1 + 1, b2 - b1 - 1), rest = line.substr(b2 + 1);
    if (!rest.empty() && rest.back() == '|') rest.pop_back();
    while (!id.empty() && id.back() == ' ') id.pop_back();
    if (rest != name || !valid_slurm_job_id(id) || id.find('_') != std::string::npos) continue;
    auto when = parse_slurm_time(submit);
    if (!when || *when < not_before) continue;
    if (!newest || std::stoll(id) > std::stoll(*newest)) newest = id;
  }
  return newest;
}

}  // namespace

Result<std::optional<JobRef>> SlurmExecutor::find_unrecorded(const LaunchSpec& spec) {
  // launch() writes the script just before sbatch: without it (or with another run's) no
  // job of this trial was ever submitted.
  const std::string script = in_run_dir(spec.run_dir, slurm_files::kScript);
  struct stat script_stat;
  if (::stat(script.c_str(), &script_stat) != 0 || !file_written_since(script, spec.trial_started))
    return std::optional<JobRef>();
  const std::time_t not_before = script_stat.st_mtime - 30;  // the controller's clock may differ a little
  const std::string name = slurm_job_name(spec);
  const std::string context = "looking for Slurm job " + name;
  CommandResult r = run_on_controller({options_.squeue, "-h", "-t", "all", "-n", name, "-O", "JobID:|,SubmitTime:|,Name:|"},
                                      options_.query_timeout);
  if (!r.ok()) return slurm_command_error(r, "squeue").with_context(context);
  auto found = newest_job_named(r.out, name, not_before);
  bool accounting;
  {
    std::lock_guard lock(mu_);
    accounting = options_.use_accounting && !accounting_disabled_;
  }
  // Purged from squeue (MinJobAge): it has ended; accounting or the job completion file know it.
  if (!found && accounting) {
    CommandResult a = run({options_.sacct, "-n", "-P", "-X", "--name=" + name, "-o", "JobIDRaw,Submit,JobName"},
                          options_.query_timeout);
    if (a.ok()) found = newest_job_named(a.out, name, not_before);
  }
  if (!found && options_.use_jobcomp) {
    CommandResult c = run({options_.sacct, "-c", "-n", "-P", "--name=" + name, "-o", "JobIDRaw,Submit,JobName"},
                          options_.query_timeout);
    if (c.ok()) found = newest_job_named(c.out, name, not_before);
  }
  if (!found) return std::optional<JobRef>();
  return std::optional<JobRef>(make_ref(spec, *found));
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
  CommandResult r = run_on_controller({options_.squeue, "-h", "-t", "all", "-u", std::to_string(::getuid()), "-j",
                         join_ids(lookup.open), "-O", squeue_format()},
                        options_.query_timeout);
  if (r.ok()) {
    lookup.settle(*this, parse_squeue(r.out), Source::kSqueue);
  } else if (!says_invalid_job_id(r)) {  // "Invalid job id": squeue knows none of them
    std::string why = r.describe("squeue") + " (will ask again)";
    if (!held_back(r) && !slurm_controller_unreachable(r)) warn("slurm poll: " + why);
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
  st.attrs["slurm_job_id"] = json_text(ref.id);
  st.attrs["state"] = json_text(rec.state);
  if (!rec.reason.empty() && rec.reason != "None") st.attrs["reason"] = json_text(rec.reason);
  if (!rec.nodes.empty()) st.attrs["node"] = json_text(rec.nodes);
  if (rec.elapsed_s) st.attrs["elapsed"] = json_text(*rec.elapsed_s);
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
      std::optional<int> recorded;
      if (rec.state == "CANCELLED")
        if (auto text = read_small_file(in_run_dir(ref.run_dir, slurm_files::kExitStatus))) recorded = parse_exit_status(*text);
      if (recorded == 0) {
        // The command recorded a clean exit before the cancel reached the job (a controller
        // outage delays both): it completed, whatever Slurm recorded after.
        st.state = "COMPLETED";
        st.attrs["state"] = json_text(st.state);
        st.retryable = false;
        r = "Slurm job " + ref.id + " COMPLETED (its command exited 0; the job was then recorded CANCELLED)";
      }
      if (st.state == "CANCELLED") r += st.cancelled_by_hpod ? " by hpod" : " by someone else";
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
  st.attrs["slurm_job_id"] = json_text(ref.id);
  st.attrs["state"] = json_text(st.state);
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
  if (code) st.attrs["exit_code"] = json_text(*code);
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
  if (!st.attrs.count("node") && !where->node.empty()) st.attrs["node"] = json_text(where->node);
  if (where->cuda_visible_devices) st.attrs["gpus"] = json_text(*where->cuda_visible_devices);
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
  CommandResult r = run_on_controller({options_.scancel, "--full", "--signal=TERM", job.id}, options_.cancel_timeout);
  if (r.ok() || says_invalid_job_id(r)) return Status::OK();  // "Invalid job id": already ended
  // A pending job has no process to signal ("Job can not be altered now"): cancel it.
  if (!slurm_controller_unreachable(r) && r.err.find("can not be altered") != std::string::npos) return kill(job);
  return slurm_command_error(r, "scancel --signal=TERM").with_context("Slurm job " + job.id);
}

Status SlurmExecutor::kill(const JobRef& job) {
  HPOD_RETURN_IF_ERROR(mark_cancelled(job));
  // scancel of a job that already ended is rc=0 in 22.05; older versions say "Invalid job id".
  CommandResult r = run_on_controller({options_.scancel, job.id}, options_.cancel_timeout);
  if (r.ok() || says_invalid_job_id(r)) return Status::OK();
  return slurm_command_error(r, "scancel").with_context("Slurm job " + job.id);
}

}  // namespace hpod
