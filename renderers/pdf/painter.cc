#include "renderers/pdf/painter.h"

#include <hpdf.h>
#include <openssl/sha.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "renderers/common/utf8.h"

namespace pp::pdf {
namespace {

// zlib level for the streams libharu compresses while this thread saves a
// document (see deflateInit_ at the end of this file); kNoDeflateOverride
// outside a save.
constexpr int kNoDeflateOverride = -100;
thread_local int deflate_level_in_save = kNoDeflateOverride;

// Level 1 instead of zlib's default 6 for the PDF's streams: measured on the
// reference paper, 18 % less render time for 4 % more bytes (34.6 -> 36.0
// KiB); levels 2-4 save less time for little size.
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

  bool failed() const { return sink_.error != HPDF_OK || !where_.empty(); }

  absl::Status Failure() const {
    return absl::InternalError(absl::StrFormat("libharu error 0x%04X/%d in %s",
                                               static_cast<unsigned>(sink_.error),
                                               static_cast<int>(sink_.detail),
                                               where_.empty() ? "a drawing call" : where_));
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
  // definition, as for the simple fonts.
  void AddCapHeight(HPDF_Font font) {
    // libharu hangs the step on the Type 0 font (its attr is the font's).
    if (font->before_write_fn == &CidFontBeforeWriteWithCapHeight) return;
    if (font->before_write_fn == nullptr) {
      if (where_.empty()) where_ = "the UTF-8 font's before-write step";
      return;
    }
    HPDF_Dict_BeforeWriteFunc expected = nullptr;
    if (!libharu_cid_before_write.compare_exchange_strong(expected, font->before_write_fn) &&
        expected != font->before_write_fn) {
      return;  // not the function seen before: leave libharu's step alone
    }
    font->before_write_fn = &CidFontBeforeWriteWithCapHeight;
  }

  // libharu's before-write step of CIDFontType2 fonts (the same function
  // for every such font), recorded by the first AddCapHeight.
  static inline std::atomic<HPDF_Dict_BeforeWriteFunc> libharu_cid_before_write{nullptr};

  static HPDF_STATUS CidFontBeforeWriteWithCapHeight(HPDF_Dict font) {
    const HPDF_Dict_BeforeWriteFunc libharus = libharu_cid_before_write.load();
    if (libharus != nullptr) {
      if (const HPDF_STATUS st = libharus(font); st != HPDF_OK) return st;
    }
    auto attr = static_cast<HPDF_FontAttr>(font->attr);
    if (attr == nullptr || attr->fontdef == nullptr) return HPDF_OK;
    HPDF_Dict descriptor = attr->fontdef->descriptor;
    if (descriptor == nullptr ||
        HPDF_Dict_GetItem(descriptor, "CapHeight", HPDF_OCLASS_NUMBER) != nullptr) {
      return HPDF_OK;
    }
    return HPDF_Dict_AddNumber(descriptor, "CapHeight", attr->fontdef->cap_height);
  }

  // libharu gives a Type 0 font on its UTF-8 encoder its *encoding* CMap
  // (a begincidrange) as /ToUnicode, which is not a ToUnicode CMap (poppler:
  // "Invalid 'begincidrange' operator in ToUnicode CMap"; strict checkers
  // refuse it). The codes that encoder writes are UTF-16BE code units of
  // BMP characters, so the right ToUnicode is the identity: the stream's
  // contents are replaced by bfranges, one per high byte (surrogates left out).
  void RewriteToUnicode(HPDF_Font font) {
    auto cmap = static_cast<HPDF_Dict>(HPDF_Dict_GetItem(font, "ToUnicode", HPDF_OCLASS_DICT));
    if (cmap == nullptr || cmap->stream == nullptr) {
      if (where_.empty()) where_ = "the UTF-8 font's ToUnicode CMap";
      return;
    }
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
    HPDF_MemStream_FreeData(cmap->stream);
    Check(HPDF_Stream_Write(cmap->stream, reinterpret_cast<const HPDF_BYTE*>(kIdentity->data()),
                            static_cast<HPDF_UINT>(kIdentity->size())),
          "HPDF_Stream_Write(ToUnicode)");
  }

  // HPDF_LoadTTFontFromFile from bytes already in memory: the font program
  // goes into a libharu memory stream (which the font definition keeps and
  // reads again when it writes the subset), then the same steps as
  // libharu's own loader: parse, register, and tag the subset name
  // (HPDFAA, HPDFAB, ... in load order, so output stays deterministic).
  const char* LoadFontFromMemory(const std::string& bytes) {
    HPDF_Doc pdf = doc_.get();
    HPDF_Stream stream = HPDF_MemStream_New(pdf->mmgr, static_cast<HPDF_UINT>(bytes.size()));
    if (stream == nullptr) {
      where_ = "HPDF_MemStream_New";
      return nullptr;
    }
    if (HPDF_Stream_Write(stream, reinterpret_cast<const HPDF_BYTE*>(bytes.data()),
                          static_cast<HPDF_UINT>(bytes.size())) != HPDF_OK ||
        HPDF_Stream_Seek(stream, 0, HPDF_SEEK_SET) != HPDF_OK) {
      HPDF_Stream_Free(stream);
      where_ = "HPDF_Stream_Write(font)";
      return nullptr;
    }
    HPDF_FontDef def = HPDF_TTFontDef_Load(pdf->mmgr, stream, HPDF_TRUE);  // owns the stream
    if (def == nullptr) {
      where_ = "HPDF_TTFontDef_Load";
      return nullptr;
    }
    if (HPDF_List_Add(pdf->fontdef_list, def) != HPDF_OK) {
      HPDF_FontDef_Free(def);
      where_ = "HPDF_List_Add(fontdef)";
      return nullptr;
    }
    if (pdf->ttfont_tag[0] == 0) {
      std::memcpy(pdf->ttfont_tag, "HPDFAA", 6);
    } else {
      for (int i = 5; i >= 0; --i) {
        pdf->ttfont_tag[i] += 1;
        if (pdf->ttfont_tag[i] > 'Z') {
          pdf->ttfont_tag[i] = 'A';
        } else {
          break;
        }
      }
    }
    HPDF_TTFontDef_SetTagName(def, reinterpret_cast<char*>(pdf->ttfont_tag));
    if (sink_.error != HPDF_OK) where_ = "loading a font";
    return def->base_font;
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

    // Fills.
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
    if (failed()) return;

    // Text.
    if (!p.texts.empty()) {
      Check(HPDF_Page_BeginText(page), "HPDF_Page_BeginText");
      text::FaceId face;
      double size = -1;
      bool have_color = false;
      layout::Color color;
      std::string bytes;
      for (const layout::TextItem& t : p.texts) {
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
      Check(HPDF_Page_EndText(page), "HPDF_Page_EndText");
    }
    if (failed()) return;

    // Rules and frames.
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
          a = CheckHandle(HPDF_Page_CreateURILinkAnnot(pages_[i], rect, l.uri.c_str()),
                          "HPDF_Page_CreateURILinkAnnot");
        } else {
          HPDF_Destination d = Destination(l.target_page, l.target_y);
          if (failed()) return;
          a = CheckHandle(HPDF_Page_CreateLinkAnnot(pages_[i], rect, d), "HPDF_Page_CreateLinkAnnot");
        }
        if (failed()) return;
        Check(HPDF_LinkAnnot_SetBorderStyle(a, 0, 0, 0), "HPDF_LinkAnnot_SetBorderStyle");
        // Printable (flag 4), as PDF/A requires of every annotation.
        Check(HPDF_Dict_AddNumber(a, "F", 4), "HPDF_Dict_AddNumber(F)");
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
    for (size_t k = 0; k < std::size(fields); ++k) {
      const auto& [type, value] = fields[k];
      if (value->empty()) continue;
      Check(HPDF_SetInfoAttr(doc_.get(), type, pdfdoc ? encoded[k].c_str() : value->c_str()),
            "HPDF_SetInfoAttr");
    }
    InfoDate(HPDF_INFO_CREATION_DATE, i.created);
    InfoDate(HPDF_INFO_MOD_DATE, i.modified);
  }

  // The PDF/A parts libharu doesn't write (or writes wrongly): our XMP
  // metadata, the output intent, and a placeholder /ID patched after saving.
  void PdfAParts(const PdfA& a) {
    HPDF_Doc pdf = doc_.get();
    pdf->pdf_version = HPDF_VER_17;
    // XMP metadata stream, uncompressed so it stays readable.
    const std::string xmp = XmpPacket(layout_.info, a);
    HPDF_Dict meta = CheckHandle(HPDF_DictStream_New(pdf->mmgr, pdf->xref), "HPDF_DictStream_New");
    if (failed()) return;
    meta->filter = HPDF_STREAM_FILTER_NONE;
    Check(HPDF_Dict_AddName(meta, "Type", "Metadata"), "HPDF_Dict_AddName");
    Check(HPDF_Dict_AddName(meta, "Subtype", "XML"), "HPDF_Dict_AddName");
    Check(HPDF_Stream_Write(meta->stream, reinterpret_cast<const HPDF_BYTE*>(xmp.data()),
                            static_cast<HPDF_UINT>(xmp.size())),
          "HPDF_Stream_Write(XMP)");
    Check(HPDF_Dict_Add(pdf->catalog, "Metadata", meta), "HPDF_Dict_Add(Metadata)");
    // sRGB output intent.
    if (a.icc_profile.empty()) {
      where_ = "PDF/A output needs an ICC profile";
      return;
    }
    HPDF_Dict icc = CheckHandle(HPDF_DictStream_New(pdf->mmgr, pdf->xref), "HPDF_DictStream_New");
    if (failed()) return;
    icc->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    Check(HPDF_Dict_AddNumber(icc, "N", 3), "HPDF_Dict_AddNumber(N)");
    Check(HPDF_Stream_Write(icc->stream, reinterpret_cast<const HPDF_BYTE*>(a.icc_profile.data()),
                            static_cast<HPDF_UINT>(a.icc_profile.size())),
          "HPDF_Stream_Write(ICC)");
    HPDF_Dict intent = CheckHandle(HPDF_Dict_New(pdf->mmgr), "HPDF_Dict_New");
    if (failed()) return;
    Check(HPDF_Dict_AddName(intent, "Type", "OutputIntent"), "HPDF_Dict_AddName");
    Check(HPDF_Dict_AddName(intent, "S", "GTS_PDFA1"), "HPDF_Dict_AddName");
    Check(HPDF_Dict_Add(intent, "OutputConditionIdentifier",
                        HPDF_String_New(pdf->mmgr, "sRGB IEC61966-2.1", nullptr)),
          "HPDF_Dict_Add");
    Check(HPDF_Dict_Add(intent, "Info", HPDF_String_New(pdf->mmgr, "sRGB IEC61966-2.1", nullptr)),
          "HPDF_Dict_Add");
    Check(HPDF_Dict_Add(intent, "DestOutputProfile", icc), "HPDF_Dict_Add");
    HPDF_Array intents = CheckHandle(HPDF_Array_New(pdf->mmgr), "HPDF_Array_New");
    if (failed()) return;
    Check(HPDF_Array_Add(intents, intent), "HPDF_Array_Add");
    Check(HPDF_Dict_Add(pdf->catalog, "OutputIntents", intents), "HPDF_Dict_Add(OutputIntents)");
    // /ID: two 16-byte strings, zero now; PatchId fills in a digest of the file.
    static constexpr HPDF_BYTE kZero[16] = {};
    HPDF_Array id = CheckHandle(HPDF_Array_New(pdf->mmgr), "HPDF_Array_New");
    if (failed()) return;
    Check(HPDF_Array_Add(id, HPDF_Binary_New(pdf->mmgr, const_cast<HPDF_BYTE*>(kZero), 16)),
          "HPDF_Array_Add(ID)");
    Check(HPDF_Array_Add(id, HPDF_Binary_New(pdf->mmgr, const_cast<HPDF_BYTE*>(kZero), 16)),
          "HPDF_Array_Add(ID)");
    Check(HPDF_Dict_Add(pdf->trailer, "ID", id), "HPDF_Dict_Add(ID)");
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
    deflate_level_in_save = kPdfDeflateLevel;
    Check(HPDF_SaveToStream(pdf), "HPDF_SaveToStream");
    deflate_level_in_save = kNoDeflateOverride;
    PP_PAINT_RETURN_IF_FAILED();
    const HPDF_UINT32 size = HPDF_GetStreamSize(pdf);
    std::string out(size, '\0');
    HPDF_UINT32 got = 0;
    while (got < size) {
      HPDF_UINT32 n = size - got;
      const HPDF_STATUS st = HPDF_ReadFromStream(pdf, reinterpret_cast<HPDF_BYTE*>(&out[got]), &n);
      got += n;
      if (st == HPDF_STREAM_EOF) break;
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
  std::array<HPDF_Font, text::kFaceCount> fonts_loaded_ = {};
  std::vector<HPDF_Page> pages_;
  bool utf8_enabled_ = false;
};

}  // namespace

#undef PP_PAINT_RETURN_IF_FAILED

std::string XmpPacket(const layout::DocInfo& info, const PdfA& pdfa) {
  std::string x =
      "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
      "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
      "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
      "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n"
      " <pdfaid:part>2</pdfaid:part>\n <pdfaid:conformance>B</pdfaid:conformance>\n"
      "</rdf:Description>\n"
      "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
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
  if (!pdfa.record.empty()) {
    // PDF/A allows properties outside the predefined schemas only when an
    // extension schema describes them.
    absl::StrAppend(
        &x,
        "<rdf:Description rdf:about=\"\" "
        "xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\" "
        "xmlns:pdfaSchema=\"http://www.aiim.org/pdfa/ns/schema#\" "
        "xmlns:pdfaProperty=\"http://www.aiim.org/pdfa/ns/property#\">\n"
        " <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\">\n"
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
    x += "  </rdf:Seq></pdfaSchema:property>\n </rdf:li></rdf:Bag></pdfaExtension:schemas>\n"
         "</rdf:Description>\n";
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

// ---- libharu's slow loops ---------------------------------------------------------
//
// libharu 2.3 copies and clears memory with byte-at-a-time loops of its own,
// HPDF_MemCpy, HPDF_MemSet and HPDF_StrLen: every content operator clears a
// 512-byte buffer with HPDF_MemSet, every stream write and read copies
// through HPDF_MemCpy, every name and string is measured with HPDF_StrLen —
// about 17 % of the instructions of a whole render of the reference paper
// (callgrind; libc's vectorised versions take a tenth of that). libhpdf.so calls both through its PLT, so
// these definitions, linked into every program that links the painter, take
// their place inside libharu (ELF symbol interposition; the linker exports
// them because libhpdf.so refers to them). They keep the contract of
// Debian's libhpdf 2.3.0, checked against its disassembly: MemCpy and
// MemSet return the pointer just past the last byte written, a copy between
// overlapping regions keeps the byte-by-byte forward order, and StrLen
// counts up to the first NUL or `maxlen` bytes (no limit when negative; 0
// for a null pointer). The PDF bytes are unchanged;
// painter_test checks that libharu binds to these and that they keep that
// contract.
extern "C" {

HPDF_BYTE* HPDF_MemCpy(HPDF_BYTE* out, const HPDF_BYTE* in, HPDF_UINT n) {
  const auto o = reinterpret_cast<std::uintptr_t>(out);
  const auto i = reinterpret_cast<std::uintptr_t>(in);
  if (o + n <= i || i + n <= o) {
    if (n != 0) std::memcpy(out, in, n);
    return out + n;
  }
  for (HPDF_UINT k = 0; k < n; ++k) out[k] = in[k];  // overlapping: libharu's order
  return out + n;
}

void* HPDF_MemSet(void* s, HPDF_BYTE c, HPDF_UINT n) {
  if (n != 0) std::memset(s, c, n);
  return static_cast<HPDF_BYTE*>(s) + n;
}

// HPDF_TTFontDef_GetGlyphid: libharu's lookup scans the format-4 cmap
// segments one by one; giving a UTF-8 (CID) font its CIDToGIDMap calls it
// for all 65,536 BMP code points, ~40M instructions per fallback face.
// This one finds the same segment — the first whose end code is >= the
// character — by binary search, which is the same segment because the end
// codes ascend (the OpenType rule; text::FontSet refuses a font whose
// cmap breaks it, and every font reaches libharu through FontSet). The
// rest is libharu's arithmetic, except that an index past the glyph-id
// array gives 0 where libharu reads one element beyond it.
HPDF_UINT16 HPDF_TTFontDef_GetGlyphid(HPDF_FontDef fontdef, HPDF_UINT16 unicode) {
  auto attr = static_cast<HPDF_TTFontDefAttr>(fontdef->attr);
  const HPDF_TTF_CmapRange& cmap = attr->cmap;
  if (cmap.format == 0) return cmap.glyph_id_array[unicode & 0xFF];
  if (cmap.seg_count_x2 == 0) {
    HPDF_SetError(fontdef->error, HPDF_TTF_INVALID_CMAP, 0);
    return 0;
  }
  const HPDF_UINT seg_count = cmap.seg_count_x2 / 2;
  const HPDF_UINT i = static_cast<HPDF_UINT>(
      std::lower_bound(cmap.end_count, cmap.end_count + seg_count, unicode) - cmap.end_count);
  if (i == seg_count || cmap.start_count[i] > unicode) return 0;
  if (cmap.id_range_offset[i] == 0) return static_cast<HPDF_UINT16>(unicode + cmap.id_delta[i]);
  const HPDF_UINT idx =
      cmap.id_range_offset[i] / 2 + (unicode - cmap.start_count[i]) - (seg_count - i);
  if (idx >= cmap.glyph_id_array_count) return 0;
  return static_cast<HPDF_UINT16>(cmap.glyph_id_array[idx] + cmap.id_delta[i]);
}

HPDF_UINT HPDF_StrLen(const char* s, HPDF_INT maxlen) {
  if (s == nullptr) return 0;
  if (maxlen < 0) return static_cast<HPDF_UINT>(std::strlen(s));
  return static_cast<HPDF_UINT>(strnlen(s, static_cast<size_t>(maxlen)));
}

// zlib's deflateInit_ (what the deflateInit macro calls): libharu compresses
// every stream through it with the default level and no way to choose
// another. This definition takes its place process-wide, like the
// functions above: while the painter saves a document on this thread it
// uses the painter's level (kPdfDeflateLevel); any other caller (gRPC,
// protobuf, OpenSSL, libharu outside a save) gets exactly zlib's own
// deflateInit_, which is deflateInit2_ with these parameters.
int deflateInit_(z_streamp strm, int level, const char* version, int stream_size) {
  const int in_save = pp::pdf::deflate_level_in_save;
  return deflateInit2_(strm, in_save != pp::pdf::kNoDeflateOverride ? in_save : level, Z_DEFLATED,
                       MAX_WBITS, /*memLevel=*/8, Z_DEFAULT_STRATEGY, version, stream_size);
}

}  // extern "C"
