#include <doctest/doctest.h>
TEST_CASE("slurm: placeholder") {}
