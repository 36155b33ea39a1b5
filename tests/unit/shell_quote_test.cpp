// shell_quote: one single-quoted word for /bin/sh. (That sh reads every quoted word back
// unchanged is checked by running generated batch scripts, see slurm_batch_script_test.cpp.)
#include <doctest/doctest.h>

#include "hpod/shell_quote.hpp"

using namespace hpod;

TEST_CASE("shell_quote single-quotes every word") {
  CHECK(shell_quote("train.py") == "'train.py'");
  CHECK(shell_quote("0.001") == "'0.001'");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("two words") == "'two words'");
  CHECK(shell_quote("it's") == "'it'\"'\"'s'");
  CHECK(shell_quote("$HOME `id` *") == "'$HOME `id` *'");
  CHECK(shell_quote("a\nb") == "'a\nb'");
  CHECK(shell_join({"python3", "train.py", "--name", "my run"}) == "'python3' 'train.py' '--name' 'my run'");
  CHECK(shell_join({}).empty());
}
