// The archive's marshalling: validation with field paths, the canonical
// request, the sign-off and record the archival PDF carries, deterministic
// archival bytes that pass our PDF/A-2b checks, and list requests with page
// tokens.
#include "service/archive/archive_request.h"

#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "service/sha256.h"
#include "service/status_mapping.h"

namespace pp::service::archive {
namespace {

namespace pb = ::panelpaper::v1;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::shared_ptr<const text::FontSet> Fonts() {
  static const auto* fonts = [] {
    auto f = text::FontSet::Load(PP_FONTS_DIR);
    if (!f.ok()) std::abort();
    return new std::shared_ptr<const text::FontSet>(*f);
  }();
  return *fonts;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Icc() { return ReadFile(PP_FONTS_DIR "/icc/sRGB.icc"); }

pb::ArchivePaperRequest Reference() {
  pb::ArchivePaperRequest req;
  req.set_paper_id("jap-2020-01-08-7b");
  if (!google::protobuf::util::JsonStringToMessage(
           ReadFile(PP_TESTDATA_DIR "/requests/met-governance-2020-01-08.json"), req.mutable_render())
           .ok()) {
    std::abort();
  }
  pb::SignOffRecord* so = req.mutable_sign_off();
  so->set_approved_by("Jane Doe & <Partners>");
  so->set_role("Chair of the Joint Audit Panel");
  so->set_decision_date("2020-01-08");
  so->set_meeting("Joint Audit Panel, 8 January 2020");
  so->set_decision_reference("JAP/2020/07");
  return req;
}

std::vector<std::string> Fields(const absl::Status& s) {
  std::vector<std::string> out;
  for (const FieldViolation& v : BadRequestViolations(s)) out.push_back(v.field);
  return out;
}

TEST(ConvertArchiveRequest, TheReferenceConverts) {
  auto job = ConvertArchiveRequest(Reference(), *Fonts(), Limits{}, 5000);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->paper_id, "jap-2020-01-08-7b");
  ASSERT_TRUE(job->paper.sign_off.has_value());
  EXPECT_EQ(job->paper.sign_off->approved_by, "Jane Doe & <Partners>");
  EXPECT_EQ(job->paper.sign_off->decision_date, (doc::Date{2020, 1, 8}));
  EXPECT_THAT(job->record,
              ElementsAre(Pair("PaperId", "jap-2020-01-08-7b"), Pair("ApprovedBy", "Jane Doe & <Partners>"),
                          Pair("Role", "Chair of the Joint Audit Panel"),
                          Pair("DecisionDate", "2020-01-08"),
                          Pair("Meeting", "Joint Audit Panel, 8 January 2020"),
                          Pair("DecisionReference", "JAP/2020/07")));
  const ArchiveEntry& e = job->entry;
  EXPECT_EQ(e.panel_name, job->paper.panel_name);
  EXPECT_EQ(e.meeting_date, "2020-01-08");
  EXPECT_EQ(e.agenda_item, "7b");
  EXPECT_EQ(e.decision_reference, "JAP/2020/07");
  EXPECT_EQ(e.request, CanonicalRequest(Reference()));
  EXPECT_EQ(e.request_sha256, Sha256Hex(e.request));
}

TEST(ConvertArchiveRequest, EveryProblemIsReportedWithItsPath) {
  pb::ArchivePaperRequest req = Reference();
  req.set_paper_id("-bad id");
  req.mutable_render()->mutable_paper()->clear_title();
  req.mutable_sign_off()->clear_approved_by();
  req.mutable_sign_off()->set_decision_date("2020-02-30");
  req.mutable_sign_off()->set_role("Chair\nof the panel");
  auto job = ConvertArchiveRequest(req, *Fonts(), Limits{}, 5000);
  EXPECT_EQ(job.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(job.status()),
              UnorderedElementsAre("paper_id", "render.paper.title", "sign_off.approved_by",
                                   "sign_off.role", "sign_off.decision_date"));
}

TEST(ConvertArchiveRequest, RequiredParts) {
  EXPECT_THAT(Fields(ConvertArchiveRequest(pb::ArchivePaperRequest(), *Fonts(), Limits{}, 5000).status()),
              UnorderedElementsAre("paper_id", "render", "sign_off"));
  pb::ArchivePaperRequest req = Reference();
  req.mutable_render()->clear_paper();
  req.mutable_sign_off()->clear_decision_reference();
  req.mutable_sign_off()->clear_decision_date();
  EXPECT_THAT(Fields(ConvertArchiveRequest(req, *Fonts(), Limits{}, 5000).status()),
              UnorderedElementsAre("render.paper", "sign_off.decision_reference",
                                   "sign_off.decision_date"));
}

TEST(ConvertArchiveRequest, OverlongWordsAreNamedUnderRender) {
  pb::ArchivePaperRequest req = Reference();
  req.mutable_render()->mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()
      ->mutable_runs(0)->set_text(std::string(6000, 'x'));
  EXPECT_THAT(Fields(ConvertArchiveRequest(req, *Fonts(), Limits{}, 5000).status()),
              ElementsAre("render.paper.sections[0].blocks[0].paragraph.runs[0].text"));
}

TEST(CheckPaperId, Rules) {
  for (const char* ok : {"a", "jap-2020-01-08-7b", "A.b_c-9", "7"}) {
    Violations v;
    CheckPaperId(ok, "paper_id", &v);
    EXPECT_TRUE(v.empty()) << ok;
  }
  for (std::string bad : {std::string(""), std::string("-x"), std::string(".x"), std::string("a b"),
                          std::string("a/b"), std::string("é"), std::string(129, 'a')}) {
    Violations v;
    CheckPaperId(bad, "paper_id", &v);
    EXPECT_FALSE(v.empty()) << bad;
  }
}

TEST(CanonicalRequest, DropsUnknownFieldsAndIsStable) {
  pb::ArchivePaperRequest req = Reference();
  const std::string canonical = CanonicalRequest(req);
  pb::ArchivePaperRequest with_unknown = req;
  with_unknown.GetReflection()->MutableUnknownFields(&with_unknown)->AddVarint(999, 1);
  EXPECT_EQ(CanonicalRequest(with_unknown), canonical);
  pb::ArchivePaperRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(canonical));
  EXPECT_EQ(CanonicalRequest(parsed), canonical);
}

TEST(ConvertArchiveRequest, CreationDateDefaultsToTheDecisionDateNeverTheClock) {
  pb::ArchivePaperRequest req = Reference();
  req.mutable_render()->mutable_paper()->mutable_metadata()->clear_created();
  auto job = ConvertArchiveRequest(req, *Fonts(), Limits{}, 5000);
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_TRUE(job->paper.metadata.created.has_value());
  EXPECT_EQ(job->paper.metadata.created->seconds, 1578441600);  // 2020-01-08T00:00:00Z
  // A date the request gives is kept.
  req.mutable_render()->mutable_paper()->mutable_metadata()->mutable_created()->set_seconds(1000);
  job = ConvertArchiveRequest(req, *Fonts(), Limits{}, 5000);
  EXPECT_EQ(job->paper.metadata.created->seconds, 1000);
}

TEST(RenderArchival, SameRequestSameBytesAndDifferentSignOffDifferentBytes) {
  auto job = ConvertArchiveRequest(Reference(), *Fonts(), Limits{}, 5000);
  ASSERT_TRUE(job.ok());
  auto a = RenderArchival(*job, *Fonts(), Icc(), 500, {});
  auto b = RenderArchival(*ConvertArchiveRequest(Reference(), *Fonts(), Limits{}, 5000), *Fonts(),
                          Icc(), 500, {});
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->bytes, b->bytes);
  pb::ArchivePaperRequest other = Reference();
  other.mutable_sign_off()->set_decision_reference("JAP/2020/08");
  auto c = RenderArchival(*ConvertArchiveRequest(other, *Fonts(), Limits{}, 5000), *Fonts(), Icc(),
                          500, {});
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->bytes, c->bytes);
}

// The archival PDF passes qpdf --check and our PDF/A-2b checker, and carries
// the sign-off on the page (pdftotext) and in the XMP.
TEST(RenderArchival, PassesOurPdfA2bChecksAndShowsTheSignOff) {
  if (std::system("command -v qpdf >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1") != 0) {
    if (std::getenv("CI") != nullptr && std::string(std::getenv("CI")) == "true") {
      FAIL() << "qpdf and pdftotext are needed (CI=true)";
    }
    GTEST_SKIP() << "qpdf / pdftotext not installed";
  }
  auto pdf = RenderArchival(*ConvertArchiveRequest(Reference(), *Fonts(), Limits{}, 5000), *Fonts(),
                            Icc(), 500, {});
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  const std::string path = testing::TempDir() + "/archival.pdf";
  std::ofstream(path, std::ios::binary) << pdf->bytes;
  EXPECT_EQ(std::system(("qpdf --check " + path + " >/dev/null").c_str()), 0);
  const std::string check = "/usr/bin/python3 " PP_TEST_SOURCE_DIR "/tests/tools/pdfa_check.py " + path;
  EXPECT_EQ(std::system(check.c_str()), 0) << check;
  ASSERT_EQ(std::system(("pdftotext -layout " + path + " " + path + ".txt").c_str()), 0);
  const std::string text = ReadFile(path + ".txt");
  EXPECT_THAT(text, HasSubstr("Sign-off"));
  EXPECT_THAT(text, HasSubstr("Approved by: Jane Doe & <Partners>, Chair of the Joint Audit Panel"));
  EXPECT_THAT(text, HasSubstr("Decision reference: JAP/2020/07"));
  // The XMP: escaped record properties.
  EXPECT_THAT(pdf->bytes, HasSubstr("<pprec:ApprovedBy>Jane Doe &amp; &lt;Partners&gt;</pprec:ApprovedBy>"));
  EXPECT_THAT(pdf->bytes, HasSubstr("<pprec:PaperId>jap-2020-01-08-7b</pprec:PaperId>"));
}

// README: page_size 1-500 (0: the default). Outside that range the request
// is refused, never silently cut.
TEST(ConvertListRequest, PageSizeOutsideItsRangeIsRefusedNotCut) {
  for (int size : {-1, kMaxPageSize + 1, 100000, std::numeric_limits<int32_t>::max(),
                   std::numeric_limits<int32_t>::min()}) {
    pb::ListArchivedPapersRequest req;
    req.set_page_size(size);
    const absl::Status s = ConvertListRequest(req).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << size;
    EXPECT_THAT(Fields(s), ElementsAre("page_size")) << size;
  }
  for (int size : {0, 1, 7, kMaxPageSize}) {
    pb::ListArchivedPapersRequest req;
    req.set_page_size(size);
    auto q = ConvertListRequest(req);
    ASSERT_TRUE(q.ok()) << size << " " << q.status();
    EXPECT_EQ(q->limit, size == 0 ? kDefaultPageSize : size);
  }
}

// Exactly `bytes` bytes of text in words of at most 5 characters (the word
// guard allows 5,000): "abcd " repeated, or "őőőő " (non-ASCII, written as
// UTF-16 in the PDF), the tail filled with ASCII.
std::string TextOfBytes(size_t bytes, bool non_ascii) {
  const std::string unit = non_ascii ? "\xC5\x91\xC5\x91\xC5\x91\xC5\x91 " : "abcd ";
  std::string out;
  while (out.size() + unit.size() <= bytes) out += unit;
  while (out.size() < bytes) out += 'x';
  return out;
}

bool HavePdfTools() {
  return std::system("command -v qpdf >/dev/null 2>&1") == 0;
}

// The archive never stores a file our PDF/A checks reject: strings the PDF
// holds are refused up front (given) or cut (derived) at every boundary of
// the PDF's string limits (32,767 bytes PDF/A, 65,535 libharu).
TEST(RenderArchival, LongStringsAreRefusedOrCutNeverUnarchivable) {
  if (!HavePdfTools()) {
    if (std::getenv("CI") != nullptr && std::string(std::getenv("CI")) == "true") {
      FAIL() << "qpdf is needed (CI=true)";
    }
    GTEST_SKIP() << "qpdf not installed";
  }
  for (const bool non_ascii : {false, true}) {
    for (const size_t bytes : {size_t{32767}, size_t{32768}, size_t{65535}, size_t{65536}}) {
      SCOPED_TRACE(absl::StrCat(bytes, non_ascii ? " bytes of non-ASCII" : " bytes of ASCII"));
      const std::string text = TextOfBytes(bytes, non_ascii);
      // Given document information over the limit: INVALID_ARGUMENT.
      for (const char* field : {"title", "subject", "author", "creator"}) {
        pb::ArchivePaperRequest req = Reference();
        pb::DocumentMetadata* m = req.mutable_render()->mutable_paper()->mutable_metadata();
        const std::string f = field;
        (f == "title" ? m->mutable_title() : f == "subject" ? m->mutable_subject()
         : f == "author" ? m->mutable_author() : m->mutable_creator())->assign(text);
        const absl::Status s = ConvertArchiveRequest(req, *Fonts(), Limits{}, 5000).status();
        EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
        EXPECT_THAT(Fields(s), ElementsAre(absl::StrCat("render.paper.metadata.", f)));
      }
      // Derived strings (the document title from the paper's title, the
      // subject from the panel name, bookmarks from headings): cut, and the
      // file passes the checks.
      pb::ArchivePaperRequest req = Reference();
      pb::Paper* paper = req.mutable_render()->mutable_paper();
      paper->clear_metadata();
      paper->set_title(text);
      paper->set_panel_name(text);
      paper->set_report_by(text);
      paper->mutable_sections(0)->set_heading(text);
      auto job = ConvertArchiveRequest(req, *Fonts(), Limits{}, 5000);
      ASSERT_TRUE(job.ok()) << job.status();
      auto pdf = RenderArchival(*job, *Fonts(), Icc(), 500, {});
      ASSERT_TRUE(pdf.ok()) << pdf.status();
      const std::string path = absl::StrCat(testing::TempDir(), "/long-", bytes, non_ascii, ".pdf");
      std::ofstream(path, std::ios::binary) << pdf->bytes;
      const std::string check =
          "/usr/bin/python3 " PP_TEST_SOURCE_DIR "/tests/tools/pdfa_check.py " + path;
      EXPECT_EQ(std::system(check.c_str()), 0) << check;
    }
  }
  // 200,000 empty keywords: a 400 kB request, refused naming the keywords.
  pb::ArchivePaperRequest req = Reference();
  for (int i = 0; i < 200000; ++i) {
    req.mutable_render()->mutable_paper()->mutable_metadata()->add_keywords("");
  }
  const absl::Status s = ConvertArchiveRequest(req, *Fonts(), Limits{}, 5000).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(Fields(s), ElementsAre("render.paper.metadata.keywords"));
  // At the limit: 16,000 characters of non-ASCII title and of keywords
  // (UTF-16: 32,002 bytes each) are archived and pass.
  req = Reference();
  pb::DocumentMetadata* m = req.mutable_render()->mutable_paper()->mutable_metadata();
  std::string title;  // 3,999 x "őőő " + "őőőő": 16,000 characters
  for (int i = 0; i < 3999; ++i) title += "\xC5\x91\xC5\x91\xC5\x91 ";
  title += "\xC5\x91\xC5\x91\xC5\x91\xC5\x91";
  m->set_title(title);
  m->clear_keywords();
  m->add_keywords(title);
  auto job = ConvertArchiveRequest(req, *Fonts(), Limits{}, 5000);
  ASSERT_TRUE(job.ok()) << job.status();
  auto pdf = RenderArchival(*job, *Fonts(), Icc(), 500, {});
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  const std::string path = testing::TempDir() + "/long-at-limit.pdf";
  std::ofstream(path, std::ios::binary) << pdf->bytes;
  const std::string check = "/usr/bin/python3 " PP_TEST_SOURCE_DIR "/tests/tools/pdfa_check.py " + path;
  EXPECT_EQ(std::system(check.c_str()), 0) << check;
}

TEST(ConvertListRequest, FiltersAndPageTokens) {
  pb::ListArchivedPapersRequest req;
  req.set_panel_name("Audit");
  req.set_meeting_date_from("2020-01-01");
  req.set_agenda_item("7b");
  auto q = ConvertListRequest(req);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->limit, kDefaultPageSize);
  EXPECT_EQ(q->after_paper_id, "");
  ArchiveEntry last;
  last.meeting_date = "2020-03-01";
  last.paper_id = "c";
  req.set_page_token(NextPageToken(req, last));
  req.set_page_size(kMaxPageSize);
  q = ConvertListRequest(req);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->after_meeting_date, "2020-03-01");
  EXPECT_EQ(q->after_paper_id, "c");
  EXPECT_EQ(q->limit, kMaxPageSize);
  // The same token with other filters, or a forged one, is refused.
  pb::ListArchivedPapersRequest other = req;
  other.set_panel_name("Ethics");
  EXPECT_THAT(Fields(ConvertListRequest(other).status()), ElementsAre("page_token"));
  other = req;
  other.set_page_token("garbage!");
  EXPECT_THAT(Fields(ConvertListRequest(other).status()), ElementsAre("page_token"));
}

TEST(ConvertListRequest, BadFilters) {
  pb::ListArchivedPapersRequest req;
  req.set_meeting_date_from("2020-13-01");
  req.set_meeting_date_to("yesterday");
  req.set_agenda_item("7bb");
  req.set_page_size(-1);
  EXPECT_THAT(Fields(ConvertListRequest(req).status()),
              UnorderedElementsAre("meeting_date_from", "meeting_date_to", "agenda_item", "page_size"));
  req = pb::ListArchivedPapersRequest();
  req.set_meeting_date_from("2020-02-01");
  req.set_meeting_date_to("2020-01-01");
  EXPECT_THAT(Fields(ConvertListRequest(req).status()), ElementsAre("meeting_date_to"));
}

TEST(ToProto, CarriesTheWholeRecord) {
  ArchiveEntry e;
  e.paper_id = "p";
  e.sha256 = std::string(64, 'a');
  e.size_bytes = 10;
  e.page_count = 2;
  e.renderer_version = "0.1.0";
  e.approved_by = "Jane";
  e.decision_date = "2020-01-08";
  e.archived_at_millis = 1700000000123;
  e.archived_by = "token:clerk";
  pb::ArchivedPaper out;
  ToProto(e, &out);
  EXPECT_EQ(out.pdf().sha256(), e.sha256);
  EXPECT_EQ(out.pdf().size_bytes(), 10);
  EXPECT_EQ(out.sign_off().approved_by(), "Jane");
  EXPECT_EQ(out.archived_at().seconds(), 1700000000);
  EXPECT_EQ(out.archived_at().nanos(), 123000000);
  EXPECT_EQ(out.archived_by(), "token:clerk");
}

}  // namespace
}  // namespace pp::service::archive
