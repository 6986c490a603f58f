// File: tests/testing/fake_fonts.h
//
// Fixed-width synthetic fonts for tests (STYLE.md §3.7 "FakeFontMetrics"):
// every glyph is 500/1000 em wide, ascent 800, descent -200, no font file.
// At 10 pt every character (a space too) is exactly 5 pt wide, so expected
// line breaks and positions can be worked out by hand.
//
//   std::shared_ptr<const text::FontSet> fonts = test::FakeFonts();
//   // "Hello world" at 10 pt: 11 characters, 55 pt.
#ifndef PANELPAPER_TESTS_TESTING_FAKE_FONTS_H_
#define PANELPAPER_TESTS_TESTING_FAKE_FONTS_H_

#include <memory>

#include "renderers/text/font_set.h"

namespace pp::test {

// Advance of every mapped character, 1/1000 em.
inline constexpr int kFakeAdvance = 500;

// All twelve faces map U+0020..U+024F and U+2000..U+206F (which includes
// U+2022 '•') with an advance of 500/1000 em. Shared; built once.
std::shared_ptr<const text::FontSet> FakeFonts();

// Like FakeFonts(), but with realistic coverage so fallback faces appear:
// Panel Sans maps only U+0020..U+007E and U+00A0..U+00FF; Liberation Sans
// maps U+0020..U+024F and U+2000..U+206F; DejaVu Sans maps all of those plus
// the arrows U+2190..U+21FF. Same advances and vertical metrics.
std::shared_ptr<const text::FontSet> FakeFontsWithFallback();

// One synthetic face mapping [first, last] ranges to kFakeAdvance.
text::FaceMetrics FakeFace(std::initializer_list<std::pair<char32_t, char32_t>> ranges);

}  // namespace pp::test

#endif  // PANELPAPER_TESTS_TESTING_FAKE_FONTS_H_
