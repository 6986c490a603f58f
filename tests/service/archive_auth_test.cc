// Archive authorisation: the token file and every row of Authorize's table.
#include "service/archive/archive_auth.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

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
  c.tokens->Replace(*tokens);
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

TEST(Authorize, RenderingNeedsCredentialsEvenWhenReadsAreOpen) {
  // --render_auth: any token (read-only ones too) or any verified certificate.
  EXPECT_EQ(*Authorize(Config(), Bearer(kReaderToken), Access::kRender), "token:auditor");
  EXPECT_EQ(*Authorize(Config(), Mtls({"stranger"}), Access::kRender), "mtls:stranger");
  auto none = Authorize(Config(/*reads_open=*/true), Caller{}, Access::kRender);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(none.status().message(), HasSubstr("rendering needs credentials"));
  auto wrong = Authorize(Config(true), Bearer("wrong-token-wrong-token"), Access::kRender);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(wrong.status().message(), HasSubstr("accepts for rendering"));
}

// ---- reload (SIGHUP) ----

std::string WriteTokens(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + "/" + name + "." + std::to_string(getpid());
  std::ofstream(path, std::ios::trunc) << text;
  return path;
}

std::vector<Token> Tokens(const std::string& text) {
  auto tokens = ParseTokenFile(text);
  if (!tokens.ok()) std::abort();
  return *tokens;
}

TEST(TokenReload, ANewFileReplacesEveryTokenAndSaysWhatChangedByName) {
  AuthConfig config = Config();
  const std::string path = WriteTokens(
      "tokens-new", std::string("clerk ") + kOtherToken + "\nauditor " + kReaderToken +
                        " write\nnewcomer newcomer-token-0123456789 read\n");
  absl::StatusOr<std::string> change = ReloadTokenFile(path, config.tokens.get());
  ASSERT_TRUE(change.ok()) << change.status();
  // The unnamed token's name is the first 12 hex digits of its digest.
  EXPECT_EQ(*change, "3 tokens (2 may write); added: newcomer; removed: " +
                         Sha256Hex(kOtherToken).substr(0, 12) +
                         "; replaced: clerk; now may write: auditor");
  // Never a token in the description.
  EXPECT_THAT(*change, Not(HasSubstr(kOtherToken)));
  // The new tokens are accepted at once, the old one is refused.
  EXPECT_EQ(*Authorize(config, Bearer(kOtherToken), Access::kWrite), "token:clerk");
  EXPECT_EQ(Authorize(config, Bearer(kClerkToken), Access::kRead).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(*Authorize(config, Bearer(kReaderToken), Access::kWrite), "token:auditor");
  EXPECT_EQ(Authorize(config, Bearer("newcomer-token-0123456789"), Access::kWrite).status().code(),
            absl::StatusCode::kPermissionDenied);
  // Reloading the same file again: unchanged.
  EXPECT_EQ(*ReloadTokenFile(path, config.tokens.get()), "3 tokens (2 may write), unchanged");
  // A copy of the config shares the tokens (the service holds a copy).
  AuthConfig copy = config;
  ASSERT_TRUE(ReloadTokenFile(WriteTokens("tokens-one", std::string("solo ") + kClerkToken + "\n"),
                              config.tokens.get())
                  .ok());
  EXPECT_EQ(*Authorize(copy, Bearer(kClerkToken), Access::kWrite), "token:solo");
}

TEST(TokenReload, AnInvalidMissingOrEmptyFileKeepsTheOldTokens) {
  const std::vector<std::string> bad_files = {
      WriteTokens("tokens-short", "name short\n"),
      WriteTokens("tokens-repeat", std::string(kClerkToken) + "\n" + kClerkToken + "\n"),
      WriteTokens("tokens-role", std::string("a ") + kClerkToken + " admin\n"),
      WriteTokens("tokens-empty", "# nothing yet\n\n"),
      testing::TempDir() + "/no-such-token-file",
      testing::TempDir(),  // a folder
  };
  for (const std::string& path : bad_files) {
    AuthConfig config = Config();
    const auto before = config.tokens->Get();
    absl::StatusOr<std::string> change = ReloadTokenFile(path, config.tokens.get());
    ASSERT_FALSE(change.ok()) << path;
    EXPECT_THAT(change.status().message(), HasSubstr("kept the 3 tokens loaded before")) << path;
    EXPECT_THAT(change.status().message(), Not(HasSubstr(kClerkToken))) << path;
    // The very same set is still in use, and still works.
    EXPECT_EQ(config.tokens->Get(), before) << path;
    EXPECT_EQ(*Authorize(config, Bearer(kClerkToken), Access::kWrite), "token:clerk") << path;
  }
}

TEST(TokenReload, AuthorisingWhileTheSetIsReplacedNeverFailsATokenInBoth) {
  // Two sets that both hold the clerk's token (under other names) and differ
  // otherwise; readers authorise without pause while a writer swaps them.
  AuthConfig config;
  const std::vector<Token> a = Tokens(std::string("clerk ") + kClerkToken + "\n" + kOtherToken + "\n");
  const std::vector<Token> b = Tokens(std::string("clerk2 ") + kClerkToken + "\n");
  config.tokens->Replace(a);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, calls{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (!Authorize(config, Bearer(kClerkToken), Access::kWrite).ok()) failures.fetch_add(1);
        calls.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) config.tokens->Replace(i % 2 == 0 ? b : a);
  while (calls.load() < 2000) std::this_thread::yield();
  stop = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  // A snapshot taken before a swap stays whole.
  auto snapshot = config.tokens->Get();
  config.tokens->Replace(b);
  EXPECT_EQ(snapshot->size(), 2u);
}

}  // namespace
}  // namespace pp::service::archive
