// File: tests/hostile/hostile_cases.h
//
// Builders for the hostile-input corpus: requests a careless or malicious
// client could send, each built in code (a 10 MB word or 100,000 bullets are
// not worth checking in as files). tests/hostile/hostile_input_test.cc drives
// every one through the converter and renderer and asserts its outcome;
// tests/fuzz/make_seed_corpus writes the small ones into the fuzz seed
// corpora as binary requests.
//
// Every builder starts from MinimalRequest() — valid, one section, one
// paragraph — and breaks one thing, so the expected field paths are short
// and exact ("paper.sections[0].blocks[0].paragraph.runs[0].text").
//
//   pb::RenderPaperRequest req = hostile::TextRequest("\x07");
#ifndef PANELPAPER_TESTS_HOSTILE_HOSTILE_CASES_H_
#define PANELPAPER_TESTS_HOSTILE_HOSTILE_CASES_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "panelpaper/v1/pack.pb.h"
#include "panelpaper/v1/paper.pb.h"

namespace pp::hostile {

namespace pb = ::panelpaper::v1;

// Valid: panel, date, title, one section "Supporting information" with one
// paragraph "The Panel is asked to note this report."
pb::RenderPaperRequest MinimalRequest();

// MinimalRequest with the paragraph's only run set to `text`.
pb::RenderPaperRequest TextRequest(std::string_view text);

// One word of `bytes` letters ('x'), split over `runs` runs of the
// paragraph (a word runs on across runs).
pb::RenderPaperRequest WordRequest(size_t bytes, int runs);

// A bullet list with `items` items ("Item 1", ...) as the only block.
pb::RenderPaperRequest BulletsRequest(int items);

// A list whose first item holds a sublist whose first item holds a sublist
// ... `depth` lists in all. Deep nesting: build it on the heap and keep it
// there (protobuf's destructor recurses once per level).
void BuildNestedLists(int depth, pb::RenderPaperRequest* req);

// A 1-column table with a header row and one body row whose single cell
// holds `words` words: taller than a page when words is in the thousands.
pb::RenderPaperRequest TallCellRequest(int words);

// A one-column table whose header row holds `lines` lines ("Heading\n"...)
// and one body row: taller than a page from ~60 lines, which only layout
// can tell (INVALID_ARGUMENT at the table's path).
pb::RenderPaperRequest TallHeaderRequest(int lines);

// One paragraph of `lines` forced lines ("x\n"...): ~55 pages a 3,000, little
// text for many pages (the page limit).
pb::RenderPaperRequest LinesRequest(int lines);

// A table with `columns` columns of equal width and two rows whose cells
// fill them (one cell per column); `columns` 0 gives rows of one cell.
pb::RenderPaperRequest ColumnsRequest(int columns);

// A 2-row table with these column widths (one cell per column).
pb::RenderPaperRequest WidthsRequest(const std::vector<double>& widths);

// `paragraphs` paragraphs of 60 words each in one section (~5.5 per page).
pb::RenderPaperRequest LongRequest(int paragraphs);

// Every enum field set to a number its enum does not define (99):
// protective_marking, a list's style, recommendations.label_style, a table
// cell's rag and alignment, an improvement area's rag.
pb::RenderPaperRequest UnknownEnumsRequest();

// Every field paper.proto documents as required left out, at every level
// that can hold one at once (the paper itself keeps one section, which
// holds the rest). See the test for the exact list of paths.
pb::RenderPaperRequest MissingRequiredRequest();

// A small valid pack: the meeting, three items (one with MinimalRequest's
// paper, one Part II with a paper, one without a paper).
pb::RenderAgendaPackRequest MinimalPack();

// MinimalPack with edition, an item's part and purpose set to 99, and the
// paper's enums as in UnknownEnumsRequest.
pb::RenderAgendaPackRequest UnknownEnumsPack();

// A pack with every required field left out: an empty meeting (with an
// empty contact and member), an empty item, a Part II item without its
// paragraph, an item with an empty paper.
pb::RenderAgendaPackRequest MissingRequiredPack();

}  // namespace pp::hostile

#endif  // PANELPAPER_TESTS_HOSTILE_HOSTILE_CASES_H_
