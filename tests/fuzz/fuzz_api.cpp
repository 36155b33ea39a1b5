// libFuzzer target: the request router and handlers, in two input forms.
//
// Structured (the input starts with byte 0x01): the bytes choose a sequence of requests,
// each to one of the API's endpoints with a body built from that endpoint's own schema,
// where every field, at every level, is either valid, missing, or valid JSON of another
// type: null, booleans, integers past 2^63, floats, strings, empty and huge arrays, and
// arrays or objects nested up to 70,000 deep. Bodies are built as text, so the fuzzer
// itself never recurses through a deep value.
//
// Text (anything else): a sequence of requests separated by "\n===\n"; each is
// "METHOD TARGET [token]\n<body>". The token word may be "admin", "trial" (the last asked
// trial's token) or anything else. The seed corpus and older regressions use this form.
//
// Requests go to a real StudyService over a real SQLite file, so sequences (submit, ask,
// report, tell) reach deep states. Every request must be answered exactly once with a
// known status (never 500) and a JSON body.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/api_world.hpp"

namespace {

using namespace hpod;

const std::string kAdmin = "fuzz-admin-token";

struct World : testing::ApiWorld {
  World() : testing::ApiWorld("fuzz", options()) {}
  static api::ApiOptions options() {
    api::ApiOptions ao;
    ao.admin_token_sha256 = {auth::sha256_hex(kAdmin)};
    return ao;
  }
  std::string last_trial_token;
  std::int64_t last_trial_id = 1;
};

World& world() {
  static World w;
  return w;
}

void send(World& w, http::Request r, const std::string& who) {
  if (who == "admin") r.authorization = "Bearer " + kAdmin;
  else if (who == "trial") r.authorization = "Bearer " + w.last_trial_token;
  else if (!who.empty()) r.authorization = "Bearer " + who;
  if (!http::parse_target(r.target, r.path, r.query)) return;
  auto out = std::make_shared<testing::CapturedResponse>();
  w.api->handle(std::move(r), out);
  w.settle();
  if (out->responses != 1) __builtin_trap();
  if (out->streaming) return;
  static const int known[] = {200, 201, 400, 401, 403, 404, 405, 409, 413, 415, 500, 503};
  bool ok = false;
  for (int k : known) ok |= out->status == k;
  if (!ok || out->status == 500) __builtin_trap();
  auto j = nlohmann::json::parse(out->body, nullptr, false);
  // JSON, except /metrics (Prometheus text) and a study's columns (the dashboard's binary).
  if (j.is_discarded() && out->body.rfind("# HELP", 0) != 0 && out->body.rfind("HPODCOL1", 0) != 0) __builtin_trap();
  if (!j.is_discarded() && j.is_object() && j.contains("token") && j["token"].is_string())
    w.last_trial_token = j["token"].get<std::string>();
  if (!j.is_discarded() && j.is_object() && j.contains("trial_id") && j["trial_id"].is_number_integer())
    w.last_trial_id = j["trial_id"].get<std::int64_t>();
}

void one_text(World& w, std::string_view req) {
  auto nl = req.find('\n');
  std::string head(req.substr(0, nl));
  std::string body = nl == std::string_view::npos ? "" : std::string(req.substr(nl + 1));
  auto sp1 = head.find(' ');
  if (sp1 == std::string::npos) return;
  auto sp2 = head.find(' ', sp1 + 1);
  http::Request r;
  r.method = head.substr(0, sp1);
  r.target = head.substr(sp1 + 1, sp2 == std::string::npos ? std::string::npos : sp2 - sp1 - 1);
  std::string who = sp2 == std::string::npos ? "" : head.substr(sp2 + 1);
  r.body = body;
  send(w, std::move(r), who);
}

// --- the structured form ------------------------------------------------------------

// The fuzzer's bytes, consumed front to back; zeros once they run out.
class Bytes {
 public:
  Bytes(const std::uint8_t* p, std::size_t n) : p_(p), n_(n) {}
  bool empty() const { return i_ >= n_; }
  std::uint8_t u8() { return i_ < n_ ? p_[i_++] : 0; }
  std::uint32_t u16() { return static_cast<std::uint32_t>(u8()) << 8 | u8(); }
  std::uint32_t below(std::uint32_t n) { return n <= 256 ? u8() % n : u16() % n; }
  // A short string of the input's bytes (any bytes: invalid UTF-8 too).
  std::string text(std::size_t max) {
    std::size_t len = below(static_cast<std::uint32_t>(max + 1));
    std::string s;
    for (std::size_t k = 0; k < len && !empty(); ++k) s += static_cast<char>(u8());
    return s;
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_, i_ = 0;
};

using Gen = std::function<std::string(Bytes&)>;
struct Field {
  std::string key;
  Gen good;
};

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// Valid JSON that is (almost always) of the wrong type for any field.
std::string wrong_value(Bytes& in) {
  switch (in.below(16)) {
    case 0: return "null";
    case 1: return "true";
    case 2: return "false";
    case 3: return std::to_string(static_cast<int>(in.u16()) - 1000);
    case 4: return "18446744073709551615";  // past INT64_MAX: an unsigned in nlohmann
    case 5: return "9223372036854775808";
    case 6: return "-9223372036854775808";
    case 7: return in.below(2) ? "1e308" : "-0.0";
    case 8: return in.below(2) ? "4294967296" : "2147483648";
    case 9: return quoted(in.text(24));
    case 10: return in.below(2) ? "[]" : "{}";
    case 11: {  // deep nesting, up to 70,000 levels, of arrays or objects
      std::size_t depth = 1 + in.u16() % 70000;
      bool obj = in.below(2);
      std::string s;
      s.reserve(depth * 6);
      for (std::size_t k = 0; k < depth; ++k) s += obj ? "{\"a\":" : "[";
      s += "1";
      for (std::size_t k = 0; k < depth; ++k) s += obj ? "}" : "]";
      return s;
    }
    case 12: {  // a huge array
      std::size_t n = 1 + in.u16() * 2u;
      std::string s = "[";
      for (std::size_t k = 0; k < n; ++k) s += k ? ",0" : "0";
      return s + "]";
    }
    case 13: return quoted(std::string(1 + in.u16() * 4u, 'x'));  // a big string
    case 14: return "[" + wrong_value(in) + "," + wrong_value(in) + "]";
    default: return "{" + quoted(in.text(8)) + ":" + wrong_value(in) + "}";
  }
}

// Mostly the field's valid value, sometimes anything else.
std::string value(Bytes& in, const Gen& good) { return in.below(4) == 0 ? wrong_value(in) : good(in); }

// An object of `fields`, each present or not, plus now and then a key nobody expects.
std::string object(Bytes& in, const std::vector<Field>& fields) {
  std::string s = "{";
  auto add = [&](const std::string& k, const std::string& v) {
    s += (s.size() > 1 ? "," : "") + quoted(k) + ":" + v;
  };
  for (const Field& f : fields)
    if (in.below(8) != 0) add(f.key, value(in, f.good));
  if (in.below(16) == 0) add(in.text(8), wrong_value(in));
  return s + "}";
}

Gen obj(std::vector<Field> fields) {
  return [fields](Bytes& in) { return object(in, fields); };
}
Gen one_of(std::vector<std::string> choices) {
  return [choices](Bytes& in) { return choices[in.below(static_cast<std::uint32_t>(choices.size()))]; };
}
Gen lit(std::string s) {
  return [s](Bytes&) { return s; };
}
Gen num(int lo, int hi) {
  return [lo, hi](Bytes& in) { return std::to_string(lo + static_cast<int>(in.below(static_cast<std::uint32_t>(hi - lo + 1)))); };
}
Gen any_value() {
  return [](Bytes& in) { return in.below(2) ? num(-5, 5)(in) : wrong_value(in); };
}
// A free-form object (user_attrs, env, params): keys from the input.
Gen free_object(Gen each) {
  return [each](Bytes& in) {
    std::string s = "{";
    std::size_t n = in.below(4);
    for (std::size_t k = 0; k < n; ++k) s += (k ? "," : "") + quoted(in.text(6)) + ":" + each(in);
    return s + "}";
  };
}
Gen list_of(Gen each) {
  return [each](Bytes& in) {
    std::string s = "[";
    std::size_t n = in.below(4);
    for (std::size_t k = 0; k < n; ++k) s += (k ? "," : "") + value(in, each);
    return s + "]";
  };
}

Gen study_definition() {
  Gen dist = obj({{"type", one_of({"\"float\"", "\"int\"", "\"categorical\""})}, {"low", num(-3, 1)}, {"high", num(1, 9)},
                  {"log", one_of({"true", "false"})}, {"step", num(1, 2)}, {"choices", list_of(num(0, 3))}});
  Gen space = [dist](Bytes& in) {
    std::string s = "{\"x\":" + value(in, dist);
    if (in.below(2)) s += ",\"k\":{\"type\":\"categorical\",\"choices\":[" + value(in, lit("\"a\"")) + "]}";
    return s + "}";
  };
  Gen sampler = obj({{"type", one_of({"\"random\"", "\"tpe\"", "\"gp\"", "\"grid\""})}, {"seed", num(0, 9)},
                     {"n_startup_trials", num(0, 5)}, {"multivariate", one_of({"true", "false"})},
                     {"prior_weight", num(0, 2)}, {"independent_sampler", obj({{"type", lit("\"random\"")}})}});
  Gen pruner = obj({{"type", one_of({"\"nop\"", "\"median\"", "\"percentile\"", "\"hyperband\"", "\"successive_halving\"",
                                    "\"threshold\"", "\"patient\"", "\"wilcoxon\""})},
                    {"n_startup_trials", num(0, 3)}, {"n_warmup_steps", num(0, 3)}, {"percentile", num(0, 100)},
                    {"min_resource", num(1, 3)}, {"max_resource", num(1, 9)}, {"reduction_factor", num(2, 4)},
                    {"lower", num(-1, 0)}, {"upper", num(0, 1)}, {"patience", num(0, 2)},
                    {"wrapped_pruner", obj({{"type", lit("\"nop\"")}})}});
  Gen budget = obj({{"n_trials", num(1, 50)}, {"max_parallel", num(1, 4)}, {"timeout_s", num(1, 100)}});
  Gen trial = obj({{"command", one_of({"[\"/bin/true\",\"{x}\"]", "\"echo {x}\"", "[]"})}, {"workdir", lit("\"/tmp\"")},
                   {"env", free_object(lit("\"v\""))}, {"prune_grace_s", one_of({"0", "5", "1e10"})},
                   {"heartbeat_timeout_s", num(0, 60)}, {"max_retries", num(0, 3)},
                   {"final_value", one_of({"\"tell\"", "\"last_report\""})}});
  Gen executor = obj({{"type", one_of({"\"local\"", "\"slurm\""})}, {"gpus", list_of(num(0, 3))}, {"partition", lit("\"p\"")},
                      {"time", lit("\"1:00\"")}, {"cpus_per_task", num(1, 4)}, {"extra_args", list_of(lit("\"--exclusive\""))}});
  Gen name = one_of({"\"fz\"", "\"fz2\"", "\"fz-trial\""});
  return obj({{"name", name}, {"direction", one_of({"\"minimize\"", "\"maximize\""})}, {"directions", list_of(lit("\"minimize\""))},
              {"search_space", space}, {"sampler", sampler}, {"pruner", pruner}, {"budget", budget}, {"trial", trial},
              {"executor", executor}, {"user_attrs", free_object(any_value())}});
}

struct Endpoint {
  const char* method;
  const char* path;  // {name}, {id} and {number} are filled in from the input
  Gen body;          // empty: no body
  std::vector<std::pair<const char*, Gen>> query;
};

const std::vector<Endpoint>& endpoints() {
  static const std::vector<Endpoint> all = [] {
    Gen number_value = one_of({"0.5", "-1", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "1e308"});
    Gen attrs = free_object(any_value());
    std::vector<Endpoint> e;
    e.push_back({"POST", "/api/v1/studies", study_definition(), {}});
    e.push_back({"GET", "/api/v1/studies", nullptr, {}});
    e.push_back({"GET", "/api/v1/studies/{name}", nullptr, {}});
    e.push_back({"POST", "/api/v1/studies/{name}/pause", nullptr, {}});
    e.push_back({"POST", "/api/v1/studies/{name}/resume", nullptr, {}});
    e.push_back({"POST", "/api/v1/studies/{name}/stop", nullptr, {}});
    e.push_back({"GET", "/api/v1/studies/{name}/trials", nullptr,
                 {{"state", one_of({"RUNNING", "complete", "x"})}, {"offset", num(0, 3)}, {"limit", num(0, 3)},
                  {"include", lit("intermediate")}}});
    e.push_back({"GET", "/api/v1/studies/{name}/trials/{number}", nullptr, {}});
    e.push_back({"GET", "/api/v1/studies/{name}/events", nullptr, {{"after", num(0, 9)}, {"tail", num(0, 9)}}});
    e.push_back({"POST", "/api/v1/studies/{name}/ask", nullptr, {}});
    e.push_back({"POST", "/api/v1/studies/{name}/enqueue", obj({{"params", free_object(any_value())}, {"user_attrs", attrs}}), {}});
    e.push_back({"POST", "/api/v1/trials/{id}/report", obj({{"step", num(0, 9)}, {"value", number_value}}), {}});
    e.push_back({"POST", "/api/v1/trials/{id}/tell",
                 obj({{"state", one_of({"\"complete\"", "\"fail\"", "\"pruned\""})}, {"value", number_value},
                      {"reason", lit("\"r\"")}, {"user_attrs", attrs}}),
                 {}});
    e.push_back({"POST", "/api/v1/trials/{id}/heartbeat", obj({}), {}});
    e.push_back({"GET", "/api/v1/trials/{id}", nullptr, {}});
    e.push_back({"DELETE", "/api/v1/trials/{id}", nullptr, {{"reason", lit("fz")}}});
    e.push_back({"GET", "/api/v1/studies/{name}/columns", nullptr, {}});
    e.push_back({"GET", "/api/v1/studies/{name}/importance", nullptr, {}});
    e.push_back({"GET", "/api/v1/studies/{name}/trials/{number}/log", nullptr,
                 {{"stream", one_of({"stdout", "stderr", "x"})}, {"bytes", one_of({"1", "0", "99999999999"})}}});
    e.push_back({"GET", "/healthz", nullptr, {}});
    e.push_back({"GET", "/metrics", nullptr, {}});
    e.push_back({"GET", "/api/v1/session", nullptr, {}});
    e.push_back({"POST", "/api/v1/session", obj({{"token", one_of({"\"fuzz-admin-token\"", "\"nope\""})}}), {}});
    e.push_back({"DELETE", "/api/v1/session", nullptr, {}});
    return e;
  }();
  return all;
}

std::string path_value(Bytes& in, World& w, const std::string& param) {
  if (param == "name") {
    static const char* names[] = {"fz", "fz2", "fz-trial", "nope", "%2e%2e", ""};
    return names[in.below(6)];
  }
  switch (in.below(6)) {  // {id} and {number}
    case 0: return std::to_string(w.last_trial_id);
    case 1: return std::to_string(in.below(8));
    case 2: return std::to_string(4294967296ull + in.below(8));  // past int: never trial 0..7
    case 3: return "9223372036854775807";
    case 4: return "99999999999999999999";
    default: return param == "id" ? std::to_string(w.last_trial_id) : "0";
  }
}

void one_structured(World& w, Bytes& in) {
  const auto& all = endpoints();
  const Endpoint& e = all[in.below(static_cast<std::uint32_t>(all.size()))];
  http::Request r;
  r.method = e.method;
  std::string path = e.path;
  for (const char* param : {"name", "id", "number"}) {
    std::string tag = std::string("{") + param + "}";
    auto at = path.find(tag);
    if (at != std::string::npos) path.replace(at, tag.size(), path_value(in, w, param));
  }
  std::string query;
  for (auto& [k, gen] : e.query)
    if (in.below(2)) query += (query.empty() ? "?" : "&") + std::string(k) + "=" + gen(in);
  r.target = path + query;
  if (e.body) {
    // Now and then the whole body is of another type (or nested deep itself).
    r.body = in.below(16) == 0 ? wrong_value(in) : e.body(in);
  }
  static const char* who[] = {"admin", "admin", "trial", "", "bogus"};
  send(w, std::move(r), who[in.below(5)]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World& w = world();
  if (size > 0 && data[0] == 0x01) {
    Bytes in(data + 1, size - 1);
    for (int n = 0; n < 12 && !in.empty(); ++n) one_structured(w, in);
    return 0;
  }
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string_view sep = "\n===\n";
  int n = 0;
  while (!in.empty() && n++ < 16) {
    auto p = in.find(sep);
    one_text(w, in.substr(0, p));
    if (p == std::string_view::npos) break;
    in.remove_prefix(p + sep.size());
  }
  return 0;
}
