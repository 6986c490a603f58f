#include "tests/testing/builders.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace pp::test {
namespace {

// A flowable of fixed height that refuses to split.
class SolidFlow final : public layout::Flowable {
 public:
  explicit SolidFlow(double height) : height_(height) {}
  double Height() const override { return height_; }
  void Draw(layout::DrawContext& ctx, double x, double top) const override {
    ctx.page->frames.push_back(layout::FrameItem{x, top - height_, 100, height_, 0.5, {}});
  }

 private:
  double height_;
};

text::Line OneLine(std::string s) {
  text::Line line;
  text::Piece piece;
  piece.width = 5.0 * static_cast<double>(s.size());
  piece.text = std::move(s);
  line.width = piece.width;
  line.pieces.push_back(std::move(piece));
  return line;
}

}  // namespace

std::shared_ptr<layout::TextBlock> Lines(int n, double leading, bool keep_with_next,
                                         std::string path) {
  auto content = std::make_shared<layout::TextContent>();
  content->style.size = leading / 1.15;
  content->style.leading = leading;
  content->style.baseline = leading * 0.8;
  content->style.width = 400;
  const std::string prefix = path.empty() ? "line" : path;
  for (int i = 0; i < n; ++i) content->lines.push_back(OneLine(absl::StrCat(prefix, "#", i)));
  auto block = std::make_shared<layout::TextBlock>(std::move(content));
  block->keep_with_next = keep_with_next;
  block->path = std::move(path);
  return block;
}

std::shared_ptr<layout::Flowable> Solid(double height, std::string path) {
  auto f = std::make_shared<SolidFlow>(height);
  f->path = std::move(path);
  return f;
}

const layout::TextBlock* AsTextBlock(const layout::FlowPtr& flow) {
  return dynamic_cast<const layout::TextBlock*>(flow.get());
}

layout::TableData GridTable(int columns, double column_width, double split_threshold) {
  layout::TableData d;
  for (int c = 0; c <= columns; ++c) d.column_x.push_back(c * column_width);
  d.padding_x = 4;
  d.padding_y = 3;
  d.rule = 0.5;
  d.split_threshold = split_threshold;
  return d;
}

layout::Row RowOfLines(const layout::TableData& data, const std::vector<int>& lines_per_cell,
                       const std::string& tag, double leading) {
  layout::Row row;
  for (size_t c = 0; c < lines_per_cell.size(); ++c) {
    layout::Cell cell;
    cell.column = static_cast<int>(c);
    cell.span = 1;
    for (int i = 0; i < lines_per_cell[c]; ++i) {
      layout::CellLine l;
      l.line = OneLine(absl::StrCat(tag, ".c", c, ".l", i));
      l.top = i * leading;
      l.leading = leading;
      l.size = leading / 1.15;
      l.baseline = leading * 0.8;
      cell.lines.push_back(std::move(l));
    }
    cell.content_height = lines_per_cell[c] * leading;
    row.cells.push_back(std::move(cell));
  }
  row.path = tag;
  layout::FinishRow(data, &row);
  return row;
}

doc::Runs Plain(std::string text) {
  doc::Runs runs;
  runs.push_back(doc::Run{std::move(text), false, false, {}});
  return runs;
}

doc::Paragraph Para(std::string text, std::string path) {
  doc::Paragraph p;
  p.runs = Plain(std::move(text));
  p.path = std::move(path);
  return p;
}

doc::Paper MinimalPaper() {
  doc::Paper paper;
  paper.panel_name = "Audit Panel";
  paper.meeting_date = doc::Date{2020, 1, 8};
  paper.title = "Test paper";
  paper.metadata.title = "Test paper";
  doc::Section section;
  section.heading = "Introduction";
  section.path = "paper.sections[0]";
  section.blocks.push_back(Para("Hello world.", "paper.sections[0].blocks[0]"));
  paper.sections.push_back(std::move(section));
  return paper;
}

doc::Paper PaperWithParagraphs(int n, int words_each) {
  doc::Paper paper = MinimalPaper();
  doc::Section& section = paper.sections[0];
  section.heading = "Supporting information";
  section.numbered_paragraphs = true;
  section.blocks.clear();
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> words;
    for (int k = 0; k < words_each; ++k) words.push_back(absl::StrCat("p", i, "w", k));
    section.blocks.push_back(
        Para(absl::StrJoin(words, " "), absl::StrCat("paper.sections[0].blocks[", i, "]")));
  }
  return paper;
}

std::string LineText(const text::Line& line) {
  std::string out;
  for (const text::Piece& p : line.pieces) out += p.text;
  return out;
}

std::vector<std::string> LineTexts(const std::vector<text::Line>& lines) {
  std::vector<std::string> out;
  for (const text::Line& l : lines) out.push_back(LineText(l));
  return out;
}

std::string PageText(const layout::Page& page) {
  std::vector<std::string> parts;
  for (const layout::TextItem& t : page.texts) parts.push_back(t.text);
  return absl::StrJoin(parts, " ");
}

}  // namespace pp::test
