// A study as columns, for the dashboard's first load of a big study: one response of
// typed arrays the browser uses as they arrive (no JSON parse of a million numbers).
//
// Layout (little-endian):
//   "HPODCOL1"                     8 bytes
//   header length H                uint32
//   header                         H bytes of JSON, space-padded so the blob is 8-aligned
//   blob                           the columns, each at an 8-aligned offset
// The header: {"format": 1, "study": <summary>, "last_event_id", "n_trials", "states",
// "params": [{"name", "distribution"}], "columns": {name: {"type", "offset", "length"}},
// "running": {number: {system attributes of the job}}}. Columns: number i32, id f64 (the
// trial id), state u8
// (TrialState), value f64 (NaN: none), datetime_start/datetime_complete f64 (Unix
// seconds, NaN: none), "param:<name>" f64 (internal representation: the value, or the
// index of a categorical choice; NaN: absent), iv_offset u32 (n+1: trial i's reports are
// [iv_offset[i], iv_offset[i+1])), iv_step i32 (f64 if a step does not fit), iv_value f32.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/service/study_runtime.hpp"

namespace hpod {

std::string study_columns(const StudyRuntime& s, std::int64_t last_event_id);

}  // namespace hpod
