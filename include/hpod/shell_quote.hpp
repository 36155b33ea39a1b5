// POSIX shell quoting: the one way hpod turns a value into shell text, for `shell`
// trial commands and for generated batch scripts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hpod {

// `s` as one shell word that means exactly `s` to /bin/sh, in single quotes
// ('it'"'"'s'), whatever it holds; always quoted, so a value placed inside the user's own
// text ("--lr={lr}") never depends on what characters it happens to contain.
std::string shell_quote(std::string_view s);

// A name the shell can assign and export ([A-Za-z_][A-Za-z0-9_]*): what a batch script
// can set as an environment variable.
bool shell_identifier(std::string_view name);

// Each word quoted, joined by single spaces.
std::string shell_join(const std::vector<std::string>& words);

}  // namespace hpod
