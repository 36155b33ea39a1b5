// Python's float text in JSON (include/hpod/json_float.hpp).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "hpod/json_float.hpp"

using namespace hpod;

TEST_CASE("json_float: the non-finite tokens, both ways") {
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(non_finite_token(std::nan("")) == "NaN");
  CHECK(non_finite_token(inf) == "Infinity");
  CHECK(non_finite_token(-inf) == "-Infinity");
  CHECK_FALSE(non_finite_token(0.5).has_value());
  CHECK(std::isnan(*parse_non_finite_token("NaN")));
  CHECK(*parse_non_finite_token("Infinity") == inf);
  CHECK(*parse_non_finite_token("-Infinity") == -inf);
  CHECK_FALSE(parse_non_finite_token("nan").has_value());  // Python's reader is case-sensitive
  CHECK_FALSE(parse_non_finite_token(" NaN").has_value());
  CHECK_FALSE(parse_non_finite_token("1.5").has_value());
}

TEST_CASE("json_float: json.dumps of a float and back") {
  CHECK(python_json_float(10.0) == "10.0");
  CHECK(python_json_float(1e-05) == "1e-05");
  CHECK(python_json_float(-std::numeric_limits<double>::infinity()) == "-Infinity");
  CHECK(python_json_float(std::nan("")) == "NaN");
  CHECK(*parse_python_json_float(" 2.5\n") == 2.5);
  CHECK(*parse_python_json_float("Infinity") == std::numeric_limits<double>::infinity());
  CHECK_FALSE(parse_python_json_float("").has_value());
  CHECK_FALSE(parse_python_json_float("2.5x").has_value());
}
