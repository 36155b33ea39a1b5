#include "daemon/executors/slurm_parse.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace hpod {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

template <typename Int>
std::optional<Int> to_int(std::string_view s) {
  Int v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Calls f(line) for every non-empty line.
template <typename F>
void for_each_line(std::string_view text, F f) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) f(line);
  }
}

// The first `n` '|'-separated fields; the last one takes the rest of the line (without
// the trailing '|' squeue's format adds). nullopt if there are fewer.
template <std::size_t N>
std::optional<std::array<std::string_view, N>> split_fields(std::string_view line) {
  std::array<std::string_view, N> f;
  for (std::size_t i = 0; i + 1 < N; ++i) {
    auto bar = line.find('|');
    if (bar == std::string_view::npos) return std::nullopt;
    f[i] = line.substr(0, bar);
    line.remove_prefix(bar + 1);
  }
  if (!line.empty() && line.back() == '|') line.remove_suffix(1);
  f[N - 1] = line;
  return f;
}

std::string first_word(std::string_view s) {
  s = trim(s);
  return std::string(s.substr(0, s.find(' ')));
}

std::string node_list(std::string_view s) {
  s = trim(s);
  if (s == "(null)" || s == "None assigned") return "";
  return std::string(s);
}

bool contains_any(const std::string& text, std::initializer_list<const char*> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](const char* n) { return text.find(n) != std::string::npos; });
}

// Whether index `task` lies in an array spec such as "3-9%4", "1,3,5-7" or "0-10:2".
bool array_spec_contains(std::string_view spec, long task) {
  if (auto pct = spec.find('%'); pct != std::string_view::npos) spec = spec.substr(0, pct);
  while (!spec.empty()) {
    auto comma = spec.find(',');
    std::string_view part = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    long step = 1;
    if (auto colon = part.find(':'); colon != std::string_view::npos) {
      step = to_int<long>(part.substr(colon + 1)).value_or(1);
      part = part.substr(0, colon);
    }
    auto dash = part.find('-');
    auto lo = to_int<long>(part.substr(0, dash));
    auto hi = dash == std::string_view::npos ? lo : to_int<long>(part.substr(dash + 1));
    if (!lo || !hi || step <= 0) continue;
    if (task >= *lo && task <= *hi && (task - *lo) % step == 0) return true;
  }
  return false;
}

}  // namespace

const char* squeue_format() {
  return "JobID:|,JobArrayID:|,State:|,exit_code:|,NodeList:|,TimeUsed:|,Name:|,Reason:|";
}

std::vector<SlurmJobRecord> parse_squeue(std::string_view out) {
  std::vector<SlurmJobRecord> records;
  for_each_line(out, [&](std::string_view line) {
    auto f = split_fields<7>(line);
    if (!f) return;
    // "<name>|<reason>": Slurm's reasons never contain '|', a job name may.
    std::string_view name_and_reason = (*f)[6];
    auto bar = name_and_reason.rfind('|');
    if (bar == std::string_view::npos) return;
    SlurmJobRecord r;
    r.name = std::string(name_and_reason.substr(0, bar));
    r.job_id = std::string(trim((*f)[0]));
    r.array_id = std::string(trim((*f)[1]));
    if (r.array_id.empty()) r.array_id = r.job_id;
    r.state = first_word((*f)[2]);
    if (auto raw = to_int<long>(trim((*f)[3]))) r.exit_code = exit_code_from_wait_status(*raw);
    r.nodes = node_list((*f)[4]);
    r.elapsed_s = parse_slurm_duration((*f)[5]);
    r.reason = std::string(trim(name_and_reason.substr(bar + 1)));
    if (!valid_slurm_job_id(r.job_id) || r.state.empty()) return;
    records.push_back(std::move(r));
  });
  return records;
}

const char* sacct_format() { return "JobIDRaw,JobID,State,ExitCode,NodeList,Elapsed,JobName"; }

std::vector<SlurmJobRecord> parse_sacct(std::string_view out) {
  std::vector<SlurmJobRecord> records;
  for_each_line(out, [&](std::string_view line) {
    auto f = split_fields<7>(line);
    if (!f) return;
    SlurmJobRecord r;
    r.job_id = std::string(trim((*f)[0]));
    r.array_id = std::string(trim((*f)[1]));
    if (r.array_id.empty()) r.array_id = r.job_id;
    // Step lines ("42.batch", "42.0") describe parts of a job, not the job.
    if (!valid_slurm_job_id(r.job_id)) return;
    r.state = first_word((*f)[2]);
    r.exit_code = exit_code_from_pair(trim((*f)[3]));
    r.nodes = node_list((*f)[4]);
    r.elapsed_s = parse_slurm_duration((*f)[5]);
    r.name = std::string((*f)[6]);
    if (r.state.empty()) return;
    records.push_back(std::move(r));
  });
  return records;
}

std::optional<long> parse_slurm_duration(std::string_view s) {
  s = trim(s);
  long days = 0;
  if (auto dash = s.find('-'); dash != std::string_view::npos) {
    auto d = to_int<long>(s.substr(0, dash));
    if (!d) return std::nullopt;
    days = *d;
    s.remove_prefix(dash + 1);
  }
  long total = 0;
  int parts = 0;
  while (!s.empty()) {
    auto colon = s.find(':');
    auto v = to_int<long>(s.substr(0, colon));
    if (!v || ++parts > 3) return std::nullopt;
    total = total * 60 + *v;
    s = colon == std::string_view::npos ? std::string_view() : s.substr(colon + 1);
  }
  if (parts < 2 && days == 0) return std::nullopt;  // "INVALID", "UNLIMITED", "" are no durations
  if (parts == 2 && days != 0) total *= 60;         // "D-HH:MM"
  return days * 86400 + total;
}

int exit_code_from_wait_status(long raw) {
  int sig = static_cast<int>(raw & 0x7f);
  if (sig != 0) return 128 + sig;
  return static_cast<int>((raw >> 8) & 0xff);
}

std::optional<int> exit_code_from_pair(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto code = to_int<int>(s.substr(0, colon));
  auto sig = to_int<int>(s.substr(colon + 1));
  if (!code || !sig) return std::nullopt;
  return *sig != 0 ? 128 + *sig : *code;
}

bool valid_slurm_job_id(std::string_view id) {
  auto us = id.find('_');
  if (us == std::string_view::npos) return all_digits(id);
  return all_digits(id.substr(0, us)) && all_digits(id.substr(us + 1));
}

bool slurm_id_matches(const SlurmJobRecord& record, std::string_view ref_id) {
  if (record.job_id == ref_id || record.array_id == ref_id) return true;
  // "43_[3-9%4]": the array's tasks that have not started yet share one record.
  auto us = ref_id.find('_');
  if (us == std::string_view::npos) return false;
  std::string_view rec = record.array_id;
  auto base = ref_id.substr(0, us + 1);
  if (rec.size() < base.size() + 2 || rec.substr(0, base.size()) != base || rec[base.size()] != '[' || rec.back() != ']')
    return false;
  auto task = to_int<long>(ref_id.substr(us + 1));
  return task && array_spec_contains(rec.substr(base.size() + 1, rec.size() - base.size() - 2), *task);
}

SlurmStateMapping map_slurm_state(std::string_view state) {
  using P = JobPhase;
  static const std::pair<const char*, SlurmStateMapping> kTable[] = {
      {"PENDING", {P::kPending, false}},      {"CONFIGURING", {P::kPending, false}},
      {"REQUEUED", {P::kPending, false}},     {"REQUEUE_HOLD", {P::kPending, false}},
      {"REQUEUE_FED", {P::kPending, false}},  {"RESV_DEL_HOLD", {P::kPending, false}},
      {"RUNNING", {P::kRunning, false}},      {"COMPLETING", {P::kRunning, false}},
      {"SUSPENDED", {P::kRunning, false}},    {"STOPPED", {P::kRunning, false}},
      {"SIGNALING", {P::kRunning, false}},    {"STAGE_OUT", {P::kRunning, false}},
      {"RESIZING", {P::kRunning, false}},     {"COMPLETED", {P::kFinished, false}},
      {"FAILED", {P::kFinished, false}},      {"TIMEOUT", {P::kFinished, false}},
      {"OUT_OF_MEMORY", {P::kFinished, false}}, {"CANCELLED", {P::kFinished, false}},
      {"BOOT_FAIL", {P::kFinished, false}},   {"DEADLINE", {P::kFinished, false}},
      {"SPECIAL_EXIT", {P::kFinished, false}}, {"REVOKED", {P::kFinished, false}},
      {"NODE_FAIL", {P::kFinished, true}},    {"PREEMPTED", {P::kFinished, true}},
  };
  for (const auto& [name, mapping] : kTable)
    if (state == name) return mapping;
  return {};
}

Result<std::string> parse_sbatch_output(std::string_view out) {
  std::string_view s = trim(out);
  // --parsable prints "<id>" or "<id>;<cluster>"; warnings go to stderr.
  if (auto nl = s.rfind('\n'); nl != std::string_view::npos) s = s.substr(nl + 1);
  s = s.substr(0, s.find(';'));
  if (!all_digits(s))
    return Status::Internal("sbatch --parsable printed no job id: \"" + std::string(trim(out).substr(0, 200)) + "\"");
  return std::string(s);
}

bool slurm_controller_unreachable(const CommandResult& r) {
  if (r.timed_out || r.term_signal != 0) return true;
  if (r.spawn_failed || r.exit_code == 0) return false;
  return contains_any(r.err, {"Unable to contact slurm controller", "Socket timed out", "temporarily unable",
                              "Temporarily unable", "Zero Bytes were transmitted", "Connection refused",
                              "Communication connection failure", "Transport endpoint is not connected",
                              "persistent connection", "Resource temporarily unavailable",
                              "backup controller in standby", "Protocol authentication error",
                              "Unable to establish connection"});
}

Status slurm_command_error(const CommandResult& r, const std::string& name) {
  std::string what = r.describe(name);
  if (slurm_controller_unreachable(r)) return Status::Unavailable(what + " (Slurm controller not answering; will retry)");
  if (r.spawn_failed) return Status::FailedPrecondition(what);
  // "Job violates accounting/QOS policy (job submit limit, ...)": the settings are valid
  // but refused now; "Invalid qos specification" is a bad setting.
  if (r.err.find("Invalid") == std::string::npos && contains_any(r.err, {"policy", "limit", "Limit"}))
    return Status::FailedPrecondition(what);
  return Status::InvalidArgument(what);
}

}  // namespace hpod
