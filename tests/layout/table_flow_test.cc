// Tests of renderers/layout/table_flow: the table rules in table_flow.h on
// hand-built TableData (cells of N fixed lines 10 pt apart, cell padding 3 pt
// top and bottom, so a row of n lines is 10n + 6 pt tall).
#include "renderers/layout/table_flow.h"

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "renderers/layout/paginate.h"
#include "tests/testing/builders.h"
#include "tests/testing/status_matchers.h"

namespace pp::layout {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

// ---- Helpers ------------------------------------------------------------------

// Paginates `flows` on pages `body_height` tall; fails the test on error.
std::vector<FillResult> MustPaginate(std::vector<FlowPtr> flows, double body_height,
                                     int max_pages = 10000) {
  PaginateOptions o;
  o.body_height = body_height;
  o.max_pages = max_pages;
  absl::StatusOr<std::vector<FillResult>> pages = Paginate(std::move(flows), o);
  EXPECT_THAT(pages.status(), test::IsOk());
  return pages.ok() ? *std::move(pages) : std::vector<FillResult>{};
}

// The table fragments placed on the pages, in order, with their page.
struct Placement {
  std::shared_ptr<const TableFlow> fragment;
  int page = 0;
};
std::vector<Placement> TableFragments(const std::vector<FillResult>& pages) {
  std::vector<Placement> out;
  for (size_t p = 0; p < pages.size(); ++p) {
    for (const Placed& placed : pages[p].placed) {
      if (auto t = std::dynamic_pointer_cast<const TableFlow>(placed.flow)) {
        out.push_back({t, static_cast<int>(p)});
      }
    }
  }
  return out;
}

// Draws one fragment with its top at y = 1000.
Page Drawn(const TableFlow& fragment) {
  Page page;
  DrawContext ctx{&page, 0, nullptr};
  fragment.Draw(ctx, 0, 1000);
  return page;
}

// Texts drawn for one fragment, in drawing order.
std::vector<std::string> DrawnTexts(const TableFlow& fragment) {
  std::vector<std::string> out;
  for (const TextItem& t : Drawn(fragment).texts) out.push_back(t.text);
  return out;
}

// A line's identity, parsed back from "<tag>.c<cell>.l<line>" where the tag
// is "r<row>".
struct LineId {
  int row = -1, cell = -1, line = -1;
};
LineId ParseLine(const std::string& s) {
  LineId id;
  std::vector<std::string> parts = absl::StrSplit(s, '.');
  if (parts.size() != 3 || parts[0].empty() || parts[0][0] != 'r') return id;
  if (!absl::SimpleAtoi(parts[0].substr(1), &id.row) ||
      !absl::SimpleAtoi(parts[1].substr(1), &id.cell) ||
      !absl::SimpleAtoi(parts[2].substr(1), &id.line)) {
    return LineId{};
  }
  return id;
}

// Lines per cell of row i of a fragment.
std::vector<int> CellLineCounts(const Row& row) {
  std::vector<int> out;
  for (const Cell& c : row.cells) out.push_back(static_cast<int>(c.lines.size()));
  return out;
}

// A table's rows as the test generated them: lines per cell, plus flags.
struct RowSpec {
  std::vector<int> lines;
  bool band = false;         // group band (keep_with_next, is_band)
  bool area_header = false;  // keep_with_next
  int group = -1;
};

// Builds TableData with one header row ("H") and the given body rows
// ("r<i>"); group g gets the continued band "G<g> (continued)".
std::shared_ptr<TableData> BuildTable(const std::vector<RowSpec>& specs, int columns,
                                      double split_threshold, int header_rows = 1) {
  auto d = std::make_shared<TableData>(test::GridTable(columns, 100, split_threshold));
  for (int h = 0; h < header_rows; ++h) {
    d->header.push_back(test::RowOfLines(*d, std::vector<int>(columns, 1), absl::StrCat("H", h)));
  }
  int groups = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    const RowSpec& s = specs[i];
    Row r = test::RowOfLines(*d, s.lines, absl::StrCat("r", i));
    r.keep_with_next = s.band || s.area_header;
    r.is_band = s.band;
    r.group = s.group;
    d->rows.push_back(std::move(r));
    groups = std::max(groups, s.group + 1);
  }
  for (int g = 0; g < groups; ++g) {
    Row band = test::RowOfLines(*d, {1}, absl::StrCat("G", g, " (continued)"));
    band.group = g;
    d->continued_bands.push_back(std::move(band));
  }
  return d;
}

// Random groups: a band, an area header, then 1..4 body rows whose cells
// hold 1..max_lines lines.
std::vector<RowSpec> RandomGroups(std::mt19937& rng, int columns, int max_lines) {
  std::vector<RowSpec> specs;
  std::uniform_int_distribution<int> groups(1, 4), rows(1, 4), lines(1, max_lines);
  const int ng = groups(rng);
  for (int g = 0; g < ng; ++g) {
    specs.push_back({{1}, true, false, g});
    specs.push_back({std::vector<int>(columns, 1), false, true, g});
    const int nr = rows(rng);
    for (int r = 0; r < nr; ++r) {
      RowSpec s;
      s.group = g;
      for (int c = 0; c < columns; ++c) s.lines.push_back(lines(rng));
      specs.push_back(s);
    }
  }
  return specs;
}

// ---- Checks over a paginated table --------------------------------------------

// Every fragment starts with the header rows, drawn at its top.
void ExpectHeadersOnEveryFragment(const std::vector<Placement>& fragments, int header_rows,
                                  int columns, const std::string& where) {
  for (size_t f = 0; f < fragments.size(); ++f) {
    const std::vector<std::string> texts = DrawnTexts(*fragments[f].fragment);
    ASSERT_GE(texts.size(), static_cast<size_t>(header_rows * columns)) << where;
    for (int h = 0; h < header_rows; ++h) {
      for (int c = 0; c < columns; ++c) {
        EXPECT_EQ(texts[static_cast<size_t>(h * columns + c)], absl::StrCat("H", h, ".c", c, ".l0"))
            << where << ", fragment " << f;
      }
    }
  }
}

// Rows and lines are conserved and every split obeys the two-line rule.
void ExpectRowsConservedAndSplitsLegal(const TableData& data,
                                       const std::vector<Placement>& fragments,
                                       const std::string& where) {
  // pieces[row] = per fragment holding part of the row: lines per cell.
  std::map<int, std::vector<std::vector<std::vector<int>>>> pieces;
  size_t body_rows = 0;
  for (const Placement& p : fragments) {
    const TableFlow& t = *p.fragment;
    body_rows += t.end() - t.begin();
    for (size_t i = t.begin(); i < t.end(); ++i) {
      const Row& row = t.RowAt(i);
      std::vector<std::vector<int>> cells(row.cells.size());
      int row_id = -1;
      for (size_t c = 0; c < row.cells.size(); ++c) {
        for (const CellLine& l : row.cells[c].lines) {
          const LineId id = ParseLine(test::LineText(l.line));
          ASSERT_GE(id.row, 0) << where;
          if (row_id >= 0) {
            EXPECT_EQ(id.row, row_id) << where;
          }
          row_id = id.row;
          EXPECT_EQ(id.cell, static_cast<int>(c)) << where;
          cells[c].push_back(id.line);
        }
      }
      ASSERT_GE(row_id, 0) << where << ": an empty row piece at " << i;
      pieces[row_id].push_back(std::move(cells));
    }
  }
  ASSERT_EQ(pieces.size(), data.rows.size()) << where << ": rows lost or invented";
  for (auto& [row_id, parts] : pieces) {
    const Row& original = data.rows[static_cast<size_t>(row_id)];
    const size_t ncells = original.cells.size();
    if (parts.size() > 1) {
      EXPECT_GT(original.height, data.split_threshold)
          << where << ": row " << row_id << " split though it is not tall";
    }
    // Lines conserved, in order, per cell.
    for (size_t c = 0; c < ncells; ++c) {
      std::vector<int> all;
      for (const auto& part : parts) all.insert(all.end(), part[c].begin(), part[c].end());
      std::vector<int> expected(original.cells[c].lines.size());
      for (size_t l = 0; l < expected.size(); ++l) expected[l] = static_cast<int>(l);
      EXPECT_EQ(all, expected) << where << ": row " << row_id << " cell " << c;
    }
    // Each cut: >= 2 lines each side in every cut cell and in the row.
    for (size_t cut = 0; cut + 1 < parts.size(); ++cut) {
      size_t most_head = 0, most_rest = 0;
      for (size_t c = 0; c < ncells; ++c) {
        const size_t head = parts[cut][c].size();
        size_t rest = 0;
        for (size_t q = cut + 1; q < parts.size(); ++q) rest += parts[q][c].size();
        if (head > 0 && rest > 0) {
          EXPECT_GE(head, 2u) << where << ": row " << row_id << " cell " << c << " cut " << cut;
          EXPECT_GE(rest, 2u) << where << ": row " << row_id << " cell " << c << " cut " << cut;
        }
        most_head = std::max(most_head, head);
        most_rest = std::max(most_rest, rest);
      }
      EXPECT_GE(most_head, 2u) << where << ": row " << row_id << " cut " << cut;
      EXPECT_GE(most_rest, 2u) << where << ": row " << row_id << " cut " << cut;
    }
  }
  size_t pieces_total = 0;
  for (const auto& [row_id, parts] : pieces) pieces_total += parts.size();
  EXPECT_EQ(body_rows, pieces_total) << where;
}

// No fragment but the last ends on a keep-with-next row.
void ExpectNoKeepWithNextRowLast(const std::vector<Placement>& fragments,
                                 const std::string& where) {
  for (size_t f = 0; f + 1 < fragments.size(); ++f) {
    const TableFlow& t = *fragments[f].fragment;
    ASSERT_LT(t.begin(), t.end()) << where << ": fragment " << f << " holds headers alone";
    EXPECT_FALSE(t.RowAt(t.end() - 1).keep_with_next)
        << where << ": fragment " << f << " ends on " << t.RowAt(t.end() - 1).path;
  }
}

// Continuation fragments repeat the band of the group they start inside,
// right under the header, and only then.
void ExpectContinuedBands(const TableData& data, const std::vector<Placement>& fragments,
                          const std::string& where) {
  for (size_t f = 0; f < fragments.size(); ++f) {
    const TableFlow& t = *fragments[f].fragment;
    const Row& first = t.RowAt(t.begin());
    const std::vector<std::string> texts = DrawnTexts(t);
    const size_t after_header = data.header.size() * (data.column_x.size() - 1);
    const bool inside_group = f > 0 && first.group >= 0 && !first.is_band;
    if (inside_group) {
      const std::string want = absl::StrCat("G", first.group, " (continued).c0.l0");
      EXPECT_EQ(t.ContinuedBand(), &data.continued_bands[static_cast<size_t>(first.group)])
          << where << ", fragment " << f;
      ASSERT_GT(texts.size(), after_header) << where;
      EXPECT_EQ(texts[after_header], want) << where << ", fragment " << f;
    } else {
      EXPECT_EQ(t.ContinuedBand(), nullptr) << where << ", fragment " << f;
      for (const std::string& s : texts) {
        EXPECT_THAT(s, Not(HasSubstr("(continued)"))) << where << ", fragment " << f;
      }
    }
  }
}

// ---- Header repetition --------------------------------------------------------------

TEST(TableFlow, RepeatsHeaderRowsAtTheTopOfEveryFragment) {
  for (int header_rows : {1, 2}) {
    std::vector<RowSpec> specs(30, RowSpec{{1, 1}});
    auto data = BuildTable(specs, 2, 1e9, header_rows);
    const std::vector<Placement> fragments =
        TableFragments(MustPaginate({std::make_shared<TableFlow>(data)}, 100));
    // 16 pt a row: 6 - header_rows body rows a page.
    EXPECT_THAT(fragments, SizeIs(header_rows == 1 ? 6 : 8));
    ExpectHeadersOnEveryFragment(fragments, header_rows, 2, absl::StrCat(header_rows, " header rows"));
    for (const Placement& p : fragments) {
      const Page page = Drawn(*p.fragment);
      // The header is the topmost text.
      double top = -1e9;
      for (const TextItem& t : page.texts) top = std::max(top, t.y);
      EXPECT_EQ(page.texts.front().y, top);
    }
    ExpectRowsConservedAndSplitsLegal(*data, fragments, "header repetition");
  }
}

TEST(TableFlow, FragmentHeightIncludesTheHeader) {
  auto data = BuildTable(std::vector<RowSpec>(3, RowSpec{{2, 1}}), 2, 1e9);
  TableFlow table(data);
  EXPECT_EQ(table.Height(), 16 + 3 * 26);
}

// ---- Rows moving whole ----------------------------------------------------------------

TEST(TableFlow, RowThatDoesNotFitMovesWhole) {
  for (int page = 60; page <= 300; page += 7) {
    auto data = BuildTable(std::vector<RowSpec>(12, RowSpec{{3, 2, 1}}), 3, 1e9);
    const std::vector<Placement> fragments =
        TableFragments(MustPaginate({std::make_shared<TableFlow>(data)}, page));
    for (const Placement& p : fragments) {
      for (size_t i = p.fragment->begin(); i < p.fragment->end(); ++i) {
        EXPECT_THAT(CellLineCounts(p.fragment->RowAt(i)), ElementsAre(3, 2, 1))
            << "page " << page;
      }
    }
    ExpectRowsConservedAndSplitsLegal(*data, fragments, absl::StrCat("page ", page));
  }
}

TEST(TableFlow, TableWhoseFirstRowDoesNotFitMovesToTheNextPage) {
  auto data = BuildTable(std::vector<RowSpec>(4, RowSpec{{3, 3}}), 2, 1e9);
  // 50 pt left on page 1; the header (16) and one row (36) need 52.
  const std::vector<FillResult> pages =
      MustPaginate({test::Solid(50, "filler"), std::make_shared<TableFlow>(data)}, 100);
  ASSERT_GE(pages.size(), 2u);
  ASSERT_THAT(pages[0].placed, SizeIs(1));
  EXPECT_EQ(pages[0].placed[0].flow->path, "filler");
  const std::vector<Placement> fragments = TableFragments(pages);
  EXPECT_EQ(fragments.front().page, 1);
  EXPECT_EQ(fragments.front().fragment->begin(), 0u);
}

// ---- Splitting tall rows ----------------------------------------------------------------

TEST(SplitRow, CutsEveryCellAtTheSameHeight) {
  TableData d = test::GridTable(2);
  const Row row = test::RowOfLines(d, {10, 3}, "r0");
  // 56 pt: 50 pt of content, five lines.
  const auto halves = SplitRow(d, row, 56, 2);
  ASSERT_TRUE(halves.has_value());
  EXPECT_THAT(CellLineCounts(halves->first), ElementsAre(5, 3));
  EXPECT_THAT(CellLineCounts(halves->second), ElementsAre(5, 0));
  EXPECT_EQ(halves->first.height, 56);
  EXPECT_EQ(halves->second.height, 56);
  EXPECT_EQ(halves->second.cells[0].lines.Top(0), 0);
  EXPECT_EQ(test::LineText(halves->second.cells[0].lines[0].line), "r0.c0.l5");
  EXPECT_FALSE(halves->first.keep_with_next);
}

TEST(SplitRow, KeepsTwoLinesOnEachSideOfEveryCutCell) {
  TableData d = test::GridTable(2);
  const Row row = test::RowOfLines(d, {10, 3}, "r0");
  // Two lines fit: the 3-line cell would leave one behind, so it moves whole.
  auto halves = SplitRow(d, row, 26, 2);
  ASSERT_TRUE(halves.has_value());
  EXPECT_THAT(CellLineCounts(halves->first), ElementsAre(2, 0));
  EXPECT_THAT(CellLineCounts(halves->second), ElementsAre(8, 3));
  // Nine lines fit: the 10-line cell keeps two for the tail.
  halves = SplitRow(d, row, 96, 2);
  ASSERT_TRUE(halves.has_value());
  EXPECT_THAT(CellLineCounts(halves->first), ElementsAre(8, 3));
  EXPECT_THAT(CellLineCounts(halves->second), ElementsAre(2, 0));
}

TEST(SplitRow, RefusesWhenTwoLinesCannotStay) {
  TableData d = test::GridTable(1);
  EXPECT_FALSE(SplitRow(d, test::RowOfLines(d, {3}, "r0"), 26, 2).has_value());
  EXPECT_FALSE(SplitRow(d, test::RowOfLines(d, {10}, "r0"), 16, 2).has_value());
  EXPECT_FALSE(SplitRow(d, test::RowOfLines(d, {10}, "r0"), 6, 1).has_value());
  EXPECT_TRUE(SplitRow(d, test::RowOfLines(d, {10}, "r0"), 16, 1).has_value());
}

TEST(TableFlow, TallRowSplitsBetweenLinesWithTwoOnEachSide) {
  auto data = BuildTable({{{2, 2}}, {{20, 7}}, {{1, 1}}}, 2, 50);
  for (int page = 60; page <= 260; ++page) {
    const std::vector<Placement> fragments = TableFragments(
        MustPaginate({test::Solid(30, "filler"), std::make_shared<TableFlow>(data)}, page));
    const std::string where = absl::StrCat("page ", page);
    ExpectHeadersOnEveryFragment(fragments, 1, 2, where);
    ExpectRowsConservedAndSplitsLegal(*data, fragments, where);
  }
}

TEST(TableFlow, RandomTablesConserveRowsAndObeyTheRules) {
  for (int seed = 1; seed <= 60; ++seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    const int columns = std::uniform_int_distribution<int>(1, 4)(rng);
    const std::vector<RowSpec> specs = RandomGroups(rng, columns, 40);
    // Pages of at least 96 pt: header, band, area header and a row that
    // may not split (up to half a page) always fit an empty page together,
    // so keep rules never have to give way.
    for (int page = 120; page <= 440; page += 40) {
      auto data = BuildTable(specs, columns, page / 2.0);
      const double filler = std::uniform_int_distribution<int>(0, page - 1)(rng);
      std::vector<FlowPtr> flows;
      if (filler > 0) flows.push_back(test::Solid(filler, "filler"));
      flows.push_back(std::make_shared<TableFlow>(data));
      const std::vector<Placement> fragments = TableFragments(MustPaginate(flows, page));
      const std::string where = absl::StrCat("seed ", seed, ", page ", page, ", filler ", filler);
      ExpectHeadersOnEveryFragment(fragments, 1, columns, where);
      ExpectRowsConservedAndSplitsLegal(*data, fragments, where);
      ExpectNoKeepWithNextRowLast(fragments, where);
      ExpectContinuedBands(*data, fragments, where);
    }
  }
}

// ---- Keep with next and continued bands -------------------------------------------------

TEST(TableFlow, KeepWithNextRowIsNeverTheLastRowOfAFragment) {
  for (int seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    const std::vector<RowSpec> specs = RandomGroups(rng, 2, 3);
    auto data = BuildTable(specs, 2, 1e9);
    // From 84 pt on, header + band + area header + the tallest row fit an
    // empty page, so keep rules never have to give way.
    for (int page = 84; page <= 200; page += 3) {
      const std::vector<Placement> fragments =
          TableFragments(MustPaginate({std::make_shared<TableFlow>(data)}, page));
      const std::string where = absl::StrCat("seed ", seed, ", page ", page);
      ExpectNoKeepWithNextRowLast(fragments, where);
      ExpectRowsConservedAndSplitsLegal(*data, fragments, where);
    }
  }
}

TEST(TableFlow, CaptionIsNeverLeftAloneAtTheFootOfAPage) {
  auto data = BuildTable(std::vector<RowSpec>(6, RowSpec{{2, 1}}), 2, 1e9);
  for (int filler = 1; filler <= 100; ++filler) {
    auto caption = test::Lines(1, 12, /*keep_with_next=*/true, "caption");
    caption->space_after = 4;
    auto table = std::make_shared<TableFlow>(data);
    table->space_before = 8;
    const std::vector<FillResult> pages =
        MustPaginate({test::Solid(filler, "filler"), caption, table}, 100);
    for (size_t p = 0; p < pages.size(); ++p) {
      EXPECT_NE(pages[p].placed.back().flow->path, "caption")
          << "filler " << filler << ", page " << p;
    }
  }
}

TEST(TableFlow, BreakInsideAGroupRepeatsItsBandAsContinued) {
  // Header 16 + band 16 + four rows of 16 = 96: the break falls after r4.
  std::vector<RowSpec> specs = {{{1}, true, false, 0}};
  for (int i = 0; i < 6; ++i) specs.push_back({{1, 1}, false, false, 0});
  auto data = BuildTable(specs, 2, 1e9);
  const std::vector<Placement> fragments =
      TableFragments(MustPaginate({std::make_shared<TableFlow>(data)}, 100));
  ASSERT_THAT(fragments, SizeIs(2));
  EXPECT_EQ(fragments[0].fragment->ContinuedBand(), nullptr);
  EXPECT_EQ(fragments[1].fragment->begin(), 5u);
  ASSERT_NE(fragments[1].fragment->ContinuedBand(), nullptr);
  EXPECT_THAT(DrawnTexts(*fragments[1].fragment),
              ElementsAre("H0.c0.l0", "H0.c1.l0", "G0 (continued).c0.l0", "r5.c0.l0", "r5.c1.l0",
                          "r6.c0.l0", "r6.c1.l0"));
  EXPECT_EQ(fragments[1].fragment->Height(), 16 * 4);
}

TEST(TableFlow, BreakRightBeforeABandHasNoContinuedBand) {
  // Group 0: band + 3 rows; group 1: band + 3 rows. Header + group 0 = 80 pt.
  std::vector<RowSpec> specs;
  for (int g = 0; g < 2; ++g) {
    specs.push_back({{1}, true, false, g});
    for (int i = 0; i < 3; ++i) specs.push_back({{1, 1}, false, false, g});
  }
  auto data = BuildTable(specs, 2, 1e9);
  for (int page : {85, 96, 100, 111, 115}) {
    // 85: band 1 does not fit; 96 to 111: it would fit but must not end
    // the page; 115: band 1 and one row fit (112 pt).
    const std::vector<Placement> fragments =
        TableFragments(MustPaginate({std::make_shared<TableFlow>(data)}, page));
    ASSERT_THAT(fragments, SizeIs(2)) << "page " << page;
    const size_t expected_break = page == 115 ? 6 : 4;
    EXPECT_EQ(fragments[1].fragment->begin(), expected_break) << "page " << page;
    if (page == 115) {
      EXPECT_NE(fragments[1].fragment->ContinuedBand(), nullptr);
    } else {
      EXPECT_EQ(fragments[1].fragment->ContinuedBand(), nullptr) << "page " << page;
      for (const std::string& s : DrawnTexts(*fragments[1].fragment)) {
        EXPECT_THAT(s, Not(HasSubstr("(continued)"))) << "page " << page;
      }
    }
  }
}

TEST(TableFlow, ContinuationStartingAtAnAreaHeaderRepeatsTheBand) {
  // band, area header, row, area header, row: break before the 2nd area.
  std::vector<RowSpec> specs = {{{1}, true, false, 0},
                                {{1, 1}, false, true, 0},
                                {{2, 2}, false, false, 0},
                                {{1, 1}, false, true, 0},
                                {{2, 2}, false, false, 0}};
  auto data = BuildTable(specs, 2, 1e9);
  // Header 16 + band 16 + area 16 + row 26 = 74; the next area needs 16 + 26.
  const std::vector<Placement> fragments =
      TableFragments(MustPaginate({std::make_shared<TableFlow>(data)}, 100));
  ASSERT_THAT(fragments, SizeIs(2));
  EXPECT_EQ(fragments[0].fragment->end(), 3u);
  EXPECT_EQ(fragments[1].fragment->begin(), 3u);
  ASSERT_NE(fragments[1].fragment->ContinuedBand(), nullptr);
  EXPECT_THAT(DrawnTexts(*fragments[1].fragment),
              testing::Contains("G0 (continued).c0.l0"));
}

TEST(TableFlow, ContinuationInsideASplitRowRepeatsTheBand) {
  std::vector<RowSpec> specs = {{{1}, true, false, 0}, {{30, 1}, false, false, 0}};
  auto data = BuildTable(specs, 2, 50);
  const std::vector<Placement> fragments =
      TableFragments(MustPaginate({std::make_shared<TableFlow>(data)}, 150));
  ASSERT_GE(fragments.size(), 2u);
  for (size_t f = 1; f < fragments.size(); ++f) {
    EXPECT_NE(fragments[f].fragment->ContinuedBand(), nullptr) << "fragment " << f;
  }
  ExpectRowsConservedAndSplitsLegal(*data, fragments, "split row in a group");
}

// ---- Scale ------------------------------------------------------------------------------

TEST(TableFlow, HundredThousandRowsPaginateAndAllRowsArrive) {
  constexpr int kRows = 100000;
  auto data = std::make_shared<TableData>(test::GridTable(3, 150, 350));
  data->header.push_back(test::RowOfLines(*data, {1, 1, 1}, "H0"));
  const Row row = test::RowOfLines(*data, {1, 2, 1}, "row");
  data->rows.assign(kRows, row);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<FillResult> pages =
      MustPaginate({std::make_shared<TableFlow>(data)}, 708.66, /*max_pages=*/100000);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "100000 rows: " << pages.size() << " pages in " << seconds << " s\n";
  size_t rows = 0;
  for (const Placement& p : TableFragments(pages)) {
    EXPECT_EQ(p.fragment->begin(), rows);
    rows += p.fragment->end() - p.fragment->begin();
  }
  EXPECT_EQ(rows, static_cast<size_t>(kRows));
}

// ---- Small tables ------------------------------------------------------------------------

TEST(TableFlow, ATableOfUpToSixBodyRowsThatFitsAPageMovesWhole) {
  for (int rows : {1, 4, 6}) {
    SCOPED_TRACE(rows);
    std::shared_ptr<TableData> d = BuildTable(std::vector<RowSpec>(rows, RowSpec{{1, 1}}), 2, 1000);
    d->keep_whole_height = 500;
    const TableFlow t(d);
    // Room for the header and one row: a small table does not split...
    EXPECT_FALSE(t.Split(32, false).has_value());
    EXPECT_DOUBLE_EQ(t.MinHeadHeight(), t.Height());
    // ... unless forced (the top of an empty page).
    if (rows > 1) {
      EXPECT_TRUE(t.Split(32, true).has_value());
    }
  }
  // Seven rows, or a small table taller than a page, split as before.
  std::shared_ptr<TableData> seven = BuildTable(std::vector<RowSpec>(7, RowSpec{{1, 1}}), 2, 1000);
  seven->keep_whole_height = 500;
  EXPECT_TRUE(TableFlow(seven).Split(32, false).has_value());
  std::shared_ptr<TableData> tall = BuildTable(std::vector<RowSpec>(4, RowSpec{{1, 1}}), 2, 1000);
  tall->keep_whole_height = 50;
  EXPECT_TRUE(TableFlow(tall).Split(32, false).has_value());
}

// ---- FitColumns ------------------------------------------------------------------------

TEST(FitColumns, PreferredWidthsStandWhenEveryColumnHoldsItsMinimum) {
  const std::vector<double> edges = ColumnEdges({1, 3}, 400);
  const std::vector<double> out = FitColumns(edges, {50, 50}, 18, 400);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_DOUBLE_EQ(out[1], 100);
  EXPECT_DOUBLE_EQ(out[2], 400);
}

TEST(FitColumns, ANarrowColumnIsWidenedAndTheOthersGiveWayInProportion) {
  // Preferred 20 / 180 / 200; column 0 needs 60: the others share 340 as
  // 180:200.
  const std::vector<double> out = FitColumns({0, 20, 200, 400}, {60, 10, 10}, 18, 400);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_DOUBLE_EQ(out[1], 60);
  EXPECT_DOUBLE_EQ(out[2] - out[1], 340.0 * 180 / 380);
  EXPECT_DOUBLE_EQ(out[3], 400);
}

TEST(FitColumns, ColumnsGivingWayNeverGoBelowTheirOwnMinimum) {
  // Column 0 needs 300; column 1 (preferred 40) needs 60 and is pinned too.
  const std::vector<double> out = FitColumns({0, 10, 50, 400}, {300, 60, 20}, 18, 400);
  EXPECT_DOUBLE_EQ(out[1], 300);
  EXPECT_DOUBLE_EQ(out[2] - out[1], 60);
  EXPECT_DOUBLE_EQ(out[3] - out[2], 40);
}

TEST(FitColumns, WhenTheMinimumsExceedTheWidthTheExcessIsSharedByNeed) {
  // Minimums 318 + 118 + 18 = 454 > 400: each column gets 18 and the rest
  // (346) goes 300:100:0.
  const std::vector<double> out = FitColumns({0, 200, 300, 400}, {318, 118, 10}, 18, 400);
  EXPECT_DOUBLE_EQ(out[1], 18 + 346 * 0.75);
  EXPECT_DOUBLE_EQ(out[2] - out[1], 18 + 346 * 0.25);
  EXPECT_NEAR(out[3] - out[2], 18, 1e-9);
}

}  // namespace
}  // namespace pp::layout
