#include "daemon/executors/local_executor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "daemon/executors/file_modes.hpp"
#include "daemon/executors/run_dir_files.hpp"
#include "hpod/json_text.hpp"

extern char** environ;

namespace hpod {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// Records the command's exit status in the run directory (written whole, then renamed),
// so that the outcome survives a daemon restart. The wrapper catches TERM/INT/HUP with a
// no-op trap (a caught signal is reset for the command, unlike an ignored one), so when
// the process group is told to stop, the command stops and the wrapper still records it.
// $1: the run directory; $2: the umask hpod was started with ("" keeps hpod's own).
constexpr const char* kWrapper =
    "d=$1; m=$2; shift 2\n"
    "if [ -n \"$m\" ]; then umask \"$m\"; fi\n"
    "trap : TERM INT HUP\n"
    "\"$@\"\n"
    "rc=$?\n"
    "echo \"$rc\" > \"$d/exit_status\"\n"
    "exit \"$rc\"\n";

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0 && !fs::is_directory(path); }

// Where the program would be found, or nullopt (clear error at launch rather than "exit 127").
std::optional<std::string> resolve_program(const std::string& prog, const std::string& workdir,
                                           const std::map<std::string, std::string>& env) {
  if (prog.find('/') != std::string::npos) {
    std::string p = fs::path(prog).is_absolute() ? prog : (fs::path(workdir) / prog).string();
    return executable(p) ? std::optional(p) : std::nullopt;
  }
  std::string path;
  if (auto it = env.find("PATH"); it != env.end()) path = it->second;
  else if (const char* p = std::getenv("PATH")) path = p;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) dir = ".";
    std::string c = (fs::path(dir) / prog).string();
    if (executable(c)) return c;
  }
  return std::nullopt;
}

JobStatus finished_status(int code, const std::string& state, const std::string& reason) {
  JobStatus s;
  s.phase = JobPhase::kFinished;
  s.exit_code = code;
  s.state = state;
  s.reason = reason;
  return s;
}

}  // namespace

std::optional<unsigned long long> process_start_time(int pid) {
  auto stat = read_small_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return std::nullopt;
  // Fields after the command name, which is in parentheses and may hold spaces.
  auto close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::stringstream ss(stat->substr(close + 2));
  std::string field;
  char state = 0;
  unsigned long long value = 0;
  for (int i = 3; i <= 22 && ss >> field; ++i) {
    if (i == 3) state = field[0];
    if (i == 22) value = std::stoull(field);
  }
  if (state == 'Z' || state == 'X') return std::nullopt;  // exited, not yet reaped
  return value;
}

LocalExecutor::LocalExecutor() = default;

std::optional<LocalExecutor::Proc> LocalExecutor::parse_ref(const JobRef& ref) {
  json d = json::parse(ref.details, nullptr, false);
  if (d.is_discarded() || !d.contains("pid")) return std::nullopt;
  Proc p;
  p.pid = d["pid"].get<int>();
  p.start = d.value("start", 0ull);
  p.gpu = d.value("gpu", -1);
  return p;
}

bool LocalExecutor::alive(const Proc& p) {
  auto st = process_start_time(p.pid);
  return st && *st == p.start;
}

int LocalExecutor::pick_gpu(const LaunchSpec& spec) {
  for (int g : spec.executor.local.gpus)
    if (!gpus_in_use_.count(g)) return g;
  return -1;
}

bool LocalExecutor::can_launch(const LaunchSpec& spec) {
  std::lock_guard lock(mu_);
  return spec.executor.local.gpus.empty() || pick_gpu(spec) >= 0;
}

Result<JobRef> LocalExecutor::launch(const LaunchSpec& spec) {
  if (spec.argv.empty()) return Status::InvalidArgument("empty command");
  if (!fs::is_directory(spec.workdir))
    return Status::InvalidArgument("workdir " + spec.workdir + " does not exist or is not a directory");
  auto program = resolve_program(spec.argv[0], spec.workdir, spec.env);
  if (!program) return Status::InvalidArgument("program \"" + spec.argv[0] + "\" not found (PATH, or relative to the workdir)");
  // Nothing of an earlier run may decide this one's outcome or mix into its log.
  if (auto prepared = prepare_run_dir(spec.run_dir); !prepared.ok()) return prepared.status();
  int gpu = -1;
  {
    std::lock_guard lock(mu_);
    if (!spec.executor.local.gpus.empty()) {
      gpu = pick_gpu(spec);
      if (gpu < 0) return Status::Unavailable("no free GPU slot");
      gpus_in_use_.insert(gpu);
    }
  }
  auto release = [&] {
    std::lock_guard lock(mu_);
    if (gpu >= 0) gpus_in_use_.erase(gpu);
  };

  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (auto& [k, v] : spec.env) env[k] = v;
  if (gpu >= 0) env["CUDA_VISIBLE_DEVICES"] = std::to_string(gpu);
  std::vector<std::string> env_strings;
  for (auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  auto mask = trial_umask();
  std::vector<std::string> args = {"/bin/sh", "-c", kWrapper, "hpod-trial", spec.run_dir, mask ? umask_text(*mask) : ""};
  args.push_back(*program);
  for (std::size_t i = 1; i < spec.argv.size(); ++i) args.push_back(spec.argv[i]);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  std::string out_path = spec.run_dir + "/stdout", err_path = spec.run_dir + "/stderr";
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_addchdir_np(&fa, spec.workdir.c_str());
  // A trial must not inherit the daemon's descriptors: the listening socket would keep the
  // port bound after hpod dies (and block its restart), the database file would stay open.
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own session (it outlives us and gets its own process group); default signal
  // dispositions and an empty mask (we ignore SIGPIPE; a trial should not inherit that).
  sigset_t none, defaults;
  sigemptyset(&none);
  sigfillset(&defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    release();
    return Status::IOError("cannot start " + spec.argv[0] + ": " + std::strerror(rc));
  }
  Proc p;
  p.pid = pid;
  p.start = process_start_time(pid).value_or(0);
  p.gpu = gpu;
  JobRef ref;
  ref.kind = "local";
  ref.id = std::to_string(pid) + ":" + std::to_string(p.start);
  ref.run_dir = spec.run_dir;
  ref.details = json_text(json{{"pid", pid}, {"start", p.start}, {"gpu", gpu}});
  // For recover(): found even if the daemon dies before it stores the ref.
  std::ofstream(spec.run_dir + "/job") << ref.details << "\n";
  return ref;
}

bool LocalExecutor::command_ended(const JobRef& job) { return exit_status_recorded(job.run_dir); }

Result<std::optional<JobRef>> LocalExecutor::find_unrecorded(const LaunchSpec& spec) {
  const std::string& run_dir = spec.run_dir;
  if (!file_written_since(run_dir + "/job", spec.trial_started)) return std::optional<JobRef>();  // none, or another run's
  auto text = read_small_file(run_dir + "/job");
  if (!text) return std::optional<JobRef>();
  JobRef ref;
  ref.kind = "local";
  ref.run_dir = run_dir;
  ref.details = *text;
  auto p = parse_ref(ref);
  if (!p) return std::optional<JobRef>();
  ref.id = std::to_string(p->pid) + ":" + std::to_string(p->start);
  return std::optional<JobRef>(ref);
}

std::map<std::string, JobStatus> LocalExecutor::poll(const std::vector<JobRef>& jobs) {
  std::lock_guard lock(mu_);
  // Reap every child that ended (ours from this run of the daemon).
  int wstatus = 0;
  for (pid_t pid; (pid = ::waitpid(-1, &wstatus, WNOHANG)) > 0;) exit_codes_[pid] = wstatus;

  std::map<std::string, JobStatus> out;
  for (const JobRef& ref : jobs) {
    if (ref.kind != "local") continue;
    auto p = parse_ref(ref);
    if (!p) {
      out[ref.id] = finished_status(-1, "LOST", "unreadable job reference");
      out[ref.id].retryable = true;
      continue;
    }
    JobStatus st;
    auto reaped = exit_codes_.find(p->pid);
    if (reaped == exit_codes_.end() && alive(*p)) {
      st.phase = JobPhase::kRunning;
      if (p->gpu >= 0) gpus_in_use_.insert(p->gpu);  // re-attached after a restart
    } else {
      // Read only once the wrapper is gone, so the file is complete unless the wrapper was
      // killed between creating and writing it: then it is empty, fails to parse, and the
      // reaped status (or LOST) decides.
      auto recorded = read_small_file(ref.run_dir + "/exit_status");
      std::optional<int> recorded_code = recorded ? parse_exit_status(*recorded) : std::nullopt;
      if (recorded_code) {
        int code = *recorded_code;
        st = finished_status(code, "EXITED", code == 0 ? "exited with code 0" :
                                     code > 128 ? "killed by signal " + std::to_string(code - 128)
                                                : "exited with code " + std::to_string(code));
      } else if (reaped != exit_codes_.end() && WIFSIGNALED(reaped->second)) {
        // The wrapper shrugs off TERM/INT/HUP, so it died with its whole process group to
        // something from outside (the OOM killer, an admin's kill -9): a lost process.
        int sig = WTERMSIG(reaped->second);
        st = finished_status(128 + sig, "LOST", "the process group was killed by signal " + std::to_string(sig));
        st.retryable = true;
      } else if (reaped != exit_codes_.end() && WIFEXITED(reaped->second)) {
        int code = WEXITSTATUS(reaped->second);
        st = finished_status(code, "EXITED", "exited with code " + std::to_string(code));
      } else {
        st = finished_status(-1, "LOST", "the process is gone and left no exit status");
        st.retryable = true;
      }
      if (reaped != exit_codes_.end()) exit_codes_.erase(reaped);
      if (p->gpu >= 0) gpus_in_use_.erase(p->gpu);
      st.attrs["exit_code"] = std::to_string(st.exit_code);
    }
    st.attrs["pid"] = std::to_string(p->pid);
    if (p->gpu >= 0) st.attrs["gpus"] = json_text(std::to_string(p->gpu));
    out[ref.id] = std::move(st);
  }
  return out;
}

Status LocalExecutor::terminate(const JobRef& job) {
  auto p = parse_ref(job);
  if (!p) return Status::InvalidArgument("bad job reference " + job.id);
  if (alive(*p) && ::kill(-p->pid, SIGTERM) != 0 && errno != ESRCH)
    return Status::IOError("SIGTERM to process group " + std::to_string(p->pid) + ": " + std::strerror(errno));
  return Status::OK();
}

Status LocalExecutor::kill(const JobRef& job) {
  auto p = parse_ref(job);
  if (!p) return Status::InvalidArgument("bad job reference " + job.id);
  // The whole group, even if the wrapper already exited and left children behind.
  if (::kill(-p->pid, 0) == 0 || alive(*p)) ::kill(-p->pid, SIGKILL);
  return Status::OK();
}

}  // namespace hpod
