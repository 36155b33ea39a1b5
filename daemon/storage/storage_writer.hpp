// The single storage writer: one thread that owns the Storage connection, batches every
// write that arrives while a commit is in progress into the next transaction (group
// commit), and reports each write's outcome on the owner thread once it is durable.
//
// A write is never reported failed because the file was busy for a while: a transient
// failure (another program holds the write lock past the busy timeout, an I/O error of a
// network file system, a full disk) is retried with back-off until it commits, and
// health() says why writes are waiting meanwhile. Only a write that the database refuses
// for good (a constraint, a missing row) is reported failed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "hpod/storage.hpp"

namespace hpod {

struct WriterStats {
  std::uint64_t ops = 0;
  std::uint64_t batches = 0;
  std::uint64_t failed_ops = 0;
  std::uint64_t max_batch = 0;
  std::uint64_t retried_commits = 0;  // transient failures retried
  double commit_seconds_total = 0;
};

struct StorageWriterOptions {
  std::size_t max_batch = 4096;
  // Back-off between retries of a transiently failing commit.
  std::chrono::milliseconds retry_initial{50};
  std::chrono::milliseconds retry_max{2000};
  // Once stop() is called, how long transient failures are still retried before the
  // remaining writes are reported failed (nothing is acknowledged that did not commit).
  std::chrono::milliseconds stop_retry{10000};
};

class StorageWriter {
 public:
  using Op = std::function<Status(Storage&)>;
  using Done = std::function<void(const Status&)>;
  // Runs a completion on the owner thread (the io_context).
  using Post = std::function<void(std::function<void()>)>;

  StorageWriter(Storage& storage, Post post, StorageWriterOptions options = {});
  ~StorageWriter();
  StorageWriter(const StorageWriter&) = delete;
  StorageWriter& operator=(const StorageWriter&) = delete;

  // Queues a write; `done` runs on the owner thread after its transaction committed (or
  // failed for good). Writes commit in submission order.
  void submit(Op op, Done done);
  // `done` runs on the owner thread once every write submitted before it has committed or
  // failed: how a retried request waits for the outcome of the write it repeats.
  void barrier(Done done);
  // Writes queued or being committed.
  std::size_t pending() const;
  // OK, or Unavailable saying why writes are not committing right now.
  Status health() const;
  // Commits what is queued, then stops the thread. Later submits fail with Unavailable.
  void stop();
  WriterStats stats() const;

 private:
  void run();
  // One transaction of `body`, retried while it fails transiently (see the class comment).
  Status commit_with_retry(const std::function<Status()>& body);

  Storage& storage_;
  Post post_;
  StorageWriterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Op, Done>> queue_;  // an empty Op is a barrier
  std::size_t in_commit_ = 0;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_requested_{};
  Status health_;
  WriterStats stats_;
  std::thread thread_;
};

}  // namespace hpod
