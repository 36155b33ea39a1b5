#include "daemon/log.hpp"
#include "hpod/json_text.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace hpod::log {

namespace {
bool g_json = false;

void emit(spdlog::level::level_enum lvl, std::string_view msg) {
  if (!g_json) {
    spdlog::log(lvl, "{}", msg);
    return;
  }
  if (!spdlog::should_log(lvl)) return;
  // The pattern adds the time and level as JSON fields; the message is escaped here.
  std::string escaped = json_text(nlohmann::json(std::string(msg)));
  spdlog::log(lvl, "{}", escaped);
}
}  // namespace

void init(bool json, const std::string& level) {
  g_json = json;
  auto logger = spdlog::stderr_logger_mt("hpod");
  spdlog::set_default_logger(logger);
  if (json) spdlog::set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%f%z","level":"%l","msg":%v})");
  else spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::info);
}

void debug(std::string_view m) { emit(spdlog::level::debug, m); }
void info(std::string_view m) { emit(spdlog::level::info, m); }
void warn(std::string_view m) { emit(spdlog::level::warn, m); }
void error(std::string_view m) { emit(spdlog::level::err, m); }

}  // namespace hpod::log
