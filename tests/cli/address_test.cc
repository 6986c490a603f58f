// HOST:PORT checks shared by panelpaperd --listen and panelpaper --server.
#include "service/address.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pp::service {
namespace {

using ::testing::HasSubstr;

TEST(IsLoopbackAddressTest, OnlyHostsThatStayOnThisMachine) {
  for (const char* a : {"127.0.0.1:50051", "127.1.2.3:0", "[::1]:50051", "localhost:1",
                        "LOCALHOST:1", "unix:/run/panelpaperd.sock", "unix-abstract:pp"}) {
    EXPECT_TRUE(IsLoopbackAddress(a)) << a;
  }
  for (const char* a : {"0.0.0.0:50051", "[::]:50051", "10.0.0.1:50051", "127.0.0.1.example.org:1",
                        "127.0.0:1", "localhost.example.org:1", "[::ffff:127.0.0.1]:1", "no-port"}) {
    EXPECT_FALSE(IsLoopbackAddress(a)) << a;
  }
}

TEST(CheckAddressTest, AcceptsPortsInRange) {
  for (const char* a : {"127.0.0.1:1", "127.0.0.1:50051", "localhost:65535", "[::1]:443",
                        "unix:/tmp/pp.sock"}) {
    EXPECT_TRUE(CheckAddress(a, AddressUse::kConnect).ok()) << a;
    EXPECT_TRUE(CheckAddress(a, AddressUse::kListen).ok()) << a;
  }
}

TEST(CheckAddressTest, PortZeroOnlyForListening) {
  EXPECT_TRUE(CheckAddress("127.0.0.1:0", AddressUse::kListen).ok());
  const absl::Status s = CheckAddress("127.0.0.1:0", AddressUse::kConnect);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("out of range (1-65535)"));
}

// The issue's --listen=127.0.0.1:99999, which gRPC served on another port.
TEST(CheckAddressTest, RefusesPortsOutOfRange) {
  for (const char* a : {"127.0.0.1:99999", "127.0.0.1:65536", "127.0.0.1:4294967297",
                        "127.0.0.1:000065536"}) {
    for (AddressUse use : {AddressUse::kListen, AddressUse::kConnect}) {
      const absl::Status s = CheckAddress(a, use);
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << a;
      EXPECT_THAT(std::string(s.message()), HasSubstr("out of range")) << a;
    }
  }
  EXPECT_THAT(std::string(CheckAddress("127.0.0.1:99999", AddressUse::kListen).message()),
              HasSubstr("127.0.0.1:99999: port 99999 is out of range (1-65535, or 0 to pick a free port)"));
}

TEST(CheckAddressTest, RefusesMalformedAddresses) {
  for (const char* a : {"127.0.0.1", "127.0.0.1:", ":50051", "host:port", "host:-1", "host:+5",
                        "::1:50051", "[::1:50051", "host: 5"}) {
    EXPECT_EQ(CheckAddress(a, AddressUse::kListen).code(), absl::StatusCode::kInvalidArgument) << a;
  }
}

}  // namespace
}  // namespace pp::service
