#include "tests/testing/fake_fonts.h"

#include <utility>
#include <vector>

namespace pp::test {

text::FaceMetrics FakeFace(std::initializer_list<std::pair<char32_t, char32_t>> ranges) {
  text::FaceMetrics face;
  face.postscript_name = "FakeSans";
  face.file = "";
  face.single_byte = false;
  face.ascent = 800;
  face.descent = -200;
  face.cap_height = 700;
  face.advances.assign(0x10000, text::FaceMetrics::kNoGlyph);
  for (const auto& [first, last] : ranges) {
    for (char32_t cp = first; cp <= last && cp < 0x10000; ++cp) face.advances[cp] = kFakeAdvance;
  }
  return face;
}

std::shared_ptr<const text::FontSet> FakeFonts() {
  static const std::shared_ptr<const text::FontSet> fonts = [] {
    std::vector<text::FaceMetrics> faces;
    for (int i = 0; i < text::kFaceCount; ++i) {
      faces.push_back(FakeFace({{0x20, 0x24F}, {0x2000, 0x206F}, {0x2022, 0x2022}}));
      faces.back().single_byte = i < 4;
    }
    return text::FontSet::FromFaces(std::move(faces));
  }();
  return fonts;
}

std::shared_ptr<const text::FontSet> FakeFontsWithFallback() {
  static const std::shared_ptr<const text::FontSet> fonts = [] {
    std::vector<text::FaceMetrics> faces(text::kFaceCount);
    for (int s = 0; s < 4; ++s) {
      faces[s] = FakeFace({{0x20, 0x7E}, {0xA0, 0xFF}});
      faces[s].postscript_name = "FakePanelSans";
      faces[s].single_byte = true;
      faces[4 + s] = FakeFace({{0x20, 0x24F}, {0x2000, 0x206F}});
      faces[4 + s].postscript_name = "FakeLiberation";
      faces[8 + s] = FakeFace({{0x20, 0x24F}, {0x2000, 0x206F}, {0x2190, 0x21FF}});
      faces[8 + s].postscript_name = "FakeDejaVu";
    }
    return text::FontSet::FromFaces(std::move(faces));
  }();
  return fonts;
}

}  // namespace pp::test
