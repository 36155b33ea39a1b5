// The single storage writer: one thread that owns the Storage connection, batches every
// write that arrives while a commit is in progress into the next transaction (group
// commit), and reports each write's outcome on the owner thread once it is durable.
#pragma once

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
  double commit_seconds_total = 0;
};

class StorageWriter {
 public:
  using Op = std::function<Status(Storage&)>;
  using Done = std::function<void(const Status&)>;
  // Runs a completion on the owner thread (the io_context).
  using Post = std::function<void(std::function<void()>)>;

  StorageWriter(Storage& storage, Post post, std::size_t max_batch = 4096);
  ~StorageWriter();
  StorageWriter(const StorageWriter&) = delete;
  StorageWriter& operator=(const StorageWriter&) = delete;

  // Queues a write; `done` runs on the owner thread after its transaction committed (or
  // failed). Writes commit in submission order.
  void submit(Op op, Done done);
  // Writes queued or being committed.
  std::size_t pending() const;
  // Commits what is queued, then stops the thread. Later submits fail with Unavailable.
  void stop();
  WriterStats stats() const;

 private:
  void run();

  Storage& storage_;
  Post post_;
  std::size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Op, Done>> queue_;
  std::size_t in_commit_ = 0;
  bool stopping_ = false;
  WriterStats stats_;
  std::thread thread_;
};

}  // namespace hpod
