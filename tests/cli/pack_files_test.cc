// service/cli/pack_files: agenda items that name their paper by file, and
// papers addressed to another meeting.
#include "service/cli/pack_files.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace pp::cli {
namespace {

namespace pb = ::panelpaper::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::StartsWith;

class PackFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pack_files_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_EQ(std::system(("mkdir -p " + dir_ + "/papers").c_str()), 0);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  static pb::RenderAgendaPackRequest Pack(const std::string& text) {
    pb::RenderAgendaPackRequest req;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &req));
    return req;
  }
  std::string dir_;
};

TEST_F(PackFilesTest, ReadsPapersRelativeToTheManifest) {
  Write("papers/a.json", R"({"paper": {"title": "From JSON", "panelName": "P"}})");
  Write("papers/b.textproto", "paper { title: \"From text\" }\n");
  pb::RenderAgendaPackRequest req = Pack(
      "items { title: \"one\" paper_file: \"papers/a.json\" }"
      "items { title: \"two\" paper { title: \"inline\" } }"
      "items { title: \"three\" paper_file: \"papers/b.textproto\" }"
      "items { title: \"four\" }");
  const PaperFiles files = ResolvePaperFiles(dir_ + "/pack.json", &req);
  EXPECT_THAT(files.problems, SizeIs(0));
  EXPECT_THAT(files.files, ElementsAre(dir_ + "/papers/a.json", dir_ + "/papers/b.textproto"));
  EXPECT_EQ(req.items(0).paper().title(), "From JSON");
  EXPECT_EQ(req.items(0).paper_source_case(), pb::AgendaItem::kPaper);
  EXPECT_EQ(req.items(1).paper().title(), "inline");
  EXPECT_EQ(req.items(2).paper().title(), "From text");
  EXPECT_FALSE(req.items(3).has_paper());
}

TEST_F(PackFilesTest, StandardInputManifestsAreRelativeToTheCurrentFolder) {
  EXPECT_EQ(ManifestFolder("-"), "");
  EXPECT_EQ(ManifestFolder("pack.json"), "");
  EXPECT_EQ(ManifestFolder("a/b/pack.json"), "a/b/");
}

TEST_F(PackFilesTest, EveryProblemNamesItsItem) {
  Write("papers/broken.json", "{\n  \"paper\": {\"title\" \"x\"}\n}");
  Write("papers/empty.json", "{}");
  pb::RenderAgendaPackRequest req = Pack(
      "items { paper_file: \"papers/missing.json\" }"
      "items { paper_file: \"papers/broken.json\" }"
      "items { paper_file: \"papers/empty.json\" }"
      "items { paper_file: \"papers\" }");
  const PaperFiles files = ResolvePaperFiles(dir_ + "/pack.json", &req);
  ASSERT_THAT(files.problems, SizeIs(4));
  EXPECT_EQ(files.problems[0], "items[0].paper_file: cannot read " + dir_ +
                                   "/papers/missing.json: No such file or directory");
  EXPECT_THAT(files.problems[1], StartsWith("items[1].paper_file: " + dir_ +
                                            "/papers/broken.json:2:21: expected ':'"));
  EXPECT_EQ(files.problems[2], "items[2].paper_file: " + dir_ + "/papers/empty.json has no paper");
  EXPECT_THAT(files.problems[3], HasSubstr("it is a folder"));
  EXPECT_TRUE(files.io_failure);
  EXPECT_EQ(req.items(1).paper_file(), "papers/broken.json");  // left for nothing to render
}

TEST_F(PackFilesTest, WarnsAboutPapersForAnotherMeeting) {
  const pb::RenderAgendaPackRequest req = Pack(
      "meeting { panel_name: \"AUDIT PANEL\" date: \"2020-01-08\" }"
      "items { paper { panel_name: \"Audit  panel\" meeting_date: \"2020-01-08\" } }"
      "items { paper { panel_name: \"AUDIT PANEL\" meeting_date: \"2020-01-15\" } }"
      "items { paper { panel_name: \"RISK PANEL\" meeting_date: \"2020-01-08\" } }"
      "items { }");
  EXPECT_THAT(MeetingMismatches(req),
              ElementsAre(Pair("items[1].paper.meeting_date",
                               "the paper is dated 2020-01-15, the meeting is on 2020-01-08"),
                          Pair("items[2].paper.panel_name",
                               "the paper is addressed to RISK PANEL, the meeting is of AUDIT PANEL")));
}

}  // namespace
}  // namespace pp::cli
