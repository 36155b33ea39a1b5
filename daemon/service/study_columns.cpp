#include "daemon/service/study_columns.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "core/json_check.hpp"

#include "daemon/service/trial_json.hpp"
#include "hpod/json_text.hpp"

namespace hpod {

using json = nlohmann::json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::size_t align8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

double unix_seconds(const std::optional<Timestamp>& t) {
  if (!t) return kNaN;
  return std::chrono::duration<double>(t->time_since_epoch()).count();
}

// The distribution the header announces for `name`: the study's own, else the first
// trial's that has the parameter.
const Distribution* column_distribution(const StudyRuntime& s, const std::string& name) {
  if (s.spec)
    if (auto it = s.spec->search_space.find(name); it != s.spec->search_space.end()) return &it->second;
  for (const FrozenTrial* t : s.study.trials())
    if (const TrialParam* p = t->param(name)) return &p->distribution;
  return nullptr;
}

// A trial's value of the parameter in the column's representation.
double column_value(const Distribution& column, const TrialParam& p) {
  if (compatible(column, p.distribution)) return p.internal;
  auto v = to_internal(column, to_external(p.distribution, p.internal));
  return v.ok() ? *v : kNaN;
}

}  // namespace

std::string study_columns(const StudyRuntime& s, std::int64_t last_event_id) {
  const auto& trials = s.study.trials();
  const std::size_t n = trials.size();

  std::vector<std::string> param_names;
  {
    std::map<std::string, bool> seen;
    if (s.spec)
      for (auto& [name, _] : s.spec->search_space) seen[name] = true;
    for (const FrozenTrial* t : trials)
      for (auto& [name, _] : t->params) seen[name] = true;
    for (auto& [name, _] : seen) param_names.push_back(name);
  }
  std::size_t n_iv = 0;
  bool steps_fit = true;
  for (const FrozenTrial* t : trials) {
    n_iv += t->intermediate_values.size();
    for (auto& [step, _] : t->intermediate_values.entries())
      steps_fit &= step >= std::numeric_limits<std::int32_t>::min() && step <= std::numeric_limits<std::int32_t>::max();
  }

  json header;
  header["format"] = 1;
  header["study"] = study_summary_json(s);
  header["last_event_id"] = last_event_id;
  header["n_trials"] = n;
  header["states"] = json::array({"RUNNING", "COMPLETE", "PRUNED", "FAIL", "WAITING"});
  json params = json::array();
  std::vector<const Distribution*> dists;
  for (auto& name : param_names) {
    const Distribution* d = column_distribution(s, name);
    dists.push_back(d);
    params.push_back({{"name", name}, {"distribution", d ? json::parse(distribution_to_json(*d)) : json(nullptr)}});
  }
  header["params"] = params;
  json running = json::object();
  for (const FrozenTrial* t : trials) {
    if (t->state != TrialState::kRunning) continue;
    json a = json::object();
    for (const char* k : {"executor", "job_id", "node", "gpus", "slurm_job_id"})
      if (const std::string* v = t->system_attr(k)) a[k] = jc::parse_stored_value(*v);
    running[std::to_string(t->number)] = a;
  }
  header["running"] = running;

  // Lay the columns out.
  json& columns = header["columns"] = json::object();
  std::size_t blob_size = 0;
  auto place = [&](const std::string& name, const char* type, std::size_t elem, std::size_t length) {
    columns[name] = {{"type", type}, {"offset", blob_size}, {"length", length}};
    std::size_t at = blob_size;
    blob_size = align8(blob_size + elem * length);
    return at;
  };
  std::size_t o_number = place("number", "i32", 4, n);
  std::size_t o_id = place("id", "f64", 8, n);
  std::size_t o_state = place("state", "u8", 1, n);
  std::size_t o_value = place("value", "f64", 8, n);
  std::size_t o_start = place("datetime_start", "f64", 8, n);
  std::size_t o_complete = place("datetime_complete", "f64", 8, n);
  std::vector<std::size_t> o_params;
  for (auto& name : param_names) o_params.push_back(place("param:" + name, "f64", 8, n));
  std::size_t o_iv_offset = place("iv_offset", "u32", 4, n + 1);
  std::size_t o_iv_step = place("iv_step", steps_fit ? "i32" : "f64", steps_fit ? 4 : 8, n_iv);
  std::size_t o_iv_value = place("iv_value", "f32", 4, n_iv);

  std::string h = json_text(header);
  std::size_t prefix = 8 + 4;
  h.append(align8(prefix + h.size()) - prefix - h.size(), ' ');
  std::string out;
  out.resize(prefix + h.size() + blob_size, '\0');
  std::memcpy(out.data(), "HPODCOL1", 8);
  std::uint32_t hl = static_cast<std::uint32_t>(h.size());
  std::memcpy(out.data() + 8, &hl, 4);
  std::memcpy(out.data() + prefix, h.data(), h.size());
  char* blob = out.data() + prefix + h.size();

  auto put = [&](std::size_t base, std::size_t i, auto v) { std::memcpy(blob + base + i * sizeof(v), &v, sizeof(v)); };
  std::uint32_t iv_at = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const FrozenTrial& t = *trials[i];
    put(o_number, i, static_cast<std::int32_t>(t.number));
    put(o_id, i, static_cast<double>(t.id));
    put(o_state, i, static_cast<std::uint8_t>(t.state));
    put(o_value, i, t.values.empty() ? kNaN : t.values[0]);
    put(o_start, i, unix_seconds(t.datetime_start));
    put(o_complete, i, unix_seconds(t.datetime_complete));
    for (std::size_t k = 0; k < param_names.size(); ++k) {
      const TrialParam* p = t.param(param_names[k]);
      put(o_params[k], i, p && dists[k] ? column_value(*dists[k], *p) : kNaN);
    }
    put(o_iv_offset, i, iv_at);
    for (auto& [step, v] : t.intermediate_values.entries()) {
      if (steps_fit) put(o_iv_step, iv_at, static_cast<std::int32_t>(step));
      else put(o_iv_step, iv_at, static_cast<double>(step));
      put(o_iv_value, iv_at, static_cast<float>(v));
      ++iv_at;
    }
  }
  put(o_iv_offset, n, iv_at);
  return out;
}

}  // namespace hpod
