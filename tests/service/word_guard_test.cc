// Tests of service/word_guard: over-long words are refused before layout.
#include "service/word_guard.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "panelpaper/v1/paper.pb.h"

namespace pp::service {
namespace {

namespace pb = ::panelpaper::v1;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

pb::RenderPaperRequest Request() {
  pb::RenderPaperRequest r;
  r.mutable_paper()->set_title("Title");
  r.mutable_paper()->add_sections()->set_heading("Heading");
  return r;
}

pb::Paragraph* Para(pb::RenderPaperRequest* r) {
  return r->mutable_paper()->mutable_sections(0)->add_blocks()->mutable_paragraph();
}

std::vector<std::string> Fields(const pb::RenderPaperRequest& r, size_t max = 10) {
  Violations v;
  CheckWordLengths(r, max, &v);
  std::vector<std::string> out;
  for (const auto& f : v.invalid) out.push_back(f.field);
  return out;
}

TEST(WordGuard, WordsUpToTheLimitPass) {
  pb::RenderPaperRequest r = Request();
  Para(&r)->add_runs()->set_text("abcdefghij abcdefghij\nabcdefghij");
  EXPECT_THAT(Fields(r), IsEmpty());
}

TEST(WordGuard, ALongWordInOneRunIsNamed) {
  pb::RenderPaperRequest r = Request();
  Para(&r)->add_runs()->set_text("short abcdefghijk");
  EXPECT_THAT(Fields(r), ElementsAre("paper.sections[0].blocks[0].paragraph.runs[0].text"));
}

TEST(WordGuard, AWordRunsOnAcrossRunsOfOneField) {
  pb::RenderPaperRequest r = Request();
  pb::Paragraph* p = Para(&r);
  p->add_runs()->set_text("x abcdef");
  p->add_runs()->set_text("ghijk y");  // "abcdefghijk": 11 characters
  EXPECT_THAT(Fields(r), ElementsAre("paper.sections[0].blocks[0].paragraph.runs[1].text"));
}

TEST(WordGuard, SpacesAndLineBreaksEndWords) {
  pb::RenderPaperRequest r = Request();
  pb::Paragraph* p = Para(&r);
  p->add_runs()->set_text("abcdefghij ");
  p->add_runs()->set_text("abcdefghij\n");
  p->add_runs()->set_text("abcdefghij");
  EXPECT_THAT(Fields(r), IsEmpty());
}

TEST(WordGuard, SeparateParagraphsAreSeparateTexts) {
  pb::RenderPaperRequest r = Request();
  Para(&r)->add_runs()->set_text("abcdefgh");
  Para(&r)->add_runs()->set_text("abcdefgh");
  EXPECT_THAT(Fields(r), IsEmpty());
}

TEST(WordGuard, CountsCharactersNotBytes) {
  pb::RenderPaperRequest r = Request();
  Para(&r)->add_runs()->set_text("éééééééééé");  // 10 characters, 20 bytes
  EXPECT_THAT(Fields(r), IsEmpty());
  Para(&r)->add_runs()->set_text("ééééééééééé");
  EXPECT_THAT(Fields(r), ElementsAre("paper.sections[0].blocks[1].paragraph.runs[0].text"));
}

TEST(WordGuard, OneViolationPerWordAndEveryWord) {
  pb::RenderPaperRequest r = Request();
  pb::Paragraph* p = Para(&r);
  p->add_runs()->set_text(std::string(50, 'a'));
  p->add_runs()->set_text(std::string(50, 'a') + " " + std::string(50, 'b'));
  EXPECT_THAT(Fields(r), ElementsAre("paper.sections[0].blocks[0].paragraph.runs[0].text",
                                     "paper.sections[0].blocks[0].paragraph.runs[1].text"));
}

TEST(WordGuard, PlainStringFieldsAndNestedMessagesAreChecked) {
  pb::RenderPaperRequest r = Request();
  r.mutable_paper()->mutable_sections(0)->set_heading("Headingwithaverylongword");
  pb::List* list = r.mutable_paper()->mutable_sections(0)->add_blocks()->mutable_list();
  list->add_items()->mutable_sublist()->add_items()->add_runs()->set_text("nestedlongword");
  r.mutable_paper()->add_organisation_lines("organisationline");
  EXPECT_THAT(Fields(r), ElementsAre("paper.organisation_lines[0]", "paper.sections[0].heading",
                                     "paper.sections[0].blocks[0].list.items[0].sublist.items[0].runs[0].text"));
}

TEST(WordGuard, LinksAreNotPartOfTheFlow) {
  pb::RenderPaperRequest r = Request();
  pb::Run* run = Para(&r)->add_runs();
  run->set_text("see");
  run->set_link("https://x");
  EXPECT_THAT(Fields(r), IsEmpty());
}

}  // namespace
}  // namespace pp::service
