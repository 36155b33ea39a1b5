// Method + path pattern → handler. Patterns are literal segments and {name} captures:
// "/api/v1/studies/{name}/trials".
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/http/http_types.hpp"

namespace hpod::api {

using PathParams = std::map<std::string, std::string>;

enum class Access { kPublic, kAdmin, kTrial };  // kTrial: admin or the trial of {id}

struct Route {
  std::string method;
  std::vector<std::string> segments;  // "{x}" captures
  Access access;
  std::function<void(http::Request&, const PathParams&, std::shared_ptr<http::Responder>)> handler;
};

class Router {
 public:
  void add(std::string method, const std::string& pattern, Access access,
           std::function<void(http::Request&, const PathParams&, std::shared_ptr<http::Responder>)> handler);

  enum class Match { kFound, kNoPath, kNoMethod };
  // The route for (method, path); kNoMethod when the path exists with other methods.
  // `path` is the path as sent (percent-encoded): captures are decoded segments.
  Match find(const std::string& method, const std::string& path, const Route*& route, PathParams& params) const;
  std::vector<std::string> methods_for(const std::string& path) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace hpod::api
