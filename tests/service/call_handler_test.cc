// The call handling every service shares (service/call_handler.h): the
// access line and its escaping, outcomes, and the send budget's arithmetic.
// The reactors are exercised through the services (paper_service_test,
// archive_service_test).
#include "service/call_handler.h"

#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/log.h"
#include "service/status_mapping.h"

namespace pp::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

// Reads a LogfmtValue back (the test's own parser).
std::string Unquote(const std::string& v) {
  if (v.empty() || v[0] != '"') return v;
  std::string out;
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] != '\\') {
      out += v[i];
    } else if (v[i + 1] == 'x') {
      out += static_cast<char>(std::stoi(v.substr(i + 2, 2), nullptr, 16));
      i += 3;
    } else {
      out += v[++i];
    }
  }
  return out;
}

TEST(LogfmtValue, PlainValuesStayBare) {
  EXPECT_EQ(LogfmtValue("ipv4:127.0.0.1:41502"), "ipv4:127.0.0.1:41502");
  EXPECT_EQ(LogfmtValue("token:clerk"), "token:clerk");
  EXPECT_EQ(LogfmtValue(""), "\"\"");
}

TEST(LogfmtValue, SpacesQuotesNewlinesAndNonAsciiAreQuotedAndEscaped) {
  EXPECT_EQ(LogfmtValue("a b"), "\"a b\"");
  EXPECT_EQ(LogfmtValue("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(LogfmtValue("x\ny outcome=ok"), "\"x\\x0ay outcome=ok\"");
  EXPECT_EQ(LogfmtValue("back\\slash"), "\"back\\\\slash\"");
  EXPECT_EQ(LogfmtValue("k=v"), "\"k=v\"");
  EXPECT_EQ(LogfmtValue("caf\xc3\xa9\x7f"), "\"caf\\xc3\\xa9\\x7f\"");
}

TEST(LogfmtValue, EveryByteStringComesOutAsOnePrintableAsciiTokenThatReadsBack) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string v(rng() % 12, '\0');
    for (char& c : v) c = static_cast<char>(rng() % 256);
    const std::string out = LogfmtValue(v);
    for (unsigned char c : out) {
      ASSERT_GE(c, 0x20) << out;
      ASSERT_LT(c, 0x7F) << out;
    }
    // One token: a space only inside quotes, and the quotes close at the end.
    if (out.find(' ') != std::string::npos || out.find('=') != std::string::npos) {
      ASSERT_EQ(out.front(), '"');
      ASSERT_EQ(out.back(), '"');
    }
    ASSERT_EQ(Unquote(out), v) << out;
  }
}

TEST(AccessLine, HasEveryFieldInOrderAndEscapesPeerClientAndPaperId) {
  CallRecord r;
  r.method = "GetArchivedPaper";
  r.peer = "ipv4:127.0.0.1:5 x=\"y\"";
  r.client = "CN=a b\nfake outcome=ok";
  r.bytes_in = 12;
  r.bytes_out = 34;
  r.pages = 5;
  r.code = absl::StatusCode::kCancelled;
  r.outcome = "late";
  r.request_id = "req-42";
  std::string line = AccessLine(r);
  EXPECT_THAT(line,
              MatchesRegex("access method=GetArchivedPaper peer=\"ipv4:127\\.0\\.0\\.1:5 "
                           "x=\\\\\"y\\\\\"\" client=\"CN=a b\\\\x0afake outcome=ok\" bytes_in=12 "
                           "bytes_out=34 pages=5 queue_ms=[0-9.]+ render_ms=[0-9.]+ ms=[0-9.]+ "
                           "code=CANCELLED outcome=late request_id=req-42"));
  EXPECT_THAT(line, Not(HasSubstr("paper_id")));
  r.paper_id = "id with \"quotes\"";
  line = AccessLine(r);
  EXPECT_THAT(line, HasSubstr(" paper_id=\"id with \\\"quotes\\\"\" bytes_in=12 "));
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(OutcomeOf, MapsCodesToDocumentedOutcomes) {
  EXPECT_EQ(OutcomeOf(absl::StatusCode::kOk), "ok");
  EXPECT_EQ(OutcomeOf(absl::StatusCode::kInvalidArgument), "rejected");
  EXPECT_EQ(OutcomeOf(absl::StatusCode::kPermissionDenied), "denied");
  EXPECT_EQ(OutcomeOf(absl::StatusCode::kCancelled), "abandoned");
  EXPECT_EQ(OutcomeOf(absl::StatusCode::kDataLoss), "data_loss");
  EXPECT_EQ(OutcomeOf(absl::StatusCode::kInternal), "failed");
  for (int c = 0; c <= 16; ++c) {
    const std::string_view o = OutcomeOf(static_cast<absl::StatusCode>(c));
    EXPECT_NE(std::find(kOutcomes.begin(), kOutcomes.end(), o), kOutcomes.end()) << o;
  }
}

TEST(SendBudget, ReservesWithinTheCapAndGivesBackWhenACallEnds) {
  SendBudget budget(/*max_unsent_bytes=*/100, /*stall_timeout=*/std::chrono::milliseconds(0));
  UnsentClaim a(&budget, nullptr), b(&budget, nullptr), c(&budget, nullptr);
  EXPECT_TRUE(a.Reserve(60));
  EXPECT_FALSE(b.Reserve(50));  // 110 > 100: nothing reserved
  EXPECT_EQ(budget.unsent(), 60u);
  EXPECT_TRUE(b.Reserve(40));
  EXPECT_TRUE(budget.Full());
  EXPECT_FALSE(c.Reserve(1));
  EXPECT_EQ(budget.holders(), 2u);
  a.End(/*delivered=*/true);
  a.End(/*delivered=*/true);  // idempotent
  EXPECT_EQ(budget.unsent(), 40u);
  EXPECT_FALSE(budget.Full());
  EXPECT_TRUE(c.Reserve(60));
  EXPECT_EQ(budget.peak(), 100u);
  b.End(false);
  c.End(false);
  EXPECT_EQ(budget.unsent(), 0u);
  EXPECT_EQ(budget.holders(), 0u);
}

TEST(SendBudget, OnePdfLargerThanTheCapStillGoesAloneNeverBesideAnother) {
  SendBudget budget(100, std::chrono::milliseconds(0));
  UnsentClaim big(&budget, nullptr), small(&budget, nullptr);
  EXPECT_TRUE(big.Reserve(500));  // nothing else held: allowed
  EXPECT_FALSE(small.Reserve(1));
  big.End(true);
  EXPECT_TRUE(small.Reserve(1));
  EXPECT_FALSE(big.Reserve(500));
}

TEST(SendBudget, ARefusalIsResourceExhaustedWithQuotaFailureOnServer) {
  SendBudget budget(4096, std::chrono::milliseconds(0));
  const absl::Status s = budget.Exhausted();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  const auto q = QuotaFailureViolations(s);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].field, "server");
  EXPECT_THAT(q[0].description, HasSubstr("--max_unsent_bytes"));
}


// ---- request ids and JSON logs (issue 13 item 4) ----

TEST(RequestId, GeneratedIdsAreSixteenHexDigitsAndDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewRequestId();
    EXPECT_THAT(id, MatchesRegex("[0-9a-f]{16}"));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

// A minimal JSON reader for the log lines: an object of string and number
// members (what LogEvent writes). Fails the test on anything else.
std::map<std::string, std::string> ParseJsonLine(const std::string& line) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  auto fail = [&](const char* why) {
    ADD_FAILURE() << why << " at " << i << " in " << line;
    return std::map<std::string, std::string>{};
  };
  auto str = [&](std::string* s) {
    if (line[i] != '"') return false;
    for (++i; i < line.size() && line[i] != '"'; ++i) {
      const unsigned char c = line[i];
      if (c < 0x20 || c >= 0x7F) return false;  // raw controls / non-ASCII: not ours
      if (c != '\\') {
        *s += static_cast<char>(c);
        continue;
      }
      ++i;
      if (line[i] == 'u') {
        *s += static_cast<char>(std::stoi(line.substr(i + 1, 4), nullptr, 16));
        i += 4;
      } else if (line[i] == '"' || line[i] == '\\') {
        *s += line[i];
      } else {
        return false;
      }
    }
    return i++ < line.size();
  };
  if (line.empty() || line[i++] != '{') return fail("no {");
  while (i < line.size() && line[i] != '}') {
    std::string key, value;
    if (!str(&key) || line[i++] != ':') return fail("bad key");
    if (line[i] == '"') {
      if (!str(&value)) return fail("bad string");
    } else {
      while (i < line.size() && line[i] != ',' && line[i] != '}') value += line[i++];
      if (!std::regex_match(value, std::regex("-?[0-9]+(\\.[0-9]+)?"))) return fail("bad number");
    }
    if (out.count(key)) return fail("duplicate key");
    out[key] = value;
    if (line[i] == ',') ++i;
  }
  if (i + 1 != line.size()) return fail("not one object");
  return out;
}

class JsonLogs : public testing::Test {
 protected:
  void SetUp() override {
    SetLogFormat(LogFormat::kJson);
    SetLogSinkForTesting([this](std::string_view l) { lines.emplace_back(l); });
  }
  void TearDown() override {
    SetLogSinkForTesting(nullptr);
    SetLogFormat(LogFormat::kText);
  }
  std::vector<std::string> lines;
};

TEST_F(JsonLogs, EveryLineIsOneJsonObjectAndAccessFieldsAreMembers) {
  CallRecord r;
  r.method = "RenderPaper";
  r.peer = "ipv4:127.0.0.1:5 \"quoted\"\nnext";
  r.client = std::string("CN=\xc3\xa9\x01", 5);
  r.paper_id = "p\\1";
  r.request_id = "abc-123";
  r.bytes_in = 12;
  r.pages = 3;
  r.code = absl::StatusCode::kResourceExhausted;
  r.outcome = "busy";
  LogEvent(LogLevel::kInfo, "access", AccessFields(r));
  Log(LogLevel::kWarning, "plain \"text\" with\ta tab");
  LogCallError(r, LogLevel::kError, "render failed: INTERNAL: x");
  ASSERT_EQ(lines.size(), 3u);
  for (const std::string& l : lines) EXPECT_EQ(l.find('\n'), std::string::npos) << l;
  auto a = ParseJsonLine(lines[0]);
  EXPECT_EQ(a["level"], "INFO");
  EXPECT_EQ(a["msg"], "access");
  EXPECT_THAT(a["time"], MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z"));
  EXPECT_EQ(a["method"], "RenderPaper");
  EXPECT_EQ(a["peer"], r.peer);
  EXPECT_EQ(a["client"], r.client);
  EXPECT_EQ(a["paper_id"], "p\\1");
  EXPECT_EQ(a["bytes_in"], "12");
  EXPECT_EQ(a["pages"], "3");
  EXPECT_EQ(a["code"], "RESOURCE_EXHAUSTED");
  EXPECT_EQ(a["outcome"], "busy");
  EXPECT_EQ(a["request_id"], "abc-123");
  EXPECT_EQ(a.count("queue_ms") + a.count("render_ms") + a.count("ms"), 3u);
  auto w = ParseJsonLine(lines[1]);
  EXPECT_EQ(w["level"], "WARNING");
  EXPECT_EQ(w["msg"], "plain \"text\" with\ta tab");
  auto e = ParseJsonLine(lines[2]);
  EXPECT_EQ(e["level"], "ERROR");
  EXPECT_EQ(e["request_id"], "abc-123");
  EXPECT_EQ(e["method"], "RenderPaper");
}

TEST(LogFormat, ParsesTextAndJsonOnly) {
  LogFormat f;
  EXPECT_TRUE(ParseLogFormat("json", &f));
  EXPECT_EQ(f, LogFormat::kJson);
  EXPECT_TRUE(ParseLogFormat("TEXT", &f));
  EXPECT_EQ(f, LogFormat::kText);
  EXPECT_FALSE(ParseLogFormat("logfmt", &f));
}

}  // namespace
}  // namespace pp::service
