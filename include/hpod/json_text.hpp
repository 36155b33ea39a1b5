// Compact JSON text for logs, attributes, files and responses. Strings that come from
// outside (a job's stderr, a Slurm message, a client's study name) may hold invalid UTF-8:
// those bytes become U+FFFD instead of making dump() throw.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace hpod {

inline std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace hpod
