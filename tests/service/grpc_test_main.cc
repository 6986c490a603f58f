// main() for the tests that run gRPC in-process.
//
// gRPC 1.51 intermittently stalls ~10 s in grpc_shutdown() when the last
// server or channel is destroyed (TOOLCHAIN.md). Holding one extra
// grpc_init() for the life of the test process keeps grpc_shutdown() from
// ever running, which removes the stall.
#include <grpc/grpc.h>

#include "gtest/gtest.h"

int main(int argc, char** argv) {
  grpc_init();  // never released: see above
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
