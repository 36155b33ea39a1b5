// CRC-32 as zlib computes it (reflected polynomial 0xEDB88320, initial and final XOR
// 0xFFFFFFFF): Hyperband assigns brackets by crc32 of "<study>_<number>"
// (optuna/pruners/_hyperband.py (4.9)).
#pragma once

#include <cstdint>
#include <string_view>

namespace hpod {

std::uint32_t crc32(std::string_view bytes);

}  // namespace hpod
