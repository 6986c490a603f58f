#include "renderers/pdf/painter.h"

// Public libharu API only: HPDF_SHARED (set for this file by CMake) makes
// <hpdf.h> declare opaque handles and no internals. Whatever needs libharu's
// internals lives in hpdf_internals (see its contract).
#ifndef HPDF_SHARED
#error "painter.cc must be compiled with HPDF_SHARED (renderers/CMakeLists.txt)"
#endif
#include <hpdf.h>
#include <openssl/sha.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "renderers/common/pdf_text.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "renderers/common/utf8.h"
#include "renderers/pdf/hpdf_internals.h"

namespace pp::pdf {
namespace {

namespace internals = hpdf_internals;

// HPDF_STREAM_EOF of libharu's error codes (hpdf_error.h, which also
// declares internals and so is not included here).
constexpr HPDF_STATUS kHpdfStreamEof = 0x1058;

// Level 1 instead of zlib's default 6 for the PDF's streams: measured on the
// reference paper, 18 % less render time for 4 % more bytes (34.6 -> 36.0
// KiB); levels 2-4 save less time for little size. Takes effect through
// the deflateInit_ replacement (hpdf_internals.h): without it
// (PP_LIBHARU_PATCHES=OFF) libharu keeps zlib's default level.
constexpr int kPdfDeflateLevel = 1;


// ---- Encodings ------------------------------------------------------------------

struct Mapping {
  char32_t cp;
  unsigned char code;
};

// Windows-1252 0x80-0x9F.
constexpr Mapping kWinAnsiHigh[] = {
    {0x20AC, 0x80}, {0x201A, 0x82}, {0x0192, 0x83}, {0x201E, 0x84}, {0x2026, 0x85},
    {0x2020, 0x86}, {0x2021, 0x87}, {0x02C6, 0x88}, {0x2030, 0x89}, {0x0160, 0x8A},
    {0x2039, 0x8B}, {0x0152, 0x8C}, {0x017D, 0x8E}, {0x2018, 0x91}, {0x2019, 0x92},
    {0x201C, 0x93}, {0x201D, 0x94}, {0x2022, 0x95}, {0x2013, 0x96}, {0x2014, 0x97},
    {0x02DC, 0x98}, {0x2122, 0x99}, {0x0161, 0x9A}, {0x203A, 0x9B}, {0x0153, 0x9C},
    {0x017E, 0x9E}, {0x0178, 0x9F}};

// PDFDocEncoding 0x80-0xA0 (PDF 32000-1, Annex D).
constexpr Mapping kPdfDocHigh[] = {
    {0x2022, 0x80}, {0x2020, 0x81}, {0x2021, 0x82}, {0x2026, 0x83}, {0x2014, 0x84},
    {0x2013, 0x85}, {0x0192, 0x86}, {0x2044, 0x87}, {0x2039, 0x88}, {0x203A, 0x89},
    {0x2212, 0x8A}, {0x2030, 0x8B}, {0x201E, 0x8C}, {0x201C, 0x8D}, {0x201D, 0x8E},
    {0x2018, 0x8F}, {0x2019, 0x90}, {0x201A, 0x91}, {0x2122, 0x92}, {0xFB01, 0x93},
    {0xFB02, 0x94}, {0x0141, 0x95}, {0x0152, 0x96}, {0x0160, 0x97}, {0x0178, 0x98},
    {0x017D, 0x99}, {0x0131, 0x9A}, {0x0142, 0x9B}, {0x0153, 0x9C}, {0x0161, 0x9D},
    {0x017E, 0x9E}, {0x20AC, 0xA0}};

// Encodes ASCII, the Latin-1 range [latin1_from, 0xFF] (minus `hole`) and
// the `high` table; false if a character has no code.
template <size_t N>
bool Encode(std::string_view utf8, const Mapping (&high)[N], char32_t latin1_from, char32_t hole,
            std::string* out) {
  out->clear();
  out->reserve(utf8.size());
  size_t pos = 0;
  while (pos < utf8.size()) {
    const char32_t cp = DecodeUtf8(utf8, &pos);
    if (cp >= 0x20 && cp < 0x7F) {
      out->push_back(static_cast<char>(cp));
      continue;
    }
    if (cp >= latin1_from && cp <= 0xFF && cp != hole) {
      out->push_back(static_cast<char>(cp));
      continue;
    }
    bool found = false;
    for (const Mapping& m : high) {
      if (m.cp == cp) {
        out->push_back(static_cast<char>(m.code));
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

// ---- Dates and XMP ------------------------------------------------------------

// UTC calendar fields of a Unix time.
absl::CivilSecond ToCivil(int64_t secs) {
  return absl::ToCivilSecond(absl::FromUnixSeconds(secs), absl::UTCTimeZone());
}

std::string XmlEscape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (const char c : in) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string XmpDate(const doc::Timestamp& ts) {
  const absl::CivilSecond c = ToCivil(ts.seconds);
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02dZ", c.year(), c.month(), c.day(), c.hour(),
                         c.minute(), c.second());
}

// ---- libharu document ---------------------------------------------------------

// Inside Painter: stop at the first libharu error.
#define PP_PAINT_RETURN_IF_FAILED() \
  do {                              \
    if (failed()) return Failure(); \
  } while (0)


struct ErrorSink {
  HPDF_STATUS error = HPDF_OK;
  HPDF_STATUS detail = 0;
};

void RecordError(HPDF_STATUS error_no, HPDF_STATUS detail_no, void* user_data) noexcept {
  auto* sink = static_cast<ErrorSink*>(user_data);
  if (sink->error == HPDF_OK) {
    sink->error = error_no;
    sink->detail = detail_no;
  }
}

struct DocDeleter {
  void operator()(HPDF_Doc d) const { HPDF_Free(d); }
};
using DocPtr = std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, DocDeleter>;

class Painter {
 public:
  Painter(const layout::PageLayout& layout, const text::FontSet& fonts, const PaintOptions& opts)
      : layout_(layout), fonts_(fonts), opts_(opts) {}

  absl::StatusOr<std::string> Run() {
    doc_.reset(HPDF_New(RecordError, &sink_));
    if (!doc_) return absl::InternalError("libharu: HPDF_New failed");
    HPDF_Doc pdf = doc_.get();
    Check(HPDF_SetCompressionMode(pdf, opts_.compress_content ? HPDF_COMP_ALL : HPDF_COMP_METADATA),
          "HPDF_SetCompressionMode");
    PP_PAINT_RETURN_IF_FAILED();

    pages_.reserve(layout_.pages.size());
    if (!layout_.structure.nodes.empty()) {
      if (!CheckStructure()) return Failure();
      tagged_ = true;
      own_.resize(layout_.structure.nodes.size());
      first_seq_.assign(layout_.structure.nodes.size(), -1);
      page_mcids_.reserve(layout_.pages.size());
    }
    for (const layout::Page& page : layout_.pages) {
      if (opts_.interrupt) {
        if (absl::Status st = opts_.interrupt(); !st.ok()) return st;
      }
      PaintPage(page);
      PP_PAINT_RETURN_IF_FAILED();
    }
    Links();
    PP_PAINT_RETURN_IF_FAILED();
    Outline();
    PP_PAINT_RETURN_IF_FAILED();
    for (const layout::PageLabel& l : layout_.labels) {
      Check(HPDF_AddPageLabel(pdf, static_cast<HPDF_UINT>(l.first_page), HPDF_PAGE_NUM_STYLE_DECIMAL,
                              static_cast<HPDF_UINT>(l.start), nullptr),
            "HPDF_AddPageLabel");
    }
    Info();
    PP_PAINT_RETURN_IF_FAILED();
    if (tagged_) {
      Structure();
      PP_PAINT_RETURN_IF_FAILED();
      Metadata(XmpPacket(layout_.info, opts_.pdfa ? &*opts_.pdfa : nullptr));
      PP_PAINT_RETURN_IF_FAILED();
    } else if (opts_.pdfa) {
      Metadata(XmpPacket(layout_.info, &*opts_.pdfa, /*tagged=*/false));
      PP_PAINT_RETURN_IF_FAILED();
    }
    if (opts_.pdfa) {
      PdfAParts(*opts_.pdfa);
      PP_PAINT_RETURN_IF_FAILED();
    }
    if (opts_.interrupt) {
      if (absl::Status st = opts_.interrupt(); !st.ok()) return st;
    }
    absl::StatusOr<std::string> bytes = Save();
    if (bytes.ok() && opts_.pdfa) {
      if (absl::Status st = PatchId(&*bytes); !st.ok()) return st;
    }
    return bytes;
  }

 private:

  bool failed() const { return sink_.error != HPDF_OK || !where_.empty() || !refused_.ok(); }

  absl::Status Failure() const {
    if (!refused_.ok()) return refused_;
    return absl::InternalError(absl::StrFormat("libharu error 0x%04X/%d in %s",
                                               static_cast<unsigned>(sink_.error),
                                               static_cast<int>(sink_.detail),
                                               where_.empty() ? "a drawing call" : where_));
  }

  // False (and the document refused, not an INTERNAL libharu error) when a
  // string would take more than a PDF string may hold (PDF/A-2 6.1.13; the
  // service's validator and layout's CutPdfText keep within it, so this only
  // fires for a doc model built past them).
  bool FitsPdfString(size_t encoded_bytes, std::string_view what) {
    if (encoded_bytes <= kMaxPdfStringBytes) return true;
    if (refused_.ok()) {
      refused_ = absl::InvalidArgumentError(absl::StrCat(
          absl::string_view(what.data(), what.size()), " would take ", encoded_bytes,
          " bytes in the PDF; a PDF string holds at most ", kMaxPdfStringBytes));
    }
    return false;
  }
  // Bytes `utf8` takes as a PDF text string: `pdfdoc` bytes when it was
  // PDFDocEncoded, else UTF-16BE with its byte-order mark.
  static size_t PdfStringBytes(const std::string& utf8, const std::string* pdfdoc) {
    return pdfdoc != nullptr ? pdfdoc->size() : 2 + 2 * CountUtf8Chars(utf8);
  }

  void Check(HPDF_STATUS st, const char* what) {
    if ((st != HPDF_OK || sink_.error != HPDF_OK) && where_.empty()) where_ = what;
  }
  template <typename T>
  T CheckHandle(T handle, const char* what) {
    if ((handle == nullptr || sink_.error != HPDF_OK) && where_.empty()) where_ = what;
    return handle;
  }

  // The libharu font for a face, loaded on first use.
  HPDF_Font Font(text::FaceId id) {
    HPDF_Font& slot = fonts_loaded_[id.index];
    if (slot != nullptr) return slot;
    const text::FaceMetrics& face = fonts_.face(id);
    HPDF_Doc pdf = doc_.get();
    if (face.file.empty() && !face.data) {
      where_ = "font set has no file for a face";
      return nullptr;
    }
    if (!face.single_byte) EnableUtf8();
    const char* name = face.data ? LoadFontFromMemory(*face.data)
                                 : CheckHandle(HPDF_LoadTTFontFromFile(pdf, face.file.c_str(), HPDF_TRUE),
                                               "HPDF_LoadTTFontFromFile");
    if (name == nullptr || *name == '\0') {
      if (where_.empty()) where_ = "HPDF_LoadTTFontFromFile";
      return nullptr;
    }
    slot = CheckHandle(HPDF_GetFont(pdf, name, face.single_byte ? "WinAnsiEncoding" : "UTF-8"),
                       "HPDF_GetFont");
    if (slot != nullptr && !face.single_byte) {
      RewriteToUnicode(slot);
      AddCapHeight(slot);
    }
    return slot;
  }

  // libharu writes the FontDescriptor of a CID font without /CapHeight,
  // which ISO 32000 requires (its simple TrueType fonts have it). The
  // descriptor only comes into being when the font is written (libharu's
  // CIDFontType2 before-write step), so that step is wrapped: libharu's own, then the value libharu measured for the font
  // definition, as for the simple fonts (hpdf_internals::AddCapHeight).
  void AddCapHeight(HPDF_Font font) {
    if (const char* failed_step = internals::AddCapHeight(font); failed_step && where_.empty()) {
      where_ = failed_step;
    }
  }

  // libharu gives a Type 0 font on its UTF-8 encoder its *encoding* CMap
  // (a begincidrange) as /ToUnicode, which is not a ToUnicode CMap (poppler:
  // "Invalid 'begincidrange' operator in ToUnicode CMap"; strict checkers
  // refuse it). The codes that encoder writes are UTF-16BE code units of
  // BMP characters, so the right ToUnicode is the identity: the stream's
  // contents are replaced by bfranges, one per high byte (surrogates left out).
  void RewriteToUnicode(HPDF_Font font) {
    static const std::string* const kIdentity = [] {
      auto* out = new std::string(
          "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
          "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
          "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
          "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
      std::vector<int> highs;
      for (int hi = 0; hi < 256; ++hi) {
        if (hi < 0xD8 || hi > 0xDF) highs.push_back(hi);
      }
      for (size_t i = 0; i < highs.size(); i += 100) {  // at most 100 entries a block
        const size_t n = std::min<size_t>(100, highs.size() - i);
        absl::StrAppend(out, n, " beginbfrange\n");
        for (size_t k = i; k < i + n; ++k) {
          absl::StrAppend(out, absl::StrFormat("<%02X00> <%02XFF> <%02X00>\n", highs[k], highs[k],
                                               highs[k]));
        }
        absl::StrAppend(out, "endbfrange\n");
      }
      absl::StrAppend(out, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
      return out;
    }();
    if (const char* failed_step = internals::ReplaceToUnicode(font, *kIdentity);
        failed_step && where_.empty()) {
      where_ = failed_step;
    }
  }

  // HPDF_LoadTTFontFromFile from bytes already in memory: the font program
  // goes into a libharu memory stream (which the font definition keeps and
  // reads again when it writes the subset), then the same steps as
  // libharu's own loader: parse, register, and tag the subset name
  // (HPDFAA, HPDFAB, ... in load order, so output stays deterministic).
  const char* LoadFontFromMemory(const std::string& bytes) {
    const char* name = nullptr;
    if (const char* failed_step = internals::LoadTTFontFromMemory(doc_.get(), bytes, &name)) {
      where_ = failed_step;
      return nullptr;
    }
    if (sink_.error != HPDF_OK) where_ = "loading a font";
    return name;
  }

  void EnableUtf8() {
    if (utf8_enabled_) return;
    Check(HPDF_UseUTFEncodings(doc_.get()), "HPDF_UseUTFEncodings");
    utf8_enabled_ = true;
  }

  static void Rgb(const layout::Color& c, HPDF_REAL* r, HPDF_REAL* g, HPDF_REAL* b) {
    *r = static_cast<HPDF_REAL>(c.r / 255.0);
    *g = static_cast<HPDF_REAL>(c.g / 255.0);
    *b = static_cast<HPDF_REAL>(c.b / 255.0);
  }

  void PaintPage(const layout::Page& p) {
    HPDF_Page page = CheckHandle(HPDF_AddPage(doc_.get()), "HPDF_AddPage");
    if (failed()) return;
    pages_.push_back(page);
    Check(HPDF_Page_SetWidth(page, static_cast<HPDF_REAL>(layout_.width)), "HPDF_Page_SetWidth");
    Check(HPDF_Page_SetHeight(page, static_cast<HPDF_REAL>(layout_.height)), "HPDF_Page_SetHeight");
    HPDF_REAL r, g, b;
    if (tagged_) page_mcids_.emplace_back();

    // Fills (decoration: one artifact).
    if (!p.fills.empty()) Mark(page, "/Artifact BMC\n");
    bool have_fill = false;
    layout::Color fill_color;
    for (const layout::FillItem& f : p.fills) {
      if (!have_fill || !(f.color == fill_color)) {
        Rgb(f.color, &r, &g, &b);
        Check(HPDF_Page_SetRGBFill(page, r, g, b), "HPDF_Page_SetRGBFill");
        fill_color = f.color;
        have_fill = true;
      }
      Check(HPDF_Page_Rectangle(page, static_cast<HPDF_REAL>(f.x), static_cast<HPDF_REAL>(f.y),
                                static_cast<HPDF_REAL>(f.w), static_cast<HPDF_REAL>(f.h)),
            "HPDF_Page_Rectangle");
      Check(HPDF_Page_Fill(page), "HPDF_Page_Fill");
    }
    if (!p.fills.empty()) Mark(page, "EMC\n");
    if (failed()) return;

    // Text.
    if (!p.texts.empty()) {
      Check(HPDF_Page_BeginText(page), "HPDF_Page_BeginText");
      open_ = kNothingOpen;
      text::FaceId face;
      double size = -1;
      bool have_color = false;
      layout::Color color;
      std::string bytes;
      for (const layout::TextItem& t : p.texts) {
        if (tagged_) MarkText(page, t.node);
        if (size < 0 || !(t.face == face) || t.size != size) {
          HPDF_Font font = Font(t.face);
          if (failed()) return;
          Check(HPDF_Page_SetFontAndSize(page, font, static_cast<HPDF_REAL>(t.size)),
                "HPDF_Page_SetFontAndSize");
          face = t.face;
          size = t.size;
        }
        if (!have_color || !(t.color == color)) {
          Rgb(t.color, &r, &g, &b);
          Check(HPDF_Page_SetRGBFill(page, r, g, b), "HPDF_Page_SetRGBFill");
          color = t.color;
          have_color = true;
        }
        const char* str = t.text.c_str();
        if (fonts_.face(t.face).single_byte) {
          if (!ToWinAnsi(t.text, &bytes)) {
            where_ = "text outside Windows-1252 reached a WinAnsi face";
            return;
          }
          str = bytes.c_str();
        }
        Check(HPDF_Page_TextOut(page, static_cast<HPDF_REAL>(t.x), static_cast<HPDF_REAL>(t.y), str),
              "HPDF_Page_TextOut");
      }
      // Marked content closes inside BT ... ET (ISO 32000-1 §14.6).
      if (open_ != kNothingOpen) Mark(page, "EMC\n");
      open_ = kNothingOpen;
      Check(HPDF_Page_EndText(page), "HPDF_Page_EndText");
    }
    if (failed()) return;

    // Rules, frames and circles (decoration: one artifact).
    const bool strokes = !p.rules.empty() || !p.frames.empty() || !p.circles.empty();
    if (strokes) Mark(page, "/Artifact BMC\n");
    double width = -1;
    bool have_stroke = false;
    layout::Color stroke;
    auto pen = [&](double w, const layout::Color& c) {
      if (w != width) {
        Check(HPDF_Page_SetLineWidth(page, static_cast<HPDF_REAL>(w)), "HPDF_Page_SetLineWidth");
        width = w;
      }
      if (!have_stroke || !(c == stroke)) {
        Rgb(c, &r, &g, &b);
        Check(HPDF_Page_SetRGBStroke(page, r, g, b), "HPDF_Page_SetRGBStroke");
        stroke = c;
        have_stroke = true;
      }
    };
    for (const layout::RuleItem& l : p.rules) {
      pen(l.width, l.color);
      Check(HPDF_Page_MoveTo(page, static_cast<HPDF_REAL>(l.x1), static_cast<HPDF_REAL>(l.y1)),
            "HPDF_Page_MoveTo");
      Check(HPDF_Page_LineTo(page, static_cast<HPDF_REAL>(l.x2), static_cast<HPDF_REAL>(l.y2)),
            "HPDF_Page_LineTo");
      Check(HPDF_Page_Stroke(page), "HPDF_Page_Stroke");
    }
    for (const layout::FrameItem& f : p.frames) {
      pen(f.width, f.color);
      Check(HPDF_Page_Rectangle(page, static_cast<HPDF_REAL>(f.x), static_cast<HPDF_REAL>(f.y),
                                static_cast<HPDF_REAL>(f.w), static_cast<HPDF_REAL>(f.h)),
            "HPDF_Page_Rectangle");
      Check(HPDF_Page_Stroke(page), "HPDF_Page_Stroke");
    }
    for (const layout::CircleItem& c : p.circles) {
      pen(c.width, c.color);
      Check(HPDF_Page_Circle(page, static_cast<HPDF_REAL>(c.cx), static_cast<HPDF_REAL>(c.cy),
                             static_cast<HPDF_REAL>(c.r)),
            "HPDF_Page_Circle");
      Check(HPDF_Page_Stroke(page), "HPDF_Page_Stroke");
    }
    if (strokes) Mark(page, "EMC\n");
  }

  // ---- Tagging ----------------------------------------------------------------

  // Every node's parent precedes it and exists (the root: index 0 alone
  // has none); every item names an existing node. A layout built past the
  // layout stage's rules is refused, never written as a broken tree.
  bool CheckStructure() {
    const std::vector<layout::StructNode>& nodes = layout_.structure.nodes;
    bool ok = nodes[0].parent == -1;
    for (size_t i = 1; i < nodes.size() && ok; ++i) {
      ok = nodes[i].parent >= 0 && static_cast<size_t>(nodes[i].parent) < i;
    }
    const int n = static_cast<int>(nodes.size());
    for (const layout::Page& p : layout_.pages) {
      for (const layout::TextItem& t : p.texts) ok = ok && t.node < n && t.node != 0;
      for (const layout::LinkItem& l : p.links) ok = ok && l.node < n && l.node != 0;
    }
    if (!ok) where_ = "a structure tree that is not a tree (layout)";
    return ok;
  }

  // Writes marked-content operators on a tagged page.
  void Mark(HPDF_Page page, std::string_view ops) {
    if (!tagged_) return;
    if (const char* failed_step = internals::AppendToPage(page, ops); failed_step && where_.empty()) {
      where_ = failed_step;
    }
  }

  // Before a text item of `node` (-1: artifact): continues the open
  // sequence when it is the same, else closes it and opens one — a new
  // MCID on this page for an element (one per run of its items, so per
  // element per page unless other content interrupts), or an artifact.
  void MarkText(HPDF_Page page, int node) {
    const int want = node < 0 ? kArtifactOpen : node;
    if (want == open_) return;
    std::string ops;
    if (open_ != kNothingOpen) ops = "EMC\n";
    if (want == kArtifactOpen) {
      ops += "/Artifact BMC\n";
    } else {
      std::vector<int>& mcids = page_mcids_.back();
      const int mcid = static_cast<int>(mcids.size());
      mcids.push_back(node);
      const int64_t seq = seq_++;
      own_[static_cast<size_t>(node)].push_back(
          OwnKid{static_cast<int>(pages_.size()) - 1, mcid, -1, seq});
      // The element and its ancestors have content from here on.
      for (int a = node; a >= 0 && first_seq_[static_cast<size_t>(a)] < 0;
           a = layout_.structure.nodes[static_cast<size_t>(a)].parent) {
        first_seq_[static_cast<size_t>(a)] = seq;
      }
      absl::StrAppend(&ops, "/", layout::StructTypeName(layout_.structure.nodes[static_cast<size_t>(node)].type),
                      " <</MCID ", mcid, ">> BDC\n");
    }
    open_ = want;
    Mark(page, ops);
  }

  // The structure tree: kids of each element in reading order — its child
  // elements in the order layout made them, with its own marked content
  // (and link annotations) placed before the first child that has later
  // content.
  void Structure() {
    const std::vector<layout::StructNode>& nodes = layout_.structure.nodes;
    internals::StructureSpec spec;
    spec.pages.assign(pages_.begin(), pages_.end());
    spec.page_mcids = std::move(page_mcids_);
    spec.lang = TextStringOf(layout_.lang);
    for (const Annotation& a : annotations_) {
      internals::StructAnnotationSpec an;
      an.annotation = a.handle;
      an.page = a.page;
      an.element = a.node;
      const std::string& alt = nodes[static_cast<size_t>(a.node)].alt;
      an.contents = TextStringOf(alt.empty() ? a.fallback : alt);
      spec.annotations.push_back(std::move(an));
    }
    std::vector<std::vector<int>> children(nodes.size());
    for (size_t i = 1; i < nodes.size(); ++i) children[static_cast<size_t>(nodes[i].parent)].push_back(static_cast<int>(i));
    spec.elements.resize(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
      const layout::StructNode& node = nodes[i];
      internals::StructElementSpec& e = spec.elements[i];
      e.type = layout::StructTypeName(node.type);
      e.parent = node.parent;
      if (!node.lang.empty()) e.lang = TextStringOf(node.lang);
      if (node.scope == layout::StructNode::Scope::kColumn) e.scope = "Column";
      if (node.scope == layout::StructNode::Scope::kRow) e.scope = "Row";
      e.column_span = node.column_span;
      e.row_span = node.row_span;
      const std::vector<OwnKid>& own = own_[i];
      size_t k = 0;
      auto own_kid = [&](const OwnKid& o) {
        if (o.annotation >= 0) {
          e.kids.push_back({internals::StructKid::Kind::kAnnotation, o.annotation, o.page});
        } else {
          e.kids.push_back({internals::StructKid::Kind::kMarkedContent, o.mcid, o.page});
        }
      };
      for (int c : children[i]) {
        const int64_t first = first_seq_[static_cast<size_t>(c)];
        while (first >= 0 && k < own.size() && own[k].seq < first) own_kid(own[k++]);
        e.kids.push_back({internals::StructKid::Kind::kElement, c, 0});
      }
      while (k < own.size()) own_kid(own[k++]);
    }
    if (const char* failed_step = internals::WriteStructure(doc_.get(), spec);
        failed_step && where_.empty()) {
      where_ = failed_step;
    }
  }

  // A PDF text string: PDFDocEncoding when possible, else UTF-16BE.
  static internals::TextString TextStringOf(const std::string& utf8) {
    internals::TextString t;
    if (ToPdfDocEncoding(utf8, &t.bytes)) return t;
    t.utf16 = true;
    t.bytes = "\xFE\xFF";
    size_t pos = 0;
    while (pos < utf8.size()) {
      char32_t cp = DecodeUtf8(utf8, &pos);
      auto unit = [&](unsigned u) {
        t.bytes.push_back(static_cast<char>(u >> 8));
        t.bytes.push_back(static_cast<char>(u & 0xFF));
      };
      if (cp >= 0x10000) {
        cp -= 0x10000;
        unit(0xD800 + static_cast<unsigned>(cp >> 10));
        unit(0xDC00 + static_cast<unsigned>(cp & 0x3FF));
      } else {
        unit(static_cast<unsigned>(cp));
      }
    }
    return t;
  }

  void Metadata(const std::string& xmp) {
    if (const char* failed_step = internals::AddMetadata(doc_.get(), xmp);
        failed_step && where_.empty()) {
      where_ = failed_step;
    }
  }

  HPDF_Destination Destination(int page_index, double y) {
    if (page_index < 0 || static_cast<size_t>(page_index) >= pages_.size()) {
      where_ = "link or bookmark to a page that does not exist";
      return nullptr;
    }
    HPDF_Destination d = CheckHandle(HPDF_Page_CreateDestination(pages_[static_cast<size_t>(page_index)]),
                                     "HPDF_Page_CreateDestination");
    if (d != nullptr) {
      Check(HPDF_Destination_SetFitH(d, static_cast<HPDF_REAL>(y)), "HPDF_Destination_SetFitH");
    }
    return d;
  }

  void Links() {
    for (size_t i = 0; i < layout_.pages.size() && !failed(); ++i) {
      for (const layout::LinkItem& l : layout_.pages[i].links) {
        const HPDF_Rect rect = {static_cast<HPDF_REAL>(l.x), static_cast<HPDF_REAL>(l.y),
                                static_cast<HPDF_REAL>(l.x + l.w), static_cast<HPDF_REAL>(l.y + l.h)};
        HPDF_Annotation a;
        if (!l.uri.empty()) {
          if (!FitsPdfString(l.uri.size(), "a link")) return;
          a = CheckHandle(HPDF_Page_CreateURILinkAnnot(pages_[i], rect, l.uri.c_str()),
                          "HPDF_Page_CreateURILinkAnnot");
        } else {
          HPDF_Destination d = Destination(l.target_page, l.target_y);
          if (failed()) return;
          a = CheckHandle(HPDF_Page_CreateLinkAnnot(pages_[i], rect, d), "HPDF_Page_CreateLinkAnnot");
        }
        if (failed()) return;
        Check(HPDF_LinkAnnot_SetBorderStyle(a, 0, 0, 0), "HPDF_LinkAnnot_SetBorderStyle");
        if (tagged_ && l.node >= 0) {
          // The Link element refers to its annotation (OBJR), after its text.
          const int index = static_cast<int>(annotations_.size());
          annotations_.push_back(Annotation{a, static_cast<int>(i), l.node, l.uri});
          own_[static_cast<size_t>(l.node)].push_back(OwnKid{static_cast<int>(i), -1, index, seq_++});
        }
        // Printable (flag 4), as PDF/A requires of every annotation.
        if (const char* failed_step = internals::SetAnnotationFlags(a, 4); failed_step && where_.empty()) {
          where_ = failed_step;
        }
      }
    }
  }

  // A text string for metadata and bookmarks: PDFDocEncoding bytes when the
  // text allows (cheap), else UTF-8 through libharu's UTF-8 encoder (which
  // writes UTF-16BE).
  HPDF_Encoder TextEncoding(const std::string& utf8, std::string* bytes) {
    if (ToPdfDocEncoding(utf8, bytes)) return nullptr;
    EnableUtf8();
    *bytes = utf8;
    return CheckHandle(HPDF_GetEncoder(doc_.get(), "UTF-8"), "HPDF_GetEncoder");
  }

  void Outline() {
    if (layout_.outline.empty()) return;
    std::vector<HPDF_Outline> parents;  // parents[level] = last entry of that level
    std::string bytes;
    for (const layout::OutlineEntry& e : layout_.outline) {
      const size_t level = std::min(static_cast<size_t>(std::max(e.level, 0)), parents.size());
      HPDF_Encoder enc = TextEncoding(e.title, &bytes);
      if (failed()) return;
      if (!FitsPdfString(PdfStringBytes(e.title, enc == nullptr ? &bytes : nullptr),
                         "a bookmark title")) {
        return;
      }
      HPDF_Outline parent = level == 0 ? nullptr : parents[level - 1];
      HPDF_Outline o = CheckHandle(HPDF_CreateOutline(doc_.get(), parent, bytes.c_str(), enc),
                                   "HPDF_CreateOutline");
      if (failed()) return;
      HPDF_Destination d = Destination(e.page, e.y);
      if (failed()) return;
      Check(HPDF_Outline_SetDestination(o, d), "HPDF_Outline_SetDestination");
      Check(HPDF_Outline_SetOpened(o, HPDF_TRUE), "HPDF_Outline_SetOpened");
      parents.resize(level);
      parents.push_back(o);
    }
    Check(HPDF_SetPageMode(doc_.get(), HPDF_PAGE_MODE_USE_OUTLINE), "HPDF_SetPageMode");
  }

  void InfoDate(HPDF_InfoType type, const std::optional<doc::Timestamp>& ts) {
    if (!ts) return;
    const absl::CivilSecond c = ToCivil(ts->seconds);
    HPDF_Date date = {};
    date.year = static_cast<HPDF_INT>(c.year());
    date.month = c.month();
    date.day = c.day();
    date.hour = c.hour();
    date.minutes = c.minute();
    date.seconds = c.second();
    // UTC as "+00'00'": libharu writes 'Z' followed by an offset anyway
    // ("...Z00'00'"), which is malformed.
    date.ind = '+';
    date.off_hour = 0;
    date.off_minutes = 0;
    Check(HPDF_SetInfoDateAttr(doc_.get(), type, date), "HPDF_SetInfoDateAttr");
  }

  void Info() {
    const layout::DocInfo& i = layout_.info;
    const std::pair<HPDF_InfoType, const std::string*> fields[] = {
        {HPDF_INFO_TITLE, &i.title},       {HPDF_INFO_AUTHOR, &i.author},
        {HPDF_INFO_SUBJECT, &i.subject},   {HPDF_INFO_KEYWORDS, &i.keywords},
        {HPDF_INFO_CREATOR, &i.creator},   {HPDF_INFO_PRODUCER, &i.producer}};
    // PDFDocEncoding bytes when every string allows it; otherwise all go
    // through libharu's UTF-8 encoder (written as UTF-16BE).
    std::vector<std::string> encoded;
    bool pdfdoc = true;
    for (const auto& [type, value] : fields) {
      encoded.emplace_back();
      pdfdoc = pdfdoc && ToPdfDocEncoding(*value, &encoded.back());
    }
    if (!pdfdoc) {
      EnableUtf8();
      Check(HPDF_SetCurrentEncoder(doc_.get(), "UTF-8"), "HPDF_SetCurrentEncoder");
    }
    static constexpr const char* kNames[] = {"the document title",   "the document author",
                                             "the document subject", "the document keywords",
                                             "the document creator", "the document producer"};
    for (size_t k = 0; k < std::size(fields); ++k) {
      const auto& [type, value] = fields[k];
      if (value->empty()) continue;
      if (!FitsPdfString(PdfStringBytes(*value, pdfdoc ? &encoded[k] : nullptr), kNames[k])) {
        return;
      }
      Check(HPDF_SetInfoAttr(doc_.get(), type, pdfdoc ? encoded[k].c_str() : value->c_str()),
            "HPDF_SetInfoAttr");
    }
    InfoDate(HPDF_INFO_CREATION_DATE, i.created);
    InfoDate(HPDF_INFO_MOD_DATE, i.modified);
  }

  // The PDF/A parts libharu doesn't write (or writes wrongly): our XMP
  // metadata, the output intent, and a placeholder /ID patched after saving.
  void PdfAParts(const PdfA& a) {
    if (a.icc_profile.empty()) {
      where_ = "PDF/A output needs an ICC profile";
      return;
    }
    if (const char* failed_step = internals::AddPdfAParts(doc_.get(), a.icc_profile);
        failed_step && where_.empty()) {
      where_ = failed_step;
    }
    if (sink_.error != HPDF_OK && where_.empty()) where_ = "the PDF/A parts";
  }

  // Replaces the zero /ID in the trailer with the first 16 bytes of the
  // SHA-256 of the file as written (with the zero /ID): an identifier
  // derived from the content, the same for the same content on any run.
  static absl::Status PatchId(std::string* pdf) {
    static const std::string kZeroHex(32, '0');
    const std::string placeholder = absl::StrCat("/ID [ <", kZeroHex, "> <", kZeroHex, "> ]");
    const size_t at = pdf->rfind(placeholder);
    if (at == std::string::npos) return absl::InternalError("PDF/A: /ID placeholder not found");
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(pdf->data()), pdf->size(), digest);
    std::string hex;
    for (int i = 0; i < 16; ++i) absl::StrAppendFormat(&hex, "%02X", digest[i]);
    pdf->replace(at, placeholder.size(), absl::StrCat("/ID [ <", hex, "> <", hex, "> ]"));
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Save() {
    HPDF_Doc pdf = doc_.get();
    {
      const internals::ScopedDeflateLevel level(kPdfDeflateLevel);
      Check(HPDF_SaveToStream(pdf), "HPDF_SaveToStream");
    }
    PP_PAINT_RETURN_IF_FAILED();
    const HPDF_UINT32 size = HPDF_GetStreamSize(pdf);
    std::string out(size, '\0');
    HPDF_UINT32 got = 0;
    while (got < size) {
      HPDF_UINT32 n = size - got;
      const HPDF_STATUS st = HPDF_ReadFromStream(pdf, reinterpret_cast<HPDF_BYTE*>(&out[got]), &n);
      got += n;
      if (st == kHpdfStreamEof) break;
      if (st != HPDF_OK) {
        where_ = "HPDF_ReadFromStream";
        break;
      }
      if (n == 0) break;
    }
    if (got != size && where_.empty()) where_ = "HPDF_ReadFromStream (short read)";
    PP_PAINT_RETURN_IF_FAILED();
    return out;
  }

  const layout::PageLayout& layout_;
  const text::FontSet& fonts_;
  const PaintOptions& opts_;
  ErrorSink sink_;  // declared before doc_: outlives it
  DocPtr doc_;
  std::string where_;
  absl::Status refused_;  // a string too long for the PDF (FitsPdfString)
  std::array<HPDF_Font, text::kFaceCount> fonts_loaded_ = {};
  std::vector<HPDF_Page> pages_;
  bool utf8_enabled_ = false;

  // Tagging state (a layout with a structure tree).
  static constexpr int kNothingOpen = -3;
  static constexpr int kArtifactOpen = -2;
  struct OwnKid {
    int page = 0;
    int mcid = -1;        // marked content on `page`, or
    int annotation = -1;  // an annotation (index into annotations_)
    int64_t seq = 0;      // painting order
  };
  struct Annotation {
    HPDF_Annotation handle;
    int page;
    int node;
    std::string fallback;  // /Contents when the element has no description
  };
  bool tagged_ = false;
  int open_ = kNothingOpen;  // the open marked-content sequence on the page
  int64_t seq_ = 0;
  std::vector<std::vector<OwnKid>> own_;   // per node
  std::vector<int64_t> first_seq_;         // per node: first content in it or below
  std::vector<std::vector<int>> page_mcids_;
  std::vector<Annotation> annotations_;
};

}  // namespace

#undef PP_PAINT_RETURN_IF_FAILED

std::string XmpPacket(const layout::DocInfo& info, const PdfA& pdfa) {
  return XmpPacket(info, &pdfa, /*tagged=*/true);
}

std::string XmpPacket(const layout::DocInfo& info, const PdfA* pdfa_or_null, bool tagged) {
  static const PdfA kNoPdfA;
  const PdfA& pdfa = pdfa_or_null != nullptr ? *pdfa_or_null : kNoPdfA;
  std::string x =
      "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
      "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
      "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n";
  if (pdfa_or_null != nullptr) {
    // Tagged: level A (accessible, ISO 19005-2 §6.8); else level B.
    absl::StrAppend(&x,
                    "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n"
                    " <pdfaid:part>2</pdfaid:part>\n <pdfaid:conformance>",
                    tagged ? "A" : "B", "</pdfaid:conformance>\n</rdf:Description>\n");
  }
  if (tagged) {
    absl::StrAppend(&x, "<rdf:Description rdf:about=\"\" xmlns:pdfuaid=\"", kPdfUaIdNamespace,
                    "\">\n <pdfuaid:part>1</pdfuaid:part>\n</rdf:Description>\n");
  }
  x += "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
       " <dc:format>application/pdf</dc:format>\n";
  auto alt = [&](const char* tag, const std::string& v) {
    if (v.empty()) return;
    absl::StrAppend(&x, " <dc:", tag, "><rdf:Alt><rdf:li xml:lang=\"x-default\">", XmlEscape(v),
                    "</rdf:li></rdf:Alt></dc:", tag, ">\n");
  };
  alt("title", info.title);
  if (!info.author.empty()) {
    absl::StrAppend(&x, " <dc:creator><rdf:Seq><rdf:li>", XmlEscape(info.author),
                    "</rdf:li></rdf:Seq></dc:creator>\n");
  }
  alt("description", info.subject);
  x += "</rdf:Description>\n"
       "<rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n";
  if (!info.producer.empty()) absl::StrAppend(&x, " <pdf:Producer>", XmlEscape(info.producer), "</pdf:Producer>\n");
  if (!info.keywords.empty()) absl::StrAppend(&x, " <pdf:Keywords>", XmlEscape(info.keywords), "</pdf:Keywords>\n");
  x += "</rdf:Description>\n"
       "<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\n";
  if (!info.creator.empty()) absl::StrAppend(&x, " <xmp:CreatorTool>", XmlEscape(info.creator), "</xmp:CreatorTool>\n");
  if (info.created) absl::StrAppend(&x, " <xmp:CreateDate>", XmpDate(*info.created), "</xmp:CreateDate>\n");
  if (info.modified) absl::StrAppend(&x, " <xmp:ModifyDate>", XmpDate(*info.modified), "</xmp:ModifyDate>\n");
  x += "</rdf:Description>\n";
  const bool ua_schema = pdfa_or_null != nullptr && tagged;
  if (!pdfa.record.empty() || ua_schema) {
    // PDF/A allows properties outside the predefined schemas only when an
    // extension schema describes them: the record's, and pdfuaid's.
    absl::StrAppend(
        &x,
        "<rdf:Description rdf:about=\"\" "
        "xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\" "
        "xmlns:pdfaSchema=\"http://www.aiim.org/pdfa/ns/schema#\" "
        "xmlns:pdfaProperty=\"http://www.aiim.org/pdfa/ns/property#\">\n"
        " <pdfaExtension:schemas><rdf:Bag>\n");
    if (ua_schema) {
      absl::StrAppend(
          &x,
          " <rdf:li rdf:parseType=\"Resource\">\n"
          "  <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>\n"
          "  <pdfaSchema:namespaceURI>", kPdfUaIdNamespace, "</pdfaSchema:namespaceURI>\n"
          "  <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>\n"
          "  <pdfaSchema:property><rdf:Seq>\n"
          "   <rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>part</pdfaProperty:name>"
          "<pdfaProperty:valueType>Integer</pdfaProperty:valueType>"
          "<pdfaProperty:category>internal</pdfaProperty:category>"
          "<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed"
          "</pdfaProperty:description></rdf:li>\n"
          "  </rdf:Seq></pdfaSchema:property>\n </rdf:li>\n");
    }
    if (!pdfa.record.empty()) {
      absl::StrAppend(
          &x,
          " <rdf:li rdf:parseType=\"Resource\">\n"
          "  <pdfaSchema:schema>panelpaper archive record</pdfaSchema:schema>\n"
          "  <pdfaSchema:namespaceURI>", kRecordNamespace, "</pdfaSchema:namespaceURI>\n"
          "  <pdfaSchema:prefix>pprec</pdfaSchema:prefix>\n"
          "  <pdfaSchema:property><rdf:Seq>\n");
      for (const auto& [name, value] : pdfa.record) {
        absl::StrAppend(&x, "   <rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>", name,
                        "</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType>"
                        "<pdfaProperty:category>external</pdfaProperty:category>"
                        "<pdfaProperty:description>Archive record: ", name,
                        "</pdfaProperty:description></rdf:li>\n");
      }
      x += "  </rdf:Seq></pdfaSchema:property>\n </rdf:li>\n";
    }
    x += " </rdf:Bag></pdfaExtension:schemas>\n</rdf:Description>\n";
  }
  if (!pdfa.record.empty()) {
    absl::StrAppend(&x, "<rdf:Description rdf:about=\"\" xmlns:pprec=\"", kRecordNamespace, "\">\n");
    for (const auto& [name, value] : pdfa.record) {
      absl::StrAppend(&x, " <pprec:", name, ">", XmlEscape(value), "</pprec:", name, ">\n");
    }
    x += "</rdf:Description>\n";
  }
  x += "</rdf:RDF>\n</x:xmpmeta>\n";
  // Padding lets a later editor update the packet in place (XMP spec).
  x.append(20, ' ');
  x += "\n<?xpacket end=\"w\"?>";
  return x;
}

bool ToWinAnsi(std::string_view utf8, std::string* out) {
  return Encode(utf8, kWinAnsiHigh, 0xA0, 0, out);
}

bool ToPdfDocEncoding(std::string_view utf8, std::string* out) {
  // PDFDocEncoding leaves 0xAD undefined; 0xA0 is the euro sign there.
  return Encode(utf8, kPdfDocHigh, 0xA1, 0xAD, out);
}

absl::StatusOr<std::string> Paint(const layout::PageLayout& layout, const text::FontSet& fonts,
                                  const PaintOptions& options) {
  if (layout.pages.empty()) return absl::InvalidArgumentError("a PDF needs at least one page");
  Painter painter(layout, fonts, options);
  return painter.Run();
}

}  // namespace pp::pdf

namespace pp::pdf {

std::string LibharuVersion() { return HPDF_GetVersion(); }

std::string ZlibVersion() { return zlibVersion(); }

std::string LibharuPatches::Describe() const {
  if (!compiled_in) return "off";
  if (not_called.empty()) return "on";
  return absl::StrCat("inactive (not called: ", absl::StrJoin(not_called, ", "), ")");
}

const LibharuPatches& LibharuSelfCheck(const text::FontSet& fonts) {
  static const LibharuPatches* const kResult = [&fonts] {
    auto* out = new LibharuPatches;
    out->compiled_in = internals::PatchesCompiledIn();
    if (!out->compiled_in) return out;
    layout::PageLayout l;
    l.width = 200;
    l.height = 100;
    l.pages.emplace_back();
    // One WinAnsi face and one UTF-8 (CID) face: libharu copies, clears and
    // measures, looks glyphs up for both kinds of font, and compresses.
    layout::TextItem winansi;
    winansi.face = text::FaceId(text::Family::kPanelSans, text::Style::kRegular);
    winansi.size = 10;
    winansi.x = 10;
    winansi.y = 60;
    winansi.text = "Self-check \xC2\xA3 1";
    l.pages[0].texts.push_back(winansi);
    layout::TextItem cid = winansi;
    cid.face = text::FaceId(text::Family::kLiberation, text::Style::kRegular);
    cid.y = 30;
    cid.text = "\xCE\xA9";  // U+03A9, outside Windows-1252
    l.pages[0].texts.push_back(cid);
    l.info.title = "self-check";
    internals::CallProbe probe;
    const absl::StatusOr<std::string> pdf = Paint(l, fonts, {});
    for (int r = 0; r < internals::kReplacementCount; ++r) {
      if (!pdf.ok() || probe.calls(r) == 0) out->not_called.push_back(internals::ReplacementName(r));
    }
    return out;
  }();
  return *kResult;
}

}  // namespace pp::pdf
