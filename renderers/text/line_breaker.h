// File: renderers/text/line_breaker.h
//
// Breaks styled text into lines of a given width, measuring with FontSet
// metrics only (never libharu), and returns positioned pieces ready to paint.
//
// Rules (first-fit, ragged right, like Word's default):
// * Lines break at spaces; the spaces at a break are dropped, so no line
//   starts or ends with one. A run of spaces inside a line is kept.
// * A word that does not fit on the rest of a line moves to the next line.
//   A long word (over a third of the line) with a slash between letters
//   ("Professionalism/AC") or a U+200B may instead fill the line up to that
//   break.
// * A word longer than a whole line breaks after a hyphen or en dash between
//   letters, at a slash or U+200B, and only if none of those helps, between
//   characters. (Hyphen breaks are kept for this last resort because text
//   extraction reads a hyphen at a line end as a hyphenation and drops it.)
//   A break between characters draws a hyphen at the line end (in the
//   word's face) and marks the line `broke_word` and `hyphen` (no hyphen
//   after a dash, nor on a line too narrow for two characters and the
//   hyphen); it leaves at least two characters on the next line when the
//   word allows.
// * A spaced en or em dash ("Red – Increasing") stays with the word before
//   it, so no line starts with one; a spaced hyphen ("service - Operation")
//   stays with the following word, so no line ends with a lone hyphen.
// * U+00AD (soft hyphen) and U+200B (zero-width space) are break
//   opportunities used whenever a word does not fit on the rest of a line
//   (before a slash or last-resort break); the soft hyphen is drawn as "-"
//   only where the line breaks, and neither is drawn otherwise. U+00A0 is
//   an ordinary character here, so it keeps the words on both sides together.
// * '\n' forces a line break.
// * Every character is drawn with the face FontSet::Resolve picks for its
//   style, so fallback faces can appear mid-word; adjacent characters with
//   the same face and tag are merged into one Piece.
//
//   std::vector<text::Span> spans = {{"Hello ", Style::kRegular}, {"world", Style::kBold}};
//   std::vector<text::Line> lines = text::BreakLines(spans, *fonts, 12.0, 300.0);
#ifndef PANELPAPER_RENDERERS_TEXT_LINE_BREAKER_H_
#define PANELPAPER_RENDERERS_TEXT_LINE_BREAKER_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "renderers/text/font_set.h"

namespace pp::text {

// Geometry comparisons share one tolerance (points).
inline constexpr double kEpsilon = 1e-6;
inline bool Fits(double need, double avail) { return need <= avail + kEpsilon; }

// A stretch of input text with one style. `tag` is opaque to the breaker and
// copied to the pieces made from this span (callers use it for links).
struct Span {
  std::string_view text;
  Style style = Style::kRegular;
  int tag = -1;
};

// Text drawn with one face, at x (points from the line's start).
struct Piece {
  FaceId face;
  int tag = -1;
  double x = 0;
  double width = 0;
  std::string text;  // UTF-8
};

struct Line {
  std::vector<Piece> pieces;
  double width = 0;  // from the line start to the end of its last visible character
  // The line ended at a space between two words (not at '\n', inside a
  // word or at the end): the text layer gives it a trailing space, so text
  // extraction keeps the words apart (layout::DrawLine).
  bool soft_end = false;
  // The line ends at a forced break ('\n'), or (set by a caller) at the end
  // of a paragraph followed by another in the same element: the text layer
  // gives it a trailing space too, so the two lines don't read as one word.
  bool hard_end = false;
  bool broke_word = false;  // ends inside a word (cut between characters)
  bool hyphen = false;      // ... and a hyphen is drawn at its end
  // > 0: the line's last glyph is a hyphen the breaker drew (at a break
  // between characters or at a soft hyphen), this wide: not part of the
  // text, so the tagged PDF marks it an artifact and the word reads whole.
  double added_hyphen = 0;
};

// Width of `text` in points at `size`, all in one style (no breaking).
double MeasureText(std::string_view text, Style style, const FontSet& fonts, double size);

// Breaks `spans` into lines no wider than `width` points at font `size`.
// Always returns at least one line (an empty one for empty input).
std::vector<Line> BreakLines(std::span<const Span> spans, const FontSet& fonts, double size,
                             double width);

// The width of the widest stretch BreakLines never breaks when it has room
// (a word between spaces, up to its inner break points: a hyphen or en dash
// between letters, a slash, U+200B): with at least this width, BreakLines
// never breaks between characters. 0 for empty text.
double MinContentWidth(std::span<const Span> spans, const FontSet& fonts, double size);

// One line, unbroken (for labels, headers and footers).
Line SetLine(std::span<const Span> spans, const FontSet& fonts, double size);

}  // namespace pp::text

#endif  // PANELPAPER_RENDERERS_TEXT_LINE_BREAKER_H_
