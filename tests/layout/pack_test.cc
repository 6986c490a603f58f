// Tests of LayoutPack: the agenda front sheet, continuous page numbers,
// duplex blank versos, editions, outline, links and page labels.
#include "renderers/layout/pack.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "renderers/common/pdf_text.h"
#include "tests/testing/builders.h"
#include "tests/testing/fake_fonts.h"
#include "tests/testing/status_matchers.h"

namespace pp::layout {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

doc::PackItem Item(std::string number, std::string title, std::optional<doc::Paper> paper,
                   doc::Part part = doc::Part::kOne) {
  doc::PackItem item;
  item.number = std::move(number);
  item.title = std::move(title);
  item.paper = std::move(paper);
  item.part = part;
  item.exempt_paragraph = part == doc::Part::kTwo ? 7 : 0;
  item.presenter = "Chief Executive";
  item.purpose = "For noting";
  return item;
}

// A paper of roughly `pages` pages whose text says `marker`.
doc::Paper PaperSaying(const std::string& marker, int paragraphs) {
  doc::Paper p = test::PaperWithParagraphs(paragraphs, 60);
  p.title = marker + " title";
  std::get<doc::Paragraph>(p.sections[0].blocks[0]).runs = test::Plain(marker + " body text");
  p.first_page_number = 999;  // ignored inside a pack
  p.agenda_item = "99";       // ignored too
  return p;
}

doc::Pack Meeting(doc::Edition edition, bool duplex) {
  doc::Pack pack;
  pack.meeting.panel_name = "JOINT AUDIT PANEL";
  pack.meeting.date = doc::Date(2020, 1, 8);
  pack.meeting.start_time = "14:00";
  pack.meeting.venue = "City Hall";
  pack.first_page_number = 161;
  pack.edition = edition;
  pack.duplex = duplex;
  pack.items.push_back(Item("1", "Apologies for absence", std::nullopt));
  pack.items.push_back(Item("3", "Counter-fraud update", PaperSaying("SECRETSTUFF", 12),
                            doc::Part::kTwo));
  pack.items.push_back(Item("4", "Internal audit progress", PaperSaying("AUDITPAPER", 30)));
  pack.items.push_back(Item("7b", "Governance plans", PaperSaying("GOVPAPER", 5)));
  pack.items.push_back(Item("9", "Any other business", std::nullopt));
  for (size_t i = 0; i < pack.items.size(); ++i) pack.items[i].path = "items[" + std::to_string(i) + "]";
  return pack;
}

std::string AllText(const PageLayout& l) {
  std::string out;
  for (const Page& p : l.pages) out += test::PageText(p) + "\n";
  return out;
}

// The printed page number of a page: the footer text item.
std::string Footer(const Page& page, const HouseStyle& s) {
  for (const TextItem& t : page.texts) {
    if (std::abs(t.y - s.page_number_baseline) < 0.01) return t.text;
  }
  return "";
}

TEST(LayoutPack, NumbersRunContinuouslyAndPlacementsMatchThePages) {
  std::vector<ItemPlacement> placed;
  auto layout = LayoutPack(Meeting(doc::Edition::kPublic, false), *test::FakeFonts(), {}, &placed);
  ASSERT_THAT(layout.status(), test::IsOk());
  const HouseStyle s;
  for (size_t i = 0; i < layout->pages.size(); ++i) {
    EXPECT_EQ(Footer(layout->pages[i], s), std::to_string(161 + i)) << "page " << i;
  }
  ASSERT_EQ(placed.size(), 5u);
  EXPECT_FALSE(placed[0].included);
  EXPECT_FALSE(placed[1].included);  // Part II, public edition
  EXPECT_TRUE(placed[2].included);
  EXPECT_TRUE(placed[3].included);
  EXPECT_EQ(placed[3].first_page, placed[2].last_page + 1);
  EXPECT_EQ(placed[3].last_page, 161 + static_cast<int>(layout->pages.size()) - 1);
  // Each paper's first page carries its own stamp; the paper's own number and
  // agenda item are ignored.
  const Page& first_7b = layout->pages[static_cast<size_t>(placed[3].first_page - 161)];
  EXPECT_THAT(test::PageText(first_7b), HasSubstr("AGENDA ITEM 7b"));
  EXPECT_THAT(test::PageText(first_7b), HasSubstr("GOVPAPER title"));
  EXPECT_THAT(AllText(*layout), Not(HasSubstr("AGENDA ITEM 99")));
  ASSERT_EQ(layout->labels.size(), 1u);
  EXPECT_EQ(layout->labels[0].start, 161);
}

TEST(LayoutPack, AgendaShowsPageRangesAndLinksToEachPaper) {
  std::vector<ItemPlacement> placed;
  auto layout = LayoutPack(Meeting(doc::Edition::kPublic, false), *test::FakeFonts(), {}, &placed);
  ASSERT_THAT(layout.status(), test::IsOk());
  const std::string front = test::PageText(layout->pages[0]);
  EXPECT_THAT(front, HasSubstr("AGENDA"));
  EXPECT_THAT(front, HasSubstr("Wednesday 8 January 2020"));
  const std::string range = "(Pages " + std::to_string(placed[2].first_page) + " \xE2\x80\x93 " +
                            std::to_string(placed[2].last_page) + ")";
  EXPECT_THAT(AllText(*layout), HasSubstr(range));
  std::vector<int> targets;
  for (const Page& p : layout->pages) {
    for (const LinkItem& l : p.links) {
      if (l.uri.empty()) targets.push_back(l.target_page);
    }
  }
  EXPECT_THAT(targets, ::testing::ElementsAre(placed[2].first_page - 161,
                                              placed[3].first_page - 161));
}

TEST(LayoutPack, PublicEditionLeavesPartTwoOutButListsItsExemption) {
  auto layout = LayoutPack(Meeting(doc::Edition::kPublic, false), *test::FakeFonts(), {});
  ASSERT_THAT(layout.status(), test::IsOk());
  const std::string text = AllText(*layout);
  EXPECT_THAT(text, Not(HasSubstr("SECRETSTUFF")));
  EXPECT_THAT(text, HasSubstr("Counter-fraud update"));
  EXPECT_THAT(text, HasSubstr("paragraph 7 of Part 1 of Schedule 12A"));
  EXPECT_THAT(text, Not(HasSubstr("OFFICIAL-SENSITIVE")));
}

TEST(LayoutPack, MembersEditionIncludesPartTwoMarkedOnEveryPage) {
  std::vector<ItemPlacement> placed;
  auto layout = LayoutPack(Meeting(doc::Edition::kMembers, false), *test::FakeFonts(), {}, &placed);
  ASSERT_THAT(layout.status(), test::IsOk());
  ASSERT_TRUE(placed[1].included);
  // Part II comes after Part I in the pack.
  EXPECT_GT(placed[1].first_page, placed[3].last_page);
  for (int p = placed[1].first_page; p <= placed[1].last_page; ++p) {
    const std::string text = test::PageText(layout->pages[static_cast<size_t>(p - 161)]);
    EXPECT_THAT(text, HasSubstr("OFFICIAL-SENSITIVE")) << "page " << p;
    EXPECT_THAT(text, HasSubstr("AGENDA ITEM 3")) << "page " << p;
  }
  EXPECT_THAT(AllText(*layout), HasSubstr("SECRETSTUFF"));
}

TEST(LayoutPack, DuplexStartsEveryPaperOnARightHandPage) {
  std::vector<ItemPlacement> placed;
  auto layout = LayoutPack(Meeting(doc::Edition::kMembers, true), *test::FakeFonts(), {}, &placed);
  ASSERT_THAT(layout.status(), test::IsOk());
  const HouseStyle s;
  int blanks = 0;
  for (size_t i = 0; i < layout->pages.size(); ++i) {
    const std::string text = test::PageText(layout->pages[i]);
    if (text.find("This page is intentionally left blank") != std::string::npos) {
      ++blanks;
      EXPECT_EQ(i % 2, 1u) << "a blank page is a verso";
      EXPECT_EQ(Footer(layout->pages[i], s), std::to_string(161 + i)) << "blanks carry numbers";
    }
  }
  for (const ItemPlacement& p : placed) {
    if (p.included) {
      EXPECT_EQ((p.first_page - 161) % 2, 0) << p.number;
    }
  }
  EXPECT_GT(blanks, 0);
}

TEST(LayoutPack, OutlineHasOneEntryPerItemWithSectionsNested) {
  std::vector<ItemPlacement> placed;
  auto layout = LayoutPack(Meeting(doc::Edition::kPublic, false), *test::FakeFonts(), {}, &placed);
  ASSERT_THAT(layout.status(), test::IsOk());
  std::vector<std::string> top;
  for (const OutlineEntry& e : layout->outline) {
    if (e.level == 0) top.push_back(e.title);
  }
  EXPECT_THAT(top, ::testing::ElementsAre("Agenda", "1. Apologies for absence",
                                          "4. Internal audit progress", "7b. Governance plans",
                                          "9. Any other business", "3. Counter-fraud update"));
  for (size_t i = 0; i < layout->outline.size(); ++i) {
    const OutlineEntry& e = layout->outline[i];
    if (e.title == "7b. Governance plans") {
      EXPECT_EQ(e.page, placed[3].first_page - 161);
      ASSERT_LT(i + 1, layout->outline.size());
      EXPECT_EQ(layout->outline[i + 1].level, 1);  // the paper's sections, nested
    }
    if (e.title == "1. Apologies for absence") {
      EXPECT_EQ(e.page, 0);  // its agenda line
    }
  }
}

TEST(LayoutPack, AnUnlayoutablePaperNamesTheItem) {
  doc::Pack pack = Meeting(doc::Edition::kPublic, false);
  doc::Table t;
  t.path = "paper.sections[0].blocks[1].table";
  // 30 columns at 10 pt cannot fit (18 pt each; 467.7 pt of body).
  t.column_widths.assign(30, 1.0);
  doc::TableRow row;
  doc::TableCell cell;
  cell.paragraphs.push_back(test::Para("x"));
  row.cells.assign(30, cell);
  t.rows = {row};
  pack.items[2].paper->sections[0].blocks.push_back(t);
  auto layout = LayoutPack(pack, *test::FakeFonts(), {});
  EXPECT_EQ(layout.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(layout.status().message()),
              HasSubstr("items[2].paper.sections[0].blocks[1].table.column_widths"));
}

TEST(LayoutPack, ReportsProgressPerItemAndHonoursThePageLimit) {
  std::vector<std::pair<int, int>> progress;
  PackLayoutOptions o;
  o.progress = [&](int done, int total) { progress.emplace_back(done, total); };
  ASSERT_THAT(LayoutPack(Meeting(doc::Edition::kPublic, false), *test::FakeFonts(), o).status(),
              test::IsOk());
  ASSERT_EQ(progress.size(), 5u);
  EXPECT_EQ(progress.back(), std::make_pair(5, 5));
  o.max_pages = 3;
  EXPECT_EQ(LayoutPack(Meeting(doc::Edition::kPublic, false), *test::FakeFonts(), o).status().code(),
            absl::StatusCode::kResourceExhausted);
}

// Bookmarks and document information are PDF strings (at most 32,767
// bytes): what layout derives is cut to kMaxPdfTextChars characters.
TEST(LayoutPack, DerivedPdfStringsAreCut) {
  doc::Pack pack = Meeting(doc::Edition::kPublic, false);
  std::string long_title;
  while (long_title.size() < 65536) long_title += "\xC5\x91 ";  // ő: two bytes
  pack.items[0].title = long_title;
  pack.metadata.title = long_title;
  pack.metadata.keywords.assign(200000, "");
  auto layout = LayoutPack(pack, *test::FakeFonts(), {});
  ASSERT_THAT(layout.status(), test::IsOk());
  ASSERT_GE(layout->outline.size(), 2u);
  EXPECT_EQ(CountUtf8Chars(layout->outline[1].title), kMaxPdfTextChars);
  EXPECT_EQ(layout->outline[1].title.substr(0, 5), "1. \xC5\x91");
  EXPECT_EQ(CountUtf8Chars(layout->info.title), kMaxPdfTextChars);
  EXPECT_EQ(CountUtf8Chars(layout->info.keywords), kMaxPdfTextChars);
}

}  // namespace
}  // namespace pp::layout
