#include <doctest/doctest.h>

#include <cmath>

#include "hpod/distributions.hpp"
#include "test_vectors.hpp"

using namespace hpod;
using hpod::testing::vectors;

namespace {

Distribution parse(const std::string& s) {
  auto r = distribution_from_json(s);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return *r;
}

}  // namespace

TEST_CASE("distribution JSON is written byte-identical to Optuna's") {
  for (auto& item : vectors()["distributions"]["serialization"].items()) {
    const std::string name = item.key();
    const auto& c = item.value();
    CAPTURE(name);
    std::string expected = c["json"].get<std::string>();
    Distribution d = parse(expected);
    CHECK(distribution_to_json(d) == expected);
    CHECK(single(d) == c["single"].get<bool>());
  }
}

TEST_CASE("legacy and abbreviated distribution JSON is read as Optuna reads it") {
  for (auto& item : vectors()["distributions"]["legacy_and_abbreviated_json_accepted_by_reader"].items()) {
    const std::string name = item.key();
    const auto& c = item.value();
    CAPTURE(name);
    Distribution d = parse(c["input_json"].get<std::string>());
    // Re-serialized in the current class form.
    auto want = parse(c["reserialized_json"].get<std::string>());
    CHECK(distribution_to_json(d) == distribution_to_json(want));
  }
  // An abbreviated float reserializes in full form.
  auto d = parse(R"({"type": "float", "low": 0.001, "high": 1.0, "log": true})");
  CHECK(distribution_to_json(d) ==
        R"({"name": "FloatDistribution", "attributes": {"step": null, "low": 0.001, "high": 1.0, "log": true}})");
}

TEST_CASE("contains() and to_external() follow the vectors") {
  auto& ser = vectors()["distributions"]["serialization"];
  for (auto& c : vectors()["distributions"]["contains"]) {
    Distribution d = parse(ser[c["dist"].get<std::string>()]["json"].get<std::string>());
    CAPTURE(c.dump());
    CHECK(contains(d, c["internal_value"].get<double>()) == c["contains"].get<bool>());
  }
  for (auto& c : vectors()["distributions"]["to_external_repr"]) {
    Distribution d = parse(ser[c["dist"].get<std::string>()]["json"].get<std::string>());
    CAPTURE(c.dump());
    ParamValue v = to_external(d, c["internal"].get<double>());
    CHECK(param_value_json(v) == c["external"].dump());
  }
}

TEST_CASE("float step adjustment uses decimal arithmetic") {
  bool adjusted = false;
  auto a = make_float_distribution(0.0, 1.0, false, 0.3, &adjusted);
  REQUIRE(a.ok());
  CHECK(adjusted);
  CHECK(a->high == 0.9);
  auto b = make_float_distribution(0.1, 1.0, false, 0.2, &adjusted);
  REQUIRE(b.ok());
  CHECK(b->high == 0.9);  // binary floating point gives 0.9000000000000001
  auto c = make_float_distribution(0.0, 1.0, false, 0.25, &adjusted);
  CHECK_FALSE(adjusted);
  CHECK(c->high == 1.0);
  auto d = make_float_distribution(0.0, 0.5, false, 0.05, &adjusted);
  CHECK_FALSE(adjusted);  // 0.5 is a multiple of 0.05 in decimal, not in binary
  CHECK(d->high == 0.5);
  auto e = make_float_distribution(-1.5, 2.0, false, 1.0, &adjusted);
  CHECK(adjusted);
  CHECK(e->high == 1.5);
  CHECK(decimal::range_less_than_step(0.0, 0.29999, 0.3));
  CHECK_FALSE(decimal::range_less_than_step(0.0, 0.3, 0.3));
}

TEST_CASE("int step adjustment") {
  CHECK(make_int_distribution(-5, 6, false, 4)->high == 3);
  CHECK(make_int_distribution(0, 10, false, 3)->high == 9);
  CHECK(make_int_distribution(0, 10, false, 2)->high == 10);
}

TEST_CASE("validation follows Optuna's rules and order") {
  CHECK(make_float_distribution(0.1, 1.0, true, 0.1).status().message() == "\"step\" is not supported when \"log\" is true");
  CHECK_FALSE(make_float_distribution(2.0, 1.0, false, std::nullopt).ok());
  CHECK(make_float_distribution(1.0, 1.0, false, std::nullopt).ok());
  CHECK(make_float_distribution(0.0, 1.0, true, std::nullopt).status().message() == "\"low\" must be > 0 when \"log\" is true");
  CHECK(make_float_distribution(0.0, 1.0, false, 0.0).status().message() == "\"step\" must be > 0");
  CHECK(make_int_distribution(1, 10, true, 2).status().message() == "\"step\" must be 1 when \"log\" is true");
  CHECK(make_int_distribution(0, 10, true, 1).status().message() == "\"low\" must be >= 1 when \"log\" is true");
  CHECK(make_int_distribution(0, 10, false, 0).status().message() == "\"step\" must be > 0");
  CHECK(make_categorical_distribution({}).status().message() == "\"choices\" must not be empty");
}

TEST_CASE("single distributions") {
  CHECK(single(*make_float_distribution(1.0, 1.0, false, std::nullopt)));
  CHECK(single(*make_float_distribution(0.0, 0.2, false, 0.3)));
  CHECK_FALSE(single(*make_float_distribution(0.0, 0.3, false, 0.3)));
  CHECK(single(*make_int_distribution(0, 2, false, 3)));
  CHECK(single(*make_int_distribution(5, 5, true, 1)));
  CHECK(single(CategoricalDistribution{{std::string("only")}}));
  CHECK(single_value(*make_int_distribution(7, 8, false, 5)) == 7.0);
}

TEST_CASE("python float repr") {
  CHECK(python_float_repr(10.0) == "10.0");
  CHECK(python_float_repr(1e-05) == "1e-05");
  CHECK(python_float_repr(0.0001) == "0.0001");
  CHECK(python_float_repr(0.001) == "0.001");
  CHECK(python_float_repr(1e16) == "1e+16");
  CHECK(python_float_repr(1e15) == "1000000000000000.0");
  CHECK(python_float_repr(-2.5) == "-2.5");
  CHECK(python_float_repr(1.5e-07) == "1.5e-07");
  CHECK(python_float_repr(123456789.125) == "123456789.125");
  CHECK(python_float_repr(0.1 + 0.2) == "0.30000000000000004");
  CHECK(python_float_repr(1e300) == "1e+300");
  CHECK(python_float_repr(0.0) == "0.0");
  CHECK(python_float_repr(-0.0) == "-0.0");
}

TEST_CASE("categorical values use Python equality") {
  CategoricalDistribution c{{std::string("a"), true, std::int64_t{1}, 1.5, std::monostate{}, NAN}};
  CHECK(*to_internal(c, ParamValue{std::int64_t{1}}) == 1.0);  // True == 1: the first wins
  CHECK(*to_internal(c, ParamValue{1.5}) == 3.0);
  CHECK(*to_internal(c, ParamValue{std::monostate{}}) == 4.0);
  CHECK(*to_internal(c, ParamValue{NAN}) == 5.0);
  CHECK_FALSE(to_internal(c, ParamValue{std::string("b")}).ok());
  CHECK(distribution_to_json(c) ==
        R"({"name": "CategoricalDistribution", "attributes": {"choices": ["a", true, 1, 1.5, null, NaN]}})");
  CategoricalDistribution u{{std::string("\xc3\xa9t\xc3\xa9")}};
  CHECK(distribution_to_json(u) == R"({"name": "CategoricalDistribution", "attributes": {"choices": ["\u00e9t\u00e9"]}})");
}

TEST_CASE("compatibility between trials of a study") {
  auto f1 = Distribution{*make_float_distribution(0, 1, false, std::nullopt)};
  auto f2 = Distribution{*make_float_distribution(-3, 5, false, std::nullopt)};
  auto flog = Distribution{*make_float_distribution(0.1, 1, true, std::nullopt)};
  auto i1 = Distribution{*make_int_distribution(0, 1, false, 1)};
  CHECK(compatible(f1, f2));
  CHECK_FALSE(compatible(f1, flog));
  CHECK_FALSE(compatible(f1, i1));
  CHECK_FALSE(compatible(Distribution{CategoricalDistribution{{std::string("a")}}},
                         Distribution{CategoricalDistribution{{std::string("b")}}}));
}

TEST_CASE("bad distribution JSON is refused with a reason") {
  CHECK_FALSE(distribution_from_json("{").ok());
  CHECK(distribution_from_json(R"({"name": "Nope", "attributes": {}})").status().message() ==
        "unknown distribution class \"Nope\"");
  CHECK(distribution_from_json(R"({"type": "float", "low": "a", "high": 1})").status().message() ==
        "\"low\" must be a number");
}
