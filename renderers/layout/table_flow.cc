#include "renderers/layout/table_flow.h"

#include <algorithm>

namespace pp::layout {

std::vector<double> ColumnEdges(const std::vector<double>& shares, double width) {
  double largest = 0;
  for (double x : shares) largest = std::max(largest, x);
  double total = 0;
  for (double x : shares) total += x / largest;
  std::vector<double> edges;
  edges.reserve(shares.size() + 1);
  edges.push_back(0);
  double acc = 0;
  for (double x : shares) {
    acc += x / largest;
    edges.push_back(width * acc / total);
  }
  edges.back() = width;
  return edges;
}

std::vector<double> FitColumns(const std::vector<double>& edges, const std::vector<double>& min,
                               double floor, double width) {
  const size_t n = min.size();
  std::vector<double> w(n, 0), lo(n, 0);
  double need = 0;
  for (size_t c = 0; c < n; ++c) {
    lo[c] = std::max(min[c], floor);
    need += lo[c];
  }
  if (need > width) {
    // Every minimum cannot be met: each column gets the floor and a share of
    // the rest by how much more it wants.
    double excess = 0;
    for (size_t c = 0; c < n; ++c) excess += lo[c] - floor;
    const double spare = std::max(0.0, width - floor * static_cast<double>(n));
    for (size_t c = 0; c < n; ++c) {
      w[c] = floor + (excess > 0 ? spare * (lo[c] - floor) / excess : 0);
    }
  } else {
    // Columns pinned at their minimum; the rest share what remains by their
    // preferred widths. Each pass pins at least one more column or stops.
    std::vector<bool> pinned(n, false);
    for (bool changed = true; changed;) {
      changed = false;
      double room = width, pref = 0;
      for (size_t c = 0; c < n; ++c) {
        if (pinned[c]) room -= lo[c];
        else pref += edges[c + 1] - edges[c];
      }
      for (size_t c = 0; c < n; ++c) {
        if (pinned[c]) {
          w[c] = lo[c];
          continue;
        }
        w[c] = pref > 0 ? room * (edges[c + 1] - edges[c]) / pref : lo[c];
        if (w[c] < lo[c]) {
          pinned[c] = true;
          changed = true;
        }
      }
    }
  }
  std::vector<double> out;
  out.reserve(n + 1);
  out.push_back(0);
  double acc = 0;
  for (size_t c = 0; c < n; ++c) out.push_back(acc += w[c]);
  out.back() = width;
  return out;
}

void CellLines::push_back(CellLine line) {
  if (!all_) all_ = std::make_shared<std::vector<CellLine>>();
  if (all_.use_count() > 1 || begin_ != 0 || end_ != all_->size()) {
    // Shared or sliced: copy the range first (tests and builders only).
    auto own = std::make_shared<std::vector<CellLine>>(begin(), end());
    for (CellLine& l : *own) l.top -= shift_;
    all_ = std::move(own);
    begin_ = 0;
    shift_ = 0;
  }
  all_->push_back(std::move(line));
  end_ = all_->size();
}

CellLines CellLines::Slice(size_t from, size_t to) const {
  CellLines out = *this;
  out.begin_ = begin_ + from;
  out.end_ = begin_ + to;
  out.shift_ = from < size() ? (*all_)[begin_ + from].top : shift_;
  if (from == to) out.shift_ = 0;
  return out;
}

void FinishRow(const TableData& data, Row* row) {
  double h = 0;
  for (const Cell& c : row->cells) h = std::max(h, c.content_height);
  row->height = h + 2 * data.padding_y;
}

std::optional<std::pair<Row, Row>> SplitRow(const TableData& data, const Row& row, double avail,
                                            int min_lines) {
  const double inner = avail - 2 * data.padding_y;
  if (inner <= 0) return std::nullopt;
  Row head = row, tail = row;
  head.keep_with_next = false;
  head.is_band = tail.is_band = false;
  size_t most_head = 0, most_tail = 0;
  for (size_t ci = 0; ci < row.cells.size(); ++ci) {
    const Cell& cell = row.cells[ci];
    const size_t n = cell.lines.size();
    size_t j = 0;
    while (j < n && text::Fits(cell.lines.Top(j) + cell.lines[j].leading, inner)) ++j;
    const size_t min = static_cast<size_t>(min_lines);
    if (j < n) {
      // Orphans and widows inside the cell.
      if (j < min) {
        j = 0;
      } else if (n - j < min) {
        j = n >= 2 * min ? n - min : 0;
      }
    }
    Cell& h = head.cells[ci];
    Cell& t = tail.cells[ci];
    // Shared ranges, not copies: a cell continued over many pages costs
    // O(1) per page here, not O(its remaining lines).
    h.lines = cell.lines.Slice(0, j);
    t.lines = cell.lines.Slice(j, n);
    h.content_height = j == 0 ? 0 : cell.lines.Top(j - 1) + cell.lines[j - 1].leading;
    if (j < n) {
      const double shift = cell.lines.Top(j);
      t.content_height = cell.content_height - shift;
    } else {
      t.content_height = 0;
    }
    most_head = std::max(most_head, j);
    most_tail = std::max(most_tail, n - j);
  }
  if (most_head < static_cast<size_t>(min_lines) || most_tail < static_cast<size_t>(min_lines)) {
    return std::nullopt;
  }
  FinishRow(data, &head);
  FinishRow(data, &tail);
  return std::make_pair(std::move(head), std::move(tail));
}

TableFlow::TableFlow(std::shared_ptr<const TableData> data)
    : data_(std::move(data)), begin_(0), end_(data_->rows.size()) {
  auto prefix = std::make_shared<std::vector<double>>(data_->rows.size() + 1, 0.0);
  for (size_t i = 0; i < data_->rows.size(); ++i) (*prefix)[i + 1] = (*prefix)[i] + data_->rows[i].height;
  prefix_ = std::move(prefix);
}

TableFlow::TableFlow(std::shared_ptr<const TableData> data,
                     std::shared_ptr<const std::vector<double>> prefix, size_t begin, size_t end,
                     std::shared_ptr<const Row> first, std::shared_ptr<const Row> last)
    : data_(std::move(data)), prefix_(std::move(prefix)), begin_(begin), end_(end),
      first_(std::move(first)), last_(std::move(last)) {}

const Row& TableFlow::RowAt(size_t i) const {
  if (i == begin_ && first_) return *first_;
  if (i + 1 == end_ && last_) return *last_;
  return data_->rows[i];
}

const Row* TableFlow::ContinuedBand() const {
  if (begin_ >= end_) return nullptr;
  const Row& first = RowAt(begin_);
  if (first.group < 0 || first.is_band) return nullptr;
  // The first fragment of a table never starts inside a group unless the
  // table itself does; a group starts with its band row.
  if (begin_ == 0 && !first_) return nullptr;
  if (static_cast<size_t>(first.group) >= data_->continued_bands.size()) return nullptr;
  return &data_->continued_bands[static_cast<size_t>(first.group)];
}

double TableFlow::TopHeight() const {
  double h = 0;
  for (const Row& r : data_->header) h += r.height;
  if (const Row* band = ContinuedBand()) h += band->height;
  return h;
}

double TableFlow::Height() const {
  double h = TopHeight() + (*prefix_)[end_] - (*prefix_)[begin_];
  if (begin_ < end_) {
    if (first_) h += first_->height - data_->rows[begin_].height;
    if (last_ && !(end_ - 1 == begin_ && first_)) h += last_->height - data_->rows[end_ - 1].height;
  }
  return h;
}

bool TableFlow::KeptWhole() const {
  return begin_ == 0 && end_ == data_->rows.size() && !first_ && !last_ &&
         data_->rows.size() <= kSmallTableRows && data_->keep_whole_height > 0 &&
         text::Fits(Height(), data_->keep_whole_height);
}

double TableFlow::MinHeadHeight() const {
  if (KeptWhole()) return Height();
  double h = TopHeight();
  for (size_t i = begin_; i < end_; ++i) {
    const Row& r = RowAt(i);
    if (r.height > data_->split_threshold) {
      // Two lines of the tallest cell and the padding.
      double two = 0;
      for (const Cell& c : r.cells) {
        if (c.lines.size() >= 2) two = std::max(two, c.lines.Top(1) + c.lines[1].leading);
      }
      return h + std::min(r.height, two + 2 * data_->padding_y);
    }
    h += r.height;
    if (!r.keep_with_next) break;
  }
  return h;
}

std::optional<SplitResult> TableFlow::Split(double avail, bool force) const {
  if (!force && KeptWhole()) return std::nullopt;
  double y = TopHeight();
  if (!text::Fits(y, avail)) return std::nullopt;
  size_t k = begin_;
  while (k < end_ && text::Fits(y + RowAt(k).height, avail)) {
    y += RowAt(k).height;
    ++k;
  }
  if (k == end_) return std::nullopt;  // fits whole

  std::optional<std::pair<Row, Row>> halves;
  const Row& row = RowAt(k);
  const bool first_row_forced = force && k == begin_;
  if (row.height > data_->split_threshold || first_row_forced) {
    halves = SplitRow(*data_, row, avail - y, 2);
    if (!halves && first_row_forced) halves = SplitRow(*data_, row, avail - y, 1);
  }
  if (!halves) {
    // Never end a page on a band or an area header.
    while (k > begin_ && RowAt(k - 1).keep_with_next) --k;
    if (k == begin_ && force) {
      // Waiting cannot help: place the rows that fit, keep rules aside.
      k = begin_;
      double yy = TopHeight();
      while (k < end_ && text::Fits(yy + RowAt(k).height, avail)) yy += RowAt(k++).height;
    }
    if (k == begin_) return std::nullopt;
  }

  std::shared_ptr<const Row> head_half, tail_half;
  if (halves) {
    head_half = std::make_shared<const Row>(std::move(halves->first));
    tail_half = std::make_shared<const Row>(std::move(halves->second));
  }
  const size_t head_end = halves ? k + 1 : k;
  std::shared_ptr<const Row> head_first = (k == begin_ && halves) ? head_half : first_;
  std::shared_ptr<const Row> head_last = (halves && k > begin_) ? head_half : nullptr;
  if (k == begin_ && halves) head_last = nullptr;
  std::shared_ptr<const Row> tail_first = halves ? tail_half : nullptr;
  std::shared_ptr<const Row> tail_last = (halves && k + 1 == end_) ? nullptr : last_;

  auto head = std::shared_ptr<TableFlow>(
      new TableFlow(data_, prefix_, begin_, head_end, std::move(head_first), std::move(head_last)));
  auto tail = std::shared_ptr<TableFlow>(
      new TableFlow(data_, prefix_, k, end_, std::move(tail_first), std::move(tail_last)));
  head->space_before = space_before;
  tail->space_after = space_after;
  head->path = tail->path = path;
  return SplitResult{std::move(head), std::move(tail)};
}

void TableFlow::DrawRow(const Row& row, DrawContext& ctx, double x, double top,
                        bool artifact) const {
  const TableData& d = *data_;
  for (const Cell& cell : row.cells) {
    const double x0 = x + d.column_x[static_cast<size_t>(cell.column)];
    const double x1 = x + d.column_x[static_cast<size_t>(cell.column + cell.span)];
    const double bottom = top - row.height;
    if (cell.fill) ctx.page->fills.push_back(FillItem{x0, bottom, x1 - x0, row.height, *cell.fill});
    ctx.page->frames.push_back(
        FrameItem{x0, bottom, x1 - x0, row.height, d.rule, d.rule_color});
    double content_top = top - d.padding_y;
    if (cell.center_vertically) {
      content_top -= (row.height - 2 * d.padding_y - cell.content_height) / 2;
    }
    static const std::vector<std::string> kNoUris;
    const std::vector<std::string>& uris = cell.uris ? *cell.uris : kNoUris;
    for (size_t i = 0; i < cell.lines.size(); ++i) {
      const CellLine& l = cell.lines[i];
      DrawLine(l.line, uris, l.size, l.color, x0 + d.padding_x + l.x,
               content_top - cell.lines.Top(i) - l.baseline, ctx.page, artifact ? -1 : cell.node,
               cell.tag_nodes.get(), artifact);
    }
  }
}

void TableFlow::Draw(DrawContext& ctx, double x, double top) const {
  double y = top;
  // The header rows are content in the first fragment only.
  const bool first_fragment = begin_ == 0 && !first_;
  for (const Row& r : data_->header) {
    DrawRow(r, ctx, x, y, !first_fragment);
    y -= r.height;
  }
  if (const Row* band = ContinuedBand()) {
    DrawRow(*band, ctx, x, y, /*artifact=*/true);
    y -= band->height;
  }
  for (size_t i = begin_; i < end_; ++i) {
    const Row& r = RowAt(i);
    DrawRow(r, ctx, x, y, /*artifact=*/false);
    y -= r.height;
  }
}

}  // namespace pp::layout
