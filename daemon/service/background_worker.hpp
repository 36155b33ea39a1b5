// One thread for work that must not hold up the daemon's thread (fitting the importance
// forest takes a few hundred milliseconds on a big study). Jobs run one at a time in
// order, on copies of what they need; they hand results back through thread-safe means
// (an HTTP responder, a mutex). The destructor finishes the queued jobs and joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace hpod {

class BackgroundWorker {
 public:
  BackgroundWorker() = default;
  ~BackgroundWorker();
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  void submit(std::function<void()> job);

 private:
  void run();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // started by the first job
};

}  // namespace hpod
