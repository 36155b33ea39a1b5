// shell_quote: one word for /bin/sh, bare only when nothing in it is special. (That sh
// reads every quoted word back unchanged is checked by running generated batch scripts,
// see slurm_batch_script_test.cpp.)
#include <doctest/doctest.h>

#include "hpod/shell_quote.hpp"

using namespace hpod;

TEST_CASE("shell_quote leaves plain words bare and single-quotes the rest") {
  CHECK(shell_quote("train.py") == "train.py");
  CHECK(shell_quote("/usr/bin/python3") == "/usr/bin/python3");
  CHECK(shell_quote("--lr=0.001") == "'--lr=0.001'");  // "=" could make a word an assignment
  CHECK(shell_quote("0.1") == "0.1");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("two words") == "'two words'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("$HOME") == "'$HOME'");
  CHECK(shell_quote("*") == "'*'");
  CHECK(shell_quote("~") == "'~'");
  CHECK(shell_quote("a\nb") == "'a\nb'");
  CHECK(shell_join({"python3", "train.py", "--name", "my run"}) == "python3 train.py --name 'my run'");
  CHECK(shell_join({}).empty());
}
