// Tests of renderers/text/line_breaker with fixed-width fake metrics: at
// 10 pt every character (a space too) is 5 pt wide, so a 50 pt line holds
// exactly 10 characters and every expected break is countable by hand.
#include "renderers/text/line_breaker.h"

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "renderers/common/utf8.h"
#include "renderers/text/font_set.h"
#include "tests/testing/builders.h"
#include "tests/testing/fake_fonts.h"

namespace pp::text {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr FaceId kRegular(Family::kPanelSans, Style::kRegular);

// Breaks one regular-style string at 10 pt (5 pt per character).
std::vector<Line> Break(std::string_view s, double width) {
  const Span span{s, Style::kRegular, -1};
  return BreakLines({&span, 1}, *test::FakeFonts(), 10, width);
}

std::vector<std::string> BreakTexts(std::string_view s, double width) {
  return test::LineTexts(Break(s, width));
}

std::vector<double> Widths(const std::vector<Line>& lines) {
  std::vector<double> out;
  for (const Line& l : lines) out.push_back(l.width);
  return out;
}

bool EndsWithDash(const std::string& s) {
  return s.ends_with("-") || s.ends_with("\xE2\x80\x93");  // '-' or en dash
}

// The lines not ending inside a word (whose drawn hyphen is no dash).
std::vector<std::string> WholeWordLines(std::string_view s, double width) {
  std::vector<std::string> out;
  for (const Line& l : Break(s, width)) {
    if (!l.hyphen) out.push_back(test::LineText(l));
  }
  return out;
}

// ---- First fit -------------------------------------------------------------------

TEST(LineBreaker, WordsFillLinesFirstFit) {
  const std::vector<Line> lines = Break("aaa bbb ccc ddd eee", 50);
  EXPECT_THAT(test::LineTexts(lines), ElementsAre("aaa bbb", "ccc ddd", "eee"));
  EXPECT_THAT(Widths(lines), ElementsAre(35, 35, 15));
}

TEST(LineBreaker, ExactFitStaysOnTheLine) {
  EXPECT_THAT(BreakTexts("aaaa bbbbb cc", 50), ElementsAre("aaaa bbbbb", "cc"));
  // Fractional widths: 10 characters need 50 pt, 49.9 pt holds only 9.
  EXPECT_THAT(BreakTexts("aaaa bbbbb cc", 49.9), ElementsAre("aaaa", "bbbbb cc"));
}

TEST(LineBreaker, ShortTextIsOneLine) {
  const std::vector<Line> lines = Break("Hello world", 200);
  ASSERT_THAT(lines, SizeIs(1));
  ASSERT_THAT(lines[0].pieces, SizeIs(1));
  EXPECT_EQ(lines[0].pieces[0].text, "Hello world");
  EXPECT_EQ(lines[0].pieces[0].x, 0);
  EXPECT_EQ(lines[0].pieces[0].width, 55);
  EXPECT_EQ(lines[0].width, 55);
}

// ---- Spaces ----------------------------------------------------------------------

TEST(LineBreaker, SpacesAtABreakAreDropped) {
  const std::vector<Line> lines = Break("aaaa   bbbb cccc", 50);
  EXPECT_THAT(test::LineTexts(lines), ElementsAre("aaaa", "bbbb cccc"));
  EXPECT_THAT(Widths(lines), ElementsAre(20, 45));
  EXPECT_EQ(lines[1].pieces.front().x, 0);
}

TEST(LineBreaker, RunOfSpacesInsideALineIsKept) {
  const std::vector<Line> lines = Break("a   b", 100);
  EXPECT_THAT(test::LineTexts(lines), ElementsAre("a   b"));
  EXPECT_THAT(Widths(lines), ElementsAre(25));
}

TEST(LineBreaker, LeadingAndTrailingSpacesAreNotDrawn) {
  const std::vector<Line> lines = Break("   abc   ", 100);
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_EQ(test::LineText(lines[0]), "abc");
  EXPECT_EQ(lines[0].pieces[0].x, 0);
  EXPECT_EQ(lines[0].width, 15);
}

TEST(LineBreaker, LineWidthExcludesTrailingSpacesWhenTheNextWordBreaksElsewhere) {
  // "abcdefgh " is followed by a word longer than the line whose first
  // hyphen part only fits on a fresh line: the space stays behind, trimmed.
  const std::vector<Line> lines = Break("abcdefgh aaaa-bbbbbbbbbbbbbbb", 50);
  EXPECT_THAT(test::LineTexts(lines), ElementsAre("abcdefgh", "aaaa-", "bbbbbbbbb-", "bbbbbb"));
  ASSERT_THAT(lines[0].pieces, SizeIs(1));
  EXPECT_EQ(lines[0].width, 40);
  EXPECT_EQ(lines[0].pieces[0].width, 40);
}

TEST(LineBreaker, TrailingSpaceInItsOwnPieceIsRemoved) {
  // The space carries another tag, so it would be a piece of its own.
  const std::vector<Span> spans = {{"abcdefgh", Style::kRegular, 0},
                                   {" ", Style::kRegular, 1},
                                   {"aaaa-bbbbbbbbbbbbbbb", Style::kRegular, 0}};
  const std::vector<Line> lines = BreakLines(spans, *test::FakeFonts(), 10, 50);
  ASSERT_THAT(lines, SizeIs(4));
  ASSERT_THAT(lines[0].pieces, SizeIs(1));
  EXPECT_EQ(lines[0].pieces[0].text, "abcdefgh");
  EXPECT_EQ(lines[0].width, 40);
}

// ---- Long words --------------------------------------------------------------------

TEST(LineBreaker, WordLongerThanALineBreaksBetweenCharacters) {
  // Each cut line ends with a drawn hyphen (9 letters and the hyphen).
  const std::vector<Line> lines = Break("abcdefghijklmnopqrstuvwxy", 50);
  EXPECT_THAT(test::LineTexts(lines), ElementsAre("abcdefghi-", "jklmnopqr-", "stuvwxy"));
  EXPECT_THAT(Widths(lines), ElementsAre(50, 50, 35));
}

TEST(LineBreaker, ABreakBetweenCharactersDrawsAHyphenAndMarksTheLine) {
  // 10 characters a line: 9 letters and the hyphen.
  const std::vector<Line> lines = Break("abcdefghijklmnopqrstuvwxy", 50);
  EXPECT_THAT(test::LineTexts(lines), ElementsAre("abcdefghi-", "jklmnopqr-", "stuvwxy"));
  EXPECT_TRUE(lines[0].broke_word && lines[0].hyphen);
  EXPECT_TRUE(lines[1].broke_word && lines[1].hyphen);
  EXPECT_FALSE(lines[2].broke_word || lines[2].hyphen);
  // Too narrow for two letters and a hyphen: cut without one.
  EXPECT_THAT(BreakTexts("abcdef", 12), ElementsAre("ab", "cd", "ef"));
  // Words that fit, and breaks at hyphens or slashes, are not marked.
  for (const Line& l : Break("aaaa bbb-ccc aaaaaaa-bbbbbbb ab/cd", 50)) EXPECT_FALSE(l.broke_word);
}

TEST(LineBreaker, MinContentWidthIsTheWidestUnbreakableStretch) {
  const auto min = [](std::string_view s) {
    const Span span{s, Style::kRegular, -1};
    return MinContentWidth({&span, 1}, *test::FakeFonts(), 10);
  };
  EXPECT_EQ(min(""), 0);
  EXPECT_EQ(min("a bb ccc"), 15);
  EXPECT_EQ(min("Inherent score"), 40);
  EXPECT_EQ(min("self-assessment"), 50);       // "assessment"; "self-" is 25
  EXPECT_EQ(min("Professionalism/AC"), 80);    // "Professionalism/"
  EXPECT_EQ(min("one\nthreeee"), 35);
  EXPECT_EQ(min("x\xC2\xAD"), 5);              // soft hyphen not drawn
  // With that width no word breaks between characters; a hair less, the
  // widest one does.
  for (std::string_view s : {"Red \xE2\x80\x93 Increasing", "a Suspended b", "ab-cdefgh/ij kl"}) {
    for (const Line& l : Break(s, min(s))) EXPECT_FALSE(l.broke_word) << s;
    bool broke = false;
    for (const Line& l : Break(s, min(s) - 0.01)) broke = broke || l.broke_word;
    EXPECT_TRUE(broke) << s;
  }
}

TEST(LineBreaker, LongWordFillsTheRestOfTheCurrentLineFirst) {
  // 2 + 1 + 6 characters and a hyphen on the first line, then 9 and a
  // hyphen, then 10.
  EXPECT_THAT(BreakTexts("ab abcdefghijklmnopqrstuvwxy", 50),
              ElementsAre("ab abcdef-", "ghijklmno-", "pqrstuvwxy"));
  // 52 pt still holds 10 characters, not 10.4.
  EXPECT_THAT(BreakTexts("ab abcdefghijklmnopqrstuvwxy", 52),
              ElementsAre("ab abcdef-", "ghijklmno-", "pqrstuvwxy"));
}

TEST(LineBreaker, HyphenIsNotABreakForAWordThatFitsALine) {
  EXPECT_THAT(BreakTexts("aaaa bbb-ccc", 50), ElementsAre("aaaa", "bbb-ccc"));
  EXPECT_THAT(BreakTexts("aaaa bbb\xE2\x80\x93" "ccc", 50),
              ElementsAre("aaaa", "bbb\xE2\x80\x93" "ccc"));
}

TEST(LineBreaker, WordLongerThanALineBreaksAfterAHyphenBetweenLetters) {
  EXPECT_THAT(BreakTexts("aaaaaaa-bbbbbbb", 50), ElementsAre("aaaaaaa-", "bbbbbbb"));
  EXPECT_THAT(BreakTexts("aaaaaaa\xE2\x80\x93" "bbbbbbb", 50),
              ElementsAre("aaaaaaa\xE2\x80\x93", "bbbbbbb"));
  // After a short word, the hyphen part that fits a fresh line moves there
  // rather than being cut between characters.
  EXPECT_THAT(BreakTexts("ab aaaaaaa-bbbbbbb", 50), ElementsAre("ab", "aaaaaaa-", "bbbbbbb"));
}

TEST(LineBreaker, HyphenBetweenDigitsIsNotABreak) {
  // (Cut between characters instead, with a drawn hyphen.)
  EXPECT_THAT(BreakTexts("1234567-8901234", 50), ElementsAre("1234567-8-", "901234"));
}

TEST(LineBreaker, LongSlashCompoundFillsTheLineAtItsSlash) {
  // 20 characters a line; the compound is 19 (over a third of the line).
  EXPECT_THAT(BreakTexts("abc defghijklmn/opqrstu", 100),
              ElementsAre("abc defghijklmn/", "opqrstu"));
}

TEST(LineBreaker, ShortSlashCompoundMovesWhole) {
  EXPECT_THAT(BreakTexts("abcdefghijklmnopq ab/cd", 100),
              ElementsAre("abcdefghijklmnopq", "ab/cd"));
}

TEST(LineBreaker, ZeroWidthSpaceIsABreakAndIsNotDrawn) {
  EXPECT_THAT(BreakTexts("abc defghijklmn\xE2\x80\x8Bopqrstu", 100),
              ElementsAre("abc defghijklmn", "opqrstu"));
  EXPECT_THAT(BreakTexts("defghijklmn\xE2\x80\x8Bopqrstu", 200),
              ElementsAre("defghijklmnopqrstu"));
}

// Fixed-width fakes that also map CJK ideographs, kana and Hangul.
std::shared_ptr<const FontSet> CjkFonts() {
  std::vector<FaceMetrics> faces;
  for (int i = 0; i < kFaceCount; ++i) {
    faces.push_back(test::FakeFace({{0x20, 0x24F}, {0x2000, 0x206F}, {0x3000, 0x30FF},
                                    {0x4E00, 0x9FFF}, {0xAC00, 0xD7AF}}));
  }
  return FontSet::FromFaces(std::move(faces));
}

std::vector<std::string> CjkLines(const std::string& text, double width) {
  const std::vector<Span> spans = {Span{text, Style::kRegular, -1}};
  std::vector<std::string> out;
  for (const Line& l : BreakLines(spans, *CjkFonts(), 10, width)) {
    out.push_back(test::LineText(l));
    EXPECT_FALSE(l.broke_word) << text;
  }
  return out;
}

TEST(LineBreaker, LinesBreakBetweenAnyTwoCjkCharactersWithoutAHyphen) {
  // 王小明山田太郎李明博 (9 ideographs, 5 pt each) in 20 pt: four a line.
  EXPECT_THAT(CjkLines("\u738B\u5C0F\u660E\u5C71\u7530\u592A\u90CE\u674E\u660E", 20),
              ElementsAre("\u738B\u5C0F\u660E\u5C71", "\u7530\u592A\u90CE\u674E",
                          "\u660E"));
  // Kana and Hangul too; a Latin word beside them stays whole.
  EXPECT_THAT(CjkLines("\u3084\u307E\u3060\uD64D\uAE38\uB3D9 abcd", 20),
              ElementsAre("\u3084\u307E\u3060\uD64D", "\uAE38\uB3D9", "abcd"));
  // The widest unbreakable piece of a CJK name is one character.
  const std::vector<Span> name = {Span{"\u738B\u5C0F\u660E", Style::kRegular, -1}};
  EXPECT_DOUBLE_EQ(MinContentWidth(name, *CjkFonts(), 10), 5);
}

// ---- Dashes --------------------------------------------------------------------------

TEST(LineBreaker, SpacedHyphenStaysWithTheFollowingWord) {
  EXPECT_THAT(BreakTexts("aaaaaaa - bbb", 50), ElementsAre("aaaaaaa", "- bbb"));
}

TEST(LineBreaker, SpacedEnOrEmDashStaysWithTheWordBefore) {
  // "Red – Increasing" in a narrow status column: never "Red" / "– Increasing".
  EXPECT_THAT(BreakTexts("aaaaaaa \xE2\x80\x93 bbb", 50),
              ElementsAre("aaaaaaa \xE2\x80\x93", "bbb"));
  EXPECT_THAT(BreakTexts("Red \xE2\x80\x93 Increasing", 50),
              ElementsAre("Red \xE2\x80\x93", "Increasing"));
  EXPECT_THAT(BreakTexts("aa bbb \xE2\x80\x94 cc", 40), ElementsAre("aa bbb \xE2\x80\x94", "cc"));
}

TEST(LineBreaker, NoLineEndsWithASpacedHyphenOrStartsWithASpacedLongDashAtAnyWidth) {
  const std::string text =
      "service - Operation alpha \xE2\x80\x93 beta gamma - delta epsilon \xE2\x80\x94 zeta "
      "eta - theta iota kappa - lambda";
  for (int w = 50; w <= 400; ++w) {
    for (const std::string& line : WholeWordLines(text, w)) {
      EXPECT_FALSE(line.ends_with(" -")) << "width " << w << ": \"" << line << "\"";
      EXPECT_FALSE(line.starts_with("\xE2\x80\x93") || line.starts_with("\xE2\x80\x94"))
          << "width " << w << ": \"" << line << "\"";
    }
  }
}

TEST(LineBreaker, SpacedDashBeforeAWordLongerThanTheLineIsNotLeftAtTheLineEnd) {
  // The word after the dash is longer than a line, so it is cut between
  // characters; the dash must still not end a line on its own.
  const std::vector<std::string> lines = WholeWordLines("aaaaaaa - bbbbbbbbbbbbbbbbbbbb", 50);
  for (const std::string& line : lines) EXPECT_FALSE(EndsWithDash(line)) << "\"" << line << "\"";
}

TEST(LineBreaker, SpacedDashWithDoubleSpaceIsNotLeftAtTheLineEnd) {
  const std::vector<std::string> lines = WholeWordLines("aaaaaa -  bbbbbbb", 50);
  for (const std::string& line : lines) EXPECT_FALSE(EndsWithDash(line)) << "\"" << line << "\"";
}

// ---- Forced breaks and invisible characters --------------------------------------

TEST(LineBreaker, NewlineForcesABreak) {
  EXPECT_THAT(BreakTexts("ab\ncd", 200), ElementsAre("ab", "cd"));
  EXPECT_THAT(BreakTexts("ab\n\ncd", 200), ElementsAre("ab", "", "cd"));
  const std::vector<Line> lines = Break("ab \n  cd", 200);
  EXPECT_THAT(test::LineTexts(lines), ElementsAre("ab", "cd"));
  EXPECT_THAT(Widths(lines), ElementsAre(10, 10));
  EXPECT_EQ(lines[1].pieces[0].x, 0);
}

TEST(LineBreaker, SoftHyphenIsNotDrawn) {
  const std::vector<Line> lines = Break("ab\xC2\xAD" "cd", 200);
  EXPECT_THAT(test::LineTexts(lines), ElementsAre("abcd"));
  EXPECT_THAT(Widths(lines), ElementsAre(20));
  EXPECT_EQ(MeasureText("ab\xC2\xAD" "cd", Style::kRegular, *test::FakeFonts(), 10), 20);
}

// "aaa " (4) + "bbbb-" (5) fits 10 characters: the word breaks at its soft
// hyphen, which is drawn there as "-"; without it the word moves whole.
TEST(LineBreaker, SoftHyphenIsABreakDrawnAsAHyphen) {
  const std::vector<Line> lines = Break("aaa bbbb\xC2\xAD" "cccc", 50);
  EXPECT_THAT(test::LineTexts(lines), ElementsAre("aaa bbbb-", "cccc"));
  EXPECT_THAT(Widths(lines), ElementsAre(45, 20));
  EXPECT_THAT(BreakTexts("aaa bbbbcccc", 50), ElementsAre("aaa", "bbbbcccc"));
}

TEST(LineBreaker, SoftHyphenBreakNeedsRoomForItsHyphen) {
  // "aaaaa " (6) + "bbbb" (4) would fit, "bbbb-" (5) does not.
  EXPECT_THAT(BreakTexts("aaaaa bbbb\xC2\xAD" "cc", 50), ElementsAre("aaaaa", "bbbbcc"));
}

TEST(LineBreaker, WordLongerThanALineBreaksAtItsSoftHyphens) {
  // 16 letters, 6 per line; soft hyphens after in|com|pre|hen|si|ble.
  const std::vector<std::string> lines =
      BreakTexts("in\xC2\xAD" "com\xC2\xAD" "pre\xC2\xAD" "hen\xC2\xAD" "si\xC2\xAD" "ble", 30);
  EXPECT_THAT(lines, ElementsAre("incom-", "pre-", "hensi-", "ble"));
}

TEST(LineBreaker, WordLongerThanALineAfterOtherWordsBreaksAtASoftHyphen) {
  // 9 characters a line. "and " leaves 5: "Donau-" does not fit there, so
  // the word starts a fresh line and breaks at its soft hyphens, never
  // between letters.
  EXPECT_THAT(BreakTexts("and Donau\xC2\xAD" "dampf\xC2\xAD" "schiff", 45),
              ElementsAre("and", "Donau-", "dampf-", "schiff"));
  // With room for "Donau-" it fills the first line.
  EXPECT_THAT(BreakTexts("and Donau\xC2\xAD" "dampf\xC2\xAD" "schiff", 50),
              ElementsAre("and Donau-", "dampf-", "schiff"));
}

TEST(LineBreaker, SoftHyphensNeverOverflowAndKeepEveryLetter) {
  const std::string word = "ex\xC2\xAD" "tra\xC2\xAD" "or\xC2\xAD" "di\xC2\xAD" "nar\xC2\xAD" "i\xC2\xAD" "ly";
  const std::string text = "an " + word + " long " + word + " text";
  for (int w = 25; w <= 200; ++w) {
    std::string letters;
    for (const Line& line : Break(text, w)) {
      EXPECT_TRUE(Fits(line.width, w)) << "width " << w;
      std::string t = test::LineTexts({line})[0];
      if (t.ends_with("-")) t.pop_back();  // the drawn soft hyphen
      letters += t;
    }
    std::erase(letters, ' ');
    EXPECT_EQ(letters, "anextraordinarilylongextraordinarilytext") << "width " << w;
  }
}

TEST(LineBreaker, NoBreakSpaceKeepsWordsTogether) {
  // "aaaa " (5) + "bb cc" (5) does not fit 8: "bb cc" moves whole.
  EXPECT_THAT(BreakTexts("aaaa bb\xC2\xA0" "cc", 40), ElementsAre("aaaa", "bb\xC2\xA0" "cc"));
  EXPECT_THAT(BreakTexts("aaaa bb cc", 40), ElementsAre("aaaa bb", "cc"));
}

TEST(LineBreaker, ZeroWidthSpaceBreaksAShortWordThatDoesNotFit) {
  // 14 + 1 + 3 = 18 of 20 characters: the word breaks at its U+200B even
  // though it is short (under a third of the line), and nothing is drawn.
  EXPECT_THAT(BreakTexts("aaaaaaaaaaaaaa bbb\xE2\x80\x8B" "ccc", 100),
              ElementsAre("aaaaaaaaaaaaaa bbb", "ccc"));
}

TEST(LineBreaker, EmptyInputGivesOneEmptyLine) {
  for (const std::vector<Line>& lines :
       {BreakLines({}, *test::FakeFonts(), 10, 50), Break("", 50), Break("   ", 50)}) {
    ASSERT_THAT(lines, SizeIs(1));
    EXPECT_THAT(lines[0].pieces, IsEmpty());
    EXPECT_EQ(lines[0].width, 0);
  }
}

// ---- Pieces and faces --------------------------------------------------------------

TEST(LineBreaker, PiecesMergeAcrossSpansWithTheSameFaceAndTag) {
  const std::vector<Span> same = {{"ab ", Style::kRegular, 3}, {"cd", Style::kRegular, 3}};
  const std::vector<Line> lines = BreakLines(same, *test::FakeFonts(), 10, 200);
  ASSERT_THAT(lines, SizeIs(1));
  ASSERT_THAT(lines[0].pieces, SizeIs(1));
  EXPECT_EQ(lines[0].pieces[0].text, "ab cd");
  EXPECT_EQ(lines[0].pieces[0].tag, 3);
  EXPECT_EQ(lines[0].pieces[0].width, 25);
}

TEST(LineBreaker, PiecesSplitWhereTheTagChanges) {
  const std::vector<Span> spans = {{"ab", Style::kRegular, 0}, {"cd", Style::kRegular, 1}};
  const std::vector<Line> lines = BreakLines(spans, *test::FakeFonts(), 10, 200);
  ASSERT_THAT(lines, SizeIs(1));
  ASSERT_THAT(lines[0].pieces, SizeIs(2));
  const Piece& a = lines[0].pieces[0];
  const Piece& b = lines[0].pieces[1];
  EXPECT_EQ(a.text, "ab");
  EXPECT_EQ(a.tag, 0);
  EXPECT_EQ(a.x, 0);
  EXPECT_EQ(a.width, 10);
  EXPECT_EQ(b.text, "cd");
  EXPECT_EQ(b.tag, 1);
  EXPECT_EQ(b.x, 10);
  EXPECT_EQ(b.width, 10);
  EXPECT_EQ(lines[0].width, 20);
}

TEST(LineBreaker, MixedStylesKeepTheirFacePerPiece) {
  const std::vector<Span> spans = {{"ab ", Style::kRegular},
                                   {"cd", Style::kBold},
                                   {" ef", Style::kItalic},
                                   {"gh", Style::kBoldItalic}};
  const std::vector<Line> lines = BreakLines(spans, *test::FakeFonts(), 10, 200);
  ASSERT_THAT(lines, SizeIs(1));
  const std::vector<Piece>& p = lines[0].pieces;
  ASSERT_THAT(p, SizeIs(4));
  EXPECT_EQ(p[0].text, "ab ");
  EXPECT_EQ(p[0].face, FaceId(Family::kPanelSans, Style::kRegular));
  EXPECT_EQ(p[1].text, "cd");
  EXPECT_EQ(p[1].face, FaceId(Family::kPanelSans, Style::kBold));
  EXPECT_EQ(p[2].text, " ef");
  EXPECT_EQ(p[2].face, FaceId(Family::kPanelSans, Style::kItalic));
  EXPECT_EQ(p[3].text, "gh");
  EXPECT_EQ(p[3].face, FaceId(Family::kPanelSans, Style::kBoldItalic));
  EXPECT_EQ(p[0].x, 0);
  EXPECT_EQ(p[1].x, 15);
  EXPECT_EQ(p[2].x, 25);
  EXPECT_EQ(p[3].x, 40);
  EXPECT_EQ(lines[0].width, 50);
}

TEST(LineBreaker, StylesSurviveALineBreak) {
  const std::vector<Span> spans = {
      {"aaaa ", Style::kRegular}, {"bbbb", Style::kBold}, {" cccc", Style::kRegular}};
  const std::vector<Line> lines = BreakLines(spans, *test::FakeFonts(), 10, 50);
  ASSERT_THAT(lines, SizeIs(2));
  ASSERT_THAT(lines[0].pieces, SizeIs(2));
  EXPECT_EQ(lines[0].pieces[0].text, "aaaa ");
  EXPECT_EQ(lines[0].pieces[1].text, "bbbb");
  EXPECT_EQ(lines[0].pieces[1].face, FaceId(Family::kPanelSans, Style::kBold));
  ASSERT_THAT(lines[1].pieces, SizeIs(1));
  EXPECT_EQ(lines[1].pieces[0].text, "cccc");
  EXPECT_EQ(lines[1].pieces[0].face, kRegular);
  EXPECT_EQ(lines[1].pieces[0].x, 0);
}

TEST(LineBreaker, FallbackFacesAppearMidWord) {
  // U+0100 only in Liberation, U+2192 only in DejaVu.
  const std::vector<Span> spans = {{"a\xC4\x80" "b\xE2\x86\x92" "c", Style::kBold}};
  const std::vector<Line> lines = BreakLines(spans, *test::FakeFontsWithFallback(), 10, 200);
  ASSERT_THAT(lines, SizeIs(1));
  const std::vector<Piece>& p = lines[0].pieces;
  ASSERT_THAT(p, SizeIs(5));
  EXPECT_EQ(p[0].face, FaceId(Family::kPanelSans, Style::kBold));
  EXPECT_EQ(p[1].face, FaceId(Family::kLiberation, Style::kBold));
  EXPECT_EQ(p[1].text, "\xC4\x80");
  EXPECT_EQ(p[2].face, FaceId(Family::kPanelSans, Style::kBold));
  EXPECT_EQ(p[3].face, FaceId(Family::kDejaVu, Style::kBold));
  EXPECT_EQ(p[3].text, "\xE2\x86\x92");
  EXPECT_EQ(p[4].face, FaceId(Family::kPanelSans, Style::kBold));
  for (size_t i = 0; i < p.size(); ++i) {
    EXPECT_EQ(p[i].x, 5.0 * static_cast<double>(i));
    EXPECT_EQ(p[i].width, 5);
  }
}

// ---- Properties over random text ---------------------------------------------------

// Random words of 1..30 letters with occasional hyphens and slashes, joined
// by one or two spaces.
std::string RandomText(std::mt19937& rng) {
  std::uniform_int_distribution<int> words(1, 40), len(1, 30), letter(0, 25), pick(0, 19);
  std::string out;
  const int n = words(rng);
  for (int w = 0; w < n; ++w) {
    if (w > 0) out += pick(rng) == 0 ? "  " : " ";
    const int l = len(rng);
    for (int i = 0; i < l; ++i) {
      const int p = pick(rng);
      if (i > 0 && i + 1 < l && p == 0) {
        out += '-';
      } else if (i > 0 && i + 1 < l && p == 1) {
        out += '/';
      } else {
        out += static_cast<char>('a' + letter(rng));
      }
    }
  }
  return out;
}

std::string WithoutSpaces(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\n') out += c;
  }
  return out;
}

TEST(LineBreaker, RandomTextKeepsEveryCharacterAndFitsTheWidth) {
  for (int seed = 1; seed <= 200; ++seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    const std::string text = RandomText(rng);
    const double width = std::uniform_int_distribution<int>(10, 300)(rng);
    const std::vector<Line> lines = Break(text, width);
    std::string joined;
    for (const Line& l : lines) {
      const std::string t = test::LineText(l);
      EXPECT_TRUE(Fits(l.width, width)) << "seed " << seed << ": \"" << t << "\"";
      EXPECT_FALSE(t.starts_with(" ")) << "seed " << seed;
      EXPECT_FALSE(t.ends_with(" ")) << "seed " << seed;
      EXPECT_DOUBLE_EQ(l.width, 5.0 * static_cast<double>(t.size())) << "seed " << seed;
      // A line cut inside a word ends with a drawn hyphen, not in the text.
      EXPECT_TRUE(l.broke_word || !l.hyphen) << "seed " << seed;
      if (l.hyphen) {
        EXPECT_TRUE(t.ends_with("-")) << "seed " << seed << ": \"" << t << "\"";
        joined += t.substr(0, t.size() - 1);
      } else {
        joined += t;
      }
    }
    EXPECT_EQ(WithoutSpaces(joined), WithoutSpaces(text)) << "seed " << seed;
  }
}

// ---- SetLine and MeasureText -----------------------------------------------------------

TEST(SetLine, NeverBreaks) {
  const std::string text(300, 'x');
  const Span span{text, Style::kRegular, -1};
  const Line line = SetLine({&span, 1}, *test::FakeFonts(), 10);
  EXPECT_EQ(test::LineText(line), text);
  EXPECT_EQ(line.width, 1500);
}

TEST(SetLine, NewlineContinuesOnTheSameLineAfterASpace) {
  const Span span{"ab\ncd", Style::kRegular, -1};
  const Line line = SetLine({&span, 1}, *test::FakeFonts(), 10);
  ASSERT_THAT(line.pieces, SizeIs(2));
  EXPECT_EQ(line.pieces[0].text, "ab");
  EXPECT_EQ(line.pieces[0].x, 0);
  EXPECT_EQ(line.pieces[1].text, "cd");
  EXPECT_EQ(line.pieces[1].x, 15);
  EXPECT_EQ(line.width, 25);
}

TEST(MeasureText, SumsAdvancesAtTheGivenSize) {
  const FontSet& fonts = *test::FakeFonts();
  EXPECT_EQ(MeasureText("Hello world", Style::kRegular, fonts, 10), 55);
  EXPECT_EQ(MeasureText("Hello world", Style::kBold, fonts, 12), 66);
  EXPECT_EQ(MeasureText("", Style::kRegular, fonts, 12), 0);
  EXPECT_EQ(MeasureText("a\nb\xE2\x80\x8B" "c", Style::kRegular, fonts, 10), 15);
}

}  // namespace
}  // namespace pp::text

namespace pp::text {
namespace {

// Breaking is linear in the word's length (running widths, binary search):
// a 2,000,000-character word breaks in well under a second. A quadratic
// breaker would take hours and time the test out.
TEST(LineBreaker, AVeryLongWordBreaksInLinearTime) {
  const std::string word(2'000'000, 'x');
  const Span span{word, Style::kRegular, -1};
  // Fake metrics: 5 pt per character at 10 pt; 99 characters and a hyphen
  // per 500 pt line, 2 left for the last.
  const std::vector<Line> lines = BreakLines({&span, 1}, *test::FakeFonts(), 10, 500);
  ASSERT_EQ(lines.size(), 20'203u);
  EXPECT_EQ(lines.front().pieces.front().text.size(), 100u);
  EXPECT_EQ(lines.back().pieces.front().text.size(), 2u);
}

}  // namespace
}  // namespace pp::text
