// A fixed set of threads running queued tasks, first in, first out. The daemon keeps its
// blocking or slow work off the thread that answers reports: sampler plans (a GP fit takes
// tens of milliseconds) on a pool of a few threads, and each executor's calls (fork, sbatch,
// squeue) on a pool of one, so that they run in the order they were asked for; the
// dashboard's importance fits and the snapshot API's file copies on a pool of one each. A
// task hands its result back through thread-safe means (a post to the daemon's thread).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hpod {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void run(std::function<void()> task);
  void stop();  // runs what is queued, then joins

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace hpod
