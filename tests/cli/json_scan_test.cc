// The position-tracking JSON scan behind panelpaper's syntax errors.
#include "service/cli/json_scan.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "panelpaper/v1/pack.pb.h"

namespace pp::cli {
namespace {

using ::testing::HasSubstr;

std::string Testdata(const std::string& name) {
  std::ifstream in(std::string(PP_TESTDATA_DIR) + "/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ProtobufAccepts(const std::string& text) {
  panelpaper::v1::RenderAgendaPackRequest req;
  return google::protobuf::util::JsonStringToMessage(text, &req).ok();
}

TEST(JsonScanTest, AcceptsWhatProtobufAccepts) {
  // Single quotes, bare keys and trailing commas are protobuf's extensions:
  // the scan must not blame them.
  for (const char* text :
       {"{}", " {\"meeting\": {\"panelName\": \"x\"}} ", "{'meeting':{panelName:'x'}}",
        "{\"meeting\":{\"panelName\":\"x\",},}", "{\"items\":[{\"title\":\"a\"},]}",
        "{\"firstPageNumber\": -1.5e3}", "{\"meeting\":{\"panelName\":\"a\\\"b\\u00e9\"}}"}) {
    EXPECT_TRUE(ProtobufAccepts(text)) << text;
    EXPECT_FALSE(ScanJson(text).error) << text;
  }
  const std::string pack = Testdata("packs/audit-panel-2020-01-08.json");
  EXPECT_FALSE(ScanJson(pack).error);
}

// The missing comma in a 9,494-line manifest: every comma of the
// real manifest, removed in turn (a sample of them), is reported on its own
// line (or the next token's), never "no position".
TEST(JsonScanTest, EveryMissingCommaIsFoundWhereItIs) {
  const std::string pack = Testdata("packs/audit-panel-2020-01-08.json");
  int checked = 0, seen = 0;
  for (size_t at = pack.find(",\n"); at != std::string::npos; at = pack.find(",\n", at + 1)) {
    if (seen++ % 40 != 0) continue;  // a spread-out sample
    std::string broken = pack;
    broken.erase(at, 1);
    ASSERT_FALSE(ProtobufAccepts(broken));
    const JsonScan scan = ScanJson(broken);
    ASSERT_TRUE(scan.error) << "comma at " << at;
    const TextPosition removed = PositionOf(broken, at);
    const TextPosition found = PositionOf(broken, scan.error->offset);
    EXPECT_TRUE(found.line == removed.line || found.line == removed.line + 1)
        << "comma on line " << removed.line << ", reported on " << found.line;
    EXPECT_THAT(scan.error->message, HasSubstr("missing comma"));
    ++checked;
  }
  EXPECT_GT(checked, 30);
}

TEST(JsonScanTest, ReportsEachKindOfSyntaxError) {
  struct Case {
    const char* text;
    int line, column;
    const char* message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"{\n  \"a\": 1\n  \"b\": 2\n}", 3, 3, "expected ',' or '}'"},
           {"{\"a\": [1 2]}", 1, 10, "expected ',' or ']'"},
           {"{\"a\" 1}", 1, 6, "expected ':'"},
           {"{\"a\": }", 1, 7, "expected a value"},
           {"{\"a\": \"x}", 1, 7, "unterminated string"},
           {"{\"a\": 1} x", 1, 10, "after the end"},
           {"", 1, 1, "empty"},
           {"{\"meeting\": {\"panelName\": NaN}}", 1, 27, "expected a value"},
           {"{\n\t\"a\": 1,\n\t\"b\": tru\n}", 3, 7, "expected a value"},
           {"{\"a\":\n  \"\xc3\xa9\xc3\xa9\" \"b\"}", 2, 8, "expected ',' or '}'"},
       }) {
    const JsonScan scan = ScanJson(c.text);
    ASSERT_TRUE(scan.error) << c.text;
    const TextPosition p = PositionOf(c.text, scan.error->offset);
    EXPECT_EQ(p.line, c.line) << c.text;
    EXPECT_EQ(p.column, c.column) << c.text;
    EXPECT_THAT(scan.error->message, HasSubstr(c.message)) << c.text;
  }
}

TEST(JsonScanTest, RecordsFieldPathsInProtobufSpelling) {
  const JsonScan scan = ScanJson("{\"items\": [{\"title\": \"a\"}, {\"paper\": {\"title\": 5}}]}");
  ASSERT_FALSE(scan.error);
  ASSERT_TRUE(scan.places.count("items[1].paper.title"));
  EXPECT_EQ(scan.places.at("items[1].paper.title").value, 47u);  // the 5
  EXPECT_TRUE(scan.places.count("items[0].title"));
}

TEST(JsonScanTest, DeepNestingStopsWithoutBlame) {
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  EXPECT_FALSE(ScanJson(deep).error);
}

TEST(FormatAtTest, LineAndCaret) {
  EXPECT_EQ(FormatAt("m.json", "{\n  \"a\": 1\n  \"b\": 2\n}", 13, "expected ','"),
            "m.json:3:3: expected ','\n      \"b\": 2\n      ^");
  // Tabs are kept so the caret lines up.
  EXPECT_EQ(FormatAt("f", "{\n\t\"b\": x}", 8, "m"), "f:2:7: m\n    \t\"b\": x}\n    \t     ^");
}

TEST(FormatAtTest, LongLinesAreCutAroundTheColumn) {
  const std::string line = "{\"a\": \"" + std::string(5000, 'x') + "\" \"b\": 1}";
  const std::string out = FormatAt("f", line, 5009, "m");
  EXPECT_THAT(out, HasSubstr("f:1:5010: m\n    ..."));
  EXPECT_LT(out.size(), 300u);
  const size_t second = out.find('\n') + 1;
  const size_t third = out.find('\n', second) + 1;
  // The caret sits under the offending character (the second string's quote).
  const size_t caret = out.size() - 1 - third;
  ASSERT_EQ(out.back(), '^');
  EXPECT_EQ(out[second + caret], '"');
  EXPECT_EQ(out.substr(second + caret, 4), "\"b\":");
}

}  // namespace
}  // namespace pp::cli
