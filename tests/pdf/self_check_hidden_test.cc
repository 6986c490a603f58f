// The start-up self-check when the replacements are compiled in but the
// dynamic linker does not hand them to libharu and zlib: this test program
// is linked with -Wl,--exclude-libs for pp::hpdf_internals, so the
// definitions stay local to it (as static linking, hidden visibility or
// another platform would leave them). The self-check must notice, the
// renderer identity must say so, and rendering must still work.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "renderers/identity.h"
#include "renderers/pdf/painter.h"
#include "renderers/renderer.h"

namespace pp::pdf {
namespace {

const text::FontSet& Fonts() {
  static const auto* fonts = [] {
    auto f = text::FontSet::Load(PP_TEST_FONTS_DIR);
    EXPECT_TRUE(f.ok()) << f.status();
    return new std::shared_ptr<const text::FontSet>(*f);
  }();
  return **fonts;
}

TEST(LibharuSelfCheck, ReplacementsLibharuDoesNotCallAreReportedAndRenderingStillWorks) {
  const LibharuPatches& patches = LibharuSelfCheck(Fonts());
  EXPECT_TRUE(patches.compiled_in);
  EXPECT_FALSE(patches.active());
  EXPECT_THAT(patches.not_called,
              ::testing::ElementsAre("HPDF_MemCpy", "HPDF_MemSet", "HPDF_StrLen",
                                     "HPDF_TTFontDef_GetGlyphid", "deflateInit_"));
  auto identity = RendererIdentityForFontsDir(PP_TEST_FONTS_DIR);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->libharu_patches,
            "inactive (not called: HPDF_MemCpy, HPDF_MemSet, HPDF_StrLen, "
            "HPDF_TTFontDef_GetGlyphid, deflateInit_)");
  EXPECT_THAT(identity->ToString(), ::testing::EndsWith("; libharu-patches " + identity->libharu_patches));

  doc::Paper paper;
  paper.panel_name = "AUDIT PANEL";
  paper.meeting_date = doc::Date(2020, 1, 8);
  paper.title = "A paper";
  doc::Section s;
  s.heading = "Heading";
  doc::Paragraph para;
  para.runs.push_back({"Hello panel.", false, false, ""});
  s.blocks.push_back(para);
  paper.sections.push_back(s);
  auto pdf = RenderPaper(paper, Fonts());
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_EQ(pdf->bytes.substr(0, 5), "%PDF-");
  // zlib's own deflateInit_ ran: its default level (0x78 0x9C), not the painter's 1.
  const size_t at = pdf->bytes.find("stream\r\n");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(static_cast<unsigned char>(pdf->bytes[at + 8]), 0x78);
  EXPECT_EQ(static_cast<unsigned char>(pdf->bytes[at + 9]), 0x9C);
}

}  // namespace
}  // namespace pp::pdf
