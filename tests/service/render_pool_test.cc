// Tests of service/render_pool: bounded admission, FIFO, drain on shutdown.
#include "service/render_pool.h"

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "gtest/gtest.h"

namespace pp::service {
namespace {

TEST(RenderPool, RunsEverySubmittedTask) {
  RenderPool pool(2, 100);
  std::atomic<int> done{0};
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(pool.TrySubmit([&done] { ++done; }));
  pool.Shutdown();
  EXPECT_EQ(done.load(), 100);
}

TEST(RenderPool, RefusesBeyondWorkersPlusQueue) {
  RenderPool pool(1, 2);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> started{0};
  auto blocker = [&] {
    ++started;
    gate.wait();
  };
  ASSERT_TRUE(pool.TrySubmit(blocker));
  while (started.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(pool.running(), 1);
  EXPECT_TRUE(pool.TrySubmit(blocker));
  EXPECT_TRUE(pool.TrySubmit(blocker));
  EXPECT_EQ(pool.queued(), 2);
  EXPECT_FALSE(pool.TrySubmit(blocker));  // 1 running + 2 queued
  release.set_value();
  pool.Shutdown();
  EXPECT_EQ(started.load(), 3);
}

TEST(RenderPool, ShutdownRunsAdmittedTasksThenRefuses) {
  RenderPool pool(1, 10);
  std::atomic<int> done{0};
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(pool.TrySubmit([&done] {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      ++done;
    }));
  }
  pool.Shutdown();
  EXPECT_EQ(done.load(), 5);
  EXPECT_FALSE(pool.TrySubmit([] {}));
  pool.Shutdown();  // idempotent
}

}  // namespace
}  // namespace pp::service
