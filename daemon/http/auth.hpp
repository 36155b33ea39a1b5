// Tokens: SHA-256 hashes (only hashes are stored), constant-time comparison, and new
// tokens from the OS's CSPRNG.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpod::auth {

std::string sha256_hex(std::string_view data);
// 256 random bits from the OS, as 64 hex characters.
std::string random_token();
// Compares without an early exit (the length of the strings is not secret: both are
// SHA-256 hex digests where it matters).
bool constant_time_equal(std::string_view a, std::string_view b);
// The token of an "Authorization: Bearer <token>" header.
std::optional<std::string> bearer_token(std::string_view authorization_header);
// Every value of a cookie in a Cookie header ("a=1; hpod_session=xyz"), in the order
// sent. Browsers send one name several times when cookies with other paths (or set by
// another port of the same host) share it: any of them may be the real one.
std::vector<std::string> cookie_values(std::string_view cookie_header, std::string_view name);
// The first of them.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace hpod::auth
