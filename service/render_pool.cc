#include "service/render_pool.h"

#include <algorithm>
#include <utility>

namespace pp::service {

RenderPool::RenderPool(int threads, int max_queued)
    : thread_count_(std::max(1, threads)), max_queued_(std::max(0, max_queued)) {
  absl::MutexLock join_lock(&join_mu_);
  threads_.reserve(static_cast<size_t>(thread_count_));
  for (int i = 0; i < thread_count_; ++i) threads_.emplace_back([this] { Work(); });
}

RenderPool::~RenderPool() { Shutdown(); }

bool RenderPool::TrySubmit(absl::AnyInvocable<void()> task) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    // At most thread_count_ run and max_queued_ wait.
    if (static_cast<int>(queue_.size()) + running_ >= thread_count_ + max_queued_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.Signal();
  return true;
}

void RenderPool::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  absl::MutexLock join_lock(&join_mu_);
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

int RenderPool::queued() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(queue_.size());
}

int RenderPool::running() const {
  absl::MutexLock lock(&mu_);
  return running_;
}

void RenderPool::Work() {
  while (true) {
    absl::AnyInvocable<void()> task;
    {
      absl::MutexLock lock(&mu_);
      while (!stopping_ && queue_.empty()) cv_.Wait(&mu_);
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    task();
    {
      absl::MutexLock lock(&mu_);
      --running_;
    }
  }
}

}  // namespace pp::service
