#include "daemon/dashboard/assets.hpp"

namespace hpod::dashboard {

bool find_asset(const std::string& path, std::string& content_type, std::string& body) {
  const std::string want = path == "/" ? "/index.html" : path;
  for (std::size_t i = 0; i < kAssetCount; ++i) {
    if (want != kAssets[i].path) continue;
    content_type = kAssets[i].content_type;
    body.assign(reinterpret_cast<const char*>(kAssets[i].data), kAssets[i].size);
    return true;
  }
  return false;
}

}  // namespace hpod::dashboard
