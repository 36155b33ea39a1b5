#include "daemon/cli/cli.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace hpod::cli {

using json = nlohmann::json;

std::optional<http::ClientResponse> call_raw(const Context& c, const std::string& method, const std::string& path,
                                             const std::string& body, double timeout_s) {
  http::Client client({c.url, c.token, timeout_s, c.ca_file});
  auto r = client.request(method, path, body);
  if (!r.ok()) {
    std::cerr << "hpoctl: " << r.status().message() << " (is hpod running at " << c.url << "?)\n";
    return std::nullopt;
  }
  if (r->status >= 400) {
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_discarded() && j.is_object())
      std::cerr << "hpoctl: " << r->status << " " << j.value("error", "") << ": " << j.value("detail", "") << "\n";
    else
      std::cerr << "hpoctl: HTTP " << r->status << "\n";
    return std::nullopt;
  }
  return std::move(r).value();
}

std::optional<json> call(const Context& c, const std::string& method, const std::string& path, const std::string& body) {
  auto r = call_raw(c, method, path, body, 30);
  if (!r) return std::nullopt;
  json j = json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return json(r->body);
  return j;
}

std::string url_segment(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.') out += static_cast<char>(ch);
    else {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", ch);
      out += b;
    }
  }
  return out;
}

std::string format_value(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", v.get<double>());
    return b;
  }
  return v.dump();
}

std::string format_params(const json& params, std::size_t max_width) {
  std::string out;
  for (auto& [k, v] : params.items()) {
    if (!out.empty()) out += " ";
    out += k + "=" + format_value(v);
  }
  if (max_width && out.size() > max_width) out = out.substr(0, max_width - 3) + "...";
  return out;
}

std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> w(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) w[i] = header[i].size();
  for (auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  std::ostringstream o;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      l += cells[i];
      if (i + 1 < cells.size()) l += std::string(w[i] - cells[i].size() + 2, ' ');
    }
    o << l << "\n";
  };
  line(header);
  for (auto& r : rows) line(r);
  return o.str();
}

}  // namespace hpod::cli
