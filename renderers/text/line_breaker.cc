#include "renderers/text/line_breaker.h"

#include <algorithm>
#include <optional>

#include "renderers/common/utf8.h"

namespace pp::text {
namespace {

// One character as the breaker sees it.
struct Glyph {
  char32_t cp;
  FaceId face;
  int tag;
  double advance;
};

// Characters after which a word may break (between letters).
bool IsInnerBreakChar(char32_t cp) { return cp == '-' || cp == 0x2013 || cp == '/'; }
bool IsDash(char32_t cp) { return cp == '-' || cp == 0x2013 || cp == 0x2014; }

// Chinese, Japanese and Korean characters written without spaces (kana,
// bopomofo, Hangul, CJK ideographs): a line may break between any two of
// them, with no hyphen (CJK punctuation stays with its neighbours).
bool IsCjk(char32_t cp) {
  return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3100 && cp <= 0x318F) ||
         (cp >= 0x31F0 && cp <= 0x31FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF66 && cp <= 0xFF9F);
}

bool IsLetter(char32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp != 0xD7 && cp != 0xF7);
}

// Incremental line builder: words are appended whole or in part.
class LineSink {
 public:
  LineSink(double width) : width_(width) { lines_.emplace_back(); }

  double used() const { return used_; }
  bool empty() const { return glyphs_in_line_ == 0; }
  double remaining() const { return width_ - used_; }

  // `soft_end`: the break is at a space between two words (Line::soft_end).
  void NewLine(bool soft_end = false) {
    Flush();
    lines_.back().soft_end = soft_end;
    lines_.emplace_back();
    used_ = 0;
    glyphs_in_line_ = 0;
  }

  // Appends glyphs at the current position.
  void Add(const Glyph* g, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      const Glyph& x = g[i];
      if (pending_.text.empty() || !(pending_.face == x.face) || pending_.tag != x.tag) {
        Flush();
        pending_.face = x.face;
        pending_.tag = x.tag;
        pending_.x = used_;
        pending_.width = 0;
      }
      AppendUtf8(x.cp, &pending_.text);
      pending_.width += x.advance;
      used_ += x.advance;
      ++glyphs_in_line_;
    }
    visible_end_ = used_;
  }

  // Appends spaces that are only kept if a word follows on this line.
  void AddSpaces(const std::vector<Glyph>& spaces) {
    Add(spaces.data(), spaces.size());
    visible_end_ = used_ - Width(spaces);  // trailing spaces don't count
  }

  std::vector<Line> Finish() {
    Flush();
    return std::move(lines_);
  }

  // The current line ends inside a word (with a drawn hyphen).
  void MarkBrokeWord() { lines_.back().broke_word = true; }
  void MarkHyphen() { lines_.back().hyphen = true; }
  // The line ends at a forced break ('\n').
  void MarkHardEnd() { lines_.back().hard_end = true; }
  // The line's last glyph is a hyphen the breaker drew (Line::added_hyphen).
  void MarkAddedHyphen(double advance) { lines_.back().added_hyphen = advance; }

  static double Width(const std::vector<Glyph>& g) {
    double w = 0;
    for (const Glyph& x : g) w += x.advance;
    return w;
  }

 private:
  void Flush() {
    if (pending_.text.empty()) return;
    Line& line = lines_.back();
    line.pieces.push_back(std::move(pending_));
    pending_ = Piece();
    line.width = visible_end_;
  }

  double width_;
  double used_ = 0;
  double visible_end_ = 0;
  size_t glyphs_in_line_ = 0;
  Piece pending_;
  std::vector<Line> lines_;
};

// Trims trailing spaces from a finished line's last piece.
void TrimTrailingSpaces(Line& line) {
  while (!line.pieces.empty()) {
    Piece& p = line.pieces.back();
    size_t end = p.text.size();
    while (end > 0 && p.text[end - 1] == ' ') --end;
    if (end == p.text.size()) break;
    if (end == 0) {
      line.pieces.pop_back();
      continue;
    }
    p.text.resize(end);
    p.width = line.width - p.x;
    break;
  }
}

class Breaker {
 public:
  Breaker(const FontSet& fonts, double size, double width)
      : fonts_(fonts), scale_(size / 1000.0), width_(width), sink_(width) {}

  // Measure mode: words are not placed; min_content() collects the widest
  // stretch between a word's inner break points (MinContentWidth).
  void MeasureOnly() { measure_only_ = true; }
  double min_content() const { return min_content_; }

  void Run(std::span<const Span> spans) {
    for (const Span& span : spans) {
      size_t pos = 0;
      while (pos < span.text.size()) {
        const char32_t cp = DecodeUtf8(span.text, &pos);
        if (cp == kInvalidCodepoint) continue;
        if (cp == 0x00AD) {
          // Soft hyphen: a break opportunity drawn as a hyphen only there.
          const FaceId hf = fonts_.Resolve(span.style, '-');
          AddSoftBreak(Glyph{'-', hf, span.tag, fonts_.Advance(hf, '-') * scale_});
          continue;
        }
        if (cp == '\n') {
          FlushWord();
          spaces_.clear();
          sink_.MarkHardEnd();
          sink_.NewLine();
          at_line_start_ = true;
          continue;
        }
        const FaceId face = fonts_.Resolve(span.style, cp);
        const Glyph g{cp, face, span.tag, fonts_.Advance(face, cp) * scale_};
        if (cp == ' ' && !word_.empty() && SpacedLongDashFollows(span.text, pos)) {
          // A spaced en or em dash ("Red – Increasing") stays with the word
          // before it: no line starts with one.
          Push(g);
        } else if (cp == ' ' && DashPrefixOnly()) {
          // A spaced dash ("service - Operation") stays with the word after
          // it: a line never ends with a lone dash (which text extraction
          // would take for a hyphenation and drop).
          Push(g);
        } else if (cp == ' ') {
          FlushWord();
          spaces_.push_back(g);
        } else if (cp == 0x200B) {
          // Zero-width space: a break opportunity, not drawn.
          AddBreak(word_.size(), false);
          AddSoftBreak(std::nullopt);
        } else if (!word_.empty() && IsCjk(cp) && IsCjk(word_.back().cp)) {
          // Between two CJK characters: a break opportunity, like U+200B.
          AddBreak(word_.size(), false);
          AddSoftBreak(std::nullopt);
          Push(g);
        } else {
          if (!word_.empty() && IsLetter(cp) && IsInnerBreakChar(word_.back().cp) &&
              word_.size() >= 2 && IsLetter(word_[word_.size() - 2].cp)) {
            AddBreak(word_.size(), word_.back().cp != '/');
          }
          Push(g);
        }
      }
    }
    FlushWord();
  }

  // True when text[pos..] is spaces, an en or em dash, then a space or the
  // end: the space just read is inside "word – ".
  static bool SpacedLongDashFollows(std::string_view text, size_t pos) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (text.substr(pos, 3) != "\xE2\x80\x93" && text.substr(pos, 3) != "\xE2\x80\x94") {
      return false;
    }
    pos += 3;
    return pos == text.size() || text[pos] == ' ' || text[pos] == '\n';
  }

  // True while word_ is a lone dash, possibly followed by spaces.
  bool DashPrefixOnly() const {
    if (word_.empty() || !IsDash(word_[0].cp)) return false;
    for (size_t i = 1; i < word_.size(); ++i) {
      if (word_[i].cp != ' ') return false;
    }
    return true;
  }

  // Glyphs at the start of word_ that must not end a line: a spaced dash
  // glued to the word after it ("- Operation") keeps its first letter.
  size_t UnbreakablePrefix() const {
    if (word_.size() < 2 || !IsDash(word_[0].cp) || word_[1].cp != ' ') return 0;
    size_t i = 1;
    while (i < word_.size() && word_[i].cp == ' ') ++i;
    return std::min(word_.size(), i + 1);
  }

  std::vector<Line> Finish() {
    std::vector<Line> lines = sink_.Finish();
    for (Line& l : lines) TrimTrailingSpaces(l);
    return lines;
  }

 private:
  // The word so far: glyphs, their running widths (cum_[i] = width of the
  // first i glyphs, so any prefix or slice is measured in O(1)), and the
  // inner break points in increasing order (all, and those not after a
  // hyphen). Everything below is linear in the word's length.
  void Push(const Glyph& g) {
    word_.push_back(g);
    cum_.push_back(cum_.back() + g.advance);
  }
  void AddBreak(size_t index, bool after_hyphen) {
    if (!breaks_all_.empty() && breaks_all_.back() == index) return;
    breaks_all_.push_back(index);
    if (!after_hyphen) breaks_slash_.push_back(index);
  }
  double WidthOf(size_t from, size_t to) const { return cum_[to] - cum_[from]; }

  // A break the text itself offers (U+00AD with its hyphen, U+200B without),
  // usable whenever the word does not fit, not only as a last resort.
  struct SoftBreak {
    size_t index;
    std::optional<Glyph> hyphen;
    double extra() const { return hyphen ? hyphen->advance : 0.0; }
  };
  void AddSoftBreak(std::optional<Glyph> hyphen) {
    if (word_.empty() || DashPrefixOnly()) return;  // nothing before it to end a line
    if (!soft_.empty() && soft_.back().index == word_.size()) return;
    soft_.push_back({word_.size(), hyphen});
  }
  // The last soft break b, from < b < size, whose slice word_[from, b) plus
  // its hyphen fits in `avail`; nullptr if none.
  const SoftBreak* LastSoftBreakWithin(size_t from, double avail) const {
    const SoftBreak* best = nullptr;
    // Breaks are increasing; the slices' widths too: stop at the first miss.
    auto it = std::upper_bound(soft_.begin(), soft_.end(), from,
                               [](size_t f, const SoftBreak& b) { return f < b.index; });
    for (; it != soft_.end() && it->index < word_.size(); ++it) {
      if (!Fits(WidthOf(from, it->index) + it->extra(), avail)) break;
      best = &*it;
    }
    return best;
  }

  // Largest n such that word_[from, from + n) fits in `avail`.
  size_t FitCount(size_t from, double avail) const {
    const double limit = cum_[from] + avail + kEpsilon;
    const auto first = cum_.begin() + static_cast<ptrdiff_t>(from);
    const auto it = std::upper_bound(first, cum_.end(), limit);
    return it == first ? 0 : static_cast<size_t>(it - first) - 1;  // avail may be < 0
  }

  // The last usable break b with from < b < size and b <= from + fit, or from.
  size_t LastBreakWithin(size_t from, size_t fit, bool hyphen_breaks) const {
    const std::vector<size_t>& b = hyphen_breaks ? breaks_all_ : breaks_slash_;
    const size_t limit = std::min(from + fit, word_.size() - 1);
    auto it = std::upper_bound(b.begin(), b.end(), limit);
    if (it == b.begin()) return from;
    const size_t cut = *(it - 1);
    return cut > from ? cut : from;
  }

  void FlushWord() {
    if (word_.empty()) return;
    if (measure_only_) {
      size_t from = 0;
      for (size_t b : breaks_all_) {
        min_content_ = std::max(min_content_, WidthOf(from, b));
        from = b;
      }
      min_content_ = std::max(min_content_, WidthOf(from, word_.size()));
      ClearWord();
      return;
    }
    const double space_w = LineSink::Width(spaces_);
    const double word_w = WidthOf(0, word_.size());
    if (sink_.empty() || at_line_start_) {
      // Leading spaces of a paragraph or after '\n' are dropped.
      PlaceFrom(0, !Fits(word_w, width_));
    } else if (Fits(sink_.used() + space_w + word_w, width_)) {
      sink_.AddSpaces(spaces_);
      sink_.Add(word_.data(), word_.size());
    } else if (!Fits(word_w, width_)) {
      // Longer than a whole line: fill this line, then go on breaking.
      sink_.AddSpaces(spaces_);
      PlaceFrom(0, /*hyphen_breaks=*/true);
    } else if (LastSoftBreakWithin(0, width_ - sink_.used() - space_w) != nullptr) {
      // Fill this line up to a soft hyphen or zero-width space.
      sink_.AddSpaces(spaces_);
      PlaceFrom(0, /*hyphen_breaks=*/false);
    } else if (SlashPrefixFits(space_w)) {
      // A long compound ("Professionalism/AC") fills this line at its slash.
      sink_.AddSpaces(spaces_);
      PlaceFrom(0, /*hyphen_breaks=*/false);
    } else {
      sink_.NewLine(/*soft_end=*/!spaces_.empty());
      sink_.Add(word_.data(), word_.size());
    }
    at_line_start_ = false;
    ClearWord();
  }

  void ClearWord() {
    spaces_.clear();
    word_.clear();
    cum_.resize(1);
    breaks_all_.clear();
    breaks_slash_.clear();
    soft_.clear();
  }

  // True when the word (which fits on an empty line) is long (over a third
  // of the line) and has a slash or U+200B break whose prefix fits on the
  // current line after the spaces. Hyphen breaks are not used here: text
  // extraction reads a hyphen at a line end as a hyphenation.
  bool SlashPrefixFits(double space_w) const {
    if (WidthOf(0, word_.size()) < width_ / 3 || breaks_slash_.empty()) return false;
    // The first break has the shortest prefix.
    return Fits(sink_.used() + space_w + WidthOf(0, breaks_slash_.front()), width_);
  }

  // Places word_[from..] starting at the current position, breaking at
  // inner break points first (hyphen breaks only if `hyphen_breaks`) and
  // between characters as a last resort.
  void PlaceFrom(size_t from, bool hyphen_breaks) {
    while (from < word_.size()) {
      const double rest_w = WidthOf(from, word_.size());
      const double avail = width_ - sink_.used();
      if (Fits(rest_w, avail)) {
        sink_.Add(word_.data() + from, word_.size() - from);
        return;
      }
      const size_t fit = FitCount(from, avail);
      // Longest inner-break prefix that fits on this line; a soft break
      // (with its hyphen) wins when it leaves at least as much on the line.
      size_t cut = LastBreakWithin(from, fit, hyphen_breaks);
      if (const SoftBreak* soft = LastSoftBreakWithin(from, avail);
          soft != nullptr && soft->index >= cut) {
        sink_.Add(word_.data() + from, soft->index - from);
        if (soft->hyphen) {
          sink_.Add(&*soft->hyphen, 1);
          sink_.MarkAddedHyphen(soft->hyphen->advance);
        }
        from = soft->index;
        sink_.NewLine();
        continue;
      }
      if (cut == from) {
        // A move to a fresh line before the word's first glyph breaks at
        // the spaces before it.
        const bool at_space = from == 0 && !spaces_.empty();
        if (!sink_.empty() && Fits(rest_w, width_)) {
          // The rest fits on a fresh line: don't split it further.
          sink_.NewLine(at_space);
          continue;
        }
        if (!sink_.empty() &&
            (LastBreakWithin(from, FitCount(from, width_), hyphen_breaks) != from ||
             LastSoftBreakWithin(from, width_) != nullptr)) {
          // A break point fits on a fresh line.
          sink_.NewLine(at_space);
          continue;
        }
        // Between characters, with a hyphen drawn after the last one
        // (in that character's face), never leaving one character alone
        // on the next line when the word has more.
        const size_t left = word_.size() - from;
        const Glyph before = word_[from + std::max<size_t>(fit, 1) - 1];
        const Glyph hyphen{'-', before.face, before.tag, fonts_.Advance(before.face, '-') * scale_};
        size_t n = FitCount(from, avail - hyphen.advance);
        // A column too narrow for two letters and a hyphen gets no hyphen
        // (one letter and a hyphen a line would double the lines).
        const bool draw_hyphen = n >= 2;
        if (!draw_hyphen) n = fit;
        if (left - n < 2 && left >= 4) n = left - 2;
        const size_t min_cut = from == 0 ? std::max<size_t>(UnbreakablePrefix(), 1) : 1;
        if (n < min_cut) {
          if (!sink_.empty()) {
            sink_.NewLine(at_space);
            continue;
          }
          n = std::min(min_cut, left);  // wider than the line: place it anyway
        }
        cut = from + n;
        sink_.Add(word_.data() + from, n);
        if (cut < word_.size()) {
          const Glyph& last = word_[cut - 1];
          if (draw_hyphen && !IsDash(last.cp)) {  // after a dash, the dash does
            const Glyph h{'-', last.face, last.tag, fonts_.Advance(last.face, '-') * scale_};
            sink_.Add(&h, 1);
            sink_.MarkHyphen();
            sink_.MarkAddedHyphen(h.advance);
          }
          sink_.MarkBrokeWord();
        }
        from = cut;
        if (from < word_.size()) sink_.NewLine();
        continue;
      }
      sink_.Add(word_.data() + from, cut - from);
      from = cut;
      if (from < word_.size()) sink_.NewLine();
    }
  }

  const FontSet& fonts_;
  double scale_;
  double width_;
  LineSink sink_;
  std::vector<Glyph> word_;
  std::vector<double> cum_ = {0.0};
  std::vector<size_t> breaks_all_;
  std::vector<size_t> breaks_slash_;
  std::vector<SoftBreak> soft_;
  std::vector<Glyph> spaces_;
  bool at_line_start_ = true;
  bool measure_only_ = false;
  double min_content_ = 0;
};

}  // namespace

double MeasureText(std::string_view text, Style style, const FontSet& fonts, double size) {
  double w = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const char32_t cp = DecodeUtf8(text, &pos);
    if (cp == kInvalidCodepoint || cp == 0x00AD || cp == '\n' || cp == 0x200B) continue;
    w += fonts.Advance(fonts.Resolve(style, cp), cp);
  }
  return w * size / 1000.0;
}

std::vector<Line> BreakLines(std::span<const Span> spans, const FontSet& fonts, double size,
                             double width) {
  Breaker b(fonts, size, width);
  b.Run(spans);
  return b.Finish();
}

double MinContentWidth(std::span<const Span> spans, const FontSet& fonts, double size) {
  Breaker b(fonts, size, 1e12);
  b.MeasureOnly();
  b.Run(spans);
  return b.min_content();
}

Line SetLine(std::span<const Span> spans, const FontSet& fonts, double size) {
  std::vector<Line> lines = BreakLines(spans, fonts, size, 1e12);
  Line out;
  for (Line& l : lines) {
    if (out.pieces.empty()) {
      out = std::move(l);
    } else {
      // '\n' in a single-line context: continue on the same line after a space.
      const double shift = out.width + MeasureText(" ", Style::kRegular, fonts, size);
      for (Piece& p : l.pieces) {
        p.x += shift;
        out.pieces.push_back(std::move(p));
      }
      out.width = shift + l.width;
    }
  }
  return out;
}

}  // namespace pp::text
