// File: service/render_pool.h
//
// RenderPool: a fixed set of worker threads with a bounded FIFO queue, where
// panelpaperd runs every render. gRPC's callback API must not block its own
// threads with CPU-bound work, and rendering is CPU-bound (~2 ms per
// reference paper), so handlers only enqueue and return.
//
// Admission: at most `threads` tasks run and at most `max_queued` wait;
// TrySubmit refuses anything more at once (the service answers
// RESOURCE_EXHAUSTED) rather than letting latency and memory grow without
// bound.
//
//   RenderPool pool(/*threads=*/2, /*max_queued=*/32);
//   if (!pool.TrySubmit([=] { Render(call); })) Refuse(call);
//   pool.Shutdown();  // runs what was admitted, then joins
#ifndef PANELPAPER_SERVICE_RENDER_POOL_H_
#define PANELPAPER_SERVICE_RENDER_POOL_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace pp::service {

class RenderPool {
 public:
  RenderPool(int threads, int max_queued);
  ~RenderPool();  // Shutdown()
  RenderPool(const RenderPool&) = delete;
  RenderPool& operator=(const RenderPool&) = delete;

  // Queues `task` unless max_queued tasks already wait (or after Shutdown):
  // then returns false and does not run it.
  bool TrySubmit(absl::AnyInvocable<void()> task) ABSL_LOCKS_EXCLUDED(mu_);

  // Refuses new tasks, runs every admitted one, joins the threads. Idempotent.
  void Shutdown() ABSL_LOCKS_EXCLUDED(mu_, join_mu_);

  int threads() const { return thread_count_; }
  int max_queued() const { return max_queued_; }
  int queued() const ABSL_LOCKS_EXCLUDED(mu_);   // waiting, not yet started
  int running() const ABSL_LOCKS_EXCLUDED(mu_);  // started, not yet finished

 private:
  void Work() ABSL_LOCKS_EXCLUDED(mu_);

  const int thread_count_;
  const int max_queued_;
  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  std::deque<absl::AnyInvocable<void()>> queue_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex join_mu_ ABSL_ACQUIRED_AFTER(mu_);                // serialises Shutdown
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(join_mu_);  // joined by Shutdown
};

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_RENDER_POOL_H_
