#include "hpod/shell_quote.hpp"

namespace hpod {

std::string shell_quote(std::string_view s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\"'\"'";
    } else {
      q += c;
    }
  }
  q += '\'';
  return q;
}

std::string shell_join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += shell_quote(w);
  }
  return out;
}

}  // namespace hpod
