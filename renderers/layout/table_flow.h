// File: renderers/layout/table_flow.h
//
// TableFlow: a measured grid that splits across pages.
//
// Rules (the product's contract for every table, general or improvement):
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
  int span = 1;
  CellLines lines;
  double content_height = 0;
  std::optional<Color> fill;
  bool center_vertically = false;
  std::shared_ptr<const std::vector<std::string>> uris;  // Piece::tag -> link
  // Structure: the cell's TH/TD element, and its tags' elements (links).
  int node = -1;
  std::shared_ptr<const std::vector<int>> tag_nodes;
};

struct Row {
  std::vector<Cell> cells;
  double height = 0;          // including padding
  bool keep_with_next = false;
  int group = -1;             // index into TableData::continued_bands, or -1
  bool is_band = false;       // the group's own band row
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

// Sets row.height from its cells' content heights and the padding.
void FinishRow(const TableData& data, Row* row);

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

 private:
  TableFlow(std::shared_ptr<const TableData> data,
            std::shared_ptr<const std::vector<double>> prefix, size_t begin, size_t end,
            std::shared_ptr<const Row> first, std::shared_ptr<const Row> last);
  double TopHeight() const;
  // The whole, unsplit table is small enough to move whole.
  bool KeptWhole() const;
  // `artifact`: a repeated header or band (its text is decoration).
  void DrawRow(const Row& row, DrawContext& ctx, double x, double top, bool artifact) const;

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
