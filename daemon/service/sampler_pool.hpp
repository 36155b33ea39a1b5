// Threads for sampler work (a GP fit takes tens of milliseconds): plans run here on a
// snapshot of the study, never on the thread that answers reports.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hpod {

class SamplerPool {
 public:
  explicit SamplerPool(int threads);
  ~SamplerPool();
  SamplerPool(const SamplerPool&) = delete;
  SamplerPool& operator=(const SamplerPool&) = delete;

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
