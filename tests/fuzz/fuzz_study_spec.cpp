// libFuzzer target: the study-definition parser must turn any bytes into a StudySpec or
// an InvalidArgument, never crash, and accept its own canonical form again.
#include <cstddef>
#include <cstdint>
#include <string>

#include "hpod/study.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto r = hpod::parse_study_spec(text, "fuzz.json");
  if (r.ok()) {
    auto again = hpod::parse_study_spec(r->canonical_json, "canonical");
    if (!again.ok() || again->canonical_json != r->canonical_json) __builtin_trap();
  } else if (r.status().code() != hpod::Status::Code::kInvalidArgument) {
    __builtin_trap();
  }
  return 0;
}
