#include "daemon/storage/storage_writer.hpp"

#include <algorithm>
#include <vector>

namespace hpod {

StorageWriter::StorageWriter(Storage& storage, Post post, StorageWriterOptions options)
    : storage_(storage), post_(std::move(post)), options_(options), thread_([this] { run(); }) {}

StorageWriter::~StorageWriter() { stop(); }

void StorageWriter::submit(Op op, Done done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.emplace_back(std::move(op), std::move(done));
      cv_.notify_one();
      return;
    }
  }
  post_([done = std::move(done)] { done(Status::Unavailable("storage writer stopped: hpod is shutting down")); });
}

void StorageWriter::barrier(Done done) { submit(Op(), std::move(done)); }

std::size_t StorageWriter::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size() + in_commit_;
}

Status StorageWriter::health() const {
  std::lock_guard lock(mu_);
  return health_;
}

void StorageWriter::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    if (!stopping_) stop_requested_ = std::chrono::steady_clock::now();
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

WriterStats StorageWriter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Status StorageWriter::commit_with_retry(const std::function<Status()>& body) {
  auto delay = options_.retry_initial;
  for (;;) {
    Status st = storage_.transaction(body);
    std::unique_lock lock(mu_);
    if (st.code() != Status::Code::kUnavailable) {
      health_ = Status::OK();
      return st;
    }
    if (stopping_ && std::chrono::steady_clock::now() - stop_requested_ >= options_.stop_retry) {
      health_ = st;
      return Status::Unavailable("hpod is stopping and the database still refuses writes: " + st.message());
    }
    health_ = Status::Unavailable("writes are waiting for the database: " + st.message());
    stats_.retried_commits++;
    if (stopping_) {
      // Still backing off (an error that returns at once must not become a busy loop),
      // but no longer than it takes to reach the stop deadline.
      lock.unlock();
      std::this_thread::sleep_for(std::min(delay, options_.stop_retry));
    } else {
      // stop() wakes the wait, so a stopping hpod does not sleep out a long back-off.
      cv_.wait_for(lock, delay, [&] { return stopping_; });
    }
    delay = std::min(delay * 2, options_.retry_max);
  }
}

void StorageWriter::run() {
  std::vector<std::pair<Op, Done>> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Everything that queued up while the previous commit ran goes into this one.
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      in_commit_ = batch.size();
    }
    auto t0 = std::chrono::steady_clock::now();
    std::vector<Status> results(batch.size());
    std::size_t writes = 0;
    for (auto& b : batch) writes += b.first ? 1 : 0;
    if (writes > 0) {
      Status st = commit_with_retry([&] {
        for (auto& b : batch)
          if (b.first) HPOD_RETURN_IF_ERROR(b.first(storage_));
        return Status::OK();
      });
      if (!st.ok() && writes > 1) {
        // One bad write must not fail its neighbours: retry each in its own transaction.
        for (std::size_t i = 0; i < batch.size(); ++i)
          if (batch[i].first) results[i] = commit_with_retry([&] { return batch[i].first(storage_); });
      } else {
        for (std::size_t i = 0; i < batch.size(); ++i)
          if (batch[i].first) results[i] = st;
      }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::size_t failed = 0;
    for (auto& r : results) failed += r.ok() ? 0 : 1;
    {
      std::lock_guard lock(mu_);
      stats_.ops += writes;
      if (writes > 0) stats_.batches++;
      stats_.failed_ops += failed;
      stats_.max_batch = std::max<std::uint64_t>(stats_.max_batch, writes);
      stats_.commit_seconds_total += secs;
    }
    // One post for the whole batch keeps the owner thread's queue short.
    auto dones = std::make_shared<std::vector<std::pair<Done, Status>>>();
    dones->reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) dones->emplace_back(std::move(batch[i].second), std::move(results[i]));
    batch.clear();
    post_([dones] {
      for (auto& [done, status] : *dones)
        if (done) done(status);
    });
    {
      std::lock_guard lock(mu_);
      in_commit_ = 0;
    }
  }
}

}  // namespace hpod
