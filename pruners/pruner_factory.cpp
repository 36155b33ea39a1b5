// make_pruner: the study file's "pruner" block → a Pruner.
#include <nlohmann/json.hpp>

#include "core/json_check.hpp"
#include "hpod/pruner.hpp"
#include "pruners/nop_pruner.hpp"

namespace hpod {

Result<std::unique_ptr<Pruner>> make_pruner(const nlohmann::json& block, std::string_view json_path) {
  const std::string path(json_path);
  jc::Checker c;
  if (block.is_null()) return make_pruner(nlohmann::json{{"type", "median"}}, json_path);
  if (!c.expect_object(block, path)) return c.status();
  auto type = c.string(block, path, "type");
  if (!type) {
    if (c.ok()) c.error(path, "missing \"type\"");
    return c.status();
  }
  if (*type == "nop" || *type == "none") {
    c.known_keys(block, path, {"type"});
    if (!c.ok()) return c.status();
    return std::unique_ptr<Pruner>(new NopPruner());
  }
  std::vector<std::string> known{"median", "percentile", "successive_halving", "hyperband", "threshold", "patient", "nop"};
  c.error(jc::Checker::join(path, "type"), "unknown pruner \"" + *type + "\"" + jc::did_you_mean(*type, known));
  return c.status();
}

}  // namespace hpod
