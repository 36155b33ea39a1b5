// The storage writer thread (daemon/storage/storage_writer.*).
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <vector>

#include "daemon/storage/storage_writer.hpp"

using namespace hpod;

TEST_CASE("the storage writer groups writes, isolates a failing one, and stops cleanly") {
  auto dir = std::filesystem::temp_directory_path() / ("hpod-writer-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  StorageOptions o;
  o.path = (dir / "w.db").string();
  o.synchronous = "NORMAL";
  auto storage = std::move(Storage::open(o)).value();
  std::mutex mu;
  std::vector<std::function<void()>> posted;
  StorageWriter w(*storage, [&](std::function<void()> f) {
    std::lock_guard l(mu);
    posted.push_back(std::move(f));
  });
  auto sid = std::make_shared<std::int64_t>();
  std::atomic<int> done{0};
  std::vector<Status> results(201);
  w.submit([sid](Storage& s) -> Status {
    HPOD_ASSIGN_OR_RETURN(*sid, s.create_study("w", {StudyDirection::kMinimize}));
    FrozenTrial t;
    return s.create_trial(*sid, t).status();
  }, [&](const Status& st) { results[0] = st; done++; });
  for (int i = 1; i <= 200; ++i) {
    w.submit(
        [i](Storage& s) -> Status {
          if (i == 100) return Status::InvalidArgument("write 100 is bad");
          return s.add_intermediate_value(1, i, i * 0.5);
        },
        [&, i](const Status& st) {
          results[static_cast<std::size_t>(i)] = st;
          done++;
        });
  }
  for (int spins = 0; spins < 10000 && done.load() < 201; ++spins) {
    std::vector<std::function<void()>> now;
    {
      std::lock_guard l(mu);
      now.swap(posted);
    }
    for (auto& f : now) f();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(done.load() == 201);
  for (int i = 0; i <= 200; ++i) CHECK_MESSAGE(results[static_cast<std::size_t>(i)].ok() == (i != 100), i);
  CHECK(results[100].message() == "write 100 is bad");
  auto stats = w.stats();
  CHECK(stats.ops == 201);
  CHECK(stats.batches < 201);                   // grouped
  CHECK(stats.failed_ops >= 1);
  w.stop();
  auto loaded = storage->load_study("w");
  REQUIRE(loaded.ok());
  CHECK(loaded->trials[0].intermediate_values.size() == 199);
  std::filesystem::remove_all(dir);
}
