// Logging: spdlog, as human-readable lines or as JSON lines (one object per line with
// time, level and msg) for log collectors.
#pragma once

#include <string>
#include <string_view>

namespace hpod::log {

void init(bool json, const std::string& level);
void debug(std::string_view msg);
void info(std::string_view msg);
void warn(std::string_view msg);
void error(std::string_view msg);

}  // namespace hpod::log
