// make_sampler: the study file's "sampler" block → a Sampler.
#include <nlohmann/json.hpp>

#include "core/json_check.hpp"
#include "hpod/sampler.hpp"
#include "samplers/random_sampler.hpp"

namespace hpod {

namespace {

std::optional<std::uint32_t> parse_seed(jc::Checker& c, const nlohmann::json& b, const std::string& path) {
  auto s = c.integer(b, path, "seed", false);
  if (!s) return std::nullopt;
  if (*s < 0 || *s > 0xFFFFFFFFLL) {
    c.error(jc::Checker::join(path, "seed"), "must be between 0 and 4294967295");
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(*s);
}

}  // namespace

Result<std::unique_ptr<Sampler>> make_sampler(const nlohmann::json& block, std::string_view json_path) {
  const std::string path(json_path);
  jc::Checker c;
  if (block.is_null()) return make_sampler(nlohmann::json{{"type", "tpe"}}, json_path);
  if (!c.expect_object(block, path)) return c.status();
  auto type = c.string(block, path, "type");
  if (!type) {
    if (c.ok()) c.error(path, "missing \"type\" (one of \"tpe\", \"gp\", \"random\")");
    return c.status();
  }
  if (*type == "random") {
    c.known_keys(block, path, {"type", "seed"});
    auto seed = parse_seed(c, block, path);
    if (!c.ok()) return c.status();
    return std::unique_ptr<Sampler>(new RandomSampler(seed));
  }
  std::vector<std::string> known{"tpe", "gp", "random"};
  c.error(jc::Checker::join(path, "type"),
          "unknown sampler \"" + *type + "\" (one of \"tpe\", \"gp\", \"random\")" + jc::did_you_mean(*type, known));
  return c.status();
}

}  // namespace hpod
