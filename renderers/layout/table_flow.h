// File: renderers/layout/table_flow.h
//
// TableFlow: a measured grid that splits across pages.
//
// Rules (the product's contract for every table, general or improvement):
// * Rows joined by a cell spanning rows keep together: they move to the
//   next page whole when they fit on one; otherwise the page breaks between
//   them (or inside a tall row) and the spanning cell continues in the
//   first row of the next fragment, spanning the rows it still covers: its
//   text goes on where it was cut, or, if all of it was printed above the
//   break, is printed again, as much as fits beside those rows and at least
//   its first line (never an empty cell beside rows it spans).
// * Header rows are drawn at the top of every fragment (repeated on each
//   continuation page).
// * A body row that does not fit in the space left moves whole to the next
//   page, unless it is taller than `split_threshold` (half a page body):
//   then it splits between lines, leaving at least two lines of it on each
//   side (in every cell that is cut, and in the row as a whole).
// * A table of up to 6 body rows that fits on a page is not split (it
//   moves whole to the next page), unless forced.
// * A row marked keep_with_next (a group band, an improvement-area header)
//   is never the last row on a page; a fragment never holds headers alone.
// * When a page break falls inside a group, the next fragment repeats the
//   group's band as "<name> (continued)" under the header rows.
// * Structure: rows and cells carry their TR and TH/TD elements; a row
//   split across pages stays one TR (its halves keep the nodes). Header
//   rows repeated on a continuation page and "(continued)" bands are
//   artifacts: the Table element holds each row once.
// Rows are shared, immutable data; fragments are index ranges into them,
// plus at most two replacement rows for the halves of split rows, so a
// 100,000-row table paginates in linear time.
#ifndef PANELPAPER_RENDERERS_LAYOUT_TABLE_FLOW_H_
#define PANELPAPER_RENDERERS_LAYOUT_TABLE_FLOW_H_

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "renderers/layout/flow.h"

namespace pp::layout {

// One line inside a cell; `top` is measured from the cell's content top.
struct CellLine {
  text::Line line;
  double x = 0;         // from the cell's content left
  double top = 0;
  double size = 10;
  double leading = 11.5;
  double baseline = 9;  // from the line's top
  Color color;
};

// A cell's lines: a range of a measured, shared vector, shifted up by
// `shift` (the top of its first line once a row has split), so splitting a
// tall cell page after page copies no lines: linear in the cell's length.
// Built by push_back (while unshared); read like a vector; Top(i) is line
// i's top from the fragment's content top.
class CellLines {
 public:
  void push_back(CellLine line);
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  const CellLine& operator[](size_t i) const { return (*all_)[begin_ + i]; }
  const CellLine* begin() const { return all_ ? all_->data() + begin_ : nullptr; }
  const CellLine* end() const { return all_ ? all_->data() + end_ : nullptr; }
  double Top(size_t i) const { return (*this)[i].top - shift_; }
  // Lines [from, to) of this range, their tops measured from line `from`.
  CellLines Slice(size_t from, size_t to) const;

 private:
  std::shared_ptr<std::vector<CellLine>> all_;
  size_t begin_ = 0, end_ = 0;
  double shift_ = 0;
};

struct Cell {
  int column = 0;
  int span = 1;      // columns
  // Rows this cell covers in its fragment, its own first (PDF /RowSpan). A
  // cell spanning rows sits in its first row only; the rows below hold
  // only their own cells.
  int row_span = 1;
  CellLines lines;
  double content_height = 0;
  std::optional<Color> fill;
  bool center_vertically = false;
  std::shared_ptr<const std::vector<std::string>> uris;  // Piece::tag -> link
  // Spanning cells continued after a page break (in the first row of the
  // next fragment): `continued` when the text goes on where it was cut,
  // `repeated` when all of it was printed above the break and is printed
  // again (a tagger may make the repeat an artifact).
  bool continued = false;
  bool repeated = false;
  // A spanning cell's whole text, for a repeat (row_span > 1 only).
  CellLines whole;
  double whole_height = 0;
  // Structure: the cell's TH/TD element, and its tags' elements (links).
  int node = -1;
  std::shared_ptr<const std::vector<int>> tag_nodes;
};

// A cell spanning rows, or the continuation of one (which may be down to
// its last row): its height is the rows', not its row's.
inline bool SpansRows(const Cell& c) { return c.row_span > 1 || c.continued || c.repeated; }

struct Row {
  std::vector<Cell> cells;    // by column
  double height = 0;          // including padding
  // At least this tall (0: no floor): the last row of a row span grows so
  // the spanning cell fits beside the rows it joins.
  double min_height = 0;
  bool keep_with_next = false;
  int group = -1;             // index into TableData::continued_bands, or -1
  bool is_band = false;       // the group's own band row
  // Cells of rows above spanning down into this row: (their row, column).
  std::vector<std::pair<size_t, int>> spanned_from;
  std::string path;
  int node = -1;              // its TR structure element
};

struct TableData {
  std::vector<double> column_x;  // column left edges from the table's left; back() = width
  double padding_x = 4;
  double padding_y = 3;
  double rule = 0.5;
  Color rule_color;
  double split_threshold = 0;    // rows taller than this may split
  // A table of at most kSmallTableRows body rows no taller than this (the
  // page body; 0: no such rule) is not split unless forced: it moves whole.
  double keep_whole_height = 0;
  std::vector<Row> header;
  std::vector<Row> rows;
  std::vector<Row> continued_bands;  // per group
};

inline constexpr size_t kSmallTableRows = 6;

// Sets row.height from its own cells' content heights (not those spanning
// rows), the padding and row.min_height.
void FinishRow(const TableData& data, Row* row);

// Row spans of `rows` (the header or the body rows, row_span set on their
// spanning cells, heights finished): the last row of each span grows until
// the spanning cell fits, the rows of a span but its last keep with the
// next (so they move together when they fit on a page), and each covered
// row lists the span in spanned_from.
void JoinRowSpans(const TableData& data, std::vector<Row>* rows);

// How many of `cell`'s lines fit in a box `height` tall (padding included).
size_t LinesThatFit(const TableData& data, const Cell& cell, double height);

// Column left edges (and, last, `width`) of a table `width` wide whose
// columns take the given relative shares (finite, > 0). Summed relative to
// the largest share, so even 1e308-sized shares give finite edges. The
// service's validator uses this too, so it refuses exactly the tables
// layout could not draw.
std::vector<double> ColumnEdges(const std::vector<double>& shares, double width);

// Column edges for a table `width` wide (CSS 2.1 §17.5.2.2, automatic
// layout, with the request's shares as preferences): `edges` are the
// preferred edges (ColumnEdges), `min` each column's minimum content width
// (its widest unbreakable word plus padding), `floor` the narrowest any
// column may be (MinColumnWidth; columns.size() * floor <= width).
// * When the minimums fit, a column preferred narrower than its minimum gets
//   its minimum and the others give way in proportion to their preferred
//   widths (never below their own minimums).
// * Otherwise every column gets `floor` and the rest of the width is shared
//   in proportion to how far each minimum exceeds it (words then break).
std::vector<double> FitColumns(const std::vector<double>& edges, const std::vector<double>& min,
                               double floor, double width);

// The narrowest a column may come out: its padding on both sides and one em
// of text (narrower ones would push glyphs out of the cell and the page).
inline double MinColumnWidth(double font_size, double padding_x) {
  return 2 * padding_x + font_size;
}

class TableFlow final : public Flowable {
 public:
  explicit TableFlow(std::shared_ptr<const TableData> data);

  double Height() const override;
  double MinHeadHeight() const override;
  std::optional<SplitResult> Split(double avail, bool force) const override;
  void Draw(DrawContext& ctx, double x, double top) const override;

  // Fragment introspection (tests).
  const TableData& data() const { return *data_; }
  size_t begin() const { return begin_; }
  size_t end() const { return end_; }
  const Row& RowAt(size_t i) const;
  const Row* ContinuedBand() const;
  // The rows `cell` of body row i covers in this fragment (its row_span,
  // cut at the fragment's end): what a tagged TD's /RowSpan says.
  int RowSpanAt(size_t i, const Cell& cell) const {
    return static_cast<int>(std::min(static_cast<size_t>(std::max(1, cell.row_span)), end_ - i));
  }

 private:
  TableFlow(std::shared_ptr<const TableData> data,
            std::shared_ptr<const std::vector<double>> prefix, size_t begin, size_t end,
            std::shared_ptr<const Row> first, std::shared_ptr<const Row> last);
  double TopHeight() const;
  // The whole, unsplit table is small enough to move whole.
  bool KeptWhole() const;
  // The height of this fragment's rows [a, b).
  double RowsHeight(size_t a, size_t b) const;
  // `tail_first` (the first row of the fragment after a break before row
  // k, or inside it when `inside`, `head_half` tall) with the cells that
  // span across the break continued in it, and its height grown to hold
  // them.
  Row ContinueSpans(Row tail_first, size_t k, bool inside, double head_half) const;
  // The cells spanning rows across a break before row k (or inside it):
  // the row of the cell in this fragment, the end of its rows, the cell.
  struct Crossing {
    size_t row, end;
    const Cell* cell;
  };
  std::vector<Crossing> CrossingSpans(size_t k, bool inside) const;
  // Some cell spanning across that break would show no line above it;
  // `start` is its row.
  bool EmptySpanAbove(size_t k, bool inside, double head_half, size_t* start) const;
  // `heights(i, n)`: the height of the n rows from row i of its part.
  // `artifact`: a repeated header or band (its text is decoration).
  template <typename Heights>
  void DrawRow(const Row& row, size_t i, const Heights& heights, DrawContext& ctx, double x,
               double top, bool artifact) const;

  std::shared_ptr<const TableData> data_;
  // prefix_[i]: the height of rows [0, i), so a fragment's height is O(1)
  // and paginating a long table stays linear.
  std::shared_ptr<const std::vector<double>> prefix_;
  size_t begin_, end_;
  std::shared_ptr<const Row> first_;  // replaces rows[begin_] (tail of a split row)
  std::shared_ptr<const Row> last_;   // replaces rows[end_ - 1] (head of a split row)
};

// Splits `row` so its head fits in `avail` (row height incl. padding) with at
// least `min_lines` lines on each side; nothing if that is impossible.
std::optional<std::pair<Row, Row>> SplitRow(const TableData& data, const Row& row, double avail,
                                            int min_lines);

}  // namespace pp::layout

#endif  // PANELPAPER_RENDERERS_LAYOUT_TABLE_FLOW_H_
