// Tests of renderers/layout/measure: dates, list labels, paragraph numbering
// and the outline, measured with the fixed-width fake fonts (12 pt body text:
// 6 pt a character).
#include "renderers/layout/measure.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "renderers/layout/compose.h"
#include "renderers/layout/table_flow.h"
#include "tests/testing/builders.h"
#include "tests/testing/fake_fonts.h"
#include "tests/testing/status_matchers.h"

namespace pp::layout {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// ---- Helpers ------------------------------------------------------------------------

std::vector<FlowPtr> MustMeasure(const doc::Paper& paper) {
  absl::StatusOr<std::vector<FlowPtr>> flows =
      MeasurePaper(paper, *test::FakeFonts(), HouseStyle{});
  EXPECT_THAT(flows.status(), test::IsOk());
  return flows.ok() ? *std::move(flows) : std::vector<FlowPtr>{};
}

const Flowable* FindByPath(const std::vector<FlowPtr>& flows, const std::string& path) {
  for (const FlowPtr& f : flows) {
    if (f->path == path) return f.get();
  }
  return nullptr;
}

// The hanging label of the TextBlock at `path` ("" for none; "?" when there
// is no such TextBlock).
std::string LabelAt(const std::vector<FlowPtr>& flows, const std::string& path) {
  const auto* block = dynamic_cast<const TextBlock*>(FindByPath(flows, path));
  if (block == nullptr) return "?";
  const std::optional<text::Line>& label = block->content().label;
  return label ? test::LineText(*label) : "";
}

std::string BlockPath(int section, int block) {
  return absl::StrCat("paper.sections[", section, "].blocks[", block, "]");
}

doc::Subheading Sub(std::string text, std::string path) {
  doc::Subheading h;
  h.text = std::move(text);
  h.path = std::move(path);
  return h;
}

doc::Paragraph Unnumbered(std::string text, std::string path) {
  doc::Paragraph p = test::Para(std::move(text), std::move(path));
  p.unnumbered = true;
  return p;
}

// ---- FormatDate ---------------------------------------------------------------------

TEST(FormatDate, WithWeekday) {
  EXPECT_EQ(FormatDate(doc::Date(2020, 1, 8), true), "Wednesday 8 January 2020");
  EXPECT_EQ(FormatDate(doc::Date(1999, 12, 31), true), "Friday 31 December 1999");
  EXPECT_EQ(FormatDate(doc::Date(2100, 2, 28), true), "Sunday 28 February 2100");
}

TEST(FormatDate, WithoutWeekday) {
  EXPECT_EQ(FormatDate(doc::Date(2020, 1, 8), false), "8 January 2020");
  EXPECT_EQ(FormatDate(doc::Date(2021, 11, 30), false), "30 November 2021");
}

TEST(FormatDate, LeapYears) {
  EXPECT_EQ(FormatDate(doc::Date(2020, 2, 29), true), "Saturday 29 February 2020");
  EXPECT_EQ(FormatDate(doc::Date(2000, 2, 29), true), "Tuesday 29 February 2000");
  EXPECT_EQ(FormatDate(doc::Date(2024, 2, 29), true), "Thursday 29 February 2024");
  // 1900 was not a leap year: 28 February is followed by 1 March.
  EXPECT_EQ(FormatDate(doc::Date(1900, 2, 28), true), "Wednesday 28 February 1900");
  EXPECT_EQ(FormatDate(doc::Date(1900, 3, 1), true), "Thursday 1 March 1900");
}

// ---- ListLabel ----------------------------------------------------------------------

TEST(ListLabel, EveryStyle) {
  EXPECT_EQ(ListLabel(doc::ListStyle::kBullet, 0), "\xE2\x80\xA2");
  EXPECT_EQ(ListLabel(doc::ListStyle::kBullet, 41), "\xE2\x80\xA2");
  EXPECT_EQ(ListLabel(doc::ListStyle::kLowerAlphaDot, 0), "a.");
  EXPECT_EQ(ListLabel(doc::ListStyle::kLowerAlphaParen, 1), "(b)");
  EXPECT_EQ(ListLabel(doc::ListStyle::kDecimalDot, 0), "1.");
  EXPECT_EQ(ListLabel(doc::ListStyle::kDecimalParen, 9), "(10)");
  EXPECT_EQ(ListLabel(doc::ListStyle::kLowerRomanDot, 0), "i.");
  EXPECT_EQ(ListLabel(doc::ListStyle::kUpperRomanDot, 1), "II.");
  EXPECT_EQ(ListLabel(doc::ListStyle::kNone, 0), "");
  EXPECT_EQ(ListLabel(doc::ListStyle::kNone, 7), "");
}

TEST(ListLabel, AlphabeticLabelsGoOnPastZ) {
  EXPECT_EQ(ListLabel(doc::ListStyle::kLowerAlphaDot, 25), "z.");
  EXPECT_EQ(ListLabel(doc::ListStyle::kLowerAlphaDot, 26), "aa.");  // the 27th item
  EXPECT_EQ(ListLabel(doc::ListStyle::kLowerAlphaDot, 27), "ab.");
  EXPECT_EQ(ListLabel(doc::ListStyle::kLowerAlphaDot, 51), "az.");
  EXPECT_EQ(ListLabel(doc::ListStyle::kLowerAlphaDot, 52), "ba.");
  EXPECT_EQ(ListLabel(doc::ListStyle::kLowerAlphaParen, 26), "(aa)");
  EXPECT_EQ(ListLabel(doc::ListStyle::kLowerAlphaDot, 701), "zz.");
  EXPECT_EQ(ListLabel(doc::ListStyle::kLowerAlphaDot, 702), "aaa.");
}

TEST(ListLabel, RomanNumerals) {
  const std::vector<std::pair<int, std::string>> cases = {
      {1, "i"},   {2, "ii"},   {3, "iii"},  {4, "iv"},     {5, "v"},        {9, "ix"},
      {14, "xiv"}, {40, "xl"}, {49, "xlix"}, {90, "xc"},   {400, "cd"},     {1994, "mcmxciv"},
  };
  for (const auto& [n, roman] : cases) {
    EXPECT_EQ(ListLabel(doc::ListStyle::kLowerRomanDot, n - 1), roman + ".") << n;
  }
  EXPECT_EQ(ListLabel(doc::ListStyle::kUpperRomanDot, 3), "IV.");
  EXPECT_EQ(ListLabel(doc::ListStyle::kUpperRomanDot, 1993), "MCMXCIV.");
}

// ---- MeasurePaper: numbering ----------------------------------------------------------

TEST(MeasurePaper, NumberedParagraphsContinueAcrossSubheadings) {
  doc::Paper paper = test::MinimalPaper();
  doc::Section& s = paper.sections[0];
  s.numbered_paragraphs = true;
  s.blocks = {test::Para("First.", BlockPath(0, 0)), test::Para("Second.", BlockPath(0, 1)),
              Sub("A subheading", BlockPath(0, 2)), Unnumbered("Aside.", BlockPath(0, 3)),
              test::Para("Third.", BlockPath(0, 4))};
  const std::vector<FlowPtr> flows = MustMeasure(paper);
  EXPECT_EQ(LabelAt(flows, "paper.sections[0]"), "1.");
  EXPECT_EQ(LabelAt(flows, BlockPath(0, 0)), "1.1.");
  EXPECT_EQ(LabelAt(flows, BlockPath(0, 1)), "1.2.");
  EXPECT_EQ(LabelAt(flows, BlockPath(0, 2)), "");
  EXPECT_EQ(LabelAt(flows, BlockPath(0, 3)), "");
  EXPECT_EQ(LabelAt(flows, BlockPath(0, 4)), "1.3.");
}

TEST(MeasurePaper, NumberingRestartsInEachSectionAndSkipsUnnumberedSections) {
  doc::Paper paper = test::MinimalPaper();
  paper.sections[0].numbered_paragraphs = true;
  doc::Section plain;
  plain.heading = "Plain";
  plain.path = "paper.sections[1]";
  plain.blocks = {test::Para("Not numbered.", BlockPath(1, 0))};
  doc::Section third;
  third.heading = "Third";
  third.path = "paper.sections[2]";
  third.numbered_paragraphs = true;
  third.blocks = {Unnumbered("Lead-in.", BlockPath(2, 0)), test::Para("One.", BlockPath(2, 1)),
                  test::Para("Two.", BlockPath(2, 2))};
  paper.sections.push_back(plain);
  paper.sections.push_back(third);
  const std::vector<FlowPtr> flows = MustMeasure(paper);
  EXPECT_EQ(LabelAt(flows, BlockPath(0, 0)), "1.1.");
  EXPECT_EQ(LabelAt(flows, "paper.sections[1]"), "2.");
  EXPECT_EQ(LabelAt(flows, BlockPath(1, 0)), "");
  EXPECT_EQ(LabelAt(flows, "paper.sections[2]"), "3.");
  EXPECT_EQ(LabelAt(flows, BlockPath(2, 0)), "");
  EXPECT_EQ(LabelAt(flows, BlockPath(2, 1)), "3.1.");
  EXPECT_EQ(LabelAt(flows, BlockPath(2, 2)), "3.2.");
}

TEST(MeasurePaper, AParagraphEndingWithAColonBeforeAListKeepsWithIt) {
  doc::Paper paper = test::MinimalPaper();
  doc::List list;
  list.path = BlockPath(0, 2);
  doc::ListItem item;
  item.runs = test::Plain("An item");
  item.path = list.path + ".items[0]";
  list.items.push_back(item);
  doc::Paragraph lead = Unnumbered("The Panel is asked to note:  ", BlockPath(0, 1));
  doc::Paragraph colon_no_list = Unnumbered("Not a lead-in:", BlockPath(0, 4));
  doc::Paragraph no_colon = Unnumbered("No colon here", BlockPath(0, 5));
  paper.sections[0].blocks = {Unnumbered("Intro.", BlockPath(0, 0)), lead, list,
                              Unnumbered("After.", BlockPath(0, 3)), colon_no_list, no_colon,
                              list};
  const std::vector<FlowPtr> flows = MustMeasure(paper);
  const Flowable* l = FindByPath(flows, BlockPath(0, 1));
  ASSERT_NE(l, nullptr);
  EXPECT_TRUE(l->keep_with_next);
  EXPECT_TRUE(l->keep_splits);
  // The gap to the first item is the one it had without the rule.
  EXPECT_DOUBLE_EQ(l->space_after, HouseStyle{}.paragraph_space);
  for (int b : {0, 3, 4, 5}) {
    const Flowable* other = FindByPath(flows, BlockPath(0, b));
    ASSERT_NE(other, nullptr) << b;
    EXPECT_FALSE(other->keep_with_next) << b;
  }
}

TEST(MeasurePaper, ListItemsGetTheirStyleLabels) {
  doc::Paper paper = test::MinimalPaper();
  doc::List list;
  list.style = doc::ListStyle::kLowerAlphaDot;
  list.path = BlockPath(0, 1);
  for (int i = 0; i < 28; ++i) {
    doc::ListItem item;
    item.runs = test::Plain(absl::StrCat("Item ", i));
    item.path = absl::StrCat(list.path, ".items[", i, "]");
    list.items.push_back(item);
  }
  doc::List sub;
  sub.style = doc::ListStyle::kLowerRomanDot;
  for (int i = 0; i < 4; ++i) {
    doc::ListItem item;
    item.runs = test::Plain("Sub item");
    item.path = absl::StrCat(list.path, ".items[0].sublist.items[", i, "]");
    sub.items.push_back(item);
  }
  list.items[0].sublists.push_back(sub);
  paper.sections[0].blocks.push_back(list);
  const std::vector<FlowPtr> flows = MustMeasure(paper);
  EXPECT_EQ(LabelAt(flows, list.path + ".items[0]"), "a.");
  EXPECT_EQ(LabelAt(flows, list.path + ".items[25]"), "z.");
  EXPECT_EQ(LabelAt(flows, list.path + ".items[26]"), "aa.");
  EXPECT_EQ(LabelAt(flows, list.path + ".items[27]"), "ab.");
  EXPECT_EQ(LabelAt(flows, list.path + ".items[0].sublist.items[3]"), "iv.");
  // Sub-items come right after their parent item.
  std::vector<std::string> order;
  for (const FlowPtr& f : flows) {
    if (f->path.starts_with(list.path)) order.push_back(f->path);
  }
  ASSERT_GE(order.size(), 6u);
  EXPECT_EQ(order[1], list.path + ".items[0].sublist.items[0]");
  EXPECT_EQ(order[5], list.path + ".items[1]");
}

// ---- MeasurePaper: geometry and structure ----------------------------------------------

TEST(MeasurePaper, NumberedParagraphTextIsSetBesideTheHangingIndent) {
  // Body 165 mm = 467.72 pt; text column 467.72 - 36 = 431.72 pt; 12 pt
  // fake text is 6 pt a character: seven 9-letter words (414 pt) a line.
  doc::Paper paper = test::MinimalPaper();
  paper.sections[0].numbered_paragraphs = true;
  std::string text;
  for (int i = 0; i < 21; ++i) absl::StrAppend(&text, i ? " " : "", "abcdefghi");
  paper.sections[0].blocks = {test::Para(text, BlockPath(0, 0))};
  const std::vector<FlowPtr> flows = MustMeasure(paper);
  const auto* block = dynamic_cast<const TextBlock*>(FindByPath(flows, BlockPath(0, 0)));
  ASSERT_NE(block, nullptr);
  EXPECT_THAT(block->content().lines, SizeIs(3));
  EXPECT_DOUBLE_EQ(block->content().style.indent, 12.7 * kMm);
  EXPECT_DOUBLE_EQ(block->content().style.leading, 12 * 1.15);
  EXPECT_DOUBLE_EQ(block->Height(), 3 * 12 * 1.15);
}

TEST(MeasurePaper, HeadingsKeepWithNext) {
  doc::Paper paper = test::MinimalPaper();
  paper.sections[0].blocks = {Sub("Sub", BlockPath(0, 0)), test::Para("Text.", BlockPath(0, 1))};
  const std::vector<FlowPtr> flows = MustMeasure(paper);
  EXPECT_TRUE(FindByPath(flows, "paper.sections[0]")->keep_with_next);
  EXPECT_TRUE(FindByPath(flows, BlockPath(0, 0))->keep_with_next);
  EXPECT_FALSE(FindByPath(flows, BlockPath(0, 1))->keep_with_next);
}

TEST(MeasurePaper, TableHeaderRowsAndCaption) {
  doc::Paper paper = test::MinimalPaper();
  doc::Table t;
  t.column_widths = {1, 2};
  t.header_rows = 1;
  t.caption = "Table 1";
  t.path = BlockPath(0, 1);
  for (int r = 0; r < 4; ++r) {
    doc::TableRow row;
    for (int c = 0; c < 2; ++c) {
      doc::TableCell cell;
      cell.paragraphs.push_back(test::Para(absl::StrCat("r", r, "c", c)));
      row.cells.push_back(cell);
    }
    t.rows.push_back(row);
  }
  paper.sections[0].blocks.push_back(t);
  const std::vector<FlowPtr> flows = MustMeasure(paper);
  const Flowable* caption = FindByPath(flows, t.path + ".caption");
  ASSERT_NE(caption, nullptr);
  EXPECT_TRUE(caption->keep_with_next);
  const auto* table = dynamic_cast<const TableFlow*>(FindByPath(flows, t.path));
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->end() - table->begin(), 3u);  // 4 rows, 1 of them header
  EXPECT_EQ(test::LineText(table->RowAt(0).cells[0].lines[0].line), "r1c0");
}

TEST(MeasurePaper, ImprovementTableBandsAndAreaHeadersKeepWithNext) {
  doc::Paper paper = test::MinimalPaper();
  doc::ImprovementTable t;
  t.path = BlockPath(0, 1);
  doc::ImprovementGroup g;
  g.name = "Priority";
  doc::ImprovementArea a;
  a.name = "Governance";
  a.status = "On track";
  a.lead = "Chief Executive";
  a.aim = test::Plain("Better decisions.");
  a.main_issue = test::Plain("Slow decisions.");
  a.actions.push_back({"A1", test::Plain("Review the scheme."), ""});
  a.progress.push_back(test::Para("Done."));
  g.areas.push_back(a);
  t.groups.push_back(g);
  paper.sections[0].blocks.push_back(t);
  const std::vector<FlowPtr> flows = MustMeasure(paper);
  const auto* table = dynamic_cast<const TableFlow*>(FindByPath(flows, t.path));
  ASSERT_NE(table, nullptr);
  ASSERT_GE(table->end(), 2u);
  EXPECT_TRUE(table->RowAt(0).is_band);
  EXPECT_TRUE(table->RowAt(0).keep_with_next);
  EXPECT_EQ(test::LineText(table->RowAt(0).cells[0].lines[0].line), "Priority");
  EXPECT_TRUE(table->RowAt(1).keep_with_next);  // the area header
  EXPECT_FALSE(table->RowAt(1).is_band);
  EXPECT_FALSE(table->RowAt(table->end() - 1).keep_with_next);
  for (size_t i = 0; i < table->end(); ++i) EXPECT_EQ(table->RowAt(i).group, 0);
}

TEST(MeasurePaper, CompactAreaRowStartsWithTheActionCodes) {
  // Compact form (no main issue, monitoring or action text): the codes are
  // set in bold before the first progress paragraph of the right cell.
  doc::Paper paper = test::MinimalPaper();
  doc::ImprovementTable t;
  t.path = BlockPath(0, 1);
  doc::ImprovementGroup g;
  g.name = "Priority";
  doc::ImprovementArea a;
  a.name = "Governance";
  a.status = "On track";
  a.lead = "Chief Executive";
  for (const char* code : {"ACTION-ONE", "ACTION-TWO", "ACTION-THREE"}) {
    a.actions.push_back({code, {}, ""});
  }
  a.progress = {test::Para("First."), test::Para("Second."), test::Para("Third.")};
  g.areas.push_back(a);
  t.groups.push_back(g);
  paper.sections[0].blocks.push_back(t);
  const std::vector<FlowPtr> flows = MustMeasure(paper);
  const auto* table = dynamic_cast<const TableFlow*>(FindByPath(flows, t.path));
  ASSERT_NE(table, nullptr);
  ASSERT_EQ(table->end(), 3u);  // band, area header, the compact row
  const Row& row = table->RowAt(2);
  ASSERT_THAT(row.cells, SizeIs(2));
  std::vector<std::string> right;
  for (const CellLine& l : row.cells[1].lines) right.push_back(test::LineText(l.line));
  EXPECT_THAT(right, ElementsAre("ACTION-ONE, ACTION-TWO, ACTION-THREE First.", "Second.",
                                 "Third."));
  std::vector<std::string> left;
  for (const CellLine& l : row.cells[0].lines) left.push_back(test::LineText(l.line));
  EXPECT_THAT(left, ElementsAre("Lead: Chief Executive"));
}

TEST(MeasurePaper, InterruptStopsMeasuring) {
  const doc::Paper paper = test::PaperWithParagraphs(600, 3);
  absl::StatusOr<std::vector<FlowPtr>> flows =
      MeasurePaper(paper, *test::FakeFonts(), HouseStyle{},
                   [] { return absl::CancelledError("stop"); });
  EXPECT_THAT(flows.status(), test::StatusIs(absl::StatusCode::kCancelled));
}

// ---- Outline ------------------------------------------------------------------------

doc::Paper PaperWithSummaryAndSubheadings(bool boxed) {
  doc::Paper paper = test::MinimalPaper();
  doc::ReportSummary summary;
  summary.boxed = boxed;
  summary.path = "paper.summary";
  summary.body.push_back(test::Para("Summary text.", "paper.summary.body[0]"));
  paper.summary = summary;
  paper.sections[0].heading = "Introduction";
  paper.sections[0].blocks = {test::Para("Text.", BlockPath(0, 0)),
                              Sub("Background", BlockPath(0, 1)),
                              test::Para("More.", BlockPath(0, 2))};
  doc::Section second;
  second.heading = "Financial implications";
  second.path = "paper.sections[1]";
  second.blocks = {Sub("Costs", BlockPath(1, 0)), test::Para("None.", BlockPath(1, 1))};
  paper.sections.push_back(second);
  return paper;
}

TEST(LayoutPaper, OutlineHasSummarySectionsAndSubheadings) {
  for (bool boxed : {true, false}) {
    absl::StatusOr<PageLayout> layout =
        LayoutPaper(PaperWithSummaryAndSubheadings(boxed), *test::FakeFonts(), {});
    ASSERT_THAT(layout.status(), test::IsOk());
    EXPECT_THAT(layout->outline,
                ElementsAre(AllOf(Field(&OutlineEntry::title, "Report Summary"),
                                  Field(&OutlineEntry::level, 0)),
                            AllOf(Field(&OutlineEntry::title, "1. Introduction"),
                                  Field(&OutlineEntry::level, 0)),
                            AllOf(Field(&OutlineEntry::title, "Background"),
                                  Field(&OutlineEntry::level, 1)),
                            AllOf(Field(&OutlineEntry::title, "2. Financial implications"),
                                  Field(&OutlineEntry::level, 0)),
                            AllOf(Field(&OutlineEntry::title, "Costs"),
                                  Field(&OutlineEntry::level, 1))))
        << (boxed ? "boxed" : "unboxed");
    for (const OutlineEntry& e : layout->outline) {
      EXPECT_EQ(e.page, 0);
      EXPECT_GT(e.y, HouseStyle{}.margin_bottom);
      EXPECT_LE(e.y, HouseStyle{}.page_height - HouseStyle{}.margin_top + 1e-6);
    }
  }
}

TEST(LayoutPaper, OutlineEntriesPointAtTheirPages) {
  doc::Paper paper = test::PaperWithParagraphs(40, 60);
  doc::Section later;
  later.heading = "Later";
  later.path = "paper.sections[1]";
  later.blocks = {test::Para("End.", BlockPath(1, 0))};
  paper.sections.push_back(later);
  absl::StatusOr<PageLayout> layout = LayoutPaper(paper, *test::FakeFonts(), {});
  ASSERT_THAT(layout.status(), test::IsOk());
  ASSERT_THAT(layout->outline, SizeIs(2));
  EXPECT_EQ(layout->outline[0].page, 0);
  EXPECT_EQ(layout->outline[1].title, "2. Later");
  EXPECT_EQ(layout->outline[1].page, static_cast<int>(layout->pages.size()) - 1);
  EXPECT_GT(layout->pages.size(), 1u);
}

// ---- LayoutPaper errors -----------------------------------------------------------------

TEST(LayoutPaper, TableHeaderTallerThanAPageIsInvalidArgumentNamingTheTable) {
  doc::Paper paper = test::MinimalPaper();
  doc::Table t;
  t.column_widths = {1};
  t.header_rows = 1;
  t.path = BlockPath(0, 1);
  std::string tall = "Heading";
  for (int i = 0; i < 200; ++i) tall += "\nline";
  doc::TableRow header;
  header.cells.push_back(doc::TableCell{{test::Para(tall)}, 1, std::nullopt, doc::Align::kLeft,
                                        false, t.path + ".rows[0].cells[0]"});
  doc::TableRow body;
  body.cells.push_back(doc::TableCell{{test::Para("x")}, 1, std::nullopt, doc::Align::kLeft,
                                      false, t.path + ".rows[1].cells[0]"});
  t.rows = {header, body};
  paper.sections[0].blocks.push_back(t);
  EXPECT_THAT(LayoutPaper(paper, *test::FakeFonts(), {}).status(),
              test::StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(t.path)));
}

TEST(LayoutPaper, MorePagesThanTheLimitIsResourceExhausted) {
  LayoutOptions options;
  options.max_pages = 3;
  EXPECT_THAT(LayoutPaper(test::PaperWithParagraphs(100, 100), *test::FakeFonts(), options).status(),
              test::StatusIs(absl::StatusCode::kResourceExhausted));
  options.max_pages = 500;
  EXPECT_THAT(LayoutPaper(test::PaperWithParagraphs(100, 100), *test::FakeFonts(), options).status(),
              test::IsOk());
}

// ---- Table column widths from content ------------------------------------------------

// A table of one header row and one body row; `texts[r][c]` is row r,
// column c. With the fake fonts every character is 5 pt at 10 pt.
doc::Table TextTable(const std::vector<double>& widths,
                     const std::vector<std::vector<std::string>>& texts) {
  doc::Table t;
  t.path = BlockPath(0, 0) + ".table";
  t.column_widths = widths;
  t.header_rows = 1;
  for (size_t r = 0; r < texts.size(); ++r) {
    doc::TableRow row;
    row.path = absl::StrCat(t.path, ".rows[", r, "]");
    for (size_t c = 0; c < texts[r].size(); ++c) {
      doc::TableCell cell;
      cell.path = absl::StrCat(row.path, ".cells[", c, "]");
      cell.paragraphs.push_back(test::Para(texts[r][c]));
      row.cells.push_back(std::move(cell));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

const TableFlow* OnlyTable(const std::vector<FlowPtr>& flows) {
  for (const FlowPtr& f : flows) {
    if (const auto* t = dynamic_cast<const TableFlow*>(f.get())) return t;
  }
  return nullptr;
}

std::vector<std::string> CellTexts(const Cell& cell) {
  std::vector<std::string> out;
  for (const CellLine& l : cell.lines) out.push_back(test::LineText(l.line));
  return out;
}

TEST(MeasureTable, AColumnNarrowerThanItsLongestWordIsWidenedAndTheOthersGiveWay) {
  // Body 467.72 pt; shares 6:94 would give column 0 28.06 pt, but its header
  // word "Direction" (9 characters, 45 pt, bold included) needs 45 + 8 pt.
  doc::Paper paper = test::MinimalPaper();
  paper.sections[0].blocks = {TextTable({6, 94}, {{"Direction of travel", "Detail"},
                                                   {"Increasing", "Text"}})};
  std::vector<LayoutNote> notes;
  auto flows = MeasurePaper(paper, *test::FakeFonts(), HouseStyle{}, nullptr, &notes);
  ASSERT_THAT(flows.status(), test::IsOk());
  const TableFlow* t = OnlyTable(*flows);
  ASSERT_NE(t, nullptr);
  const std::vector<double>& x = t->data().column_x;
  ASSERT_THAT(x, SizeIs(3));
  // "Increasing" (10 characters, 50 pt) is the widest word of column 0.
  EXPECT_NEAR(x[1], 50 + 2 * HouseStyle{}.cell_padding_x, 1e-9);
  EXPECT_NEAR(x[2], HouseStyle{}.body_width(), 1e-9);
  EXPECT_THAT(CellTexts(t->data().header[0].cells[0]), ElementsAre("Direction", "of travel"));
  EXPECT_THAT(CellTexts(t->RowAt(0).cells[0]), ElementsAre("Increasing"));
  EXPECT_THAT(notes, SizeIs(0));
}

TEST(MeasureTable, ColumnsThatFitKeepTheirPreferredShares) {
  doc::Paper paper = test::MinimalPaper();
  paper.sections[0].blocks = {TextTable({1, 3}, {{"a", "b"}, {"c", "d"}})};
  const std::vector<FlowPtr> flows = MustMeasure(paper);
  const TableFlow* t = OnlyTable(flows);
  ASSERT_NE(t, nullptr);
  EXPECT_NEAR(t->data().column_x[1], HouseStyle{}.body_width() / 4, 1e-9);
}

TEST(MeasureTable, OnlyWhenTheMinimumsExceedTheBodyDoWordsBreakWithAHyphenAndAWarning) {
  // Two columns whose words need 60 characters (300 pt + padding) each:
  // together more than the body, so both break, hyphenated, and a warning
  // names each cell.
  doc::Paper paper = test::MinimalPaper();
  const std::string long_word(60, 'a');
  paper.sections[0].blocks = {TextTable({1, 1}, {{"h", "h"}, {long_word, long_word + " b"}})};
  std::vector<LayoutNote> notes;
  auto flows = MeasurePaper(paper, *test::FakeFonts(), HouseStyle{}, nullptr, &notes);
  ASSERT_THAT(flows.status(), test::IsOk());
  const TableFlow* t = OnlyTable(*flows);
  ASSERT_NE(t, nullptr);
  const std::vector<std::string> lines = CellTexts(t->RowAt(0).cells[0]);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_TRUE(lines[0].ends_with("-")) << lines[0];
  EXPECT_TRUE(t->RowAt(0).cells[0].lines[0].line.broke_word);
  ASSERT_THAT(notes, SizeIs(2));
  EXPECT_EQ(notes[0].field, BlockPath(0, 0) + ".table.rows[1].cells[0]");
  EXPECT_EQ(notes[1].field, BlockPath(0, 0) + ".table.rows[1].cells[1]");
  EXPECT_THAT(notes[0].message, HasSubstr("broken inside"));
}

TEST(MeasureTable, ASpanningCellWidensTheColumnsItSpans) {
  // Row 1's cell spans both columns and holds a 70-character word (350 pt):
  // the two columns together are widened to hold it; it does not break.
  doc::Paper paper = test::MinimalPaper();
  doc::Table t = TextTable({1, 1, 4}, {{"a", "b", "c"}, {"x", "y", "z"}});
  doc::TableRow row;
  row.path = t.path + ".rows[2]";
  doc::TableCell wide;
  wide.column_span = 2;
  wide.paragraphs.push_back(test::Para(std::string(70, 'w')));
  doc::TableCell last;
  last.paragraphs.push_back(test::Para("q"));
  row.cells = {wide, last};
  t.rows.push_back(row);
  paper.sections[0].blocks = {t};
  const std::vector<FlowPtr> flows = MustMeasure(paper);
  const TableFlow* tf = OnlyTable(flows);
  ASSERT_NE(tf, nullptr);
  EXPECT_GE(tf->data().column_x[2], 350 + 8 - 1e-9);
  EXPECT_THAT(CellTexts(tf->RowAt(1).cells[0]), ElementsAre(std::string(70, 'w')));
}

TEST(MeasureTable, RowSpansJoinRowsInTheHtmlModel) {
  // A grouped header ("Priority" over two columns beside "Area" spanning
  // both header rows) and "QA-05 to QA-08" spanning three body rows.
  doc::Paper paper = test::MinimalPaper();
  doc::Table t = TextTable({2, 1, 1}, {{"Area", "Priority"}, {"RED", "AMBER"},
                                       {"QA-05 to QA-08", "QA-05", "x"}, {"QA-06", "y"},
                                       {"QA-07", "z"}, {"QA-09", "n", "m"}});
  t.header_rows = 2;
  t.rows[0].cells[0].row_span = 2;
  t.rows[0].cells[1].column_span = 2;
  t.rows[2].cells[0].row_span = 3;
  paper.sections[0].blocks = {t};
  const std::vector<FlowPtr> flows = MustMeasure(paper);
  const TableFlow* tf = OnlyTable(flows);
  ASSERT_NE(tf, nullptr);
  const TableData& d = tf->data();
  ASSERT_THAT(d.header, SizeIs(2));
  EXPECT_EQ(d.header[0].cells[0].row_span, 2);
  EXPECT_EQ(d.header[1].cells[0].column, 1);
  EXPECT_EQ(d.header[1].cells[1].column, 2);
  ASSERT_THAT(d.rows, SizeIs(4));
  EXPECT_EQ(d.rows[0].cells[0].row_span, 3);
  EXPECT_THAT(CellTexts(d.rows[0].cells[0]), ElementsAre("QA-05 to QA-08"));
  EXPECT_EQ(d.rows[1].cells[0].column, 1);
  EXPECT_THAT(CellTexts(d.rows[1].cells[0]), ElementsAre("QA-06"));
  EXPECT_THAT(d.rows[2].spanned_from, ElementsAre(std::make_pair(size_t{0}, 0)));
  EXPECT_TRUE(d.rows[0].keep_with_next);
  EXPECT_TRUE(d.rows[1].keep_with_next);
  EXPECT_FALSE(d.rows[2].keep_with_next);
  EXPECT_EQ(d.rows[3].cells[0].column, 0);
}

}  // namespace
}  // namespace pp::layout
