// File: renderers/text/font_set.h
//
// FontSet: the immutable font metrics every layout decision is made with,
// loaded once at start-up from the TrueType files in the fonts folder and
// shared by all request threads. No libharu here: the tables are read from
// the files directly (cmap, hmtx, hhea, head, OS/2), with advances in 1/1000
// em truncated exactly as libharu writes them into the PDF's /W and /Widths
// arrays, so what layout measures is what a viewer positions.
//
// Faces. Four families × four styles:
//   kPanelSans   Liberation Sans cut to Windows-1252 (fonts/cut_fonts.py),
//                embedded with the cheap single-byte WinAnsiEncoding. Every
//                character it has is drawn with it.
//   kLiberation  the full Liberation Sans 2.x (Latin, Greek, Cyrillic, ...),
//                embedded as UTF-8 (CID) only when a document needs it.
//   kDejaVu      DejaVu Sans, the wide-coverage fallback (symbols, arrows,
//                more scripts), also UTF-8 and only on demand.
//   kCjk         "Panel CJK", Droid Sans Fallback cut to the CJK ranges
//                (fonts/cut_fonts.py): Chinese, Japanese and Korean names.
//                One face: only its Regular slot is filled, so bold and
//                italic CJK text is drawn upright and regular (below). UTF-8
//                and only on demand: a paper without CJK never loads it.
// Resolve() picks the first family that has the character; if no face of
// the requested style has it (DejaVu Sans's obliques lack a few scripts),
// the same search runs without the italic, then without the bold.
//
// Characters that cannot be shown correctly are refused by CheckText(),
// all of a text's at once: control characters (other than '\n' where
// allowed; the request converter maps pasted TAB and CR first), anything outside the
// Basic Multilingual Plane (libharu turns those into spaces), right-to-left
// scripts and scripts that need shaping (libharu does neither), combining
// marks (they would not be positioned), and characters no face has.
//
//   PP_ASSIGN_OR_RETURN(auto fonts, text::FontSet::Load(text::DefaultFontsDir()));
//   text::FaceId face = fonts->Resolve(text::Style::kBold, U'é');
//   int advance = fonts->Advance(face, U'é');   // 1/1000 em
#ifndef PANELPAPER_RENDERERS_TEXT_FONT_SET_H_
#define PANELPAPER_RENDERERS_TEXT_FONT_SET_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pp::text {

enum class Style : uint8_t { kRegular = 0, kBold = 1, kItalic = 2, kBoldItalic = 3 };

constexpr Style StyleOf(bool bold, bool italic) {
  return static_cast<Style>((bold ? 1 : 0) | (italic ? 2 : 0));
}

enum class Family : uint8_t { kPanelSans = 0, kLiberation = 1, kDejaVu = 2, kCjk = 3 };

inline constexpr int kFamilyCount = 4;
inline constexpr int kFaceCount = kFamilyCount * 4;

// One of the sixteen face slots: family * 4 + style.
struct FaceId {
  uint8_t index = 0;
  constexpr FaceId() = default;
  constexpr FaceId(Family f, Style s)
      : index(static_cast<uint8_t>(static_cast<int>(f) * 4 + static_cast<int>(s))) {}
  constexpr Family family() const { return static_cast<Family>(index / 4); }
  constexpr Style style() const { return static_cast<Style>(index % 4); }
  friend constexpr bool operator==(FaceId a, FaceId b) { return a.index == b.index; }
};

// Metrics of one face. Advances are in 1/1000 em; kNoGlyph marks code points
// the face does not map.
struct FaceMetrics {
  static constexpr uint16_t kNoGlyph = 0xFFFF;
  std::string postscript_name;  // e.g. "PanelSans-Bold"
  std::string file;             // absolute path of the TTF; empty for synthetic faces
  // The TTF's bytes, read once at load: the painter embeds from memory, so a
  // render touches no file.
  std::shared_ptr<const std::string> data;
  bool single_byte = false;     // embed with WinAnsiEncoding (Panel Sans)
  int ascent = 0;               // hhea ascender, 1/1000 em
  int descent = 0;              // hhea descender, 1/1000 em (negative)
  int cap_height = 0;           // OS/2 sCapHeight, 1/1000 em
  std::vector<uint16_t> advances;  // indexed by BMP code point (65536 entries)

  bool Has(char32_t cp) const { return cp < advances.size() && advances[cp] != kNoGlyph; }
};

class FontSet {
 public:
  // Loads the thirteen faces from `dir` (the layout <build>/fonts has:
  // PanelSans-*.ttf, liberation/LiberationSans-*.ttf, dejavu/DejaVuSans*.ttf,
  // droid/PanelCJK-Regular.ttf); kCjk's bold and italic slots stay empty
  // (no file, no glyphs).
  static absl::StatusOr<std::shared_ptr<const FontSet>> Load(const std::string& dir);

  // A set built from given faces (tests use fixed-width fakes). `faces`
  // must hold kFaceCount entries.
  static std::shared_ptr<const FontSet> FromFaces(std::vector<FaceMetrics> faces);

  // The face that draws cp in `style`: Panel Sans if it has the character,
  // else Liberation Sans, else DejaVu Sans, else Panel CJK. Characters no
  // face has resolve to Panel Sans (CheckText rejects them before layout).
  FaceId Resolve(Style style, char32_t cp) const {
    if (cp < 0x100 && faces_[static_cast<size_t>(style)].Has(cp))
      return FaceId(Family::kPanelSans, style);
    return ResolveSlow(style, cp);
  }

  // Advance of cp in face, 1/1000 em (0 for a missing glyph).
  int Advance(FaceId face, char32_t cp) const {
    const FaceMetrics& m = faces_[face.index];
    if (cp >= m.advances.size()) return 0;
    const uint16_t a = m.advances[cp];
    return a == FaceMetrics::kNoGlyph ? 0 : a;
  }

  const FaceMetrics& face(FaceId id) const { return faces_[id.index]; }

  // OK, or InvalidArgument whose message names every distinct character
  // that cannot be rendered, in order of first appearance, with its count
  // and why: "has characters the renderer cannot draw: U+05E9 ×2 (Hebrew,
  // right to left), U+0301 (combining diacritical mark; send precomposed
  // characters, NFC)" (at most 12 listed, then "and N more"). Malformed
  // UTF-8 is refused on its own ("malformed UTF-8 at byte N").
  // `allow_newline`: accept U+000A as a forced line break.
  absl::Status CheckText(std::string_view utf8, bool allow_newline = true) const;

 private:
  explicit FontSet(std::vector<FaceMetrics> faces);
  FaceId ResolveSlow(Style style, char32_t cp) const;
  // Why CheckText refuses cp ("Hebrew, right to left"), or "" if it is drawn.
  std::string RefusalKind(char32_t cp) const;
  std::vector<FaceMetrics> faces_;
};

// True for a character of a right-to-left script or one that needs shaping
// (CheckText refuses both); the request converter keeps a ZWJ/ZWNJ next to
// one so it is refused with it, and drops it elsewhere.
bool IsComplexScript(char32_t cp);

// Where the fonts are: $PANELPAPER_FONTS_DIR if set, else <dir of the running
// executable>/../fonts (the build tree and `make install` both put them
// there), else the compiled-in install location.
std::string DefaultFontsDir();

// Parses one TrueType file into metrics (exposed for tests and tools).
absl::StatusOr<FaceMetrics> LoadTrueTypeMetrics(const std::string& path);

}  // namespace pp::text

#endif  // PANELPAPER_RENDERERS_TEXT_FONT_SET_H_
