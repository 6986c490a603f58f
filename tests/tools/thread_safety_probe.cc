// Compiled by tests/tools/thread_safety_test.sh with clang's -Wthread-safety
// -Werror (the sanitizer job's flags): with PP_UNGUARDED it reads a member
// guarded by a mutex without holding it, which must fail to compile, as any
// such access in service/ would; without, the same class locks and compiles.
#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

class Counter {
 public:
  void Add() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    ++n_;
  }
#ifdef PP_UNGUARDED
  int Read() const { return n_; }
#else
  int Read() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return n_;
  }
#endif

 private:
  mutable absl::Mutex mu_;
  int n_ ABSL_GUARDED_BY(mu_) = 0;
};

int main() {
  Counter c;
  c.Add();
  return c.Read() == 1 ? 0 : 1;
}
