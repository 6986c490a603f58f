// service/cli/cli_files: reading requests, writing PDFs safely, and parse
// errors people can act on (positions, BOM, valid enum values, "did you
// mean").
#include "service/cli/cli_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "panelpaper/v1/pack.pb.h"
#include "panelpaper/v1/paper.pb.h"

namespace pp::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class CliFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cli_files_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string dir_;
};

TEST_F(CliFilesTest, ReadErrorsCarryTheReason) {
  const absl::StatusOr<std::string> missing = ReadFile(dir_ + "/nope.json");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("cannot read " + dir_ + "/nope.json: No such file or directory"));
  // A folder as input is a clear error, not a JSON error.
  const absl::StatusOr<std::string> folder = ReadFile(dir_);
  EXPECT_FALSE(folder.ok());
  EXPECT_THAT(std::string(folder.status().message()), HasSubstr("it is a folder, not a file"));
  EXPECT_EQ(*ReadFile(Write("a.json", "abc")), "abc");
}

TEST_F(CliFilesTest, WritesAtomicallyAndLeavesNoTemporaryFile) {
  const std::string out = dir_ + "/out.pdf";
  ASSERT_TRUE(WriteFileAtomically(out, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(out, "second").ok());
  EXPECT_EQ(Slurp(out), "second");
  struct stat st;
  ASSERT_EQ(stat(out.c_str(), &st), 0);
  const mode_t mask = umask(0);
  umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0666 & ~mask);
  EXPECT_EQ(std::system(("test $(ls -A " + dir_ + " | wc -l) = 1").c_str()), 0);
}

TEST_F(CliFilesTest, WriteErrorsCarryTheReason) {
  const absl::Status s = WriteFileAtomically(dir_ + "/no/such/folder/x.pdf", "x");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cannot write " + dir_ + "/no/such/folder/x.pdf: No such file or directory");
}

// -o used to rename a temporary file over whatever was there: a symlink,
// a FIFO, a device node.
TEST_F(CliFilesTest, RefusesToReplaceAnythingButARegularFile) {
  const std::string target = Write("target.pdf", "keep");
  const std::string link = dir_ + "/link.pdf";
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  const std::string fifo = dir_ + "/fifo.pdf";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  struct Case {
    std::string path, kind;
  };
  for (const Case& c : {Case{link, "a symbolic link"}, Case{fifo, "a FIFO"},
                        Case{"/dev/null", "a character device"}, Case{"/dev/stdout", "a symbolic link"},
                        Case{dir_, "a folder"}}) {
    for (const absl::Status& s : {CheckOutputPath(c.path), WriteFileAtomically(c.path, "x")}) {
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << c.path;
      EXPECT_THAT(std::string(s.message()), HasSubstr("refusing to write " + c.path + ": it is " + c.kind)) << c.path;
      EXPECT_THAT(std::string(s.message()), HasSubstr("use -o - for standard output"));
    }
  }
  struct stat st;
  ASSERT_EQ(lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(Slurp(target), "keep");
  ASSERT_EQ(lstat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_TRUE(CheckOutputPath("-").ok());
  EXPECT_TRUE(CheckOutputPath(dir_ + "/new.pdf").ok());
}

// ---- parse errors ---------------------------------------------------------

absl::Status ParsePack(const std::string& path, const std::string& text) {
  panelpaper::v1::RenderAgendaPackRequest req;
  return ParseRequestText(path, text, &req);
}

TEST(ParseRequestTextTest, JsonSyntaxErrorsHaveLineColumnAndCaret) {
  const absl::Status s = ParsePack("pack.json", "{\n  \"meeting\": {\n    \"panelName\": \"A\"\n    \"date\": \"2020-01-08\"\n  }\n}\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "pack.json:4:5: expected ',' or '}' after a field's value, found a string (a missing comma?)\n"
            "        \"date\": \"2020-01-08\"\n"
            "        ^");
}

// Notepad and PowerShell save a byte-order mark; it used to give only
// "Expected a value.".
TEST(ParseRequestTextTest, AcceptsAByteOrderMark) {
  panelpaper::v1::RenderAgendaPackRequest req;
  ASSERT_TRUE(ParseRequestText("p.json", "\xEF\xBB\xBF{\"meeting\": {\"panelName\": \"A\"}}", &req).ok());
  EXPECT_EQ(req.meeting().panel_name(), "A");
  req.Clear();
  ASSERT_TRUE(ParseRequestText("p.textproto", "\xEF\xBB\xBFmeeting { panel_name: \"B\" }", &req).ok());
  EXPECT_EQ(req.meeting().panel_name(), "B");
  // Errors after a BOM count columns from the first real character.
  EXPECT_THAT(std::string(ParsePack("p.json", "\xEF\xBB\xBF{\"a\" 1}").message()), StartsWith("p.json:1:6: "));
}

TEST(ParseRequestTextTest, UnknownEnumValueListsTheValidOnes) {
  const absl::Status s = ParsePack("p.json", "{\n  \"edition\": \"PUBLC\"\n}");
  EXPECT_EQ(s.message(),
            "p.json:2:14: edition: invalid value \"PUBLC\" for panelpaper.v1.PackEdition; valid "
            "values: PUBLIC, MEMBERS (did you mean PUBLIC?)\n"
            "      \"edition\": \"PUBLC\"\n"
            "                 ^");
  const absl::Status nested = ParsePack("p.json", "{\"items\": [{}, {\"purpose\": \"FOR_NOTNG\"}]}");
  EXPECT_THAT(std::string(nested.message()), HasSubstr("items[1].purpose: invalid value \"FOR_NOTNG\" for panelpaper.v1.ItemPurpose; valid values: FOR_NOTING, FOR_DECISION, FOR_DISCUSSION, FOR_INFORMATION, FOR_APPROVAL (did you mean FOR_NOTING?)"));
  const absl::Status text = ParsePack("p.textproto", "edition: PUBLC\n");
  EXPECT_THAT(std::string(text.message()), StartsWith("p.textproto:1:10: Unknown enumeration value of \"PUBLC\" for field \"edition\"; valid values: PUBLIC, MEMBERS (did you mean PUBLIC?)"));
}

TEST(ParseRequestTextTest, UnknownFieldSuggestsTheNearestKnownOne) {
  const absl::Status s = ParsePack("p.json", "{\"meeting\": {\n  \"pannelName\": \"A\"}}");
  EXPECT_THAT(std::string(s.message()), StartsWith("p.json:2:3: meeting.pannelName: unknown field \"pannelName\" in panelpaper.v1.Meeting (did you mean \"panelName\"?)\n"));
  const absl::Status snake = ParsePack("p.json", "{\"items\": [{\"paper\": {\"titel\": \"x\"}}]}");
  EXPECT_THAT(std::string(snake.message()), HasSubstr("items[0].paper.titel: unknown field \"titel\" in panelpaper.v1.Paper (did you mean \"title\"?)"));
  const absl::Status far = ParsePack("p.json", "{\"zzzzzzzz\": 1}");
  EXPECT_THAT(std::string(far.message()), HasSubstr("unknown field \"zzzzzzzz\" in panelpaper.v1.RenderAgendaPackRequest"));
  EXPECT_THAT(std::string(far.message()), ::testing::Not(HasSubstr("did you mean")));
  const absl::Status text = ParsePack("p.txtpb", "meeting {\n  pannel_name: \"A\"\n}\n");
  EXPECT_THAT(std::string(text.message()), StartsWith("p.txtpb:2:3: Message type \"panelpaper.v1.Meeting\" has no field named \"pannel_name\" (did you mean \"panel_name\"?)\n"));
}

// protobuf names the field by its proto name; the text has the JSON name.
TEST(ParseRequestTextTest, PositionsFollowJsonNames) {
  panelpaper::v1::RenderPaperRequest req;
  const absl::Status s =
      ParseRequestText("r.json", "{\"paper\": {\n \"protectiveMarking\": \"OFFICAL\"}}", &req);
  EXPECT_THAT(std::string(s.message()), StartsWith("r.json:2:23: paper.protective_marking: invalid value \"OFFICAL\""));
  EXPECT_THAT(std::string(s.message()), HasSubstr("(did you mean OFFICIAL?)"));
}

TEST(ParseRequestTextTest, WrongTypeNamesThePlace) {
  const absl::Status s = ParsePack("p.json", "{\"meeting\": {\"date\": 5}}");
  EXPECT_THAT(std::string(s.message()), StartsWith("p.json:1:22: meeting.date: invalid value 5: expected a string"));
}

TEST(ParseRequestTextTest, StandardInputIsNamedAndSniffed) {
  EXPECT_THAT(std::string(ParsePack("-", "{\"a\" 1}").message()), StartsWith("<stdin>:1:6: "));
  panelpaper::v1::RenderAgendaPackRequest req;
  ASSERT_TRUE(ParseRequestText("-", "meeting { panel_name: \"T\" }", &req).ok());
  EXPECT_EQ(req.meeting().panel_name(), "T");
}

}  // namespace
}  // namespace pp::cli
