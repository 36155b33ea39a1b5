// Study files read from the studies directory (daemon/studies_dir.*).
#include <doctest/doctest.h>

#include "daemon/studies_dir.hpp"

using namespace hpod;

TEST_CASE("study files: a relative workdir becomes absolute against the file") {
  auto out = with_absolute_workdir(R"({"name": "s", "trial": {"command": ["x"], "workdir": "../run"}})", "/data/studies");
  CHECK(out.find("\"workdir\": \"/data/run\"") != std::string::npos);
  auto dflt = with_absolute_workdir(R"({"name": "s", "trial": {"command": ["x"]}})", "/data/studies");
  CHECK(dflt.find("\"workdir\": \"/data/studies\"") != std::string::npos);
  CHECK(with_absolute_workdir("{not json", "/x") == "{not json");
  std::string abs = R"({"trial": {"workdir": "/abs"}})";
  CHECK(with_absolute_workdir(abs, "/x") == abs);
}
