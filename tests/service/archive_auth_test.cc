// Archive authorisation: the token file and every row of Authorize's table.
#include "service/archive/archive_auth.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/sha256.h"

namespace pp::service::archive {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kClerkToken[] = "clerk-token-0123456789";
constexpr char kOtherToken[] = "0123456789abcdefghij";
constexpr char kReaderToken[] = "reader-token-9876543210";

AuthConfig Config(bool reads_open = false) {
  AuthConfig c;
  auto tokens = ParseTokenFile(std::string("# archive writers\n\nclerk ") + kClerkToken + "\n" +
                               kOtherToken + "\nauditor " + kReaderToken + " read\n");
  if (!tokens.ok()) std::abort();
  c.tokens = *tokens;
  c.writers = {"reports.example.org", "panel-client-1"};
  c.reads_open = reads_open;
  return c;
}

Caller Bearer(std::string token) { return Caller{{"Bearer " + token}, {}}; }
Caller Mtls(std::vector<std::string> ids) { return Caller{{}, std::move(ids)}; }

TEST(TokenFile, NamesAreGivenOrDerivedFromTheDigest) {
  auto tokens = ParseTokenFile(std::string("clerk ") + kClerkToken + "\n  " + kOtherToken + "  \n");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ((*tokens)[0].name, "clerk");
  EXPECT_EQ((*tokens)[1].name, Sha256Hex(kOtherToken).substr(0, 12));
  // Only digests are kept.
  EXPECT_THAT((*tokens)[0].digest, Not(HasSubstr(kClerkToken)));
  EXPECT_EQ((*tokens)[0].digest.size(), 32u);
}

TEST(TokenFile, RefusesShortRepeatedAndMalformedLinesWithoutQuotingTokens) {
  auto short_token = ParseTokenFile("name short\n");
  EXPECT_EQ(short_token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_token.status().message(), HasSubstr("line 1"));
  EXPECT_THAT(short_token.status().message(), Not(HasSubstr("short")));
  EXPECT_FALSE(ParseTokenFile(std::string(kClerkToken) + "\n" + kClerkToken + "\n").ok());
  EXPECT_FALSE(ParseTokenFile(std::string("a ") + kClerkToken + "\na " + kOtherToken + "\n").ok());
  EXPECT_FALSE(ParseTokenFile(std::string("a b ") + kClerkToken + "\n").ok());  // "b" is no role
  EXPECT_FALSE(ParseTokenFile(std::string("bad/name ") + kClerkToken + "\n").ok());
  EXPECT_EQ(LoadTokenFile("/nonexistent/tokens").status().code(), absl::StatusCode::kNotFound);
}

TEST(Authorize, AValidTokenMayWriteAndRead) {
  EXPECT_EQ(*Authorize(Config(), Bearer(kClerkToken), Access::kWrite), "token:clerk");
  EXPECT_EQ(*Authorize(Config(), Bearer(kClerkToken), Access::kRead), "token:clerk");
  // The scheme is case-insensitive.
  EXPECT_TRUE(Authorize(Config(), Caller{{std::string("bearer ") + kOtherToken}, {}}, Access::kWrite).ok());
}

TEST(Authorize, AReadOnlyTokenMayReadButNotWrite) {
  EXPECT_EQ(*Authorize(Config(), Bearer(kReaderToken), Access::kRead), "token:auditor");
  auto s = Authorize(Config(), Bearer(kReaderToken), Access::kWrite);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.status().message(), HasSubstr("auditor may read the archive but not write"));
  EXPECT_THAT(s.status().message(), Not(HasSubstr(kReaderToken)));
}

TEST(TokenFile, RolesAreReadOrWrite) {
  auto tokens = ParseTokenFile(std::string("a ") + kClerkToken + " write\nb " + kOtherToken +
                               "\tread\nc " + kReaderToken + "\n");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ(tokens->size(), 3u);
  EXPECT_TRUE((*tokens)[0].may_write);
  EXPECT_FALSE((*tokens)[1].may_write);
  EXPECT_TRUE((*tokens)[2].may_write);
  auto bad = ParseTokenFile(std::string("a ") + kClerkToken + " admin\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("line 1: the role is \"read\" or \"write\""));
  EXPECT_THAT(bad.status().message(), Not(HasSubstr(kClerkToken)));
  EXPECT_FALSE(ParseTokenFile(std::string("a ") + kClerkToken + " read extra\n").ok());
}

TEST(Authorize, NoCredentialsIsUnauthenticated) {
  EXPECT_EQ(Authorize(Config(), Caller{}, Access::kWrite).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Authorize(Config(), Caller{}, Access::kRead).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(Authorize, AWrongTokenIsPermissionDenied) {
  auto s = Authorize(Config(), Bearer("not-a-token-of-this-server"), Access::kWrite);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.status().message(), Not(HasSubstr("not-a-token")));
}

TEST(Authorize, AMalformedAuthorizationHeaderIsUnauthenticated) {
  for (const char* h : {"Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", kClerkToken}) {
    EXPECT_EQ(Authorize(Config(), Caller{{h}, {}}, Access::kWrite).status().code(),
              absl::StatusCode::kUnauthenticated)
        << h;
  }
  Caller twice{{std::string("Bearer ") + kClerkToken, std::string("Bearer ") + kClerkToken}, {}};
  EXPECT_EQ(Authorize(Config(), twice, Access::kWrite).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(Authorize, MtlsIdentitiesOnTheListMayWrite) {
  EXPECT_EQ(*Authorize(Config(), Mtls({"panel-client-1"}), Access::kWrite), "mtls:panel-client-1");
  // Any of the certificate's SANs may be the listed one.
  EXPECT_EQ(*Authorize(Config(), Mtls({"other.example.org", "reports.example.org"}), Access::kWrite),
            "mtls:reports.example.org");
  auto denied = Authorize(Config(), Mtls({"stranger"}), Access::kWrite);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(denied.status().message(), HasSubstr("stranger"));
  // Any verified certificate may read.
  EXPECT_EQ(*Authorize(Config(), Mtls({"stranger"}), Access::kRead), "mtls:stranger");
}

TEST(Authorize, ATokenIsJudgedEvenWithACertificate) {
  Caller both{{"Bearer wrong-token-wrong-token"}, {"panel-client-1"}};
  EXPECT_EQ(Authorize(Config(), both, Access::kWrite).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(Authorize, OpenReadsNeedNothing) {
  EXPECT_EQ(*Authorize(Config(/*reads_open=*/true), Caller{}, Access::kRead), "anonymous");
  EXPECT_EQ(Authorize(Config(true), Caller{}, Access::kWrite).status().code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace pp::service::archive
