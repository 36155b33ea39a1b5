// A thread that makes an executor's blocking calls (fork, sbatch, squeue) in order, off
// the owner thread, and hands results back to it.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace hpod {

class ExecutorWorker {
 public:
  ExecutorWorker();
  ~ExecutorWorker();
  ExecutorWorker(const ExecutorWorker&) = delete;
  ExecutorWorker& operator=(const ExecutorWorker&) = delete;

  void run(std::function<void()> task);
  std::size_t queued() const;
  void stop();  // finishes the queued tasks, then joins

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  bool busy_ = false;
  std::thread thread_;
};

}  // namespace hpod
