// File: tests/testing/builders.h
//
// Free helper functions that build small inputs for layout tests (TotW #122:
// helpers return values, fixtures hold no state): synthetic flowables of N
// fixed lines, hand-built table data, small doc::Papers, and readers that
// turn drawn pages and measured lines back into strings.
//
//   std::vector<layout::FlowPtr> flows = {test::Lines(3, 10), test::Lines(5, 10)};
//   layout::TableData data = test::GridTable(2);
//   data.rows.push_back(test::RowOfLines(data, {3, 1}, "r0"));
//   doc::Paper paper = test::PaperWithParagraphs(4, 30);
#ifndef PANELPAPER_TESTS_TESTING_BUILDERS_H_
#define PANELPAPER_TESTS_TESTING_BUILDERS_H_

#include <memory>
#include <string>
#include <vector>

#include "renderers/doc/document.h"
#include "renderers/layout/flow.h"
#include "renderers/layout/page_layout.h"
#include "renderers/layout/table_flow.h"
#include "renderers/text/line_breaker.h"

namespace pp::test {

// ---- Flowables -------------------------------------------------------------------

// A TextBlock of `n` fixed lines `leading` points apart (orphans = widows =
// 2, no spacing). Line i reads "<path>#<i>" (or "line#<i>" without a path),
// so drawn pages show which lines went where. Returned non-const so tests
// can set space_before/space_after before use.
std::shared_ptr<layout::TextBlock> Lines(int n, double leading, bool keep_with_next = false,
                                         std::string path = "");

// An unsplittable flowable of the given height that draws one frame.
std::shared_ptr<layout::Flowable> Solid(double height, std::string path = "");

// The TextBlock behind a placed flowable (nullptr for other kinds).
const layout::TextBlock* AsTextBlock(const layout::FlowPtr& flow);

// ---- Tables ----------------------------------------------------------------------

// Table data with `columns` columns of `column_width` points, padding 4 x 3,
// and rows that may split when taller than `split_threshold`.
layout::TableData GridTable(int columns, double column_width = 100,
                            double split_threshold = 1e9);

// A row with one single-column cell per entry of `lines_per_cell` (cell c in
// column c), each holding that many lines `leading` apart. Line i of cell c
// reads "<tag>.c<c>.l<i>". The row's height is set (FinishRow).
layout::Row RowOfLines(const layout::TableData& data, const std::vector<int>& lines_per_cell,
                       const std::string& tag, double leading = 10);

// ---- Documents -------------------------------------------------------------------

doc::Runs Plain(std::string text);
doc::Paragraph Para(std::string text, std::string path = "");

// The smallest valid paper: panel, date, title and one section whose only
// block is a short paragraph.
doc::Paper MinimalPaper();

// A paper with one numbered section of `n` paragraphs of `words_each`
// words ("p<i>w<k>").
doc::Paper PaperWithParagraphs(int n, int words_each);

// ---- Reading results back --------------------------------------------------------

// The pieces of a line, concatenated.
std::string LineText(const text::Line& line);

// The texts of a measured line list, one string per line.
std::vector<std::string> LineTexts(const std::vector<text::Line>& lines);

// Every text item of a page in drawing order, joined with single spaces.
std::string PageText(const layout::Page& page);

}  // namespace pp::test

#endif  // PANELPAPER_TESTS_TESTING_BUILDERS_H_
