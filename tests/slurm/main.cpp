// slurm_tests need a Slurm cluster: without SLURM_CONF they skip (exit 77, which ctest
// reports as "Skipped") instead of failing on a machine without one. Listing the tests
// (ctest's discovery at build time) works anywhere.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

int main(int argc, char** argv) {
  bool listing = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.rfind("--list", 0) == 0 || a.rfind("-ltc", 0) == 0 || a.rfind("-lts", 0) == 0 || a == "-h" || a == "--help")
      listing = true;
  }
  const char* conf = std::getenv("SLURM_CONF");
  if (!listing && (conf == nullptr || *conf == '\0')) {
    std::fprintf(stderr,
                 "slurm_tests: SKIPPED: SLURM_CONF is not set. Start the local test cluster with\n"
                 "  eval \"$(scripts/slurm-local.sh start)\"\n"
                 "(root; installs slurm and munge if missing) and run again; scripts/test.sh does this.\n");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
