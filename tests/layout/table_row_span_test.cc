// Tests of row spans in renderers/layout/table_flow (JoinRowSpans, the
// keep-together rule of spanned rows, the continuation of a spanning cell
// after a page break) on hand-built TableData: cells of N fixed lines 10 pt
// apart, padding 3 pt top and bottom, so a row of n lines is 10n + 6 pt.
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "renderers/layout/paginate.h"
#include "renderers/layout/table_flow.h"
#include "tests/testing/builders.h"
#include "tests/testing/status_matchers.h"

namespace pp::layout {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

// A cell in `column` of `lines` lines reading "<tag>.l<i>".
Cell CellOf(int column, int lines, const std::string& tag, int row_span = 1) {
  Row one = test::RowOfLines(test::GridTable(1), {lines}, tag);
  Cell c = one.cells[0];
  // RowOfLines names lines "<tag>.c0.l<i>"; keep that, it is unique per tag.
  c.column = column;
  c.row_span = row_span;
  return c;
}

// A spanning cell: in `column`, from body row `start`, `rows` rows,
// `lines` lines of text tagged "S<column>".
struct SpanSpec {
  int column = 0;
  int start = 0;
  int rows = 1;
  int lines = 1;
};

// A table of `columns` columns (100 pt each), one header row, `body` body
// rows whose own cells hold `own_lines` lines ("r<i>" on column c:
// "r<i>c<c>"), and the given spans. Rows joined (JoinRowSpans).
std::shared_ptr<TableData> SpanTable(int columns, int body, const std::vector<int>& own_lines,
                                     const std::vector<SpanSpec>& spans,
                                     double split_threshold = 1e9) {
  auto d = std::make_shared<TableData>(test::GridTable(columns, 100, split_threshold));
  d->header.push_back(test::RowOfLines(*d, std::vector<int>(columns, 1), "H0"));
  std::vector<std::vector<bool>> covered(body, std::vector<bool>(columns, false));
  for (const SpanSpec& s : spans) {
    for (int r = s.start; r < s.start + s.rows && r < body; ++r) covered[r][s.column] = true;
  }
  for (int r = 0; r < body; ++r) {
    Row row;
    for (int c = 0; c < columns; ++c) {
      bool starts = false;
      for (const SpanSpec& s : spans) {
        if (s.column == c && s.start == r) {
          row.cells.push_back(CellOf(c, s.lines, absl::StrCat("S", c, "x", r), s.rows));
          starts = true;
        }
      }
      if (starts || covered[r][c]) continue;
      row.cells.push_back(CellOf(c, own_lines[static_cast<size_t>(r) % own_lines.size()],
                                 absl::StrCat("r", r, "c", c)));
    }
    row.path = absl::StrCat("r", r);
    FinishRow(*d, &row);
    d->rows.push_back(std::move(row));
  }
  JoinRowSpans(*d, &d->rows);
  return d;
}

std::vector<std::shared_ptr<const TableFlow>> Fragments(const std::vector<FillResult>& pages) {
  std::vector<std::shared_ptr<const TableFlow>> out;
  for (const FillResult& p : pages) {
    for (const Placed& placed : p.placed) {
      if (auto t = std::dynamic_pointer_cast<const TableFlow>(placed.flow)) out.push_back(t);
    }
  }
  return out;
}

std::vector<std::shared_ptr<const TableFlow>> Paginated(std::vector<FlowPtr> flows, double page) {
  PaginateOptions o;
  o.body_height = page;
  o.max_pages = 10000;
  absl::StatusOr<std::vector<FillResult>> pages = Paginate(std::move(flows), o);
  EXPECT_THAT(pages.status(), test::IsOk());
  return pages.ok() ? Fragments(*pages) : std::vector<std::shared_ptr<const TableFlow>>{};
}

Page Drawn(const TableFlow& fragment) {
  Page page;
  DrawContext ctx{&page, 0, nullptr};
  fragment.Draw(ctx, 0, 1000);
  return page;
}

// Texts drawn by one fragment whose tag starts with `prefix`.
std::vector<std::string> DrawnWith(const TableFlow& fragment, const std::string& prefix) {
  std::vector<std::string> out;
  for (const TextItem& t : Drawn(fragment).texts) {
    if (absl::StartsWith(t.text, prefix)) out.push_back(t.text);
  }
  return out;
}

// Every body row a fragment holds (by path), in order.
std::vector<std::string> RowPaths(const TableFlow& t) {
  std::vector<std::string> out;
  for (size_t i = t.begin(); i < t.end(); ++i) out.push_back(t.RowAt(i).path);
  return out;
}

// ---- JoinRowSpans ---------------------------------------------------------------

TEST(JoinRowSpans, GrowsTheLastRowOnlyByWhatTheSpanNeeds) {
  // Four rows of 16 pt (64); a spanning cell of 8 lines needs 86.
  auto d = SpanTable(3, 4, {1}, {{2, 0, 4, 8}});
  ASSERT_THAT(d->rows, SizeIs(4));
  EXPECT_DOUBLE_EQ(d->rows[0].height, 16);
  EXPECT_DOUBLE_EQ(d->rows[2].height, 16);
  EXPECT_DOUBLE_EQ(d->rows[3].height, 16 + 22);
  // A span that fits beside its rows grows nothing.
  auto fits = SpanTable(3, 4, {2}, {{2, 0, 4, 3}});
  for (const Row& r : fits->rows) EXPECT_DOUBLE_EQ(r.height, 26);
}

TEST(JoinRowSpans, RowsOfASpanKeepWithTheNextAndKnowTheSpanAbove) {
  auto d = SpanTable(3, 6, {1}, {{1, 1, 3, 1}});
  std::vector<bool> keep;
  for (const Row& r : d->rows) keep.push_back(r.keep_with_next);
  EXPECT_THAT(keep, ElementsAre(false, true, true, false, false, false));
  EXPECT_TRUE(d->rows[1].spanned_from.empty());
  EXPECT_THAT(d->rows[2].spanned_from, ElementsAre(std::make_pair(size_t{1}, 1)));
  EXPECT_THAT(d->rows[3].spanned_from, ElementsAre(std::make_pair(size_t{1}, 1)));
  EXPECT_TRUE(d->rows[4].spanned_from.empty());
  // The spanning cell sits in its first row only; the rows below hold two.
  EXPECT_THAT(d->rows[1].cells, SizeIs(3));
  EXPECT_EQ(d->rows[1].cells[1].row_span, 3);
  EXPECT_THAT(d->rows[2].cells, SizeIs(2));
}

TEST(JoinRowSpans, ASpanPastTheLastRowIsCutToTheTable) {
  auto d = SpanTable(2, 3, {1}, {{1, 1, 9, 1}});
  EXPECT_EQ(d->rows[1].cells[1].row_span, 2);
}

// ---- Drawing ----------------------------------------------------------------------

TEST(TableFlow, ASpanningCellIsOneFrameOverItsRows) {
  auto d = SpanTable(3, 4, {1}, {{2, 0, 4, 2}});
  const Page page = Drawn(TableFlow(d));
  // Header 3 frames, rows 2 each, the spanning cell one frame 64 pt tall.
  ASSERT_THAT(page.frames, SizeIs(3 + 4 * 2 + 1));
  int tall = 0;
  for (const FrameItem& f : page.frames) {
    if (f.h == 64) {
      ++tall;
      EXPECT_DOUBLE_EQ(f.x, 200);
      EXPECT_DOUBLE_EQ(f.y, 1000 - 16 - 64);
    }
  }
  EXPECT_EQ(tall, 1);
}

TEST(TableFlow, HeaderRowSpansAreDrawnOnEveryFragment) {
  // "Priority" over four columns beside a header cell spanning both rows.
  auto d = std::make_shared<TableData>(test::GridTable(5, 100, 1e9));
  d->header.clear();
  Row top;
  top.cells.push_back(CellOf(0, 1, "Area", 2));
  Cell group = CellOf(1, 1, "Priority");
  group.span = 4;
  top.cells.push_back(group);
  FinishRow(*d, &top);
  Row second;
  for (int c = 1; c < 5; ++c) second.cells.push_back(CellOf(c, 1, absl::StrCat("P", c)));
  FinishRow(*d, &second);
  d->header = {top, second};
  JoinRowSpans(*d, &d->header);
  for (int r = 0; r < 20; ++r) {
    d->rows.push_back(test::RowOfLines(*d, {1, 1, 1, 1, 1}, absl::StrCat("r", r)));
  }
  const auto fragments = Paginated({std::make_shared<TableFlow>(d)}, 100);
  ASSERT_GT(fragments.size(), 1u);
  for (const auto& f : fragments) {
    const Page page = Drawn(*f);
    // The spanning header cell: one frame over both header rows (32 pt).
    int area = 0;
    for (const FrameItem& fr : page.frames) area += fr.x == 0 && fr.h == 32 ? 1 : 0;
    EXPECT_EQ(area, 1);
    EXPECT_THAT(DrawnWith(*f, "Area"), SizeIs(1));
    EXPECT_THAT(DrawnWith(*f, "Priority"), SizeIs(1));
    EXPECT_THAT(DrawnWith(*f, "P"), SizeIs(5));  // Priority and P1..P4
  }
}

// ---- Keeping spanned rows together -------------------------------------------------

TEST(TableFlow, RowsJoinedByASpanMoveTogetherWhenTheyFitOnAPage) {
  // Rows of 16 pt; the span joins rows 3..6 (64 pt). A 100 pt page holds the
  // header and five rows: without the rule the break would fall after row 4.
  auto d = SpanTable(3, 10, {1}, {{2, 3, 4, 1}});
  const auto fragments = Paginated({std::make_shared<TableFlow>(d)}, 100);
  ASSERT_GE(fragments.size(), 2u);
  EXPECT_THAT(RowPaths(*fragments[0]), ElementsAre("r0", "r1", "r2"));
  EXPECT_THAT(RowPaths(*fragments[1]), ElementsAre("r3", "r4", "r5", "r6", "r7"));
  EXPECT_THAT(DrawnWith(*fragments[1], "S2x3"), ElementsAre("S2x3.c0.l0"));
}

TEST(TableFlow, AGroupTallerThanAPageSplitsBetweenRowsAndTheTextContinues) {
  // Twelve rows of 16 pt joined by one span of 14 lines; pages of 100 pt hold
  // the header and five rows: the span's text goes on where it was cut (7
  // lines beside five rows, 7 more beside the next five), and beside the
  // last two rows, all of it printed, its first lines are printed again.
  auto d = SpanTable(3, 12, {1}, {{2, 0, 12, 14}});
  const auto fragments = Paginated({std::make_shared<TableFlow>(d)}, 100);
  ASSERT_THAT(fragments, SizeIs(3));
  std::vector<std::vector<std::string>> drawn;
  for (const auto& f : fragments) drawn.push_back(DrawnWith(*f, "S2x0"));
  std::vector<std::string> first_part, second_part;
  for (int i = 0; i < 7; ++i) first_part.push_back(absl::StrCat("S2x0.c0.l", i));
  for (int i = 7; i < 14; ++i) second_part.push_back(absl::StrCat("S2x0.c0.l", i));
  EXPECT_EQ(drawn[0], first_part);
  EXPECT_EQ(drawn[1], second_part);
  EXPECT_THAT(drawn[2], ElementsAre("S2x0.c0.l0", "S2x0.c0.l1"));
  EXPECT_THAT(RowPaths(*fragments[1]), ElementsAre("r5", "r6", "r7", "r8", "r9"));
  const Cell& cont = fragments[1]->RowAt(5).cells.back();
  EXPECT_EQ(cont.column, 2);
  EXPECT_EQ(cont.row_span, 7);
  EXPECT_TRUE(cont.continued);
  EXPECT_FALSE(cont.repeated);
  // In the first fragment the spanning cell covers its five rows.
  EXPECT_EQ(fragments[0]->RowSpanAt(0, fragments[0]->RowAt(0).cells.back()), 5);
  EXPECT_EQ(fragments[1]->RowSpanAt(5, cont), 5);
  const Cell& again = fragments[2]->RowAt(10).cells.back();
  EXPECT_EQ(again.row_span, 2);
  EXPECT_TRUE(again.repeated);
  // The repeat grows no row: the last fragment is two rows of 16 pt.
  EXPECT_DOUBLE_EQ(fragments[2]->Height(), 16 + 32);
}

TEST(TableFlow, AContinuationRepeatsTextAlreadyPrintedInFull) {
  // "QA-05 to QA-08": a one-line owner beside twelve rows; each page repeats it.
  auto d = SpanTable(3, 12, {1}, {{2, 0, 12, 1}});
  const auto fragments = Paginated({std::make_shared<TableFlow>(d)}, 100);
  ASSERT_GE(fragments.size(), 3u);
  for (size_t f = 0; f < fragments.size(); ++f) {
    EXPECT_THAT(DrawnWith(*fragments[f], "S2x0"), ElementsAre("S2x0.c0.l0")) << f;
    if (f > 0) {
      const Row& first = fragments[f]->RowAt(fragments[f]->begin());
      EXPECT_TRUE(first.cells.back().repeated);
    }
  }
}

TEST(TableFlow, ATallRowInsideASpanSplitsAndTheSpanContinues) {
  // Row 1 (8 lines, 86 pt) is tall; the span joins rows 0..2.
  auto d = SpanTable(3, 3, {1, 8, 1}, {{2, 0, 3, 10}}, /*split_threshold=*/40);
  const auto fragments = Paginated({std::make_shared<TableFlow>(d)}, 80);
  ASSERT_GE(fragments.size(), 2u);
  std::vector<std::string> span_lines;
  for (const auto& f : fragments) {
    const std::vector<std::string> lines = DrawnWith(*f, "S2x0");
    EXPECT_FALSE(lines.empty());
    span_lines.insert(span_lines.end(), lines.begin(), lines.end());
    EXPECT_LE(f->Height(), 80 + 1e-9);
  }
  // Cut or repeated, the text arrives whole and in order.
  ASSERT_GE(span_lines.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(span_lines[static_cast<size_t>(i)], absl::StrCat("S2x0.c0.l", i));
}

TEST(TableFlow, ASpanTallerThanAPageBesideShortRowsSplitsInsideItsLastRow) {
  // Two rows of one line beside a span of 30 lines (306 pt): pages of 100 pt.
  auto d = SpanTable(2, 2, {1}, {{1, 0, 2, 30}}, /*split_threshold=*/50);
  const auto fragments = Paginated({std::make_shared<TableFlow>(d)}, 100);
  ASSERT_GE(fragments.size(), 4u);
  std::vector<std::string> all;
  for (const auto& f : fragments) {
    const std::vector<std::string> lines = DrawnWith(*f, "S1x0");
    EXPECT_FALSE(lines.empty());
    all.insert(all.end(), lines.begin(), lines.end());
    EXPECT_LE(f->Height(), 100 + 1e-9);
  }
  ASSERT_THAT(all, SizeIs(30));
  EXPECT_EQ(all.back(), "S1x0.c0.l29");
}

// Random tables with spans: every row arrives once, every span's lines
// arrive in order, every fragment's lines sit inside their cell's frame, and
// no fragment holds rows of a span without its text.
TEST(TableFlow, RandomRowSpanTablesKeepEveryLineAndNeverLeaveASpanEmpty) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    const int columns = std::uniform_int_distribution<int>(2, 4)(rng);
    const int body = std::uniform_int_distribution<int>(1, 30)(rng);
    std::vector<int> own;
    for (int i = 0; i < 7; ++i) own.push_back(std::uniform_int_distribution<int>(1, 6)(rng));
    std::vector<SpanSpec> spans;
    std::vector<int> free_from(columns, 0);
    for (int k = 0; k < 4; ++k) {
      SpanSpec s;
      s.column = std::uniform_int_distribution<int>(0, columns - 1)(rng);
      s.start = std::max(free_from[s.column], std::uniform_int_distribution<int>(0, body - 1)(rng));
      if (s.start >= body) continue;
      s.rows = std::uniform_int_distribution<int>(2, 12)(rng);
      s.lines = std::uniform_int_distribution<int>(1, 25)(rng);
      free_from[s.column] = s.start + s.rows;
      spans.push_back(s);
    }
    const double threshold = std::uniform_int_distribution<int>(0, 1)(rng) ? 60 : 1e9;
    const double page = std::uniform_int_distribution<int>(90, 260)(rng);
    auto d = SpanTable(columns, body, own, spans, threshold);
    const std::string where = absl::StrCat("trial ", trial);
    const auto fragments = Paginated({std::make_shared<TableFlow>(d)}, page);
    std::map<std::string, std::vector<int>> seen;  // tag -> lines drawn in order
    for (const auto& f : fragments) {
      ASSERT_LE(f->Height(), page + 1e-6) << where;
      const Page p = Drawn(*f);
      for (const TextItem& t : p.texts) {
        std::vector<std::string> parts = absl::StrSplit(t.text, '.');
        ASSERT_EQ(parts.size(), 3u) << t.text;
        int line = -1;
        ASSERT_TRUE(absl::SimpleAtoi(parts[2].substr(1), &line));
        seen[parts[0]].push_back(line);
        // Inside the table fragment's box.
        EXPECT_LE(t.y, 1000) << where;
        EXPECT_GE(t.y, 1000 - f->Height()) << where << " " << t.text;
      }
      // Rows covered by a span show its text on this fragment.
      for (const SpanSpec& s : spans) {
        if (std::min(s.rows, body - s.start) < 2) continue;  // one row: an ordinary cell
        const std::string tag = absl::StrCat("S", s.column, "x", s.start);
        bool holds = false;
        for (size_t i = f->begin(); i < f->end(); ++i) {
          const std::string& path = f->RowAt(i).path;
          const int r = std::stoi(path.substr(1));
          holds |= r >= s.start && r < s.start + s.rows;
        }
        if (holds) {
          EXPECT_FALSE(DrawnWith(*f, tag + ".").empty()) << where << ": " << tag << " empty";
        }
      }
    }
    // Span lines: every line, in order; a repeat restarts at line 0.
    for (const SpanSpec& s : spans) {
      const std::vector<int>& lines = seen[absl::StrCat("S", s.column, "x", s.start)];
      std::vector<bool> got(static_cast<size_t>(s.lines), false);
      for (int l : lines) {
        ASSERT_LT(l, s.lines) << where;
        got[static_cast<size_t>(l)] = true;
      }
      for (int l = 0; l < s.lines; ++l) EXPECT_TRUE(got[static_cast<size_t>(l)]) << where << " line " << l;
    }
    // Own cells: every line exactly once.
    for (int r = 0; r < body; ++r) {
      for (int c = 0; c < columns; ++c) {
        auto it = seen.find(absl::StrCat("r", r, "c", c));
        if (it == seen.end()) continue;
        const int n = own[static_cast<size_t>(r) % own.size()];
        std::vector<int> want(static_cast<size_t>(n));
        for (int l = 0; l < n; ++l) want[static_cast<size_t>(l)] = l;
        EXPECT_EQ(it->second, want) << where << " r" << r << "c" << c;
      }
    }
  }
}

}  // namespace
}  // namespace pp::layout
