#include "daemon/studies_dir.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace hpod {

namespace fs = std::filesystem;

std::string with_absolute_workdir(const std::string& text, const std::string& base_dir) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("trial") || !j["trial"].is_object()) return text;
  auto& t = j["trial"];
  std::string wd = t.contains("workdir") && t["workdir"].is_string() ? t["workdir"].get<std::string>() : ".";
  if (fs::path(wd).is_absolute()) return text;
  std::string abs = (fs::path(base_dir) / wd).lexically_normal().string();
  if (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  t["workdir"] = abs;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

StudiesDir::StudiesDir(std::string dir, Submit submit, std::function<void(const std::string&)> log_error)
    : dir_(std::move(dir)), submit_(std::move(submit)), log_error_(std::move(log_error)) {}

void StudiesDir::scan() {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return;
  for (auto& entry : fs::directory_iterator(dir_, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    std::string path = entry.path().string();
    auto mtime = entry.last_write_time(ec);
    if (ec) continue;
    auto it = seen_.find(path);
    if (it != seen_.end() && it->second == mtime) continue;
    seen_[path] = mtime;
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = with_absolute_workdir(ss.str(), fs::absolute(entry.path()).parent_path().string());
    auto spec = parse_study_spec(text, path);
    std::string error_file = path + ".error";
    if (!spec.ok()) {
      log_error_("refused " + path + ":\n" + spec.status().message());
      std::ofstream(error_file) << spec.status().message() << "\n";
      continue;
    }
    fs::remove(error_file, ec);
    submit_(std::move(spec).value(), path);
  }
}

}  // namespace hpod
