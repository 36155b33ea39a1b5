// hpoctl's shared pieces: where hpod is, how to call it, how to print.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daemon/http/client.hpp"

namespace hpod::cli {

struct Context {
  std::string url;
  std::string token;
  std::optional<std::string> ca_file;
  bool color = false;  // stdout is a terminal
};

// Calls hpod; on an error answer prints it (error and detail) to stderr and returns nullopt.
std::optional<nlohmann::json> call(const Context& c, const std::string& method, const std::string& path,
                                   const std::string& body = "");
// The same for a response that is not JSON (the body as received).
std::optional<http::ClientResponse> call_raw(const Context& c, const std::string& method, const std::string& path,
                                             const std::string& body, double timeout_s);
std::string url_segment(const std::string& s);  // percent-encodes a study name for a path
// "0.0123", "NaN", "-", for table cells.
std::string format_value(const nlohmann::json& v);
std::string format_params(const nlohmann::json& params, std::size_t max_width = 0);

// Left-aligned columns separated by two spaces.
std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

int cmd_tail(const Context& c, const std::string& study);
int cmd_snapshot(const Context& c, const std::string& file);

}  // namespace hpod::cli
