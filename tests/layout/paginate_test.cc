// Contract tests of renderers/layout/paginate (Fill, Paginate) on synthetic
// flowables: blocks of N fixed lines 10 pt apart on 100 pt pages, so a page
// holds exactly ten lines and every expected break is countable.
#include "renderers/layout/paginate.h"

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "renderers/common/field_error.h"
#include "renderers/layout/flow.h"
#include "tests/testing/builders.h"
#include "tests/testing/status_matchers.h"

namespace pp::layout {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// One placed TextBlock (or other flowable) as the test sees it.
struct Fragment {
  std::string path;
  int page = 0;
  double offset = 0;
  size_t lines = 0;  // TextBlock lines (0 for other flowables)
  size_t begin = 0;
};

std::vector<Fragment> Fragments(const std::vector<FillResult>& pages) {
  std::vector<Fragment> out;
  for (size_t p = 0; p < pages.size(); ++p) {
    for (const Placed& placed : pages[p].placed) {
      Fragment f{placed.flow->path, static_cast<int>(p), placed.offset, 0, 0};
      if (const TextBlock* tb = test::AsTextBlock(placed.flow)) {
        f.lines = tb->end() - tb->begin();
        f.begin = tb->begin();
      }
      out.push_back(f);
    }
  }
  return out;
}

std::vector<Fragment> FragmentsOf(const std::vector<Fragment>& all, const std::string& path) {
  std::vector<Fragment> out;
  for (const Fragment& f : all) {
    if (f.path == path) out.push_back(f);
  }
  return out;
}

std::vector<size_t> LineCounts(const std::vector<Fragment>& fragments) {
  std::vector<size_t> out;
  for (const Fragment& f : fragments) out.push_back(f.lines);
  return out;
}

PaginateOptions PagesOf(double body_height, int max_pages = 500) {
  PaginateOptions o;
  o.body_height = body_height;
  o.max_pages = max_pages;
  return o;
}

// Paginates and fails the test on error.
std::vector<FillResult> MustPaginate(std::vector<FlowPtr> flows, const PaginateOptions& options) {
  absl::StatusOr<std::vector<FillResult>> pages = Paginate(std::move(flows), options);
  EXPECT_THAT(pages.status(), test::IsOk());
  return pages.ok() ? *std::move(pages) : std::vector<FillResult>{};
}

// A filler of `lines` lines (nothing when 0) followed by `rest`.
std::vector<FlowPtr> AfterFiller(int lines, std::vector<FlowPtr> rest) {
  std::vector<FlowPtr> flows;
  if (lines > 0) flows.push_back(test::Lines(lines, 10, false, "filler"));
  for (FlowPtr& f : rest) flows.push_back(std::move(f));
  return flows;
}

// The paths of the last flowable on each page but the last page.
std::vector<std::string> LastOnEachFullPage(const std::vector<FillResult>& pages) {
  std::vector<std::string> out;
  for (size_t p = 0; p + 1 < pages.size(); ++p) out.push_back(pages[p].placed.back().flow->path);
  return out;
}

// ---- Fill and the gap rule ----------------------------------------------------

TEST(Fill, PlacesFlowablesWithTheLargerOfTheTwoSpaces) {
  auto a = test::Lines(2, 10, false, "a");
  a->space_after = 6;
  auto b = test::Lines(2, 10, false, "b");
  b->space_before = 10;
  b->space_after = 3;
  auto c = test::Lines(1, 10, false, "c");
  c->space_before = 2;
  std::deque<FlowPtr> queue = {a, b, c};
  const FillResult r = Fill(&queue, 100, /*fresh=*/true);
  ASSERT_THAT(r.placed, SizeIs(3));
  EXPECT_EQ(r.placed[0].offset, 0);
  EXPECT_EQ(r.placed[1].offset, 20 + 10);  // max(6, 10)
  EXPECT_EQ(r.placed[2].offset, 50 + 3);   // max(3, 2)
  EXPECT_EQ(r.used, 63);
  EXPECT_TRUE(queue.empty());
}

TEST(Fill, AfterAKeepWithNextFlowableItsSpaceAfterDecides) {
  auto heading = test::Lines(1, 10, /*keep_with_next=*/true, "h");
  heading->space_after = 4;
  auto para = test::Lines(2, 10, false, "p");
  para->space_before = 10;
  std::deque<FlowPtr> queue = {heading, para};
  const FillResult r = Fill(&queue, 100, true);
  ASSERT_THAT(r.placed, SizeIs(2));
  EXPECT_EQ(r.placed[1].offset, 10 + 4);
}

TEST(Fill, NoGapAtTheTopOfARegion) {
  auto para = test::Lines(2, 10, false, "p");
  para->space_before = 20;
  std::deque<FlowPtr> queue = {para};
  const FillResult r = Fill(&queue, 100, true);
  ASSERT_THAT(r.placed, SizeIs(1));
  EXPECT_EQ(r.placed[0].offset, 0);
  EXPECT_EQ(r.used, 20);
}

TEST(Paginate, NoGapAtTheTopOfTheNextPage) {
  auto para = test::Lines(2, 10, false, "p");
  para->space_before = 8;
  const std::vector<Fragment> f =
      Fragments(MustPaginate(AfterFiller(10, {para}), PagesOf(100)));
  ASSERT_THAT(FragmentsOf(f, "p"), SizeIs(1));
  EXPECT_EQ(FragmentsOf(f, "p")[0].page, 1);
  EXPECT_EQ(FragmentsOf(f, "p")[0].offset, 0);
}

TEST(Fill, LeavesTheTailOfASplitAtTheFrontOfTheQueue) {
  auto filler = test::Lines(4, 10, false, "filler");
  auto para = test::Lines(8, 10, false, "p");
  auto next = test::Lines(1, 10, false, "next");
  std::deque<FlowPtr> queue = {filler, para, next};
  const FillResult r = Fill(&queue, 100, /*fresh=*/false);
  ASSERT_THAT(r.placed, SizeIs(2));
  EXPECT_EQ(test::AsTextBlock(r.placed[1].flow)->end(), 6u);
  ASSERT_THAT(queue, SizeIs(2));
  EXPECT_EQ(queue[0]->path, "p");
  EXPECT_EQ(test::AsTextBlock(queue[0])->begin(), 6u);
  EXPECT_EQ(queue[1]->path, "next");
  EXPECT_EQ(r.used, 100);
}

TEST(Fill, DoesNothingWhenTheFirstFlowableCannotStartHere) {
  auto para = test::Lines(3, 10, false, "p");
  std::deque<FlowPtr> queue = {para};
  const FillResult r = Fill(&queue, 25, /*fresh=*/false);
  EXPECT_THAT(r.placed, SizeIs(0));
  EXPECT_EQ(r.used, 0);
  ASSERT_THAT(queue, SizeIs(1));
  EXPECT_EQ(queue[0], para);
}

// ---- Widows and orphans ---------------------------------------------------------

TEST(Paginate, ThreeLineParagraphNeverSplits) {
  for (int filler = 0; filler <= 10; ++filler) {
    const std::vector<Fragment> f = Fragments(
        MustPaginate(AfterFiller(filler, {test::Lines(3, 10, false, "p")}), PagesOf(100)));
    EXPECT_THAT(LineCounts(FragmentsOf(f, "p")), ElementsAre(3)) << "filler " << filler;
  }
}

TEST(Paginate, FiveLineParagraphSplitsTwoThreeOrThreeTwo) {
  // Lines of filler before it -> the paragraph's fragments.
  const std::map<int, std::vector<size_t>> expected = {
      {0, {5}},    {3, {5}},    {5, {5}},  // fits
      {6, {3, 2}},                         // 4 would fit: keep 2 for the next page
      {7, {3, 2}},                         //
      {8, {2, 3}},                         //
      {9, {5}},    {10, {5}},              // 1 line or none: move whole
  };
  for (const auto& [filler, counts] : expected) {
    const std::vector<Fragment> f = Fragments(
        MustPaginate(AfterFiller(filler, {test::Lines(5, 10, false, "p")}), PagesOf(100)));
    EXPECT_EQ(LineCounts(FragmentsOf(f, "p")), counts) << "filler " << filler;
  }
}

TEST(Paginate, FiveLineParagraphNeverLeavesOneLineAlone) {
  for (int filler = 0; filler <= 10; ++filler) {
    for (double leading : {10.0, 9.7, 12.3}) {
      const std::vector<Fragment> f = Fragments(MustPaginate(
          AfterFiller(filler, {test::Lines(5, leading, false, "p")}), PagesOf(100)));
      for (const Fragment& p : FragmentsOf(f, "p")) {
        EXPECT_GE(p.lines, 2u) << "filler " << filler << ", leading " << leading;
      }
    }
  }
}

TEST(Paginate, ParagraphLongerThanAPageKeepsTwoLinesOnEachPage) {
  // A paragraph that starts at the top of a page and runs over: an
  // acceptable split (9 + 2 for 11 lines) exists, so widows are still kept.
  for (int n = 11; n <= 35; ++n) {
    const std::vector<Fragment> f =
        Fragments(MustPaginate({test::Lines(n, 10, false, "p")}, PagesOf(100)));
    size_t total = 0;
    for (const Fragment& p : f) {
      EXPECT_GE(p.lines, 2u) << n << " lines: fragment from line " << p.begin << " on page "
                             << p.page;
      total += p.lines;
    }
    EXPECT_EQ(total, static_cast<size_t>(n));
  }
}

// ---- Keep with next ------------------------------------------------------------

TEST(Paginate, HeadingMovesWithTwoLinesOfItsParagraph) {
  // Solid fillers of every height 1..100 pt before "heading + paragraph".
  for (int filler = 1; filler <= 100; ++filler) {
    auto heading = test::Lines(1, 10, true, "h");
    heading->space_before = 14;
    heading->space_after = 6;
    auto para = test::Lines(5, 10, false, "p");
    para->space_before = 8;
    const std::vector<FillResult> pages =
        MustPaginate({test::Solid(filler, "filler"), heading, para}, PagesOf(100));
    const std::vector<Fragment> f = Fragments(pages);
    ASSERT_THAT(FragmentsOf(f, "h"), SizeIs(1));
    const Fragment h = FragmentsOf(f, "h")[0];
    const Fragment p = FragmentsOf(f, "p")[0];
    EXPECT_EQ(p.page, h.page) << "filler " << filler;
    EXPECT_GE(p.lines, 2u) << "filler " << filler;
    for (const std::string& last : LastOnEachFullPage(pages)) {
      EXPECT_NE(last, "h") << "filler " << filler;
    }
  }
}

// A list's lead-in ("... as follows:"): keep_with_next with keep_splits.
std::shared_ptr<TextBlock> LeadIn(int lines) {
  auto b = test::Lines(lines, 10, true, "lead");
  b->keep_splits = true;
  b->space_before = 8;
  b->space_after = 8;
  return b;
}

TEST(Paginate, ALeadInIsNeverLastOnAPageWithoutItsListsFirstItem) {
  // Solid fillers of every height before "lead-in (1..6 lines) + item +
  // item": the lead-in's end shares a page with the first item; one that can split
  // leaves at least two of its lines with the first item, and one that
  // cannot moves whole.
  for (int lines = 1; lines <= 6; ++lines) {
    for (int filler = 1; filler <= 100; ++filler) {
      const std::string where = absl::StrCat(lines, " lines, filler ", filler);
      auto item0 = test::Lines(2, 10, false, "item0");
      item0->space_before = 3;
      auto item1 = test::Lines(2, 10, false, "item1");
      const std::vector<FillResult> pages =
          MustPaginate({test::Solid(filler, "filler"), LeadIn(lines), item0, item1}, PagesOf(100));
      const std::vector<Fragment> f = Fragments(pages);
      const std::vector<Fragment> lead = FragmentsOf(f, "lead");
      const Fragment first_item = FragmentsOf(f, "item0")[0];
      ASSERT_FALSE(lead.empty()) << where;
      EXPECT_EQ(lead.back().page, first_item.page) << where;
      if (lead.size() > 1) {
        EXPECT_GE(lead.back().lines, 2u) << where;
        EXPECT_GE(lead.front().lines, 2u) << where;
      }
    }
  }
}

TEST(Paginate, ALeadInThatFitsSplitsRatherThanMovingWhole) {
  // 60 pt of filler, a 4-line lead-in (ends at 100) and an item: the
  // lead-in's last two lines go on with the item, its first two stay.
  auto item = test::Lines(2, 10, false, "item");
  const std::vector<FillResult> pages =
      MustPaginate({test::Solid(52, "filler"), LeadIn(4), item}, PagesOf(100));
  const std::vector<Fragment> lead = FragmentsOf(Fragments(pages), "lead");
  ASSERT_THAT(lead, SizeIs(2));
  EXPECT_EQ(lead[0].page, 0);
  EXPECT_THAT(LineCounts(lead), ElementsAre(2, 2));
}

TEST(Paginate, AHeadingBeforeALeadInNeedsOnlyTheLeadInsFirstLines) {
  // Heading + 6-line lead-in + item: the heading stays with two lines of
  // the lead-in, as before a paragraph; it is never last on a page.
  for (int filler = 1; filler <= 100; ++filler) {
    auto heading = test::Lines(1, 10, true, "h");
    heading->space_after = 6;
    auto item = test::Lines(2, 10, false, "item");
    const std::vector<FillResult> pages =
        MustPaginate({test::Solid(filler, "filler"), heading, LeadIn(6), item}, PagesOf(100));
    const std::vector<Fragment> f = Fragments(pages);
    EXPECT_EQ(FragmentsOf(f, "h")[0].page, FragmentsOf(f, "lead")[0].page) << filler;
    EXPECT_EQ(FragmentsOf(f, "lead").back().page, FragmentsOf(f, "item")[0].page) << filler;
    for (const std::string& last : LastOnEachFullPage(pages)) {
      EXPECT_NE(last, "h") << filler;
    }
  }
}

TEST(Paginate, ChainOfKeepWithNextMovesTogether) {
  for (int filler = 1; filler <= 100; ++filler) {
    for (int para_lines : {3, 5, 8}) {
      auto h1 = test::Lines(1, 10, true, "h1");
      h1->space_before = 14;
      h1->space_after = 6;
      auto h2 = test::Lines(2, 10, true, "h2");
      h2->space_before = 10;
      h2->space_after = 4;
      auto para = test::Lines(para_lines, 10, false, "p");
      para->space_before = 8;
      const std::vector<FillResult> pages =
          MustPaginate({test::Solid(filler, "filler"), h1, h2, para}, PagesOf(100));
      const std::vector<Fragment> f = Fragments(pages);
      const std::string where = absl::StrCat("filler ", filler, ", paragraph of ", para_lines);
      ASSERT_THAT(FragmentsOf(f, "h1"), SizeIs(1)) << where;
      ASSERT_THAT(FragmentsOf(f, "h2"), SizeIs(1)) << where;
      const int page = FragmentsOf(f, "h1")[0].page;
      EXPECT_EQ(FragmentsOf(f, "h2")[0].page, page) << where;
      EXPECT_EQ(FragmentsOf(f, "p")[0].page, page) << where;
      EXPECT_GE(FragmentsOf(f, "p")[0].lines, std::min<size_t>(para_lines, 2)) << where;
      if (para_lines == 3) {
        EXPECT_EQ(FragmentsOf(f, "p")[0].lines, 3u) << where;
      }
      for (const std::string& last : LastOnEachFullPage(pages)) {
        EXPECT_NE(last, "h1") << where;
        EXPECT_NE(last, "h2") << where;
      }
    }
  }
}

TEST(Paginate, KeepWithNextAtTheEndOfTheDocumentIsPlaced) {
  const std::vector<Fragment> f = Fragments(
      MustPaginate({test::Lines(9, 10, false, "p"), test::Lines(1, 10, true, "h")}, PagesOf(100)));
  ASSERT_THAT(FragmentsOf(f, "h"), SizeIs(1));
  EXPECT_EQ(FragmentsOf(f, "h")[0].page, 0);
}

// ---- Progress --------------------------------------------------------------------

TEST(Paginate, ForcedSplitAtTheTopOfAnEmptyPageMakesProgress) {
  // A page holds one line: keep rules must give way.
  const std::vector<FillResult> pages =
      MustPaginate({test::Lines(30, 10, false, "p")}, PagesOf(15));
  EXPECT_THAT(pages, SizeIs(30));
  size_t total = 0;
  for (const Fragment& f : Fragments(pages)) total += f.lines;
  EXPECT_EQ(total, 30u);
}

TEST(Paginate, ThreeLinesOnPagesOfTwoLinesSplitTwoOne) {
  const std::vector<Fragment> f =
      Fragments(MustPaginate({test::Lines(3, 10, false, "p")}, PagesOf(25)));
  EXPECT_THAT(LineCounts(f), ElementsAre(2, 1));
}

TEST(Paginate, KeepWithNextChainLongerThanAPageStillPaginates) {
  std::vector<FlowPtr> flows;
  for (int i = 0; i < 25; ++i) flows.push_back(test::Lines(1, 10, true, absl::StrCat("h", i)));
  flows.push_back(test::Lines(5, 10, false, "p"));
  const std::vector<FillResult> pages = MustPaginate(flows, PagesOf(100));
  size_t total = 0;
  for (const Fragment& f : Fragments(pages)) total += f.lines;
  EXPECT_EQ(total, 30u);
  for (const FillResult& page : pages) EXPECT_FALSE(page.placed.empty());
}

// ---- Errors --------------------------------------------------------------------------

TEST(Paginate, UnsplittableContentTallerThanAPageIsInvalidArgumentNamingItsPath) {
  EXPECT_THAT(Paginate({test::Solid(150, "paper.sections[2].blocks[1]")}, PagesOf(100)).status(),
              test::StatusIs(absl::StatusCode::kInvalidArgument,
                             HasSubstr("paper.sections[2].blocks[1]")));
  // Also after other content, on a later page.
  EXPECT_THAT(Paginate({test::Lines(25, 10, false, "p"),
                        test::Solid(100.5, "paper.sections[0].blocks[7]")},
                       PagesOf(100))
                  .status(),
              test::StatusIs(absl::StatusCode::kInvalidArgument,
                             HasSubstr("paper.sections[0].blocks[7]")));
}

TEST(Paginate, LineTallerThanAPageIsInvalidArgumentNamingItsPath) {
  EXPECT_THAT(Paginate({test::Lines(2, 120, false, "paper.summary.body[0]")}, PagesOf(100)).status(),
              test::StatusIs(absl::StatusCode::kInvalidArgument,
                             HasSubstr("paper.summary.body[0]")));
}

TEST(Paginate, UnnamedContentIsReportedAtThePapersPath) {
  PaginateOptions o = PagesOf(100);
  o.path = "items[3].paper";
  const absl::Status s = Paginate({test::Solid(150)}, o).status();
  EXPECT_THAT(s, test::StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("items[3].paper: cannot be laid out")));
  EXPECT_EQ(GetFieldError(s), (FieldError{FieldError::Kind::kInvalid, "items[3].paper",
                                          "cannot be laid out even on an empty page"}));
}

// Layout's refusals carry the field error the service turns into
// google.rpc.BadRequest / QuotaFailure (renderers/common/field_error.h).
TEST(Paginate, RefusalsCarryTheFieldAndKind) {
  EXPECT_EQ(GetFieldError(Paginate({test::Lines(2, 120, false, "paper.summary.body[0]")},
                                   PagesOf(100))
                              .status()),
            (FieldError{FieldError::Kind::kInvalid, "paper.summary.body[0]",
                        "cannot be laid out even on an empty page"}));
  PaginateOptions o = PagesOf(100, /*max_pages=*/2);
  o.path = "render.paper";
  EXPECT_EQ(GetFieldError(Paginate({test::Lines(30, 10, false, "p")}, o).status()),
            (FieldError{FieldError::Kind::kQuota, "render.paper",
                        "the document needs more than 2 pages (the page limit)"}));
}

TEST(Paginate, MorePagesThanTheLimitIsResourceExhausted) {
  EXPECT_THAT(Paginate({test::Lines(30, 10, false, "p")}, PagesOf(100, /*max_pages=*/2)).status(),
              test::StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("2 pages")));
  EXPECT_THAT(Paginate({test::Lines(30, 10, false, "p")}, PagesOf(100, 3)).status(),
              test::IsOk());
}

TEST(Paginate, InterruptStopsPaginationWithItsStatus) {
  int calls = 0;
  PaginateOptions options = PagesOf(100);
  options.interrupt = [&calls]() -> absl::Status {
    return ++calls == 2 ? absl::CancelledError("client went away") : absl::OkStatus();
  };
  EXPECT_THAT(Paginate({test::Lines(50, 10, false, "p")}, options).status(),
              test::StatusIs(absl::StatusCode::kCancelled, HasSubstr("client went away")));
  EXPECT_EQ(calls, 2);
}

TEST(Paginate, InterruptIsPolledOncePerPage) {
  int calls = 0;
  PaginateOptions options = PagesOf(100);
  options.interrupt = [&calls] {
    ++calls;
    return absl::OkStatus();
  };
  EXPECT_THAT(Paginate({test::Lines(30, 10, false, "p")}, options).status(), test::IsOk());
  EXPECT_EQ(calls, 3);
  options.interrupt = [] { return absl::DeadlineExceededError("too slow"); };
  EXPECT_THAT(Paginate({test::Lines(30, 10, false, "p")}, options).status(),
              test::StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST(Paginate, NothingToPlaceGivesNoPages) {
  EXPECT_THAT(MustPaginate({}, PagesOf(100)), SizeIs(0));
}

// ---- BoxFlow ---------------------------------------------------------------------

TEST(BoxFlow, SplitsBetweenAndInsideChildrenAsClosedBoxes) {
  std::vector<FlowPtr> kids;
  for (int i = 0; i < 4; ++i) {
    auto k = test::Lines(5, 10, i == 0, absl::StrCat("k", i));
    k->space_before = 4;
    k->space_after = 4;
    kids.push_back(k);
  }
  auto box = std::make_shared<BoxFlow>(BoxFlow::Frame{200, 6, 0.75, {}}, kids);
  box->path = "paper.summary";
  const std::vector<FillResult> pages = MustPaginate({box}, PagesOf(100));
  ASSERT_GE(pages.size(), 2u);
  std::vector<std::string> lines;
  for (size_t p = 0; p < pages.size(); ++p) {
    Page page;
    DrawContext ctx{&page, static_cast<int>(p), nullptr};
    for (const Placed& placed : pages[p].placed) {
      EXPECT_TRUE(text::Fits(placed.offset + placed.flow->Height(), 100));
      placed.flow->Draw(ctx, 0, 100 - placed.offset);
    }
    EXPECT_THAT(page.frames, SizeIs(1)) << "page " << p;
    for (const TextItem& t : page.texts) {
      lines.push_back(t.text);
      EXPECT_GE(t.y, 0) << t.text;
    }
  }
  std::vector<std::string> expected;
  for (int i = 0; i < 4; ++i) {
    for (int l = 0; l < 5; ++l) expected.push_back(absl::StrCat("k", i, "#", l));
  }
  EXPECT_EQ(lines, expected);
}

}  // namespace
}  // namespace pp::layout
