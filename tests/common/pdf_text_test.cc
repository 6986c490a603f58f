// Tests of renderers/common/pdf_text: text cut to what a PDF string holds.
#include "renderers/common/pdf_text.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pp {
namespace {

std::string Repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(PdfText, TheLimitFitsAPdfStringInEitherEncoding) {
  // PDFDocEncoding: a byte a character; UTF-16BE: a BOM and 2 bytes each.
  static_assert(kMaxPdfTextChars <= kMaxPdfStringBytes);
  static_assert(2 + 2 * kMaxPdfTextChars <= kMaxPdfStringBytes);
}

TEST(PdfText, CountsCharactersNotBytes) {
  EXPECT_EQ(CountUtf8Chars(""), 0u);
  EXPECT_EQ(CountUtf8Chars("abc"), 3u);
  EXPECT_EQ(CountUtf8Chars("\xC2\xA3\xE2\x82\xAC\xC5\x91"), 3u);  // £€ő
}

TEST(PdfText, ShortTextIsUnchanged) {
  EXPECT_EQ(CutPdfText("abc", 3), "abc");
  const std::string at_limit = Repeat("\xC5\x91", kMaxPdfTextChars);  // ő
  EXPECT_EQ(CutPdfText(at_limit), at_limit);
}

TEST(PdfText, LongTextIsCutAtACharacterBoundaryWithAnEllipsis) {
  EXPECT_EQ(CutPdfText("abcd", 3), "ab\xE2\x80\xA6");
  // Two-byte and three-byte characters are never split.
  EXPECT_EQ(CutPdfText("\xC5\x91\xC5\x91\xC5\x91\xC5\x91", 3), "\xC5\x91\xC5\x91\xE2\x80\xA6");
  EXPECT_EQ(CutPdfText("\xE2\x82\xAC\xE2\x82\xAC", 1), "\xE2\x80\xA6");
  for (const std::string unit : {"a", "\xC5\x91", "\xE2\x82\xAC"}) {
    for (size_t n : {kMaxPdfTextChars + 1, size_t{32768}, size_t{65536}}) {
      const std::string cut = CutPdfText(Repeat(unit, n));
      EXPECT_EQ(CountUtf8Chars(cut), kMaxPdfTextChars) << unit.size() << " " << n;
      EXPECT_EQ(cut.size(), (kMaxPdfTextChars - 1) * unit.size() + 3);
      EXPECT_EQ(cut.substr(cut.size() - 3), "\xE2\x80\xA6");
      EXPECT_EQ(CutPdfText(Repeat(unit, n)), cut);  // deterministic
    }
  }
}

}  // namespace
}  // namespace pp
