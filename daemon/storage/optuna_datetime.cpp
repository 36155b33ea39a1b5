// Optuna's datetime text (docs/architecture.md "Stored encodings"): naive local time, always six
// fraction digits when written. Parsing is lenient about what other writers (SQLAlchemy, sqlite3)
// produce, and reads a short fraction as a fraction (".5" is 500 ms), unlike SQLAlchemy 1.4.
#include <cstdio>
#include <ctime>

#include "hpod/storage.hpp"

namespace hpod {

std::string format_optuna_datetime(Timestamp t) {
  using namespace std::chrono;
  auto us = duration_cast<microseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
  long frac = static_cast<long>(us % 1'000'000);
  if (frac < 0) {
    frac += 1'000'000;
    secs -= 1;
  }
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06ld", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

std::optional<Timestamp> parse_optuna_datetime(std::string_view s) {
  int Y, M, D, h, m, sec;
  if (s.size() < 19) return std::nullopt;
  std::string head(s.substr(0, 19));
  char sep;
  if (std::sscanf(head.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &Y, &M, &D, &sep, &h, &m, &sec) != 7) return std::nullopt;
  if (sep != ' ' && sep != 'T') return std::nullopt;
  long micros = 0;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    long scale = 100000;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      micros += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
  }
  // A trailing UTC offset is ignored, as SQLAlchemy does: the text is local time.
  std::tm tm{};
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
  tm.tm_isdst = -1;
  std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1) && !(Y == 1969 && M == 12 && D == 31)) return std::nullopt;
  return Timestamp{} + std::chrono::seconds(t) + std::chrono::microseconds(micros);
}

}  // namespace hpod
