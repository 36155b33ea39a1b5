// The dashboard's columnar snapshot: the header describes the columns, and the columns
// hold each trial's number, state, value, parameters and reports.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "daemon/service/study_columns.hpp"

using namespace hpod;
using json = nlohmann::json;

namespace {

struct Decoded {
  json header;
  std::string bytes;
  std::size_t base = 0;
  template <typename T>
  std::vector<T> column(const std::string& name) const {
    const json& c = header["columns"][name];
    std::vector<T> out(c["length"].get<std::size_t>());
    std::memcpy(out.data(), bytes.data() + base + c["offset"].get<std::size_t>(), out.size() * sizeof(T));
    return out;
  }
};

Decoded decode(std::string bytes) {
  REQUIRE(bytes.substr(0, 8) == "HPODCOL1");
  std::uint32_t hl;
  std::memcpy(&hl, bytes.data() + 8, 4);
  Decoded d;
  d.header = json::parse(bytes.substr(12, hl));
  d.base = 12 + hl;
  CHECK(d.base % 8 == 0);
  d.bytes = std::move(bytes);
  return d;
}

}  // namespace

TEST_CASE("a study as columns") {
  StudyRuntime s(1, "cols", {StudyDirection::kMinimize});
  FloatDistribution x{-1, 1, false, std::nullopt};
  CategoricalDistribution opt{{std::string("adam"), std::string("sgd")}};
  CategoricalDistribution opt_reordered{{std::string("sgd"), std::string("adam")}};
  auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  {
    FrozenTrial t;
    t.id = 11;
    t.state = TrialState::kComplete;
    t.params["x"] = TrialParam{0.5, x};
    t.params["opt"] = TrialParam{1, opt};  // sgd
    t.intermediate_values.insert(0, 3.0);
    t.intermediate_values.insert(2, 2.5);
    t.values = {0.25};
    t.datetime_start = t0;
    t.datetime_complete = t0 + std::chrono::seconds(90);
    s.study.add_trial(std::move(t));
  }
  {
    FrozenTrial t;  // another trial's categorical lists the choices in another order
    t.id = 12;
    t.state = TrialState::kRunning;
    t.params["opt"] = TrialParam{1, opt_reordered};  // adam
    t.intermediate_values.insert(5, NAN);
    t.system_attrs["node"] = "\"gpu07\"";
    t.system_attrs["job_id"] = "\"4242\"";
    t.system_attrs["run_dir"] = "\"/runs/cols/1\"";
    t.datetime_start = t0;
    s.study.add_trial(std::move(t));
  }
  {
    FrozenTrial t;
    t.id = 13;
    t.state = TrialState::kWaiting;
    s.study.add_trial(std::move(t));
  }
  Decoded d = decode(study_columns(s, 77));
  CHECK(d.header["last_event_id"] == 77);
  CHECK(d.header["n_trials"] == 3);
  CHECK(d.header["study"]["name"] == "cols");
  REQUIRE(d.header["params"].size() == 2);
  CHECK(d.header["params"][0]["name"] == "opt");
  CHECK(d.header["params"][0]["distribution"]["attributes"]["choices"] == json({"adam", "sgd"}));
  CHECK(d.header["params"][1]["name"] == "x");
  CHECK(d.header["running"] == json({{"1", {{"node", "gpu07"}, {"job_id", "4242"}}}}));

  CHECK(d.column<std::int32_t>("number") == std::vector<std::int32_t>{0, 1, 2});
  CHECK(d.column<double>("id") == std::vector<double>{11, 12, 13});
  CHECK(d.column<std::uint8_t>("state") == std::vector<std::uint8_t>{1, 0, 4});
  auto value = d.column<double>("value");
  CHECK(value[0] == 0.25);
  CHECK(std::isnan(value[1]));
  auto start = d.column<double>("datetime_start"), complete = d.column<double>("datetime_complete");
  CHECK(start[0] == 1'700'000'000.0);
  CHECK(complete[0] == 1'700'000'090.0);
  CHECK(std::isnan(complete[1]));
  CHECK(std::isnan(start[2]));
  auto opt_col = d.column<double>("param:opt");
  CHECK(opt_col[0] == 1);  // sgd in the header's order
  CHECK(opt_col[1] == 0);  // adam, although its own distribution numbered it 1
  CHECK(std::isnan(opt_col[2]));
  auto x_col = d.column<double>("param:x");
  CHECK(x_col[0] == 0.5);
  CHECK(std::isnan(x_col[1]));
  CHECK(d.column<std::uint32_t>("iv_offset") == std::vector<std::uint32_t>{0, 2, 3, 3});
  CHECK(d.header["columns"]["iv_step"]["type"] == "i32");
  CHECK(d.column<std::int32_t>("iv_step") == std::vector<std::int32_t>{0, 2, 5});
  auto iv = d.column<float>("iv_value");
  CHECK(iv[0] == 3.0f);
  CHECK(iv[1] == 2.5f);
  CHECK(std::isnan(iv[2]));
}

TEST_CASE("steps beyond 32 bits are sent as doubles") {
  StudyRuntime s(1, "big-steps", {StudyDirection::kMaximize});
  FrozenTrial t;
  t.state = TrialState::kRunning;
  t.intermediate_values.insert(std::int64_t{1} << 40, 1.0);
  s.study.add_trial(std::move(t));
  Decoded d = decode(study_columns(s, 0));
  CHECK(d.header["columns"]["iv_step"]["type"] == "f64");
  CHECK(d.column<double>("iv_step") == std::vector<double>{std::ldexp(1.0, 40)});
}
