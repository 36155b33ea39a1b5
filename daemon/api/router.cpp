#include "daemon/api/router.hpp"

#include <optional>

namespace hpod::api {

namespace {
// Splits at the slashes that were sent as slashes, then decodes each segment: "%2F" in a
// study name stays inside its segment. nullopt for a malformed escape.
std::optional<std::vector<std::string>> split(const std::string& raw_path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < raw_path.size()) {
    while (i < raw_path.size() && raw_path[i] == '/') ++i;
    if (i >= raw_path.size()) break;
    auto j = raw_path.find('/', i);
    if (j == std::string::npos) j = raw_path.size();
    std::string segment;
    if (!http::percent_decode(std::string_view(raw_path).substr(i, j - i), segment)) return std::nullopt;
    out.push_back(std::move(segment));
    i = j;
  }
  return out;
}

bool matches(const Route& r, const std::vector<std::string>& segs, PathParams& params) {
  if (r.segments.size() != segs.size()) return false;
  PathParams p;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const std::string& want = r.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (segs[i].empty()) return false;
      p[want.substr(1, want.size() - 2)] = segs[i];
    } else if (want != segs[i]) {
      return false;
    }
  }
  params = std::move(p);
  return true;
}
}  // namespace

void Router::add(std::string method, const std::string& pattern, Access access,
                 std::function<void(http::Request&, const PathParams&, std::shared_ptr<http::Responder>)> handler) {
  routes_.push_back(Route{std::move(method), split(pattern).value(), access, std::move(handler)});
}

Router::Match Router::find(const std::string& method, const std::string& path, const Route*& route,
                           PathParams& params) const {
  auto segs = split(path);
  if (!segs) return Match::kNoPath;
  bool path_found = false;
  for (const Route& r : routes_) {
    PathParams p;
    if (!matches(r, *segs, p)) continue;
    path_found = true;
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      route = &r;
      params = std::move(p);
      return Match::kFound;
    }
  }
  return path_found ? Match::kNoMethod : Match::kNoPath;
}

std::vector<std::string> Router::methods_for(const std::string& path) const {
  auto segs = split(path);
  std::vector<std::string> out;
  if (!segs) return out;
  for (const Route& r : routes_) {
    PathParams p;
    if (matches(r, *segs, p)) out.push_back(r.method);
  }
  return out;
}

}  // namespace hpod::api
