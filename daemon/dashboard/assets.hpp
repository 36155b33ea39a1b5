// The dashboard's files, embedded into hpod at build time (cmake/embed_assets.cmake).
#pragma once

#include <cstddef>
#include <string>

namespace hpod::dashboard {

struct Asset {
  const char* path;          // "/index.html"
  const char* content_type;
  const unsigned char* data;
  std::size_t size;
};
extern const Asset kAssets[];
extern const std::size_t kAssetCount;

// The asset for a request path ("/" is the page itself); false when there is none.
bool find_asset(const std::string& path, std::string& content_type, std::string& body);

}  // namespace hpod::dashboard
