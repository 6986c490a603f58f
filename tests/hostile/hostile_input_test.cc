// The hostile-input corpus (issue 6): requests a careless or malicious client
// could send, each driven in-process through the request converter (the
// service's validation) and the renderer with the real fonts, with its
// outcome asserted exactly:
//   * INVALID_ARGUMENT with the exact google.rpc.BadRequest field paths, or
//   * RESOURCE_EXHAUSTED with the exact google.rpc.QuotaFailure subjects, or
//     a renderer limit naming the page limit, or
//   * a correct render: a PDF that `qpdf --check` accepts;
// and never a crash, a hang (every case finishes well inside kBudget, also
// under AddressSanitizer) or unbounded memory. The service-level versions of
// a few of these (through gRPC) are in tests/e2e/service_test.py.
//
// The requests are built by tests/hostile/hostile_cases.h; the small ones are
// also fuzz seeds (tests/fuzz/corpus).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "renderers/common/field_error.h"
#include "renderers/renderer.h"
#include "renderers/text/font_set.h"
#include "service/request_converter.h"
#include "service/request_parser.h"
#include "service/word_guard.h"
#include "tests/hostile/hostile_cases.h"

namespace pp::hostile {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

// Wall-clock budget of any one case, generous enough for an ASan build on a
// loaded 2-core machine; a case near it is a performance bug.
constexpr double kBudgetSeconds = 60;

const text::FontSet& Fonts() {
  static const std::shared_ptr<const text::FontSet> fonts = [] {
    auto f = text::FontSet::Load(PP_FONTS_DIR);
    if (!f.ok()) {
      std::fprintf(stderr, "fonts: %s\n", f.status().ToString().c_str());
      std::abort();
    }
    return *std::move(f);
  }();
  return *fonts;
}

std::vector<std::string> BadRequestFields(const absl::Status& s) {
  std::vector<std::string> out;
  google::rpc::BadRequest br;
  if (auto p = s.GetPayload(service::kBadRequestTypeUrl); p && br.ParseFromString(std::string(*p))) {
    for (const auto& v : br.field_violations()) out.push_back(v.field());
  }
  return out;
}

std::vector<std::string> BadRequestDescriptions(const absl::Status& s) {
  std::vector<std::string> out;
  google::rpc::BadRequest br;
  if (auto p = s.GetPayload(service::kBadRequestTypeUrl); p && br.ParseFromString(std::string(*p))) {
    for (const auto& v : br.field_violations()) out.push_back(v.description());
  }
  return out;
}

std::vector<std::string> QuotaSubjects(const absl::Status& s) {
  std::vector<std::string> out;
  google::rpc::QuotaFailure qf;
  if (auto p = s.GetPayload(service::kQuotaFailureTypeUrl); p && qf.ParseFromString(std::string(*p))) {
    for (const auto& v : qf.violations()) out.push_back(v.subject());
  }
  return out;
}

struct Outcome {
  absl::Status status;              // of the first stage that refused, or OK
  std::string stage;                // "convert", "render" or "" (rendered)
  std::optional<RenderedPdf> pdf;   // when rendered
  double seconds = 0;
};

service::Limits DefaultLimits() { return service::Limits{}; }

// The service's steps in-process: conversion (+ the word guard when asked),
// then RenderPaper with the limits' page limit.
Outcome RunPaper(const pb::RenderPaperRequest& req, const service::Limits& limits = DefaultLimits(),
            bool word_guard = false) {
  const auto start = std::chrono::steady_clock::now();
  Outcome out;
  service::Violations v;
  service::RenderJob job;
  if (!req.has_paper()) {
    v.AddInvalid("paper", "required");
  } else {
    service::ConvertPaper(req.paper(), "paper", Fonts(), limits, &job.paper, &v);
  }
  if (word_guard) service::CheckWordLengths(req, service::kDefaultMaxWordChars, &v);
  if (!v.empty()) {
    out.status = v.ToStatus();
    out.stage = "convert";
  } else {
    RenderOptions options;
    options.max_pages = limits.max_pages;
    options.compress_content = !req.options().uncompressed();
    absl::StatusOr<RenderedPdf> pdf = RenderPaper(job.paper, Fonts(), options);
    if (pdf.ok()) {
      out.pdf = *std::move(pdf);
    } else {
      out.status = pdf.status();
      out.stage = "render";
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

Outcome RunPack(const pb::RenderAgendaPackRequest& req, const service::Limits& limits = DefaultLimits()) {
  const auto start = std::chrono::steady_clock::now();
  Outcome out;
  absl::StatusOr<service::PackJob> job = service::ConvertAgendaPackRequest(req, Fonts(), limits);
  if (!job.ok()) {
    out.status = job.status();
    out.stage = "convert";
  } else {
    PackOptions options;
    options.max_pages = limits.max_pack_pages;
    options.max_pages_per_paper = limits.max_pages;
    absl::StatusOr<RenderedPack> pack = RenderPack(job->pack, Fonts(), options);
    if (pack.ok()) {
      out.pdf = std::move(pack->pdf);
    } else {
      out.status = pack.status();
      out.stage = "render";
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

// `qpdf --check` on the bytes: exit status 0 and no warnings.
void ExpectQpdfCheckPasses(const std::string& pdf, const std::string& name) {
  const std::string qpdf = PP_QPDF;
  if (qpdf.empty()) {
    if (std::getenv("CI") != nullptr && std::string(std::getenv("CI")) == "true") {
      FAIL() << "qpdf not found (apt-get install qpdf)";
    }
    GTEST_SKIP() << "qpdf not found: PDF structure not checked";
  }
  const std::string path = ::testing::TempDir() + "hostile_" + name + ".pdf";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << pdf;
  const std::string command = qpdf + " --check '" + path + "' > '" + path + ".check' 2>&1";
  const int rc = std::system(command.c_str());
  std::ifstream in(path + ".check");
  const std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << "qpdf --check " << path << ":\n" << report;
  EXPECT_THAT(report, HasSubstr("No syntax or stream encoding errors found")) << path;
  std::remove(path.c_str());
  std::remove((path + ".check").c_str());
}

#define EXPECT_IN_BUDGET(outcome) \
  EXPECT_LT((outcome).seconds, kBudgetSeconds) << "took " << (outcome).seconds << " s"

// Expects a render; checks its PDF with qpdf.
void ExpectRendered(const Outcome& o, const std::string& name) {
  ASSERT_TRUE(o.pdf.has_value()) << name << ": " << o.stage << ": " << o.status;
  EXPECT_IN_BUDGET(o);
  EXPECT_GE(o.pdf->page_count, 1);
  ExpectQpdfCheckPasses(o.pdf->bytes, name);
}

// Expects INVALID_ARGUMENT from validation with exactly these field paths.
void ExpectInvalid(const Outcome& o, const std::vector<std::string>& fields) {
  EXPECT_EQ(o.stage, "convert");
  EXPECT_EQ(o.status.code(), absl::StatusCode::kInvalidArgument) << o.status;
  EXPECT_THAT(BadRequestFields(o.status), UnorderedElementsAreArray(fields)) << o.status;
  EXPECT_IN_BUDGET(o);
}

const char kRun0[] = "paper.sections[0].blocks[0].paragraph.runs[0].text";

// ---- characters --------------------------------------------------------------

TEST(HostileInput, ControlCharactersAreRefusedWithTheirCodePoint) {
  const struct {
    const char* text;
    const char* code_point;
  } kCases[] = {
      {"Bell \x07 rings", "U+0007"},   {"Escape \x1b[31m red", "U+001B"},
      {"Vertical tab\x0b here", "U+000B"}, {"Form feed \x0c here", "U+000C"},
      {"Delete \x7f me", "U+007F"},    {"Next line \xc2\x85 (C1)", "U+0085"},
      {"CSI \xc2\x9b (C1)", "U+009B"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.code_point);
    const Outcome o = RunPaper(TextRequest(c.text));
    ExpectInvalid(o, {kRun0});
    EXPECT_THAT(BadRequestDescriptions(o.status), ElementsAre(HasSubstr(c.code_point)));
  }
  // A NUL byte is a control character too (protobuf strings carry it).
  ExpectInvalid(RunPaper(TextRequest(std::string("NUL \0 byte", 10))), {kRun0});

  // Pasted text is normalised, not refused: TAB, CR LF and CR in a run;
  // outside run text a line break is one space.
  pb::RenderPaperRequest title = MinimalRequest();
  title.mutable_paper()->set_title("Two\r\nlines\tand a tab");
  ExpectRendered(RunPaper(title), "title_line_break");
  ExpectRendered(RunPaper(TextRequest("First line\nsecond line\n\n\nafter blank lines\n")), "newlines");
  ExpectRendered(RunPaper(TextRequest("Tab\there, CR LF\r\nlone CR\rend")), "pasted");
}

TEST(HostileInput, RightToLeftAndCombiningTextAreRefused) {
  const struct {
    const char* text;
    const char* expect;
  } kCases[] = {
      {"Shalom \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", "right to left"},      // Hebrew
      {"Salaam \xd8\xb3\xd9\x84\xd8\xa7\xd9\x85", "right to left"},      // Arabic
      {"Namaste \xe0\xa4\xa8\xe0\xa4\xae", "shaping"},                   // Devanagari
      {"Cafe\xcc\x81 (combining acute)", "precomposed"},                 // U+0301
      {"\xcc\x81 starts with a combining mark", "precomposed"},
      {"Override \xe2\x80\xae txet", "U+202E"},                          // RLO
      {"Mark \xe2\x80\x8f here", "U+200F"},                              // RLM
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.text);
    const Outcome o = RunPaper(TextRequest(c.text));
    ExpectInvalid(o, {kRun0});
    EXPECT_THAT(BadRequestDescriptions(o.status), ElementsAre(HasSubstr(c.expect)));
  }
  // The precomposed forms render.
  ExpectRendered(RunPaper(TextRequest("Caf\xc3\xa9, na\xc3\xafve, \xc3\x85ngstr\xc3\xb6m, "
                                 "\xce\xa9mega, \xd0\x96\xd1\x83\xd0\xba")),
                 "precomposed");
}

TEST(HostileInput, CharactersOutsideTheBasicMultilingualPlaneAreRefused) {
  const struct {
    const char* text;
    const char* code_point;
  } kCases[] = {
      {"Smile \xf0\x9f\x98\x80", "U+1F600"},          // emoji
      {"Linear B \xf0\x90\x80\x80", "U+10000"},       // the first astral character
      {"Last \xf4\x8f\xbf\xbf", "U+10FFFF"},          // the last code point
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.code_point);
    const Outcome o = RunPaper(TextRequest(c.text));
    ExpectInvalid(o, {kRun0});
    EXPECT_THAT(BadRequestDescriptions(o.status),
                ElementsAre(AllOf(HasSubstr(c.code_point), HasSubstr("Basic Multilingual Plane"))));
  }
  // Malformed UTF-8 (surrogates, past U+10FFFF, overlong, truncated) never
  // passes the converter (protobuf's parser refuses it even earlier).
  for (const char* bad : {"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "abc\xe2\x82", "\xff"}) {
    ExpectInvalid(RunPaper(TextRequest(bad)), {kRun0});
  }
}

TEST(HostileInput, ACharacterNoBundledFontHasIsRefused) {
  // Yi, CJK extension A (not in Droid Sans Fallback), private use.
  for (const char* text : {"Yi \xea\x80\x80", "Private use \xee\x80\x80", "Ext A \xe3\x90\x80"}) {
    SCOPED_TRACE(text);
    const Outcome o = RunPaper(TextRequest(text));
    ExpectInvalid(o, {kRun0});
    EXPECT_THAT(BadRequestDescriptions(o.status), ElementsAre(HasSubstr("not in any bundled font")));
  }
  // Characters only the fallback faces have render (Greek, Cyrillic from
  // Liberation Sans; arrows and box drawing from DejaVu Sans; kanji and
  // Hangul from Panel CJK).
  ExpectRendered(
      RunPaper(TextRequest("\xce\xb1\xce\xb2 \xd0\x96 \xe2\x86\x92 \xe2\x94\x80 \xe2\x82\xac "
                           "Kanji \xe4\xb8\x80 Hangul \xea\xb0\x80")),
      "fallback_faces");
}

TEST(HostileInput, ACharacterOnlyTheUprightFacesHaveRendersInEveryStyle) {
  // DejaVu Sans (Book) has Tifinagh, Ogham, U+FEFF and U+F000..U+F003, which
  // its oblique (and for the last, its bold) faces lack: validation accepts
  // them, so every style must draw them (found comparing the fonts' cmaps
  // with CheckText; the render used to fail with an INTERNAL libharu error).
  const std::string text =
      "Tifinagh \xe2\xb4\xb0\xe2\xb4\xb1, Ogham \xe1\x9a\x81, "
      "BOM [\xef\xbb\xbf], private use \xef\x80\x81, "
      "CJK (one upright face) \xe5\xbc\xa0\xe4\xbc\x9f \xea\xb9\x80";
  pb::RenderPaperRequest req = TextRequest(text);
  pb::Paragraph* p = req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph();
  for (const auto& [bold, italic] : {std::pair{true, false}, {false, true}, {true, true}}) {
    pb::Run* run = p->add_runs();
    run->set_text(" " + text);
    run->set_bold(bold);
    run->set_italic(italic);
  }
  req.mutable_paper()->mutable_sections(0)->set_heading("Heading " + text);  // bold
  ExpectRendered(RunPaper(req), "upright_only_characters");
}

// Reads a TrueType file's table directory: tag -> length.
std::map<std::string, uint32_t> TrueTypeTables(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto u16 = [&b](size_t at) { return static_cast<uint32_t>(static_cast<uint8_t>(b[at]) << 8 | static_cast<uint8_t>(b[at + 1])); };
  auto u32 = [&u16](size_t at) { return u16(at) << 16 | u16(at + 2); };
  std::map<std::string, uint32_t> tables;
  if (b.size() < 12) return tables;
  const uint32_t n = u16(4);
  for (uint32_t i = 0; i < n && 12 + 16 * (i + 1) <= b.size(); ++i) {
    tables[b.substr(12 + 16 * i, 4)] = u32(12 + 16 * i + 12);
  }
  return tables;
}

TEST(HostileInput, FontSubsetsOfAnySizeSave) {
  // libharu's TrueType subsetter failed to save (INTERNAL: "libharu error
  // 0x1033/0 in HPDF_SaveToStream") whenever the Panel Sans subset of a
  // document came to a multiple of 4 KiB, because the cut faces had no 'prep'
  // table and libharu seeks to the start of every table, even an empty one
  // at the very end of its 4 KiB-block stream. render_request_fuzzer found
  // this paper, whose characters made such a subset (fuzz corpus
  // render_request/regression-font-subset-of-4-kib); fonts/cut_fonts.py now
  // gives the cut faces placeholder 'cvt ', 'fpgm' and 'prep' tables.
  pb::RenderPaperRequest req = TextRequest("x");
  req.mutable_paper()->set_meeting_date("2019-01-08");
  req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()->add_runs()->set_text("t");
  ExpectRendered(RunPaper(req), "font_subset_of_4_kib");
  // No table libharu requires may be empty in a cut face, whatever the subset.
  for (const char* style : {"Regular", "Bold", "Italic", "BoldItalic"}) {
    const auto tables = TrueTypeTables(std::string(PP_FONTS_DIR) + "/PanelSans-" + style + ".ttf");
    for (const char* tag : {"OS/2", "cmap", "cvt ", "fpgm", "glyf", "head", "hhea", "hmtx", "loca",
                            "maxp", "name", "post", "prep"}) {
      EXPECT_GT(tables.count(tag) ? tables.at(tag) : 0u, 0u) << "PanelSans-" << style << " table " << tag;
    }
  }
}

// ---- sizes -------------------------------------------------------------------

TEST(HostileInput, TenMegabyteWord) {
  constexpr size_t kTenMb = 10'000'000;
  // One run: over the 1 MiB string limit (and the 8 MiB text limit).
  {
    const Outcome o = RunPaper(WordRequest(kTenMb, 1));
    EXPECT_EQ(o.status.code(), absl::StatusCode::kResourceExhausted) << o.status;
    EXPECT_THAT(QuotaSubjects(o.status), ElementsAre(kRun0, kRun0));
    EXPECT_IN_BUDGET(o);
  }
  // Ten runs of 1 MB (each under the string limit): the text limit is
  // crossed in the ninth run.
  {
    const Outcome o = RunPaper(WordRequest(kTenMb, 10));
    EXPECT_EQ(o.status.code(), absl::StatusCode::kResourceExhausted) << o.status;
    EXPECT_THAT(QuotaSubjects(o.status),
                ElementsAre("paper.sections[0].blocks[0].paragraph.runs[8].text"));
    EXPECT_IN_BUDGET(o);
  }
  // The service's word guard names the run where the word passes 5,000
  // characters (INVALID_ARGUMENT, alongside the text limit).
  {
    service::Limits limits;
    limits.max_total_text_bytes = 16 << 20;
    const Outcome o = RunPaper(WordRequest(kTenMb, 10), limits, /*word_guard=*/true);
    EXPECT_EQ(o.status.code(), absl::StatusCode::kInvalidArgument) << o.status;
    EXPECT_THAT(BadRequestFields(o.status), ElementsAre(kRun0));
    EXPECT_IN_BUDGET(o);
  }
  // Converter and renderer alone, with limits raised so the word gets
  // through: the line breaker breaks it between characters in linear time,
  // and the page limit stops it.
  {
    service::Limits limits;
    limits.max_string_bytes = 16 << 20;
    limits.max_total_text_bytes = 16 << 20;
    const Outcome o = RunPaper(WordRequest(kTenMb, 1), limits);
    EXPECT_EQ(o.stage, "render");
    EXPECT_EQ(o.status.code(), absl::StatusCode::kResourceExhausted) << o.status;
    EXPECT_THAT(std::string(o.status.message()), HasSubstr("more than 500 pages"));
    EXPECT_IN_BUDGET(o);
    std::printf("10 MB word, converter + renderer: %.2f s\n", o.seconds);
  }
  // A word of 100,000 characters (20 pages of it) renders correctly.
  {
    const Outcome o = RunPaper(WordRequest(100'000, 3));
    ExpectRendered(o, "long_word");
    EXPECT_GE(o.pdf->page_count, 10);
  }
}

TEST(HostileInput, HundredThousandBullets) {
  const pb::RenderPaperRequest req = BulletsRequest(100'000);
  // The block budget (20,000 blocks + items + rows + areas; the list's block
  // is the first) runs out at item 19,999.
  {
    const Outcome o = RunPaper(req);
    EXPECT_EQ(o.status.code(), absl::StatusCode::kResourceExhausted) << o.status;
    EXPECT_THAT(QuotaSubjects(o.status), ElementsAre("paper.sections[0].blocks[0].list.items[19999]"));
    EXPECT_IN_BUDGET(o);
  }
  // With the block budget raised, the page limit stops it.
  {
    service::Limits limits;
    limits.max_blocks = 200'000;
    const Outcome o = RunPaper(req, limits);
    EXPECT_EQ(o.stage, "render");
    EXPECT_EQ(o.status.code(), absl::StatusCode::kResourceExhausted) << o.status;
    EXPECT_THAT(std::string(o.status.message()), HasSubstr("more than 500 pages"));
    EXPECT_IN_BUDGET(o);
  }
  // 10,000 bullets fit in 500 pages and render.
  ExpectRendered(RunPaper(BulletsRequest(10'000)), "ten_thousand_bullets");
}

TEST(HostileInput, ListsNestedTenThousandDeep) {
  // On the heap and in a unique_ptr: protobuf frees nested messages
  // recursively, one stack frame per level.
  auto req = std::make_unique<pb::RenderPaperRequest>();
  BuildNestedLists(10'000, req.get());
  // The converter follows lists 6 levels deep and reports the 7th.
  std::string seventh = "paper.sections[0].blocks[0].list";
  for (int i = 1; i < 7; ++i) seventh += ".items[0].sublist";
  const Outcome o = RunPaper(*req);
  ExpectInvalid(o, {seventh});
  EXPECT_THAT(BadRequestDescriptions(o.status), ElementsAre(HasSubstr("at most 6 levels")));

  // As bytes (what panelpaperd receives), protobuf's parser stops at its
  // recursion limit and the service's parser names the field.
  std::string bytes;
  ASSERT_TRUE(req->SerializeToString(&bytes));
  pb::RenderPaperRequest parsed;
  google::protobuf::io::ArrayInputStream in(bytes.data(), static_cast<int>(bytes.size()));
  const absl::Status s = service::ParseRequest(&in, &parsed, [&] { return bytes; });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(BadRequestFields(s),
              ElementsAre(StartsWith("paper.sections[0].blocks[0].list.items[0].sublist.items[0]")));
  EXPECT_THAT(BadRequestDescriptions(s), ElementsAre(HasSubstr("nested more than 100 levels")));

  // Six levels (the limit) render.
  pb::RenderPaperRequest six;
  BuildNestedLists(6, &six);
  ExpectRendered(RunPaper(six), "six_levels");
}

TEST(HostileInput, TableCellTallerThanAPageSplitsBetweenLines) {
  const Outcome o = RunPaper(TallCellRequest(4000));  // ~6 pages of 10 pt text in one cell
  ExpectRendered(o, "tall_cell");
  EXPECT_GE(o.pdf->page_count, 4);
  // A row whose neighbouring cells are short.
  pb::RenderPaperRequest req = TallCellRequest(4000);
  pb::Table* table = req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_table();
  table->add_column_widths(1);
  for (pb::TableRow& row : *table->mutable_rows()) row.add_cells()->add_paragraphs()->add_runs()->set_text("Short");
  ExpectRendered(RunPaper(req), "tall_cell_beside_short");
}

TEST(HostileInput, ZeroColumnsAndTenThousandColumns) {
  ExpectInvalid(RunPaper(ColumnsRequest(0)), {"paper.sections[0].blocks[0].table.column_widths"});
  {
    const Outcome o = RunPaper(ColumnsRequest(10'000));
    ExpectInvalid(o, {"paper.sections[0].blocks[0].table.column_widths"});
    EXPECT_THAT(BadRequestDescriptions(o.status),
                ElementsAre("10000 columns; a table may have at most 50"));
  }
  // With the count limit raised, the converter still refuses columns too
  // narrow for their text (one em plus 8 pt of padding each), before layout.
  {
    service::Limits limits;
    limits.max_table_columns = 10'000;
    const Outcome o = RunPaper(ColumnsRequest(10'000), limits);
    ExpectInvalid(o, {"paper.sections[0].blocks[0].table.column_widths"});
    EXPECT_THAT(BadRequestDescriptions(o.status),
                ElementsAre(HasSubstr("10000 columns do not fit")));
  }
  // Within the count limit, at 10 pt the page holds 25 equal columns (467.7
  // pt of text width, 18 pt each): 26 to 50 are refused up front.
  for (int n : {26, 50}) {
    const Outcome o = RunPaper(ColumnsRequest(n));
    ExpectInvalid(o, {"paper.sections[0].blocks[0].table.column_widths"});
    EXPECT_THAT(BadRequestDescriptions(o.status), ElementsAre(HasSubstr("hold at most 25")));
  }
  ExpectRendered(RunPaper(ColumnsRequest(25)), "twenty_five_columns");
  ExpectRendered(RunPaper(ColumnsRequest(12)), "twelve_columns");
}

TEST(HostileInput, ColumnWidthsThatSumToZeroOrAreNegative) {
  const std::string w = "paper.sections[0].blocks[0].table.column_widths";
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  ExpectInvalid(RunPaper(WidthsRequest({0, 0})), {w + "[0]", w + "[1]"});
  ExpectInvalid(RunPaper(WidthsRequest({-1, 1})), {w + "[0]"});
  ExpectInvalid(RunPaper(WidthsRequest({2, -1, -1})), {w + "[1]", w + "[2]"});
  ExpectInvalid(RunPaper(WidthsRequest({-0.0, 1})), {w + "[0]"});
  ExpectInvalid(RunPaper(WidthsRequest({nan, 1})), {w + "[0]"});
  ExpectInvalid(RunPaper(WidthsRequest({inf, 1})), {w + "[0]"});
  ExpectInvalid(RunPaper(WidthsRequest({1, -inf})), {w + "[1]"});
  // Finite, positive widths whose sum overflows a double: shares 1:1.
  ExpectRendered(RunPaper(WidthsRequest({1e308, 1e308})), "huge_widths");
  ExpectRendered(RunPaper(WidthsRequest({std::numeric_limits<double>::max(), 1e308, 1e308})),
                 "max_widths");
  // Tiny but equal widths (denormals): shares 1:1.
  ExpectRendered(RunPaper(WidthsRequest({5e-324, 5e-324})), "denormal_widths");
  // A share so small its column would come out 0 pt wide: shares are
  // preferences, and layout widens the column to hold its words.
  ExpectRendered(RunPaper(WidthsRequest({1e-300, 1})), "tiny_share");
  ExpectRendered(RunPaper(WidthsRequest({1e-300, 1, 1e-300})), "two_tiny_shares");
}

// Refusals only layout can decide name their field (the service sends them
// as BadRequest / QuotaFailure), the pack's item included.
TEST(HostileInput, LayoutRefusalsNameTheirField) {
  {
    const Outcome o = RunPaper(TallHeaderRequest(100));
    EXPECT_EQ(o.stage, "render");
    EXPECT_EQ(o.status.code(), absl::StatusCode::kInvalidArgument) << o.status;
    ASSERT_TRUE(GetFieldError(o.status)) << o.status;
    EXPECT_THAT(GetFieldError(o.status)->field, StartsWith("paper.sections[0].blocks[0].table"));
    EXPECT_EQ(GetFieldError(o.status)->description, "cannot be laid out even on an empty page");
  }
  {
    pb::RenderAgendaPackRequest pack = MinimalPack();
    *pack.mutable_items(1)->mutable_paper() = TallHeaderRequest(100).paper();
    const Outcome o = RunPack(pack);
    EXPECT_EQ(o.stage, "render");
    ASSERT_TRUE(GetFieldError(o.status)) << o.status;
    EXPECT_THAT(GetFieldError(o.status)->field,
                StartsWith("items[1].paper.sections[0].blocks[0].table"));
  }
  {
    service::Limits limits;
    limits.max_pages = 40;
    const Outcome o = RunPaper(LinesRequest(3000), limits);
    EXPECT_EQ(o.status.code(), absl::StatusCode::kResourceExhausted) << o.status;
    EXPECT_EQ(GetFieldError(o.status),
              (FieldError{FieldError::Kind::kQuota, "paper",
                          "the document needs more than 40 pages (the page limit)"}));
  }
}

TEST(HostileInput, PageCountsOverTheLimit) {
  // ~5.5 paragraphs a page: 7,000 need ~1,300 pages, over the 500-page limit.
  {
    const Outcome o = RunPaper(LongRequest(7000));
    EXPECT_EQ(o.stage, "render");
    EXPECT_EQ(o.status.code(), absl::StatusCode::kResourceExhausted) << o.status;
    EXPECT_EQ(std::string(o.status.message()),
              "paper: the document needs more than 500 pages (the page limit)");
    EXPECT_EQ(GetFieldError(o.status),
              (FieldError{FieldError::Kind::kQuota, "paper",
                          "the document needs more than 500 pages (the page limit)"}));
    EXPECT_IN_BUDGET(o);
  }
  // A smaller configured limit.
  {
    service::Limits limits;
    limits.max_pages = 2;
    const Outcome o = RunPaper(LongRequest(40), limits);
    EXPECT_EQ(o.status.code(), absl::StatusCode::kResourceExhausted) << o.status;
    EXPECT_EQ(std::string(o.status.message()),
              "paper: the document needs more than 2 pages (the page limit)");
  }
  // Printed page numbers past 99,999 are fine (the first page's is limited).
  {
    pb::RenderPaperRequest req = LongRequest(40);
    req.mutable_paper()->set_first_page_number(99999);
    ExpectRendered(RunPaper(req), "page_numbers_past_99999");
    req.mutable_paper()->set_first_page_number(100000);
    ExpectInvalid(RunPaper(req), {"paper.first_page_number"});
  }
  // Packs: the pack's page limit and the per-paper limit.
  {
    pb::RenderAgendaPackRequest pack = MinimalPack();
    *pack.mutable_items(1)->mutable_paper() = LongRequest(60).paper();
    service::Limits limits;
    limits.max_pack_pages = 3;
    const Outcome o = RunPack(pack, limits);
    EXPECT_EQ(o.stage, "render");
    EXPECT_EQ(o.status.code(), absl::StatusCode::kResourceExhausted) << o.status;
    EXPECT_THAT(std::string(o.status.message()), HasSubstr("more than the limit of 3"));
    ASSERT_TRUE(GetFieldError(o.status));
    EXPECT_EQ(GetFieldError(o.status)->field, "items");
    limits = service::Limits{};
    limits.max_pages = 2;
    const Outcome p = RunPack(pack, limits);
    EXPECT_EQ(p.status.code(), absl::StatusCode::kResourceExhausted) << p.status;
    EXPECT_THAT(std::string(p.status.message()), HasSubstr("2 pages"));
    ASSERT_TRUE(GetFieldError(p.status));
    EXPECT_EQ(GetFieldError(p.status)->kind, FieldError::Kind::kQuota);
    EXPECT_EQ(GetFieldError(p.status)->field, "items[1].paper");
    ExpectRendered(RunPack(pack), "long_pack");
  }
}

TEST(HostileInput, EveryEnumAtAnUnknownValue) {
  const std::vector<std::string> paper_enums = {
      "paper.protective_marking",
      "paper.summary.recommendations.label_style",
      "paper.sections[0].blocks[1].list.style",
      "paper.sections[0].blocks[2].table.rows[0].cells[0].rag",
      "paper.sections[0].blocks[2].table.rows[0].cells[0].alignment",
      "paper.sections[0].blocks[3].improvement_table.groups[0].areas[0].rag",
  };
  const Outcome o = RunPaper(UnknownEnumsRequest());
  ExpectInvalid(o, paper_enums);
  for (const std::string& d : BadRequestDescriptions(o.status)) EXPECT_THAT(d, HasSubstr("value 99"));

  std::vector<std::string> pack_enums = {"edition", "items[0].part", "items[0].purpose"};
  for (const std::string& f : paper_enums) pack_enums.push_back("items[1]." + f);
  const Outcome p = RunPack(UnknownEnumsPack());
  ExpectInvalid(p, pack_enums);

  // Negative values are unknown too.
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->set_protective_marking(static_cast<pb::ProtectiveMarking>(-1));
  ExpectInvalid(RunPaper(req), {"paper.protective_marking"});
}

TEST(HostileInput, EveryRequiredFieldMissingAtOnce) {
  ExpectInvalid(RunPaper(pb::RenderPaperRequest()), {"paper"});
  {
    pb::RenderPaperRequest req;
    req.mutable_paper();
    ExpectInvalid(RunPaper(req), {"paper.panel_name", "paper.meeting_date", "paper.title", "paper.sections"});
  }
  const std::string s = "paper.sections[0]";
  const std::string b = s + ".blocks";
  ExpectInvalid(RunPaper(MissingRequiredRequest()),
                {
                    "paper.panel_name",
                    "paper.meeting_date",
                    "paper.agenda_item.number",
                    "paper.title",
                    "paper.summary.body[0].runs",
                    "paper.summary.purpose[0].runs[0].text",
                    "paper.summary.key_considerations[0].runs",
                    "paper.summary.recommendations.items",
                    s + ".heading",
                    b + "[0]",  // a block of no kind
                    b + "[1].paragraph.runs",
                    b + "[2].subheading.text",
                    b + "[3].list.items",
                    b + "[4].list.items[0].runs",
                    b + "[5].table.column_widths",
                    b + "[5].table.rows",
                    b + "[6].table.rows[0].cells",
                    b + "[7].improvement_table.groups",
                    b + "[8].improvement_table.groups[0].name",
                    b + "[8].improvement_table.groups[0].areas[0].name",
                    b + "[8].improvement_table.groups[0].areas[0].status",
                    b + "[8].improvement_table.groups[0].areas[0].actions[0].code",
                    b + "[9].improvement_table.groups[0].areas",
                    b + "[10].contact_details.contacts",
                    b + "[11].contact_details.contacts[0].name",
                    b + "[12].appendices.appendices[0].label",
                    b + "[12].appendices.appendices[0].title",
                    b + "[12].appendices.background_papers[0].title",
                });

  ExpectInvalid(RunPack(pb::RenderAgendaPackRequest()), {"meeting", "items"});
  ExpectInvalid(RunPack(MissingRequiredPack()),
                {
                    "meeting.panel_name",
                    "meeting.date",
                    "meeting.members[0].name",
                    "meeting.officers[0].name",
                    "meeting.contact.name",
                    "items[0].number",
                    "items[0].title",
                    "items[1].exempt_paragraph",
                    "items[2].number.number",
                    "items[2].paper.panel_name",
                    "items[2].paper.meeting_date",
                    "items[2].paper.title",
                    "items[2].paper.sections",
                });
}

// The valid baselines the cases start from render.
TEST(HostileInput, BaselinesRender) {
  ExpectRendered(RunPaper(MinimalRequest()), "minimal");
  ExpectRendered(RunPack(MinimalPack()), "minimal_pack");
}

}  // namespace
}  // namespace pp::hostile
