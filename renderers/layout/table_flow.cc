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
  for (const Cell& c : row->cells) {
    if (!SpansRows(c)) h = std::max(h, c.content_height);
  }
  row->height = std::max(h + 2 * data.padding_y, row->min_height);
}

void JoinRowSpans(const TableData& data, std::vector<Row>* rows) {
  struct Span {
    size_t start, end;  // rows [start, end]
    double need;
  };
  std::vector<Span> spans;
  for (size_t s = 0; s < rows->size(); ++s) {
    for (Cell& c : (*rows)[s].cells) {
      if (c.row_span <= 1) continue;
      const size_t end = std::min(rows->size(), s + static_cast<size_t>(c.row_span)) - 1;
      c.row_span = static_cast<int>(end - s + 1);
      c.whole = c.lines;
      c.whole_height = c.content_height;
      spans.push_back(Span{s, end, c.content_height + 2 * data.padding_y});
      for (size_t r = s + 1; r <= end; ++r) (*rows)[r].spanned_from.emplace_back(s, c.column);
      for (size_t r = s; r < end; ++r) (*rows)[r].keep_with_next = true;
    }
  }
  // Shorter spans first where they end together, each growing its last row
  // only by what the rows above it (already grown) leave short.
  std::stable_sort(spans.begin(), spans.end(),
                   [](const Span& a, const Span& b) { return a.end < b.end; });
  for (const Span& sp : spans) {
    double have = 0;
    for (size_t r = sp.start; r <= sp.end; ++r) have += (*rows)[r].height;
    if (text::Fits(sp.need, have)) continue;
    Row& last = (*rows)[sp.end];
    last.min_height = last.height + (sp.need - have);
    FinishRow(data, &last);
  }
}

size_t LinesThatFit(const TableData& data, const Cell& cell, double height) {
  const double inner = height - 2 * data.padding_y;
  size_t j = 0;
  while (j < cell.lines.size() && text::Fits(cell.lines.Top(j) + cell.lines[j].leading, inner)) ++j;
  return j;
}

std::optional<std::pair<Row, Row>> SplitRow(const TableData& data, const Row& row, double avail,
                                            int min_lines) {
  const double inner = avail - 2 * data.padding_y;
  if (inner <= 0) return std::nullopt;
  Row head = row, tail = row;
  head.keep_with_next = false;
  head.is_band = tail.is_band = false;
  head.min_height = tail.min_height = 0;
  size_t most_head = 0, most_tail = 0;
  double own = 0;  // the row's height from its own cells
  for (size_t ci = 0; ci < row.cells.size(); ++ci) {
    const Cell& cell = row.cells[ci];
    // Cells spanning rows are cut where the fragment ends (Draw) and
    // continued by the table (ContinueSpans), not here.
    if (SpansRows(cell)) continue;
    own = std::max(own, cell.content_height);
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
    // A row grown for a span ending in it splits in the growth: its own
    // lines stay above, the spanning cell continues below.
    if (!(most_tail == 0 && row.min_height > own + 2 * data.padding_y &&
          text::Fits(own, inner))) {
      return std::nullopt;
    }
    head.min_height = avail;
  }
  std::erase_if(tail.cells, [](const Cell& c) { return SpansRows(c); });
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

double TableFlow::RowsHeight(size_t a, size_t b) const {
  a = std::max(a, begin_);
  b = std::min(b, end_);
  if (a >= b) return 0;
  double h = (*prefix_)[b] - (*prefix_)[a];
  if (first_ && a == begin_) h += first_->height - data_->rows[begin_].height;
  if (last_ && b == end_ && !(end_ - 1 == begin_ && first_)) {
    h += last_->height - data_->rows[end_ - 1].height;
  }
  return h;
}

std::vector<TableFlow::Crossing> TableFlow::CrossingSpans(size_t k, bool inside) const {
  const Row& at = RowAt(k);
  std::vector<Crossing> out;
  auto add = [&](size_t a, int column) {
    const Row& from = RowAt(a);
    auto it = std::find_if(from.cells.begin(), from.cells.end(), [&](const Cell& c) {
      return c.column == column && SpansRows(c);
    });
    if (it == from.cells.end()) return;
    const size_t end = std::min(a + static_cast<size_t>(std::max(1, it->row_span)), end_);
    if (end > k) out.push_back(Crossing{a, end, &*it});
  };
  for (const auto& [s, column] : at.spanned_from) {
    const size_t a = std::max(s, begin_);
    if (a < k) add(a, column);
  }
  if (inside) {
    for (const Cell& c : at.cells) {
      if (SpansRows(c)) add(k, c.column);
    }
  }
  return out;
}

bool TableFlow::EmptySpanAbove(size_t k, bool inside, double head_half, size_t* start) const {
  for (const Crossing& x : CrossingSpans(k, inside)) {
    const double shown = RowsHeight(x.row, k) + (inside ? head_half : 0);
    if (!x.cell->lines.empty() && LinesThatFit(*data_, *x.cell, shown) == 0) {
      *start = x.row;
      return true;
    }
  }
  return false;
}

Row TableFlow::ContinueSpans(Row tail_first, size_t k, bool inside, double head_half) const {
  const std::vector<Crossing> crossing = CrossingSpans(k, inside);
  tail_first.spanned_from.clear();
  FinishRow(*data_, &tail_first);
  const double own = tail_first.height;  // the first row's height from its own cells
  for (const Crossing& x : crossing) {
    const size_t a = x.row, end = x.end;  // rows [a, end)
    const int column = x.cell->column;
    const Cell& cell = *x.cell;
    const double shown = RowsHeight(a, k) + (inside ? head_half : 0);
    const double below = RowsHeight(k + 1, end);  // beside the rows after the first
    const size_t j = LinesThatFit(*data_, cell, shown);
    Cell cont = cell;
    if (j < cell.lines.size()) {
      cont.lines = cell.lines.Slice(j, cell.lines.size());
      cont.content_height = cell.content_height - cell.lines.Top(j);
      cont.continued = true;
      cont.repeated = false;
    } else {
      // All of it was printed above the break: print again as much as fits
      // beside the rows it still spans, at least its first line.
      cont.lines = cell.whole;
      cont.content_height = cell.whole_height;
      const size_t fit = std::max<size_t>(1, LinesThatFit(*data_, cont, own + below));
      if (fit < cont.lines.size()) {
        cont.lines = cell.whole.Slice(0, fit);
        cont.content_height = cont.lines.Top(fit - 1) + cont.lines[fit - 1].leading;
      }
      cont.continued = false;
      cont.repeated = true;
    }
    cont.row_span = static_cast<int>(end - k);
    // The first row grows for what the rows below leave short.
    tail_first.min_height = std::max(tail_first.min_height,
                                     cont.content_height + 2 * data_->padding_y - below);
    auto pos = std::find_if(tail_first.cells.begin(), tail_first.cells.end(),
                            [&](const Cell& c) { return c.column > column; });
    tail_first.cells.insert(pos, std::move(cont));
  }
  FinishRow(*data_, &tail_first);
  return tail_first;
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
        if (!SpansRows(c) && c.lines.size() >= 2) two = std::max(two, c.lines.Top(1) + c.lines[1].leading);
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
  // A spanning cell never shows no line above a break: the break moves up
  // to before the cell's row (unless nothing would come before it).
  size_t start = 0;
  if (halves && k > begin_ && EmptySpanAbove(k, true, halves->first.height, &start)) {
    halves.reset();
  }
  if (!halves) {
    // Never end a page on a band or an area header, nor inside rows joined
    // by a span -- unless those rows fill more than a page anyway: then
    // moving them on would only leave this page's foot empty.
    size_t back = k;
    while (back > begin_ && RowAt(back - 1).keep_with_next) --back;
    if (back < k && !RowAt(k).spanned_from.empty() && data_->keep_whole_height > 0) {
      size_t e = k;
      while (e + 1 < end_ && RowAt(e).keep_with_next) ++e;
      if (!text::Fits(TopHeight() + RowsHeight(back, e + 1), data_->keep_whole_height)) back = k;
    }
    k = back;
    if (k == begin_ && force) {
      // Waiting cannot help: place the rows that fit, keep rules aside.
      k = begin_;
      double yy = TopHeight();
      while (k < end_ && text::Fits(yy + RowAt(k).height, avail)) yy += RowAt(k++).height;
    }
    size_t kk = k;
    while (kk > begin_ && EmptySpanAbove(kk, false, 0, &start)) kk = start;
    if (kk > begin_ || !force) {
      k = kk;
    } else if (k > begin_ && k < end_) {
      // Forced, and every break between rows leaves a span empty: cut row
      // k itself where the page ends, if that shows the spans' lines.
      const double used = TopHeight() + RowsHeight(begin_, k);
      halves = SplitRow(*data_, RowAt(k), avail - used, 1);
      if (halves && EmptySpanAbove(k, true, halves->first.height, &start)) halves.reset();
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
  if (halves || !RowAt(k).spanned_from.empty()) {
    // Cells spanning rows across the break continue in the tail's first row.
    Row first = ContinueSpans(halves ? *tail_half : RowAt(k), k, halves.has_value(),
                              halves ? head_half->height : 0);
    if (first.cells.size() != (halves ? tail_half->cells.size() : RowAt(k).cells.size())) {
      tail_first = std::make_shared<const Row>(std::move(first));
    }
  }
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

template <typename Heights>
void TableFlow::DrawRow(const Row& row, size_t i, const Heights& heights, DrawContext& ctx,
                        double x, double top, bool artifact) const {
  const TableData& d = *data_;
  for (const Cell& cell : row.cells) {
    const double x0 = x + d.column_x[static_cast<size_t>(cell.column)];
    const double x1 = x + d.column_x[static_cast<size_t>(cell.column + cell.span)];
    const bool spans = SpansRows(cell);
    const double height = spans ? heights(i, static_cast<size_t>(cell.row_span)) : row.height;
    const double bottom = top - height;
    if (cell.fill) ctx.page->fills.push_back(FillItem{x0, bottom, x1 - x0, height, *cell.fill});
    ctx.page->frames.push_back(FrameItem{x0, bottom, x1 - x0, height, d.rule, d.rule_color});
    double content_top = top - d.padding_y;
    if (cell.center_vertically) {
      content_top -= (height - 2 * d.padding_y - cell.content_height) / 2;
    }
    static const std::vector<std::string> kNoUris;
    const std::vector<std::string>& uris = cell.uris ? *cell.uris : kNoUris;
    // A spanning cell's text printed again after a break was read above.
    const bool text_artifact = artifact || cell.repeated;
    // A spanning cell cut by the fragment's end shows the lines that fit;
    // the next fragment continues it (ContinueSpans).
    const size_t n = spans ? LinesThatFit(d, cell, height) : cell.lines.size();
    for (size_t li = 0; li < n; ++li) {
      const CellLine& l = cell.lines[li];
      DrawLine(l.line, uris, l.size, l.color, x0 + d.padding_x + l.x,
               content_top - cell.lines.Top(li) - l.baseline, ctx.page,
               text_artifact ? -1 : cell.node, cell.tag_nodes.get(), text_artifact);
    }
  }
}

void TableFlow::Draw(DrawContext& ctx, double x, double top) const {
  double y = top;
  // The header rows are content in the first fragment only.
  const bool first_fragment = begin_ == 0 && !first_;
  const std::vector<Row>& header = data_->header;
  auto header_heights = [&](size_t i, size_t n) {
    double h = 0;
    for (size_t r = i; r < std::min(header.size(), i + n); ++r) h += header[r].height;
    return h;
  };
  for (size_t i = 0; i < header.size(); ++i) {
    DrawRow(header[i], i, header_heights, ctx, x, y, !first_fragment);
    y -= header[i].height;
  }
  if (const Row* band = ContinuedBand()) {
    DrawRow(*band, 0, [&](size_t, size_t) { return band->height; }, ctx, x, y, /*artifact=*/true);
    y -= band->height;
  }
  auto body_heights = [&](size_t i, size_t n) { return RowsHeight(i, i + n); };
  for (size_t i = begin_; i < end_; ++i) {
    const Row& r = RowAt(i);
    DrawRow(r, i, body_heights, ctx, x, y, /*artifact=*/false);
    y -= r.height;
  }
}

}  // namespace pp::layout
