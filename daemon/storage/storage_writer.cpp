#include "daemon/storage/storage_writer.hpp"

#include <chrono>
#include <vector>

namespace hpod {

StorageWriter::StorageWriter(Storage& storage, Post post, std::size_t max_batch)
    : storage_(storage), post_(std::move(post)), max_batch_(max_batch), thread_([this] { run(); }) {}

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

std::size_t StorageWriter::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size() + in_commit_;
}

void StorageWriter::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

WriterStats StorageWriter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void StorageWriter::run() {
  std::vector<std::pair<Op, Done>> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Everything that queued up while the previous commit ran goes into this one.
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      in_commit_ = batch.size();
    }
    auto t0 = std::chrono::steady_clock::now();
    std::vector<Status> results(batch.size());
    Status st = storage_.transaction([&] {
      for (std::size_t i = 0; i < batch.size(); ++i) HPOD_RETURN_IF_ERROR(batch[i].first(storage_));
      return Status::OK();
    });
    if (!st.ok() && batch.size() > 1) {
      // One bad write must not fail its neighbours: retry each in its own transaction.
      for (std::size_t i = 0; i < batch.size(); ++i)
        results[i] = storage_.transaction([&] { return batch[i].first(storage_); });
    } else {
      for (auto& r : results) r = st;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::size_t failed = 0;
    for (auto& r : results) failed += r.ok() ? 0 : 1;
    {
      std::lock_guard lock(mu_);
      stats_.ops += batch.size();
      stats_.batches++;
      stats_.failed_ops += failed;
      stats_.max_batch = std::max<std::uint64_t>(stats_.max_batch, batch.size());
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
