// Tests of the libharu painter: encodings, fonts, determinism, structure.
// PDFs are checked by parsing their text (never against stored bytes).
#include "renderers/pdf/painter.h"

#include <dlfcn.h>
#include <hpdf.h>
#include <hpdf_fontdef.h>
#include <hpdf_utils.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "renderers/common/utf8.h"
#include "renderers/identity.h"
#include "renderers/layout/compose.h"
#include "renderers/pdf/hpdf_internals.h"
#include "renderers/renderer.h"
#include "renderers/text/line_breaker.h"

namespace pp::pdf {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const text::FontSet& Fonts() {
  static const auto* fonts = [] {
    auto f = text::FontSet::Load(PP_TEST_FONTS_DIR);
    EXPECT_TRUE(f.ok()) << f.status();
    return new std::shared_ptr<const text::FontSet>(*f);
  }();
  return **fonts;
}

// A one-page layout with a line of `text` in `style`.
layout::PageLayout OneLine(const std::string& value, text::Style style = text::Style::kRegular) {
  layout::PageLayout l;
  l.width = 595;
  l.height = 842;
  l.pages.emplace_back();
  const text::Span span{value, style, -1};
  const text::Line line = text::SetLine({&span, 1}, Fonts(), 12);
  layout::DrawLine(line, {}, 12, {0, 0, 0}, 72, 700, &l.pages[0]);
  l.labels.push_back({0, 1});
  l.info.title = "t";
  return l;
}

doc::Paper SmallPaper() {
  doc::Paper p;
  p.panel_name = "AUDIT PANEL";
  p.meeting_date = doc::Date(2020, 1, 8);
  p.title = "A paper";
  p.agenda_item = "7b";
  p.first_page_number = 42;
  p.metadata.title = "A paper";
  doc::Section s;
  s.heading = "Supporting information";
  s.numbered_paragraphs = true;
  doc::Paragraph para;
  para.runs.push_back({"Hello panel. See ", false, false, ""});
  para.runs.push_back({"the guidance", false, false, "https://example.org/guide"});
  para.runs.push_back({".", false, false, ""});
  s.blocks.push_back(para);
  p.sections.push_back(s);
  return p;
}

// With PP_LIBHARU_PATCHES=OFF the replacements are not compiled: the tests
// of the replacements themselves are skipped, every other test runs.
#define PP_SKIP_WITHOUT_PATCHES()                                          \
  do {                                                                     \
    if (!PP_LIBHARU_PATCHES) GTEST_SKIP() << "built with PP_LIBHARU_PATCHES=OFF"; \
  } while (0)

// The painter replaces libharu's byte-at-a-time HPDF_MemCpy, HPDF_MemSet
// and HPDF_StrLen (hpdf_internals.cc): the definitions the dynamic linker hands libharu must be
// the painter's, with libharu 2.3's contract.
TEST(LibharuLoops, LibharuBindsToThePaintersMemCpyAndMemSet) {
  PP_SKIP_WITHOUT_PATCHES();
  for (const char* name : {"HPDF_MemCpy", "HPDF_MemSet", "HPDF_StrLen"}) {
    void* symbol = dlsym(RTLD_DEFAULT, name);
    ASSERT_NE(symbol, nullptr) << name;
    Dl_info info{};
    ASSERT_NE(dladdr(symbol, &info), 0) << name;
    ASSERT_NE(info.dli_fname, nullptr) << name;
    EXPECT_THAT(info.dli_fname, Not(HasSubstr("libhpdf"))) << name << " resolves to libharu's own";
  }
}

TEST(LibharuLoops, KeepLibharusContract) {
  HPDF_BYTE buf[8] = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'};
  HPDF_BYTE out[8] = {};
  EXPECT_EQ(HPDF_MemCpy(out, buf, 5), out + 5);  // the end, not the start
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 6), std::string("abcde\0", 6));
  EXPECT_EQ(HPDF_MemCpy(out, buf, 0), out);
  // Overlapping, destination after source: byte-by-byte forward order.
  EXPECT_EQ(HPDF_MemCpy(buf + 1, buf, 4), buf + 5);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), 8), "aaaaafgh");
  // Overlapping, destination before source.
  HPDF_BYTE down[6] = {'1', '2', '3', '4', '5', '6'};
  HPDF_MemCpy(down, down + 2, 4);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(down), 6), "345656");
  EXPECT_EQ(HPDF_MemSet(out, 'z', 3), static_cast<void*>(out + 3));
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 5), "zzzde");
  EXPECT_EQ(HPDF_MemSet(out, 'y', 0), static_cast<void*>(out));
  EXPECT_EQ(HPDF_StrLen(nullptr, -1), 0u);
  EXPECT_EQ(HPDF_StrLen("", 10), 0u);
  EXPECT_EQ(HPDF_StrLen("abcdef", -1), 6u);
  EXPECT_EQ(HPDF_StrLen("abcdef", 4), 4u);
  EXPECT_EQ(HPDF_StrLen("abcdef", 0), 0u);
  EXPECT_EQ(HPDF_StrLen("abc", 100), 3u);
}

// The painter's HPDF_TTFontDef_GetGlyphid (binary search) gives what
// libharu's own (linear scan, still reachable with dlsym on libhpdf's
// handle) gives, for every BMP code point of every bundled face.
TEST(LibharuLoops, GlyphLookupEqualsLibharusForEveryBundledFace) {
  PP_SKIP_WITHOUT_PATCHES();
  using GetGlyphid = HPDF_UINT16 (*)(HPDF_FontDef, HPDF_UINT16);
  void* lib = nullptr;
  for (const char* name : {"libhpdf-2.3.0.so", "libhpdf.so.2", "libhpdf.so"}) {
    if ((lib = dlopen(name, RTLD_NOW | RTLD_NOLOAD)) != nullptr) break;
  }
  ASSERT_NE(lib, nullptr) << "libhpdf is not loaded";
  auto libharus = reinterpret_cast<GetGlyphid>(dlsym(lib, "HPDF_TTFontDef_GetGlyphid"));
  auto ours = reinterpret_cast<GetGlyphid>(dlsym(RTLD_DEFAULT, "HPDF_TTFontDef_GetGlyphid"));
  ASSERT_NE(libharus, nullptr);
  ASSERT_NE(ours, nullptr);
  ASSERT_NE(reinterpret_cast<void*>(libharus), reinterpret_cast<void*>(ours));
  const std::string dir = PP_TEST_FONTS_DIR;
  int faces = 0;
  for (const char* file :
       {"PanelSans-Regular.ttf", "PanelSans-Bold.ttf", "PanelSans-Italic.ttf",
        "PanelSans-BoldItalic.ttf", "liberation/LiberationSans-Regular.ttf",
        "liberation/LiberationSans-Bold.ttf", "liberation/LiberationSans-Italic.ttf",
        "liberation/LiberationSans-BoldItalic.ttf", "dejavu/DejaVuSans.ttf",
        "dejavu/DejaVuSans-Bold.ttf", "dejavu/DejaVuSans-Oblique.ttf",
        "dejavu/DejaVuSans-BoldOblique.ttf", "droid/PanelCJK-Regular.ttf"}) {
    HPDF_Doc pdf = HPDF_New(nullptr, nullptr);
    ASSERT_NE(pdf, nullptr);
    const std::string path = dir + "/" + file;
    HPDF_FontDef def = HPDF_GetTTFontDefFromFile(pdf, path.c_str(), HPDF_TRUE);
    ASSERT_NE(def, nullptr) << path;
    int differences = 0, mapped = 0;
    for (uint32_t cp = 0; cp <= 0xFFFF; ++cp) {
      const auto u = static_cast<HPDF_UINT16>(cp);
      mapped += ours(def, u) != 0 ? 1 : 0;
      if (ours(def, u) != libharus(def, u) && ++differences <= 5) {
        ADD_FAILURE() << file << " U+" << std::hex << cp << ": ours " << ours(def, u)
                      << ", libharu's " << libharus(def, u);
      }
    }
    EXPECT_EQ(differences, 0) << file;
    EXPECT_GT(mapped, 200) << file;  // Panel Sans: Windows-1252; the others: thousands
    HPDF_FontDef_Free(def);
    HPDF_Free(pdf);
    ++faces;
  }
  EXPECT_EQ(faces, 13);
  dlclose(lib);
}

// The painter has libharu compress the PDF's streams at zlib level 1
// (hpdf_internals.cc: deflateInit_), and only the PDF's: zlib's header says the
// level (0x78 0x01: fastest; 0x78 0x9C: default; 0x78 0xDA: best). Without
// the replacements libharu keeps zlib's default.
TEST(LibharuLoops, PdfStreamsUseLevelOneAndOtherDeflateCallersTheirOwn) {
  const unsigned char level_byte = PP_LIBHARU_PATCHES ? 0x01 : 0x9C;
  auto pdf = Paint(OneLine("Hello panel, in a compressed content stream."), Fonts());
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  int streams = 0;
  for (size_t at = 0; (at = pdf->find("stream\r\n", at)) != std::string::npos; at += 8) {
    if (at >= 3 && pdf->compare(at - 3, 3, "end") == 0) continue;
    ++streams;
    ASSERT_GE(pdf->size(), at + 10);
    EXPECT_EQ(static_cast<unsigned char>((*pdf)[at + 8]), 0x78) << "stream " << streams;
    EXPECT_EQ(static_cast<unsigned char>((*pdf)[at + 9]), level_byte) << "stream " << streams;
  }
  EXPECT_GE(streams, 2);  // the page's content and the font program at least

  z_stream z{};
  ASSERT_EQ(deflateInit(&z, Z_BEST_COMPRESSION), Z_OK);
  unsigned char in[64] = "the caller's own level, outside a painter save";
  unsigned char out[256];
  z.next_in = in;
  z.avail_in = sizeof in;
  z.next_out = out;
  z.avail_out = sizeof out;
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  deflateEnd(&z);
  EXPECT_EQ(out[0], 0x78);
  EXPECT_EQ(out[1], 0xDA);
}

TEST(Encodings, WinAnsiCoversWindows1252) {
  std::string out;
  ASSERT_TRUE(ToWinAnsi("A £ – ’ € • é\xC2\xA0", &out));
  EXPECT_EQ(out, "A \xA3 \x96 \x92 \x80 \x95 \xE9\xA0");
  EXPECT_FALSE(ToWinAnsi("Ω", &out));
  EXPECT_FALSE(ToWinAnsi("\xE2\x9C\x93", &out));  // ✓
}

TEST(Encodings, PdfDocEncodingDiffersFromWinAnsiAbove0x80) {
  std::string out;
  ASSERT_TRUE(ToPdfDocEncoding("Met’s – €", &out));
  EXPECT_EQ(out, "Met\x90s \x85 \xA0");
  EXPECT_FALSE(ToPdfDocEncoding("Łódź", &out) && out.find('\x95') == std::string::npos);
  EXPECT_FALSE(ToPdfDocEncoding("Ω", &out));
}

// Layout measures with our own tables; viewers position glyphs with the
// widths libharu writes. They must agree exactly.
TEST(FontMetrics, MatchLibharuWidthsForEveryFace) {
  HPDF_Doc pdf = HPDF_New(nullptr, nullptr);
  ASSERT_NE(pdf, nullptr);
  HPDF_UseUTFEncodings(pdf);
  int faces = 0;
  for (int i = 0; i < text::kFaceCount; ++i) {
    text::FaceId id;
    id.index = static_cast<uint8_t>(i);
    const text::FaceMetrics& face = Fonts().face(id);
    if (face.file.empty()) continue;  // Panel CJK's empty bold and italic slots
    ++faces;
    const char* name = HPDF_LoadTTFontFromFile(pdf, face.file.c_str(), HPDF_TRUE);
    ASSERT_NE(name, nullptr) << face.file;
    HPDF_Font font = HPDF_GetFont(pdf, name, face.single_byte ? "WinAnsiEncoding" : "UTF-8");
    ASSERT_NE(font, nullptr) << face.file;
    int checked = 0;
    for (char32_t cp = 0x20; cp < 0x10000; ++cp) {
      if (!face.Has(cp)) continue;
      EXPECT_EQ(HPDF_Font_GetUnicodeWidth(font, static_cast<HPDF_UNICODE>(cp)),
                Fonts().Advance(id, cp))
          << face.file << " U+" << std::hex << static_cast<unsigned>(cp);
      ++checked;
    }
    EXPECT_GT(checked, 90) << face.file;
  }
  EXPECT_EQ(faces, 13);
  HPDF_Free(pdf);
}

// The painter's glyph lookup for libharu (binary search) needs the cmap's
// segment end codes to ascend, as OpenType requires: FontSet refuses a face
// whose cmap breaks that rule.
TEST(FontSet, RefusesACmapWhoseSegmentsDoNotAscend) {
  std::ifstream in(std::string(PP_TEST_FONTS_DIR) + "/PanelSans-Regular.ttf", std::ios::binary);
  std::string ttf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(ttf.size(), 1000u);
  auto u16 = [&](size_t at) {
    return static_cast<size_t>(static_cast<uint8_t>(ttf[at]) << 8 | static_cast<uint8_t>(ttf[at + 1]));
  };
  auto u32 = [&](size_t at) { return u16(at) << 16 | u16(at + 2); };
  size_t cmap = 0;
  for (size_t i = 0; i < u16(4); ++i) {
    if (ttf.compare(12 + 16 * i, 4, "cmap") == 0) cmap = u32(12 + 16 * i + 8);
  }
  ASSERT_NE(cmap, 0u);
  size_t sub = 0;
  for (size_t i = 0; i < u16(cmap + 2); ++i) {
    const size_t rec = cmap + 4 + 8 * i;
    if (u16(rec) == 3 && u16(rec + 2) == 1) sub = cmap + u32(rec + 4);
  }
  ASSERT_NE(sub, 0u);
  ASSERT_EQ(u16(sub), 4u);
  ASSERT_GE(u16(sub + 6), 4u);  // at least two segments
  // Swap the first two end codes.
  std::swap(ttf[sub + 14], ttf[sub + 16]);
  std::swap(ttf[sub + 15], ttf[sub + 17]);
  const std::string path = ::testing::TempDir() + "unsorted-cmap.ttf";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << ttf;
  const absl::StatusOr<text::FaceMetrics> face = text::LoadTrueTypeMetrics(path);
  ASSERT_FALSE(face.ok());
  EXPECT_THAT(std::string(face.status().message()), HasSubstr("not in ascending order"));
  std::remove(path.c_str());
}

TEST(FontSet, ResolvesWindows1252ToPanelSansAndTheRestToFallbacks) {
  EXPECT_EQ(Fonts().Resolve(text::Style::kBold, U'é').family(), text::Family::kPanelSans);
  EXPECT_EQ(Fonts().Resolve(text::Style::kRegular, U'Ω').family(), text::Family::kLiberation);
  EXPECT_EQ(Fonts().Resolve(text::Style::kRegular, U'\u2713').family(), text::Family::kDejaVu);
  EXPECT_TRUE(Fonts().CheckText("Łódź Ωmega ✓ £5 – “quoted”").ok());
}

TEST(FontSet, RefusesWhatCannotBeShown) {
  EXPECT_THAT(std::string(Fonts().CheckText("emoji \xF0\x9F\x98\x80").message()),
              HasSubstr("U+1F600"));
  EXPECT_THAT(std::string(Fonts().CheckText("\xD7\xA9").message()), HasSubstr("right to left"));
  EXPECT_THAT(std::string(Fonts().CheckText("\xE0\xA4\x95").message()), HasSubstr("shaping"));
  EXPECT_THAT(std::string(Fonts().CheckText("e\xCC\x81").message()), HasSubstr("U+0301"));
  EXPECT_THAT(std::string(Fonts().CheckText("\xEA\x80\x80").message()),  // U+A000, Yi
              HasSubstr("not in any bundled font"));
  EXPECT_THAT(std::string(Fonts().CheckText("a\tb").message()), HasSubstr("U+0009"));
  EXPECT_TRUE(Fonts().CheckText("line\nbreak").ok());
  EXPECT_FALSE(Fonts().CheckText("line\nbreak", /*allow_newline=*/false).ok());
  EXPECT_THAT(std::string(Fonts().CheckText("\xC3").message()), HasSubstr("malformed UTF-8"));
}

// Chinese, Japanese and Korean names: every style of a CJK character is
// drawn with the one Panel CJK face (its Regular slot), which has nothing
// of Windows-1252, Latin, Greek or Cyrillic, so no other text reaches it.
TEST(FontSet, ResolvesCjkToPanelCjkInEveryStyle) {
  const text::FaceId cjk(text::Family::kCjk, text::Style::kRegular);
  EXPECT_EQ(Fonts().face(cjk).postscript_name, "PanelCJK-Regular");
  for (const text::Style s : {text::Style::kRegular, text::Style::kBold, text::Style::kItalic,
                              text::Style::kBoldItalic}) {
    for (const char32_t cp : {U'张', U'伟', U'山', U'田', U'や', U'ま', U'カ', U'김', U'민', U'준',
                              U'\u3001', U'\u300C', U'\uFF08', U'\u3131'}) {
      EXPECT_EQ(Fonts().Resolve(s, cp), cjk) << static_cast<unsigned>(cp);
    }
  }
  // Nothing a paper without CJK writes goes to it: every BMP character
  // another face has resolves to that face.
  for (char32_t cp = 0x20; cp < 0x3000; ++cp) {
    for (int s = 0; s < 4; ++s) {
      EXPECT_NE(Fonts().Resolve(static_cast<text::Style>(s), cp).family(), text::Family::kCjk)
          << std::hex << static_cast<unsigned>(cp);
    }
  }
  for (int s = 1; s < 4; ++s) {
    EXPECT_FALSE(
        Fonts().face(text::FaceId(text::Family::kCjk, static_cast<text::Style>(s))).Has(U'张'));
  }
}

// The CJK face makes CJK names renderable and nothing else: right-to-left
// scripts, scripts that need shaping (Hangul Jamo among them: a syllable
// is sent precomposed) and characters outside the CJK ranges stay refused.
TEST(FontSet, AcceptsCjkNamesAndStillRefusesRightToLeftAndShapingScripts) {
  EXPECT_TRUE(
      Fonts().CheckText("张伟 (Zhang Wei), 山田太郎「やまだ」, カタカナ, 김민준, 王芳。").ok());
  EXPECT_THAT(std::string(Fonts().CheckText("张伟 שלום").message()),
              HasSubstr("U+05E9 (Hebrew, right to left)"));
  EXPECT_THAT(std::string(Fonts().CheckText("김민준 مرحبا").message()),
              HasSubstr("U+0645 (Arabic, right to left)"));
  EXPECT_THAT(std::string(Fonts().CheckText("\xE1\x84\x80").message()),  // U+1100
              HasSubstr("Hangul Jamo, needs text shaping"));
  EXPECT_THAT(std::string(Fonts().CheckText("\xE0\xA4\x95").message()), HasSubstr("shaping"));
  // CJK extension A: not in Droid Sans Fallback.
  EXPECT_THAT(std::string(Fonts().CheckText("\xE3\x90\x80").message()),  // U+3400
              HasSubstr("U+3400 (not in any bundled font)"));
}

TEST(Paint, WritesAPdfWithEmbeddedSubsetFonts) {
  auto pdf = Paint(OneLine("Hello – world"), Fonts());
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_EQ(pdf->substr(0, 5), "%PDF-");
  EXPECT_THAT(*pdf, HasSubstr("/FontFile2"));
  EXPECT_THAT(*pdf, HasSubstr("+PanelSans-Regular"));
  EXPECT_THAT(*pdf, HasSubstr("/WinAnsiEncoding"));
  EXPECT_THAT(*pdf, HasSubstr("%%EOF"));
}

TEST(Paint, LoadsUtf8FallbackFacesOnlyWhenUsed) {
  auto latin = Paint(OneLine("Plain text"), Fonts());
  ASSERT_TRUE(latin.ok());
  EXPECT_THAT(*latin, Not(HasSubstr("Identity-H")));
  auto greek = Paint(OneLine("Ωmega ✓"), Fonts());
  ASSERT_TRUE(greek.ok()) << greek.status();
  EXPECT_THAT(*greek, HasSubstr("Identity-H"));
  EXPECT_THAT(*greek, HasSubstr("LiberationSans"));
  EXPECT_THAT(*greek, HasSubstr("DejaVuSans"));
  EXPECT_THAT(*greek, Not(HasSubstr("PanelCJK")));
  EXPECT_THAT(*latin, Not(HasSubstr("PanelCJK")));
}

// Every CJK character is drawn, not only present in the text layer. Droid
// Sans Fallback builds Hangul and many ideographs from component glyphs,
// which libharu's subsetter does not embed: they printed blank until the
// cut decomposed them (fonts/cut_fonts.py). Each character on a line of its
// own, rasterised with pdftoppm at 72 dpi: every line has ink.
TEST(Paint, EveryCjkCharacterHasInk) {
  const std::u32string chars =
      U"张伟김민준山田太郎北京市公安局警視庁서울특별시경찰청やまだカタ。、「」（）";
  layout::PageLayout l;
  l.width = 595;
  l.height = 842;
  l.pages.emplace_back();
  l.labels.push_back({0, 1});
  l.info.title = "t";
  for (size_t i = 0; i < chars.size(); ++i) {
    std::string utf8;
    AppendUtf8(chars[i], &utf8);
    const text::Span span{utf8, text::Style::kRegular, -1};
    const text::Line line = text::SetLine({&span, 1}, Fonts(), 20);
    const double x = 72 + 200 * static_cast<double>(i / 25);
    layout::DrawLine(line, {}, 20, {0, 0, 0}, x, 800 - 30 * static_cast<double>(i % 25),
                     &l.pages[0]);
  }
  auto pdf = Paint(l, Fonts());
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  const std::string base = ::testing::TempDir() + "cjk-ink";
  std::ofstream(base + ".pdf", std::ios::binary | std::ios::trunc) << *pdf;
  const std::string cmd = "pdftoppm -q -r 72 -gray -singlefile " + base + ".pdf " + base;
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "pdftoppm is missing";
  std::ifstream in(base + ".pgm", std::ios::binary);
  std::string magic;
  int w = 0, h = 0, maxval = 0;
  in >> magic >> w >> h >> maxval;
  in.get();
  std::string pixels((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::remove((base + ".pdf").c_str());
  std::remove((base + ".pgm").c_str());
  ASSERT_EQ(magic, "P5");
  ASSERT_EQ(pixels.size(), static_cast<size_t>(w) * static_cast<size_t>(h));
  for (size_t i = 0; i < chars.size(); ++i) {
    const int x0 = 72 + 200 * static_cast<int>(i / 25);
    const int baseline = 842 - (800 - 30 * static_cast<int>(i % 25));
    int ink = 0;
    for (int y = baseline - 20; y < baseline + 4; ++y) {
      for (int x = x0; x < x0 + 22; ++x) {
        ink += static_cast<unsigned char>(pixels[static_cast<size_t>(y) * w + x]) < 128 ? 1 : 0;
      }
    }
    EXPECT_GE(ink, 4) << "character " << i << " U+" << std::hex << static_cast<unsigned>(chars[i])
                      << " printed blank";
  }
}

// A CJK name loads Panel CJK, once, whatever the style; pdftotext gives the
// name back.
TEST(Paint, LoadsThePanelCjkFaceOnceWhenCjkIsUsed) {
  layout::PageLayout l = OneLine("Chair: 张伟 and 김민준");
  const layout::PageLayout bold = OneLine("山田太郎", text::Style::kBold);
  l.pages[0].texts.insert(l.pages[0].texts.end(), bold.pages[0].texts.begin(),
                          bold.pages[0].texts.end());
  for (layout::TextItem& t : l.pages[0].texts) {
    if (t.text == "山田太郎") t.y -= 20;
  }
  auto pdf = Paint(l, Fonts());
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  size_t fonts = 0;
  for (size_t at = pdf->find("/BaseFont /"); at != std::string::npos;
       at = pdf->find("/BaseFont /", at + 1)) {
    fonts += pdf->compare(at + 18, 16, "PanelCJK-Regular") == 0 ? 1 : 0;
  }
  // A Type 0 font and its CIDFontType2 descendant name it: one font.
  EXPECT_EQ(fonts, 2u) << "Panel CJK embedded more than once, or not at all";
  const std::string path = ::testing::TempDir() + "cjk.pdf";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << *pdf;
  std::string out;
  if (FILE* p = popen(("pdftotext -q " + path + " - 2>&1").c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  std::remove(path.c_str());
  if (out.empty()) GTEST_SKIP() << "pdftotext is missing";
  EXPECT_THAT(out, HasSubstr("Chair: 张伟 and 김민준"));
  EXPECT_THAT(out, HasSubstr("山田太郎"));
}

// libharu's UTF-8 fonts get from the painter an identity ToUnicode CMap of
// bfranges (libharu's own is an encoding CMap, which readers reject: the
// text must come back from pdftotext without a CMap warning) and the
// /CapHeight libharu leaves out of their FontDescriptor.
TEST(Paint, Utf8FallbackFacesHaveCapHeightAndAToUnicodeCMapReadersAccept) {
  auto pdf = Paint(OneLine("Łódź Ωmega → ✓"), Fonts());
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  // Every FontDescriptor has its /CapHeight (libharu leaves it out of CID
  // fonts'; the painter adds it). libharu writes no object streams.
  size_t descriptors = 0, cap_heights = 0;
  for (size_t at = 0; (at = pdf->find("/Type /FontDescriptor", at)) != std::string::npos; ++at) {
    ++descriptors;
  }
  for (size_t at = 0; (at = pdf->find("/CapHeight ", at)) != std::string::npos; ++at) ++cap_heights;
  EXPECT_EQ(descriptors, 3u);  // Panel Sans, Liberation Sans (UTF-8), DejaVu Sans (UTF-8)
  EXPECT_EQ(cap_heights, descriptors);
  if (std::system("command -v pdftotext >/dev/null 2>&1") != 0) {
    if (const char* ci = std::getenv("CI"); ci != nullptr && std::string(ci) == "true") {
      FAIL() << "pdftotext is missing (apt-get install poppler-utils)";
    }
    GTEST_SKIP() << "pdftotext is missing";
  }
  const std::string path = ::testing::TempDir() + "painter_tounicode.pdf";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << *pdf;
  const std::string command = "pdftotext -enc UTF-8 '" + path + "' - 2>&1";
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    EXPECT_EQ(pclose(p), 0) << out;
  }
  EXPECT_THAT(out, HasSubstr("Łódź Ωmega → ✓"));
  EXPECT_THAT(out, Not(HasSubstr("Warning")));
  EXPECT_THAT(out, Not(HasSubstr("Error")));
  std::remove(path.c_str());
}

TEST(Render, WarnsWhenFallbackFontsDrawText) {
  doc::Paper paper = SmallPaper();
  auto plain = RenderPaper(paper, Fonts());
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->warnings.empty());
  std::get<doc::Paragraph>(paper.sections[0].blocks[0]).runs[0].text = "Ωmega and ✓ ";
  auto fallback = RenderPaper(paper, Fonts());
  ASSERT_TRUE(fallback.ok()) << fallback.status();
  ASSERT_EQ(fallback->warnings.size(), 2u);
  EXPECT_THAT(fallback->warnings[0].message, HasSubstr("U+03A9"));
  EXPECT_THAT(fallback->warnings[0].message, HasSubstr("LiberationSans"));
  EXPECT_THAT(fallback->warnings[1].message, HasSubstr("U+2713"));
  EXPECT_THAT(fallback->warnings[1].message, HasSubstr("DejaVuSans"));
  std::get<doc::Paragraph>(paper.sections[0].blocks[0]).runs[0].text = "张伟 and 김민준 ";
  auto cjk = RenderPaper(paper, Fonts());
  ASSERT_TRUE(cjk.ok()) << cjk.status();
  ASSERT_EQ(cjk->warnings.size(), 1u);
  EXPECT_THAT(cjk->warnings[0].message, HasSubstr("U+5F20, U+4F1F, U+AE40"));
  EXPECT_THAT(cjk->warnings[0].message, HasSubstr("PanelCJK-Regular"));
  EXPECT_THAT(cjk->warnings[0].message, Not(HasSubstr("; in")));  // the test paper has no paths

  // With field paths (as converted requests have), the warning names the
  // fields the face drew, in order, each once, at most 8.
  paper.path = "paper";
  paper.title = "Visit of 张伟";
  paper.sections[0].path = "paper.sections[0]";
  paper.sections[0].heading = "Ωmega";
  auto& para = std::get<doc::Paragraph>(paper.sections[0].blocks[0]);
  para.path = "paper.sections[0].blocks[0].paragraph";
  para.runs.push_back(para.runs[0]);  // two runs of one paragraph: named once
  for (int i = 0; i < 9; ++i) {
    doc::Paragraph more;
    more.path = absl::StrCat("paper.sections[0].blocks[", i + 1, "].paragraph");
    more.runs.push_back({"김민준", false, false, ""});
    paper.sections[0].blocks.push_back(more);
  }
  auto named = RenderPaper(paper, Fonts());
  ASSERT_TRUE(named.ok()) << named.status();
  ASSERT_EQ(named->warnings.size(), 2u);
  EXPECT_THAT(named->warnings[0].message, HasSubstr("LiberationSans-Regular"));
  EXPECT_THAT(named->warnings[0].message, ::testing::EndsWith("; in paper.sections[0].heading"));
  EXPECT_THAT(named->warnings[1].message,
              ::testing::EndsWith("; in paper.title, paper.sections[0].blocks[0].paragraph, "
                                  "paper.sections[0].blocks[1].paragraph, "
                                  "paper.sections[0].blocks[2].paragraph, "
                                  "paper.sections[0].blocks[3].paragraph, "
                                  "paper.sections[0].blocks[4].paragraph, "
                                  "paper.sections[0].blocks[5].paragraph, "
                                  "paper.sections[0].blocks[6].paragraph and 3 more fields"));
}

TEST(Paint, EmptyLayoutIsAnError) {
  layout::PageLayout l;
  EXPECT_EQ(Paint(l, Fonts()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Paint, LinkToMissingPageIsAnInternalErrorNotACrash) {
  layout::PageLayout l = OneLine("x");
  l.pages[0].links.push_back({0, 0, 10, 10, "", 5, 0});
  EXPECT_EQ(Paint(l, Fonts()).status().code(), absl::StatusCode::kInternal);
}

TEST(Paint, MetadataOutsidePdfDocEncodingIsWrittenAsUtf16) {
  layout::PageLayout l = OneLine("x");
  l.info.title = "Łódź review";
  l.outline.push_back({"Ωmega section", 0, 0, 700});
  auto pdf = Paint(l, Fonts());
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  // UTF-16BE strings start with the byte-order mark FE FF.
  EXPECT_THAT(*pdf, HasSubstr("<FEFF"));
}

// Past the validator and layout's cutting (a doc model built directly), a
// string too long for the PDF is a clean INVALID_ARGUMENT, never libharu's
// INTERNAL 0x105B, and never a file PDF/A checks reject (32,767 bytes).
TEST(Paint, StringsTooLongForThePdfAreRefusedCleanly) {
  auto repeat = [](const std::string& unit, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += unit;
    return out;
  };
  // PDFDocEncoding: a byte a character; 32,767 fit, 32,768 do not.
  layout::PageLayout l = OneLine("x");
  l.info.title = repeat("a", 32767);
  EXPECT_TRUE(Paint(l, Fonts()).ok());
  for (size_t n : {32768, 65535, 65536}) {
    l.info.title = repeat("a", n);
    const absl::Status s = Paint(l, Fonts()).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr("the document title would take"));
  }
  // UTF-16BE: 2 + 2 bytes a character; 16,382 fit, 16,383 do not.
  l.info.title = repeat("\xC5\x91", 16382);  // ő (not in PDFDocEncoding)
  EXPECT_TRUE(Paint(l, Fonts()).ok());
  l.info.title = repeat("\xC5\x91", 16383);
  EXPECT_EQ(Paint(l, Fonts()).status().code(), absl::StatusCode::kInvalidArgument);
  // One non-PDFDoc field makes every information string UTF-16.
  l.info.title = repeat("a", 20000);
  l.info.author = "\xC5\x91";
  EXPECT_EQ(Paint(l, Fonts()).status().code(), absl::StatusCode::kInvalidArgument);
  // Bookmarks and links.
  l = OneLine("x");
  l.outline.push_back({repeat("b", 40000), 0, 0, 700});
  EXPECT_THAT(Paint(l, Fonts()).status().message(), HasSubstr("a bookmark title"));
  l = OneLine("x");
  l.pages[0].links.push_back({0, 0, 10, 10, "https://example.org/" + repeat("c", 40000), -1, 0});
  EXPECT_THAT(Paint(l, Fonts()).status().message(), HasSubstr("a link"));
}

// Layout cuts what it derives (renderers/common/pdf_text.h): a paper whose
// title (the default document title) and heading (a bookmark) are 65,536
// bytes renders.
TEST(Render, DerivedStringsAreCutToFitThePdf) {
  doc::Paper paper = SmallPaper();
  std::string text;
  while (text.size() < 65536) text += "\xC5\x91\xC5\x91 ";
  paper.metadata.title = "";
  paper.title = text;
  paper.sections[0].heading = text;
  auto pdf = RenderPaper(paper, Fonts());
  ASSERT_TRUE(pdf.ok()) << pdf.status();
}

TEST(Render, SameRequestSameBytes) {
  const doc::Paper paper = SmallPaper();
  auto a = RenderPaper(paper, Fonts());
  auto b = RenderPaper(paper, Fonts());
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->bytes, b->bytes);
  RenderOptions uncompressed;
  uncompressed.compress_content = false;
  auto c = RenderPaper(paper, Fonts(), uncompressed);
  auto d = RenderPaper(paper, Fonts(), uncompressed);
  EXPECT_EQ(c->bytes, d->bytes);
  EXPECT_NE(a->bytes, c->bytes);
}

TEST(Render, WritesLinksLabelsOutlineAndNoClockDate) {
  RenderOptions o;
  o.compress_content = false;
  auto pdf = RenderPaper(SmallPaper(), Fonts(), o);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_EQ(pdf->page_count, 1);
  // libharu escapes "/" in strings as \057.
  EXPECT_NE(pdf->bytes.find("/URI (https:\\057\\057example.org\\057guide)"), std::string::npos);
  EXPECT_THAT(pdf->bytes, HasSubstr("/St 42"));
  EXPECT_THAT(pdf->bytes, HasSubstr("/Outlines"));
  EXPECT_THAT(pdf->bytes, HasSubstr("(AGENDA ITEM 7b) Tj"));
  EXPECT_THAT(pdf->bytes, HasSubstr("(42) Tj"));
  EXPECT_THAT(pdf->bytes, Not(HasSubstr("/CreationDate")));
  EXPECT_THAT(pdf->bytes, HasSubstr("/Producer (panelpaper "));
}

TEST(Render, DatesComeFromTheRequest) {
  doc::Paper paper = SmallPaper();
  paper.metadata.created = doc::Timestamp{1576832400};  // 2019-12-20T09:00:00Z
  auto pdf = RenderPaper(paper, Fonts());
  ASSERT_TRUE(pdf.ok());
  EXPECT_THAT(pdf->bytes, HasSubstr("/CreationDate (D:20191220090000+00'"));
}

TEST(Render, InterruptAbandonsTheRender) {
  RenderOptions o;
  o.interrupt = [] { return absl::CancelledError("client went away"); };
  EXPECT_EQ(RenderPaper(SmallPaper(), Fonts(), o).status().code(), absl::StatusCode::kCancelled);
}

TEST(Render, PageLimitIsResourceExhausted) {
  doc::Paper paper = SmallPaper();
  for (int i = 0; i < 300; ++i) paper.sections[0].blocks.push_back(std::get<doc::Paragraph>(paper.sections[0].blocks[0]));
  RenderOptions o;
  o.max_pages = 2;
  EXPECT_EQ(RenderPaper(paper, Fonts(), o).status().code(), absl::StatusCode::kResourceExhausted);
}

std::string IccProfile() {
  std::ifstream in(std::string(PP_TEST_FONTS_DIR) + "/icc/sRGB.icc", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::string> PdfAPaper() {
  doc::Paper paper = SmallPaper();
  paper.metadata.title = "Plans & <targets>";
  paper.metadata.author = "Met \"Governance\"";
  paper.metadata.created = doc::Timestamp{1576832400};
  paper.sign_off = doc::SignOff{"Jane Doe", "Chair", doc::Date(2020, 1, 8), "Joint Audit Panel", "JAP/1"};
  layout::LayoutOptions lo;
  lo.producer = Producer();
  auto layout = layout::LayoutPaper(paper, Fonts(), lo);
  if (!layout.ok()) return layout.status();
  PaintOptions po;
  po.pdfa = PdfA{IccProfile(), {{"PaperId", "jap-2020-01-08-7b"}, {"ApprovedBy", "Jane & co"}}};
  return Paint(*layout, Fonts(), po);
}

TEST(PdfA, XmpIsEscapedAndCarriesTheRecord) {
  layout::DocInfo info;
  info.title = "A & B <C>";
  info.created = doc::Timestamp{1576832400};
  const std::string xmp = XmpPacket(info, PdfA{"", {{"PaperId", "x<y"}}});
  EXPECT_THAT(xmp, HasSubstr("A &amp; B &lt;C&gt;"));
  EXPECT_THAT(xmp, HasSubstr("<pprec:PaperId>x&lt;y</pprec:PaperId>"));
  EXPECT_THAT(xmp, HasSubstr("<pdfaid:part>2</pdfaid:part>"));
  EXPECT_THAT(xmp, HasSubstr("<xmp:CreateDate>2019-12-20T09:00:00Z</xmp:CreateDate>"));
  EXPECT_THAT(xmp, HasSubstr("<pdfaProperty:name>PaperId</pdfaProperty:name>"));
}

TEST(PdfA, IdIsDerivedFromTheContentAndStable) {
  auto a = PdfAPaper();
  auto b = PdfAPaper();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->substr(0, 8), "%PDF-1.7");
  EXPECT_THAT(*a, Not(HasSubstr("<00000000000000000000000000000000>")));
  EXPECT_THAT(*a, HasSubstr("/ID [ <"));
  EXPECT_THAT(*a, HasSubstr("/OutputIntents"));
  EXPECT_THAT(*a, HasSubstr("/GTS_PDFA1"));
  EXPECT_THAT(*a, HasSubstr("/F 4"));
  EXPECT_THAT(*a, HasSubstr("(D:20191220090000+00'00')"));
  // A tagged archive: PDF/A-2a and PDF/UA-1, the same structure.
  EXPECT_THAT(*a, HasSubstr("<pdfaid:conformance>A</pdfaid:conformance>"));
  EXPECT_THAT(*a, HasSubstr("<pdfuaid:part>1</pdfuaid:part>"));
  EXPECT_THAT(*a, HasSubstr("<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>"));
  EXPECT_THAT(*a, HasSubstr("/StructTreeRoot"));
  EXPECT_THAT(*a, HasSubstr("/Marked true"));
}

TEST(PdfA, NeedsAnIccProfile) {
  layout::PageLayout l = OneLine("x");
  PaintOptions po;
  po.pdfa = PdfA{};
  EXPECT_EQ(Paint(l, Fonts(), po).status().code(), absl::StatusCode::kInternal);
}

// The whole PDF/A-2b rule set of tests/tools/pdfa_check.py, on a real file.
TEST(PdfA, PassesOurPdfA2bChecks) {
  if (std::system("command -v qpdf >/dev/null 2>&1") != 0) {
    if (const char* ci = std::getenv("CI"); ci != nullptr && std::string(ci) == "true") {
      FAIL() << "qpdf is missing (apt-get install qpdf)";
    }
    GTEST_SKIP() << "qpdf is missing";
  }
  auto pdf = PdfAPaper();
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  const std::string path = testing::TempDir() + "/pdfa_check.pdf";
  std::ofstream(path, std::ios::binary) << *pdf;
  const std::string cmd = "/usr/bin/python3 " PP_TEST_SOURCE_DIR "/tests/tools/pdfa_check.py " + path;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  // And a file that is not PDF/A fails them.
  auto plain = RenderPaper(SmallPaper(), Fonts());
  ASSERT_TRUE(plain.ok());
  std::ofstream(path, std::ios::binary) << plain->bytes;
  EXPECT_NE(std::system((cmd + " >/dev/null").c_str()), 0);
}

// The output of a shell command (stdout and stderr) and its exit status.
std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string out;
  int status = -1;
  if (FILE* p = popen((command + " 2>&1").c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    status = pclose(p);
  }
  return {status, out};
}

// Patches on or off (the CI builds this test both ways), the painter's
// PDFs are well-formed and carry their text: plain and PDF/A, WinAnsi and
// UTF-8 faces, links, outline.
TEST(Paint, PdfsPassQpdfCheckAndExtractTheirText) {
  for (const char* tool : {"qpdf", "pdftotext"}) {
    if (std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) != 0) {
      if (const char* ci = std::getenv("CI"); ci != nullptr && std::string(ci) == "true") {
        FAIL() << tool << " is missing";
      }
      GTEST_SKIP() << tool << " is missing";
    }
  }
  doc::Paper paper = SmallPaper();
  paper.sections[0].heading = "Supporting information: Ωmega → Łódź";
  RenderOptions archival;
  archival.pdfa = PdfA{IccProfile(), {{"PaperId", "p-1"}}};
  int n = 0;
  for (const RenderOptions& options : {RenderOptions{}, archival}) {
    auto pdf = RenderPaper(paper, Fonts(), options);
    ASSERT_TRUE(pdf.ok()) << pdf.status();
    const std::string path = ::testing::TempDir() + "painter_check_" + std::to_string(n++) + ".pdf";
    std::ofstream(path, std::ios::binary | std::ios::trunc) << pdf->bytes;
    const auto [qpdf_status, qpdf_out] = RunCommand("qpdf --check '" + path + "'");
    EXPECT_EQ(qpdf_status, 0) << qpdf_out;
    EXPECT_THAT(qpdf_out, HasSubstr("No syntax or stream encoding errors found"));
    const auto [text_status, text] = RunCommand("pdftotext -enc UTF-8 '" + path + "' -");
    EXPECT_EQ(text_status, 0) << text;
    for (const char* expected : {"AUDIT PANEL", "A paper",
                                 "Supporting information: Ωmega → Łódź",
                                 "Hello panel. See the guidance."}) {
      EXPECT_THAT(text, HasSubstr(expected));
    }
    EXPECT_THAT(text, Not(HasSubstr("Error")));
    std::remove(path.c_str());
  }
}

// ---- Tagged PDF (PDF/UA-1) --------------------------------------------------------

// The content streams of an uncompressed PDF that draw text, in file order
// (libharu writes the pages' contents in page order).
std::vector<std::string> TextContentStreams(const std::string& pdf) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = pdf.find("stream\r\n", pos)) != std::string::npos ||
         (pos = pdf.find("stream\n", pos)) != std::string::npos) {
    const size_t start = pdf.find('\n', pos) + 1;
    const size_t end = pdf.find("endstream", start);
    if (end == std::string::npos) break;
    const std::string body = pdf.substr(start, end - start);
    if (body.find("BT\n") != std::string::npos || body.find("re\n") != std::string::npos) {
      out.push_back(body);
    }
    pos = end;
  }
  return out;
}

// The operators and operands of a content stream, with string literals,
// hex strings and dictionaries each one token ("(...)", "<...>", "<<...>>").
std::vector<std::string> Tokens(const std::string& stream) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < stream.size()) {
    const char c = stream[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      ++i;
    } else if (c == '(') {
      size_t j = i + 1;
      int depth = 1;
      while (j < stream.size() && depth > 0) {
        if (stream[j] == '\\') ++j;
        else if (stream[j] == '(') ++depth;
        else if (stream[j] == ')') --depth;
        ++j;
      }
      out.push_back("(...)");
      i = j;
    } else if (stream.compare(i, 2, "<<") == 0) {
      const size_t j = stream.find(">>", i);
      out.push_back(stream.substr(i, j + 2 - i));
      i = j + 2;
    } else if (c == '<') {
      i = stream.find('>', i) + 1;
      out.push_back("<...>");
    } else {
      size_t j = i;
      while (j < stream.size() && std::string(" \n\r\t(<").find(stream[j]) == std::string::npos) ++j;
      out.push_back(stream.substr(i, j - i));
      i = j;
    }
  }
  return out;
}

absl::StatusOr<std::string> UncompressedPaper(const doc::Paper& paper) {
  RenderOptions o;
  o.compress_content = false;
  auto r = RenderPaper(paper, Fonts(), o);
  if (!r.ok()) return r.status();
  return r->bytes;
}

// Every painting operator lies in marked content (an element's, with an
// MCID, or an artifact); marked content never nests and opens and closes
// on the same side of BT/ET (ISO 32000-1 §14.6); MCIDs count 0, 1, ... on
// each page.
TEST(TaggedPdf, EveryPaintingOperatorIsInMarkedContentCorrectlyNested) {
  doc::Paper paper = SmallPaper();
  paper.protective_marking = "OFFICIAL";
  paper.summary = doc::ReportSummary{};
  paper.summary->purpose.push_back({{{"Why.", false, false, ""}}, false, ""});
  auto pdf = UncompressedPaper(paper);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  const std::vector<std::string> streams = TextContentStreams(*pdf);
  ASSERT_EQ(streams.size(), 1u);
  for (const std::string& stream : streams) {
    const std::vector<std::string> t = Tokens(stream);
    int depth = 0, next_mcid = 0, in_text = 0, artifacts = 0, elements = 0;
    int depth_at_bt = 0;
    for (size_t i = 0; i < t.size(); ++i) {
      const std::string& op = t[i];
      if (op == "BDC" || op == "BMC") {
        ++depth;
        EXPECT_EQ(depth, 1) << "nested marked content at token " << i;
        if (op == "BDC") {
          ASSERT_GE(i, 2u);
          const std::string want = "<</MCID " + std::to_string(next_mcid++) + ">>";
          EXPECT_EQ(t[i - 1], want);
          ++elements;
        } else {
          EXPECT_EQ(t[i - 1], "/Artifact");
          ++artifacts;
        }
      } else if (op == "EMC") {
        --depth;
        EXPECT_GE(depth, 0);
      } else if (op == "BT") {
        ++in_text;
        depth_at_bt = depth;
      } else if (op == "ET") {
        --in_text;
        EXPECT_EQ(depth, depth_at_bt) << "marked content crosses ET";
      } else if (op == "Tj" || op == "TJ" || op == "re" || op == "f" || op == "S" || op == "l") {
        EXPECT_EQ(depth, 1) << op << " outside marked content at token " << i;
      }
    }
    EXPECT_EQ(depth, 0);
    EXPECT_EQ(in_text, 0);
    // Header, page number and bottom marking (one run of artifact text),
    // the summary box's frame.
    EXPECT_EQ(artifacts, 2);
    // Marking, panel, date, title, Report Summary, purpose heading and
    // paragraph, section heading, paragraph, link, paragraph again.
    EXPECT_EQ(elements, 11);
  }
}

TEST(TaggedPdf, WritesTheTreeTheCatalogEntriesAndLinkObjects) {
  auto pdf = UncompressedPaper(SmallPaper());
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  for (const char* expected :
       {"/StructTreeRoot", "/ParentTree", "/ParentTreeNextKey 2", "/Marked true",
        "/DisplayDocTitle true", "/Lang (en-GB)", "/StructParents 0", "/StructParent 1",
        "/Tabs /S", "/Type /OBJR", "/Contents (https:\\057\\057example.org\\057guide)", "/S /Document",
        "/S /H1", "/S /H2", "/S /P", "/S /Link", "<pdfuaid:part>1</pdfuaid:part>",
        "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">A paper</rdf:li>", "%PDF-1.7"}) {
    EXPECT_THAT(*pdf, HasSubstr(expected));
  }
  // Not an archive: no PDF/A claim.
  EXPECT_THAT(*pdf, Not(HasSubstr("pdfaid")));
}

TEST(TaggedPdf, LanguagesOfTheDocumentAndOfARun) {
  doc::Paper paper = SmallPaper();
  paper.language = "cy";
  doc::Run english{"English words", false, false, ""};
  english.language = "en-GB";
  std::get<doc::Paragraph>(paper.sections[0].blocks[0]).runs.push_back(english);
  auto pdf = UncompressedPaper(paper);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_THAT(*pdf, HasSubstr("/Lang (cy)"));
  EXPECT_THAT(*pdf, HasSubstr("/S /Span"));
  EXPECT_THAT(*pdf, HasSubstr("/Lang (en-GB)"));
}

TEST(TaggedPdf, AStructureThatIsNotATreeIsRefusedNotWritten) {
  layout::PageLayout l = OneLine("x");
  l.structure.Add(layout::StructType::kDocument, -1);
  l.structure.Add(layout::StructType::kP, 0);
  l.pages[0].texts[0].node = 5;  // no such element
  EXPECT_EQ(Paint(l, Fonts()).status().code(), absl::StatusCode::kInternal);
  l.pages[0].texts[0].node = 1;
  EXPECT_TRUE(Paint(l, Fonts()).ok());
  l.structure.nodes[1].parent = 1;  // its own parent
  EXPECT_EQ(Paint(l, Fonts()).status().code(), absl::StatusCode::kInternal);
}

// More parent-tree entries than one leaf holds: a two-level number tree
// with /Limits, and still a file qpdf accepts.
TEST(TaggedPdf, LargeParentTreesSplitIntoLeaves) {
  layout::PageLayout l = OneLine("x");
  l.structure.Add(layout::StructType::kDocument, -1);
  const layout::Page page = l.pages[0];
  l.pages.clear();
  for (int i = 0; i < 1100; ++i) {
    l.pages.push_back(page);
    l.pages.back().texts[0].node = l.structure.Add(layout::StructType::kP, 0);
  }
  auto pdf = Paint(l, Fonts());
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_THAT(*pdf, HasSubstr("/Limits [ 0 1023 ]"));
  EXPECT_THAT(*pdf, HasSubstr("/Limits [ 1024 1099 ]"));
  if (std::system("command -v qpdf >/dev/null 2>&1") == 0) {
    const std::string path = ::testing::TempDir() + "parent_tree.pdf";
    std::ofstream(path, std::ios::binary | std::ios::trunc) << *pdf;
    EXPECT_EQ(std::system(("qpdf --check '" + path + "' >/dev/null").c_str()), 0);
    std::remove(path.c_str());
  }
}

TEST(TaggedPdf, XmpClaimsPdfUaAndArchivesPdfA2aWithTheSchemaDeclared) {
  layout::DocInfo info;
  info.title = "T";
  const std::string plain = XmpPacket(info, nullptr);
  EXPECT_THAT(plain, HasSubstr("<pdfuaid:part>1</pdfuaid:part>"));
  EXPECT_THAT(plain, Not(HasSubstr("pdfaid")));
  EXPECT_THAT(plain, Not(HasSubstr("pdfaExtension")));
  const PdfA pdfa{"", {{"PaperId", "p"}}};
  const std::string archive = XmpPacket(info, &pdfa);
  EXPECT_THAT(archive, HasSubstr("<pdfaid:conformance>A</pdfaid:conformance>"));
  EXPECT_THAT(archive, HasSubstr("<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>"));
  EXPECT_THAT(archive, HasSubstr(std::string("<pdfaSchema:namespaceURI>") + kPdfUaIdNamespace));
  EXPECT_THAT(archive, HasSubstr("<pdfaSchema:prefix>pprec</pdfaSchema:prefix>"));
  // An untagged archive stays level B and claims no PDF/UA.
  const std::string untagged = XmpPacket(info, &pdfa, /*tagged=*/false);
  EXPECT_THAT(untagged, HasSubstr("<pdfaid:conformance>B</pdfaid:conformance>"));
  EXPECT_THAT(untagged, Not(HasSubstr("pdfuaid")));
}

// ---- The start-up self-check and the renderer identity ------------------------

TEST(LibharuSelfCheck, EveryReplacementIsCalledWhenCompiledIn) {
  const LibharuPatches& patches = LibharuSelfCheck(Fonts());
  EXPECT_EQ(patches.compiled_in, static_cast<bool>(PP_LIBHARU_PATCHES));
  EXPECT_THAT(patches.not_called, ::testing::IsEmpty());
  EXPECT_EQ(patches.Describe(), PP_LIBHARU_PATCHES ? "on" : "off");
  EXPECT_EQ(patches.active(), static_cast<bool>(PP_LIBHARU_PATCHES));
  // Once per process: the same result again.
  EXPECT_EQ(&LibharuSelfCheck(Fonts()), &patches);
}

// The counters behind the self-check see the calls libharu makes inside a
// probe on this thread, and only those.
TEST(LibharuSelfCheck, ProbesCountCallsOnTheirThreadOnly) {
  PP_SKIP_WITHOUT_PATCHES();
  namespace hi = hpdf_internals;
  {
    hi::CallProbe probe;
    auto pdf = Paint(OneLine("Counted"), Fonts());
    ASSERT_TRUE(pdf.ok()) << pdf.status();
    for (int r = 0; r < hi::kReplacementCount; ++r) {
      EXPECT_GT(probe.calls(r), 0u) << hi::ReplacementName(r);
    }
    const uint64_t memset_calls = probe.calls(hi::kMemSet);
    std::thread([] { (void)Paint(OneLine("Elsewhere"), Fonts()); }).join();
    EXPECT_EQ(probe.calls(hi::kMemSet), memset_calls);  // another thread's calls don't count
  }
  hi::CallProbe later;
  EXPECT_EQ(later.calls(hi::kMemCpy), 0u);
}

TEST(LibharuSelfCheck, ReplacementsThatAreNotCalledAreNamed) {
  LibharuPatches p;
  EXPECT_EQ(p.Describe(), "off");
  EXPECT_FALSE(p.active());
  p.compiled_in = true;
  EXPECT_EQ(p.Describe(), "on");
  EXPECT_TRUE(p.active());
  p.not_called = {"HPDF_StrLen", "deflateInit_"};
  EXPECT_EQ(p.Describe(), "inactive (not called: HPDF_StrLen, deflateInit_)");
  EXPECT_FALSE(p.active());
}

TEST(RendererIdentity, NamesEveryPartThatDecidesTheBytes) {
  auto id = ComputeRendererIdentity(Fonts(), IccProfile());
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->renderer_version, kRendererVersion);
  EXPECT_EQ(id->libharu_version, "2.3.0");
  EXPECT_EQ(id->zlib_release, std::string(::zlibVersion()));
  EXPECT_EQ(id->libharu_patches, PP_LIBHARU_PATCHES ? "on" : "off");
  EXPECT_THAT(id->ToString(),
              ::testing::MatchesRegex(
                  "panelpaper-renderer [0-9.]+; libharu 2\\.3\\.0; zlib [0-9.]+; "
                  "fonts sha256:[0-9a-f]{64}; icc sha256:[0-9a-f]{64}; libharu-patches (on|off)"));
  // The same inputs, the same identity; another ICC profile, another one.
  auto again = ComputeRendererIdentity(Fonts(), IccProfile());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *id);
  auto other = ComputeRendererIdentity(Fonts(), IccProfile() + " ");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->icc_sha256, id->icc_sha256);
  EXPECT_EQ(other->fonts_sha256, id->fonts_sha256);
  // The folder form reads the same fonts and profile.
  auto from_dir = RendererIdentityForFontsDir(PP_TEST_FONTS_DIR);
  ASSERT_TRUE(from_dir.ok()) << from_dir.status();
  EXPECT_EQ(*from_dir, *id);
  EXPECT_FALSE(RendererIdentityForFontsDir("/nonexistent").ok());
}

TEST(RendererIdentity, DifferencesNameEachDifferingPart) {
  const std::string a =
      "panelpaper-renderer 0.2.0; libharu 2.3.0; zlib 1.2.13; fonts sha256:" + std::string(64, 'a') +
      "; icc sha256:" + std::string(64, 'c') + "; libharu-patches on";
  EXPECT_THAT(IdentityDifferences(a, a), ::testing::IsEmpty());
  EXPECT_THAT(IdentityDifferences("", a), ::testing::ElementsAre("no renderer identity recorded"));
  std::string b = a;
  b.replace(b.find("zlib 1.2.13"), 11, "zlib 1.2.11");
  b.replace(b.find("patches on"), 10, "patches off");
  b.replace(b.find("fonts sha256:a"), 14, "fonts sha256:b");
  EXPECT_THAT(IdentityDifferences(b, a),
              ::testing::ElementsAre("zlib 1.2.11 -> 1.2.13",
                                     "fonts sha256:baaaaaaaaaaa\xE2\x80\xA6 -> sha256:aaaaaaaaaaaa\xE2\x80\xA6",
                                     "libharu-patches off -> on"));
  EXPECT_THAT(IdentityDifferences("panelpaper-renderer 0.1.0", "panelpaper-renderer 0.2.0; zlib 1"),
              ::testing::ElementsAre("panelpaper-renderer 0.1.0 -> 0.2.0", "zlib (none) -> 1"));
}

}  // namespace
}  // namespace pp::pdf
