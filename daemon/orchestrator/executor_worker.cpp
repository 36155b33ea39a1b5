#include "daemon/orchestrator/executor_worker.hpp"

namespace hpod {

ExecutorWorker::ExecutorWorker()
    : thread_([this] {
        for (;;) {
          std::function<void()> task;
          {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
            if (tasks_.empty()) return;
            task = std::move(tasks_.front());
            tasks_.pop_front();
            busy_ = true;
          }
          task();
          std::lock_guard lock(mu_);
          busy_ = false;
        }
      }) {}

ExecutorWorker::~ExecutorWorker() { stop(); }

void ExecutorWorker::run(std::function<void()> task) {
  std::lock_guard lock(mu_);
  tasks_.push_back(std::move(task));
  cv_.notify_one();
}

std::size_t ExecutorWorker::queued() const {
  std::lock_guard lock(mu_);
  return tasks_.size() + (busy_ ? 1 : 0);
}

void ExecutorWorker::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace hpod
