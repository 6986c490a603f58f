// Tests of service/request_converter: a valid request round-trips into the
// doc:: model, and every rule of paper.proto rejects bad input with the
// exact field path and status code (one failure case per rule).
#include "service/request_converter.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "panelpaper/v1/paper.pb.h"
#include "renderers/common/utf8.h"
#include "renderers/doc/document.h"
#include "renderers/text/font_set.h"

namespace pp::service {
namespace {

namespace pb = ::panelpaper::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAreArray;

// ---- Helpers ----------------------------------------------------------------

// Synthetic faces: "Panel Sans" has printable Windows-1252-ish Latin-1, the
// two fallback families every BMP character except CJK ideographs
// (U+4E00..U+9FFF), which no face has. Fixed advances: no font files needed.
text::FaceMetrics FakeFace(bool panel_sans) {
  text::FaceMetrics face;
  face.postscript_name = panel_sans ? "FakePanelSans" : "FakeFallback";
  face.single_byte = panel_sans;
  face.ascent = 800;
  face.descent = -200;
  face.cap_height = 700;
  face.advances.assign(0x10000, text::FaceMetrics::kNoGlyph);
  for (char32_t cp = 0x20; cp < 0x10000; ++cp) {
    const bool has = panel_sans ? (cp < 0x7F || (cp >= 0xA0 && cp < 0x100))
                                : !(cp >= 0x4E00 && cp <= 0x9FFF);
    if (has) face.advances[cp] = 500;
  }
  return face;
}

const text::FontSet& Fonts() {
  static const std::shared_ptr<const text::FontSet> fonts = [] {
    std::vector<text::FaceMetrics> faces;
    for (int i = 0; i < text::kFaceCount; ++i) faces.push_back(FakeFace(i < 4));
    return text::FontSet::FromFaces(std::move(faces));
  }();
  return *fonts;
}

pb::Run* AddRun(google::protobuf::RepeatedPtrField<pb::Run>* runs, const std::string& text) {
  pb::Run* run = runs->Add();
  run->set_text(text);
  return run;
}

// The smallest valid request: required fields only, one section with one
// paragraph.
pb::RenderPaperRequest MinimalRequest() {
  pb::RenderPaperRequest req;
  pb::Paper* paper = req.mutable_paper();
  paper->set_panel_name("MPS-MOPAC JOINT AUDIT PANEL");
  paper->set_meeting_date("2020-01-08");
  paper->set_title("Met Governance Improvement Plans 2018/21");
  pb::Section* section = paper->add_sections();
  section->set_heading("Supporting information");
  AddRun(section->add_blocks()->mutable_paragraph()->mutable_runs(), "Some text.");
  return req;
}

// The first section's block list, emptied, for tests that put one block in.
google::protobuf::RepeatedPtrField<pb::Block>* Blocks(pb::RenderPaperRequest* req) {
  auto* blocks = req->mutable_paper()->mutable_sections(0)->mutable_blocks();
  blocks->Clear();
  return blocks;
}

// A 2-column table with a header row and one body row.
pb::Table* AddTable(pb::RenderPaperRequest* req) {
  pb::Table* table = Blocks(req)->Add()->mutable_table();
  table->add_column_widths(2);
  table->add_column_widths(1);
  table->set_header_rows(1);
  for (int r = 0; r < 2; ++r) {
    pb::TableRow* row = table->add_rows();
    for (int c = 0; c < 2; ++c) {
      AddRun(row->add_cells()->add_paragraphs()->mutable_runs(), absl::StrCat("r", r, "c", c));
    }
  }
  return table;
}

pb::ImprovementArea* AddArea(pb::ImprovementGroup* group, const std::string& name,
                             const std::string& status) {
  pb::ImprovementArea* area = group->add_areas();
  area->set_name(name);
  area->set_status(status);
  return area;
}

// One improvement table with a "Priority" group holding one area.
pb::ImprovementArea* AddImprovementArea(pb::RenderPaperRequest* req, const std::string& status) {
  pb::ImprovementTable* table = Blocks(req)->Add()->mutable_improvement_table();
  pb::ImprovementGroup* group = table->add_groups();
  group->set_name("Priority");
  return AddArea(group, "Capability, Training and Development", status);
}

// A first-block list nested `depth` levels deep (depth 1: no sublist).
void AddNestedList(pb::RenderPaperRequest* req, int depth) {
  pb::List* list = Blocks(req)->Add()->mutable_list();
  for (int level = 1; level <= depth; ++level) {
    pb::ListItem* item = list->add_items();
    AddRun(item->mutable_runs(), absl::StrCat("level ", level));
    if (level < depth) list = item->mutable_sublist();
  }
}

// "paper.sections[0].blocks[0].list" followed by `levels` ".items[0].sublist".
std::string NestedListPath(int levels) {
  std::string path = "paper.sections[0].blocks[0].list";
  for (int i = 0; i < levels; ++i) path += ".items[0].sublist";
  return path;
}

absl::StatusOr<RenderJob> Convert(const pb::RenderPaperRequest& req, const Limits& limits = {}) {
  return ConvertRenderPaperRequest(req, Fonts(), limits);
}

std::optional<google::rpc::BadRequest> BadRequestOf(const absl::Status& status) {
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload) return std::nullopt;
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload))) return std::nullopt;
  return bad_request;
}

std::optional<google::rpc::QuotaFailure> QuotaFailureOf(const absl::Status& status) {
  auto payload = status.GetPayload(kQuotaFailureTypeUrl);
  if (!payload) return std::nullopt;
  google::rpc::QuotaFailure failure;
  if (!failure.ParseFromString(std::string(*payload))) return std::nullopt;
  return failure;
}

// The field paths of the BadRequest payload, in order (empty without one).
std::vector<std::string> InvalidFields(const absl::Status& status) {
  std::vector<std::string> fields;
  if (std::optional<google::rpc::BadRequest> br = BadRequestOf(status)) {
    for (const auto& v : br->field_violations()) fields.push_back(v.field());
  }
  return fields;
}

std::vector<std::string> QuotaSubjects(const absl::Status& status) {
  std::vector<std::string> subjects;
  if (std::optional<google::rpc::QuotaFailure> qf = QuotaFailureOf(status)) {
    for (const auto& v : qf->violations()) subjects.push_back(v.subject());
  }
  return subjects;
}

// The description the BadRequest payload gives for `field` ("" if absent).
std::string DescriptionOf(const absl::Status& status, const std::string& field) {
  if (std::optional<google::rpc::BadRequest> br = BadRequestOf(status)) {
    for (const auto& v : br->field_violations()) {
      if (v.field() == field) return v.description();
    }
  }
  return "";
}

// Converts `req` and returns its status (OK when it converted).
absl::Status StatusOf(const pb::RenderPaperRequest& req, const Limits& limits = {}) {
  return Convert(req, limits).status();
}

// Asserts INVALID_ARGUMENT naming exactly `fields` (in any order).
void ExpectInvalid(const pb::RenderPaperRequest& req, const std::vector<std::string>& fields,
                   const Limits& limits = {}) {
  const absl::Status status = StatusOf(req, limits);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(InvalidFields(status), UnorderedElementsAreArray(fields)) << status;
}

void ExpectOk(const pb::RenderPaperRequest& req, const Limits& limits = {}) {
  const absl::Status status = StatusOf(req, limits);
  EXPECT_TRUE(status.ok()) << status;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ---- Valid requests -----------------------------------------------------------

TEST(ConvertRenderPaperRequest, MinimalRequestConverts) {
  const absl::StatusOr<RenderJob> job = Convert(MinimalRequest());
  ASSERT_TRUE(job.ok()) << job.status();
  const doc::Paper& paper = job->paper;
  EXPECT_EQ(paper.panel_name, "MPS-MOPAC JOINT AUDIT PANEL");
  EXPECT_EQ(paper.meeting_date, (doc::Date{2020, 1, 8}));
  EXPECT_TRUE(paper.show_weekday);
  EXPECT_EQ(paper.agenda_item, "");
  EXPECT_EQ(paper.title, "Met Governance Improvement Plans 2018/21");
  EXPECT_EQ(paper.protective_marking, "");
  EXPECT_EQ(paper.first_page_number, 1);
  EXPECT_FALSE(paper.summary.has_value());
  EXPECT_EQ(paper.metadata.title, paper.title);
  EXPECT_EQ(paper.metadata.author, "");
  EXPECT_EQ(paper.metadata.subject, "MPS-MOPAC JOINT AUDIT PANEL, 8 January 2020");
  EXPECT_FALSE(paper.metadata.created.has_value());
  ASSERT_THAT(paper.sections, SizeIs(1));
  EXPECT_EQ(paper.sections[0].heading, "Supporting information");
  EXPECT_EQ(paper.sections[0].path, "paper.sections[0]");
  ASSERT_THAT(paper.sections[0].blocks, SizeIs(1));
  const auto* paragraph = std::get_if<doc::Paragraph>(&paper.sections[0].blocks[0]);
  ASSERT_NE(paragraph, nullptr);
  EXPECT_EQ(paragraph->path, "paper.sections[0].blocks[0].paragraph");
  ASSERT_THAT(paragraph->runs, SizeIs(1));
  EXPECT_EQ(paragraph->runs[0].text, "Some text.");
  EXPECT_TRUE(job->compress_content);
}

TEST(ConvertRenderPaperRequest, RoundTripsTheImportantFields) {
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_options()->set_uncompressed(true);
  pb::Paper* p = req.mutable_paper();
  p->add_organisation_lines("MAYOR OF LONDON");
  p->add_organisation_lines("OFFICE FOR POLICING AND CRIME");
  p->set_hide_weekday(true);
  p->mutable_agenda_item()->set_number(7);
  p->mutable_agenda_item()->set_sub_letter("b");
  p->set_report_by("The Chief of Corporate Services");
  p->set_protective_marking(pb::OFFICIAL_SENSITIVE);
  p->set_first_page_number(168);
  p->mutable_metadata()->add_keywords("governance");
  p->mutable_metadata()->set_creator("Met governance reporting");
  p->mutable_metadata()->mutable_created()->set_seconds(1576832400);  // 2019-12-20T09:00:00Z
  p->mutable_metadata()->mutable_created()->set_nanos(5);
  pb::ReportSummary* summary = p->mutable_summary();
  AddRun(summary->add_purpose()->mutable_runs(), "Purpose.");
  AddRun(summary->add_key_considerations()->mutable_runs(), "Consider this.");
  AddRun(summary->mutable_recommendations()->mutable_lead_in(), "The Panel is recommended to:");
  AddRun(summary->mutable_recommendations()->add_items()->mutable_runs(), "Note progress.");

  pb::Section* s = p->mutable_sections(0);
  s->set_numbered_paragraphs(true);
  pb::Run* link = AddRun(s->mutable_blocks(0)->mutable_paragraph()->mutable_runs(), "a link");
  link->set_link("https://www.london.gov.uk/mopac");
  link->set_bold(true);
  AddRun(s->add_blocks()->mutable_list()->add_items()->mutable_runs(), "bullet");
  pb::Table* table = s->add_blocks()->mutable_table();
  table->add_column_widths(3);
  table->add_column_widths(1);
  table->set_header_rows(1);
  table->set_caption("RAG counts");
  pb::TableRow* header = table->add_rows();
  pb::TableCell* wide = header->add_cells();
  wide->set_column_span(2);
  wide->set_fill("#d9D9d9");
  pb::TableRow* body = table->add_rows();
  body->add_cells()->set_alignment(pb::RIGHT);
  body->add_cells()->set_rag(pb::AMBER_GREEN);
  pb::ImprovementGroup* group = s->add_blocks()->mutable_improvement_table()->add_groups();
  group->set_name("Priority");
  AddArea(group, "Capability", "  Good   PROGRESS ");
  AddArea(group, "Decision making", "progress")->set_rag(pb::AMBER_RED);
  pb::Contact* contact = s->add_blocks()->mutable_contact_details()->add_contacts();
  contact->set_name("A. Person");
  contact->set_email("a.person@example.org");

  const absl::StatusOr<RenderJob> job = Convert(req);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_FALSE(job->compress_content);
  const doc::Paper& paper = job->paper;
  EXPECT_THAT(paper.organisation_lines,
              ElementsAre("MAYOR OF LONDON", "OFFICE FOR POLICING AND CRIME"));
  EXPECT_FALSE(paper.show_weekday);
  EXPECT_EQ(paper.agenda_item, "7b");
  EXPECT_EQ(paper.protective_marking, "OFFICIAL-SENSITIVE");
  EXPECT_EQ(paper.first_page_number, 168);
  EXPECT_EQ(paper.metadata.author, "The Chief of Corporate Services");
  EXPECT_EQ(paper.metadata.subject,
            "MPS-MOPAC JOINT AUDIT PANEL, 8 January 2020, agenda item 7b");
  EXPECT_THAT(paper.metadata.keywords, ElementsAre("governance"));
  EXPECT_EQ(paper.metadata.creator, "Met governance reporting");
  EXPECT_EQ(paper.metadata.created, (doc::Timestamp{1576832400}));

  ASSERT_TRUE(paper.summary.has_value());
  EXPECT_TRUE(paper.summary->boxed);
  EXPECT_EQ(paper.summary->path, "paper.summary");
  ASSERT_THAT(paper.summary->purpose, SizeIs(1));
  EXPECT_EQ(paper.summary->purpose[0].path, "paper.summary.purpose[0]");
  ASSERT_THAT(paper.summary->key_considerations, SizeIs(1));
  ASSERT_TRUE(paper.summary->recommendations.has_value());
  EXPECT_EQ(paper.summary->recommendations->label_style, doc::ListStyle::kLowerAlphaDot);
  ASSERT_THAT(paper.summary->recommendations->items, SizeIs(1));
  EXPECT_EQ(paper.summary->recommendations->items[0].path,
            "paper.summary.recommendations.items[0]");

  const doc::Section& section = paper.sections[0];
  EXPECT_TRUE(section.numbered_paragraphs);
  ASSERT_THAT(section.blocks, SizeIs(5));
  const auto& para = std::get<doc::Paragraph>(section.blocks[0]);
  ASSERT_THAT(para.runs, SizeIs(2));
  EXPECT_EQ(para.runs[1].link, "https://www.london.gov.uk/mopac");
  EXPECT_TRUE(para.runs[1].bold);
  const auto& list = std::get<doc::List>(section.blocks[1]);
  EXPECT_EQ(list.style, doc::ListStyle::kBullet);
  EXPECT_EQ(list.path, "paper.sections[0].blocks[1].list");
  EXPECT_EQ(list.items[0].path, "paper.sections[0].blocks[1].list.items[0]");

  const auto& t = std::get<doc::Table>(section.blocks[2]);
  EXPECT_THAT(t.column_widths, ElementsAre(3, 1));
  EXPECT_EQ(t.header_rows, 1);
  EXPECT_EQ(t.font_size, 10);
  EXPECT_EQ(t.caption, "RAG counts");
  ASSERT_THAT(t.rows, SizeIs(2));
  EXPECT_EQ(t.rows[0].cells[0].column_span, 2);
  EXPECT_EQ(t.rows[0].cells[0].fill, (doc::Rgb{0xD9, 0xD9, 0xD9}));
  EXPECT_EQ(t.rows[1].cells[0].column_span, 1);
  EXPECT_EQ(t.rows[1].cells[0].align, doc::Align::kRight);
  EXPECT_FALSE(t.rows[1].cells[0].fill.has_value());
  EXPECT_EQ(t.rows[1].cells[1].fill, (doc::Rgb{0x92, 0xD0, 0x50}));
  EXPECT_EQ(t.rows[1].cells[1].path, "paper.sections[0].blocks[2].table.rows[1].cells[1]");

  const auto& it = std::get<doc::ImprovementTable>(section.blocks[3]);
  EXPECT_THAT(it.column_headings,
              ElementsAre("Improvement area and actions", "Progress", "Status"));
  ASSERT_THAT(it.groups[0].areas, SizeIs(2));
  EXPECT_EQ(it.groups[0].areas[0].status, "  Good   PROGRESS ");  // printed as given
  EXPECT_EQ(it.groups[0].areas[0].status_fill, (doc::Rgb{0x00, 0xB0, 0x50}));
  EXPECT_EQ(it.groups[0].areas[0].status_text, (doc::Rgb{0, 0, 0}));
  EXPECT_EQ(it.groups[0].areas[1].status_fill, (doc::Rgb{0xFF, 0x66, 0x00}));  // rag wins

  const auto& contacts = std::get<doc::ContactDetails>(section.blocks[4]);
  ASSERT_THAT(contacts.contacts, SizeIs(1));
  EXPECT_EQ(contacts.contacts[0].role, "Report author");
  EXPECT_EQ(contacts.contacts[0].email, "a.person@example.org");
}

TEST(ConvertRenderPaperRequest, ReferenceFixtureConverts) {
  const std::string json =
      ReadFile(std::string(PP_TESTDATA_DIR) + "/requests/met-governance-2020-01-08.json");
  ASSERT_FALSE(json.empty());
  pb::RenderPaperRequest req;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &req).ok());
  const absl::StatusOr<RenderJob> job = Convert(req);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->paper.agenda_item, "7b");
  EXPECT_EQ(job->paper.first_page_number, 168);
  EXPECT_EQ(job->paper.meeting_date, (doc::Date{2020, 1, 8}));
  EXPECT_EQ(job->paper.metadata.created, (doc::Timestamp{1576832400}));
}

TEST(ConvertRenderPaperRequest, SummaryBoxedCanBeTurnedOff) {
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->mutable_summary()->set_boxed(false);
  const absl::StatusOr<RenderJob> job = Convert(req);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_FALSE(job->paper.summary->boxed);
}

TEST(ConvertRenderPaperRequest, ExplicitMetadataWins) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::DocumentMetadata* m = req.mutable_paper()->mutable_metadata();
  m->set_title("PDF title");
  m->set_author("Metropolitan Police Service");
  m->set_subject("Subject");
  const absl::StatusOr<RenderJob> job = Convert(req);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->paper.metadata.title, "PDF title");
  EXPECT_EQ(job->paper.metadata.author, "Metropolitan Police Service");
  EXPECT_EQ(job->paper.metadata.subject, "Subject");
}

TEST(ConvertPaper, PrefixesEveryPathAndCollectsIntoViolations) {
  pb::Paper paper = MinimalRequest().paper();
  paper.clear_title();
  doc::Paper out;
  Violations v;
  ConvertPaper(paper, "items[4].paper", Fonts(), Limits{}, &out, &v);
  EXPECT_THAT(v.invalid, ElementsAre(FieldViolation{"items[4].paper.title", "required"}));
  EXPECT_THAT(v.exhausted, IsEmpty());
  EXPECT_EQ(out.sections[0].path, "items[4].paper.sections[0]");
}

// ---- Required fields ------------------------------------------------------------

TEST(ConvertRenderPaperRequest, MissingPaperIsRequired) {
  ExpectInvalid(pb::RenderPaperRequest(), {"paper"});
  EXPECT_EQ(DescriptionOf(StatusOf(pb::RenderPaperRequest()), "paper"), "required");
}

TEST(ConvertRenderPaperRequest, EveryRequiredFieldMissingAtOnce) {
  pb::RenderPaperRequest req;
  pb::Paper* p = req.mutable_paper();
  p->mutable_agenda_item();  // set, without its required number
  p->mutable_summary()->mutable_recommendations();
  p->mutable_summary()->add_body();
  p->mutable_summary()->add_key_considerations();
  pb::Section* s = p->add_sections();
  auto* blocks = s->mutable_blocks();
  blocks->Add()->mutable_paragraph()->add_runs();                   // 0: run without text
  blocks->Add()->mutable_subheading();                              // 1
  blocks->Add()->mutable_list();                                    // 2
  blocks->Add()->mutable_table()->add_rows();                       // 3
  blocks->Add()->mutable_improvement_table();                       // 4
  pb::ImprovementGroup* group = blocks->Add()->mutable_improvement_table()->add_groups();  // 5
  group->add_areas()->add_actions();
  blocks->Add()->mutable_contact_details();                         // 6
  blocks->Add()->mutable_contact_details()->add_contacts();         // 7
  pb::Appendices* appendices = blocks->Add()->mutable_appendices();  // 8
  appendices->add_appendices();
  appendices->add_background_papers();
  blocks->Add();                                                    // 9: no kind
  p->add_sections();                                                // second, empty

  ExpectInvalid(req, {
                         "paper.agenda_item.number",
                         "paper.panel_name",
                         "paper.meeting_date",
                         "paper.title",
                         "paper.summary.body[0].runs",
                         "paper.summary.key_considerations[0].runs",
                         "paper.summary.recommendations.items",
                         "paper.sections[0].heading",
                         "paper.sections[0].blocks[0].paragraph.runs[0].text",
                         "paper.sections[0].blocks[1].subheading.text",
                         "paper.sections[0].blocks[2].list.items",
                         "paper.sections[0].blocks[3].table.column_widths",
                         "paper.sections[0].blocks[3].table.rows[0].cells",
                         "paper.sections[0].blocks[4].improvement_table.groups",
                         "paper.sections[0].blocks[5].improvement_table.groups[0].name",
                         "paper.sections[0].blocks[5].improvement_table.groups[0].areas[0].name",
                         "paper.sections[0].blocks[5].improvement_table.groups[0].areas[0].status",
                         "paper.sections[0].blocks[5].improvement_table.groups[0].areas[0]"
                         ".actions[0].code",
                         "paper.sections[0].blocks[6].contact_details.contacts",
                         "paper.sections[0].blocks[7].contact_details.contacts[0].name",
                         "paper.sections[0].blocks[8].appendices.appendices[0].label",
                         "paper.sections[0].blocks[8].appendices.appendices[0].title",
                         "paper.sections[0].blocks[8].appendices.background_papers[0].title",
                         "paper.sections[0].blocks[9]",
                         "paper.sections[1].heading",
                     });
}

TEST(ConvertRenderPaperRequest, NoSectionsIsRequired) {
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->clear_sections();
  ExpectInvalid(req, {"paper.sections"});
  EXPECT_EQ(DescriptionOf(StatusOf(req), "paper.sections"), "required (at least one)");
}

TEST(ConvertRenderPaperRequest, WhitespaceOnlyRequiredTextIsMissing) {
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->set_title(" \t ");
  req.mutable_paper()->mutable_sections(0)->set_heading("   ");
  ExpectInvalid(req, {"paper.title", "paper.sections[0].heading"});
  EXPECT_EQ(DescriptionOf(StatusOf(req), "paper.title"), "required");
}

TEST(ConvertRenderPaperRequest, WhitespaceRunTextIsText) {
  pb::RenderPaperRequest req = MinimalRequest();
  AddRun(req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()
             ->mutable_runs(),
         " ");
  ExpectOk(req);
}

TEST(ConvertRenderPaperRequest, ParagraphNeedsRuns) {
  pb::RenderPaperRequest req = MinimalRequest();
  Blocks(&req)->Add()->mutable_paragraph()->set_unnumbered(true);
  ExpectInvalid(req, {"paper.sections[0].blocks[0].paragraph.runs"});
}

TEST(ConvertRenderPaperRequest, BlockWithoutKind) {
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->mutable_sections(0)->add_blocks();
  ExpectInvalid(req, {"paper.sections[0].blocks[1]"});
}

TEST(ConvertRenderPaperRequest, RecommendationItemRunTextPath) {
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->mutable_summary()->mutable_recommendations()->add_items()->add_runs();
  ExpectInvalid(req, {"paper.summary.recommendations.items[0].runs[0].text"});
}

// ---- Header fields --------------------------------------------------------------

TEST(ConvertRenderPaperRequest, MeetingDateMustBeARealIsoDate) {
  for (const char* bad : {"2020-02-30", "2019-02-29", "1900-02-29", "2020-13-01", "2020-00-10",
                          "2020-04-31", "0000-01-01", "20-01-08", "2020-1-8", "2020/01/08",
                          "8 January 2020", "2020-01-08T00:00", "２０２０-01-08"}) {
    SCOPED_TRACE(bad);
    pb::RenderPaperRequest req = MinimalRequest();
    req.mutable_paper()->set_meeting_date(bad);
    ExpectInvalid(req, {"paper.meeting_date"});
  }
  for (const char* good : {"2020-02-29", "2000-02-29", "0001-01-01", "9999-12-31"}) {
    SCOPED_TRACE(good);
    pb::RenderPaperRequest req = MinimalRequest();
    req.mutable_paper()->set_meeting_date(good);
    ExpectOk(req);
  }
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->set_meeting_date("2020-02-30");
  EXPECT_EQ(DescriptionOf(StatusOf(req), "paper.meeting_date"), "2020-02-30 is not a real date");
}

TEST(ConvertRenderPaperRequest, AgendaItemNumberAndLetter) {
  struct Case {
    int number;
    const char* letter;
    std::vector<std::string> fields;
  };
  const Case cases[] = {
      {0, "", {"paper.agenda_item.number"}},
      {-1, "", {"paper.agenda_item.number"}},
      {1000, "", {"paper.agenda_item.number"}},
      {7, "B", {"paper.agenda_item.sub_letter"}},
      {7, "bc", {"paper.agenda_item.sub_letter"}},
      {7, "1", {"paper.agenda_item.sub_letter"}},
      {7, " ", {"paper.agenda_item.sub_letter"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.number, c.letter));
    pb::RenderPaperRequest req = MinimalRequest();
    req.mutable_paper()->mutable_agenda_item()->set_number(c.number);
    req.mutable_paper()->mutable_agenda_item()->set_sub_letter(c.letter);
    ExpectInvalid(req, c.fields);
  }
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->mutable_agenda_item()->set_number(999);
  req.mutable_paper()->mutable_agenda_item()->set_sub_letter("z");
  const absl::StatusOr<RenderJob> job = Convert(req);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->paper.agenda_item, "999z");
}

TEST(ConvertRenderPaperRequest, FirstPageNumberRange) {
  for (int bad : {-1, 100000, std::numeric_limits<int>::min()}) {
    pb::RenderPaperRequest req = MinimalRequest();
    req.mutable_paper()->set_first_page_number(bad);
    ExpectInvalid(req, {"paper.first_page_number"});
  }
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->set_first_page_number(99999);
  const absl::StatusOr<RenderJob> job = Convert(req);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->paper.first_page_number, 99999);
}

// Paper.language and Run.language (tagged PDF /Lang): BCP 47 tags, en-GB
// by default; every malformed one is reported at its own field path.
TEST(ConvertRenderPaperRequest, LanguagesAreBcp47TagsDefaultingToEnGb) {
  {
    const absl::StatusOr<RenderJob> job = Convert(MinimalRequest());
    ASSERT_TRUE(job.ok()) << job.status();
    EXPECT_EQ(job->paper.language, "en-GB");
  }
  for (const char* good : {"cy", "cy-GB", "en", "zh-Hant-TW", "de-CH-1996", "sgn-BE-FR",
                           "en-GB-x-mopac"}) {
    pb::RenderPaperRequest req = MinimalRequest();
    req.mutable_paper()->set_language(good);
    req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()
        ->mutable_runs(0)->set_language(good);
    const absl::StatusOr<RenderJob> job = Convert(req);
    ASSERT_TRUE(job.ok()) << good << ": " << job.status();
    EXPECT_EQ(job->paper.language, good);
    EXPECT_EQ(std::get<doc::Paragraph>(job->paper.sections[0].blocks[0]).runs[0].language, good);
  }
  for (const char* bad : {"e", "englishes", "en_GB", "en-", "-GB", "en--GB", "1en", "en-GB-x",
                          "en-abcdefghi", "en GB", "Cymraeg (Welsh)", "en-GB\n",
                          "a-very-long-tag-with-many-parts-over-35"}) {
    SCOPED_TRACE(bad);
    pb::RenderPaperRequest req = MinimalRequest();
    req.mutable_paper()->set_language(bad);
    req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()
        ->mutable_runs(0)->set_language(bad);
    ExpectInvalid(req, {"paper.language", "paper.sections[0].blocks[0].paragraph.runs[0].language"});
  }
}

TEST(ConvertRenderPaperRequest, AtMostFourOrganisationLines) {
  pb::RenderPaperRequest req = MinimalRequest();
  for (int i = 0; i < 4; ++i) req.mutable_paper()->add_organisation_lines("LINE");
  ExpectOk(req);
  req.mutable_paper()->add_organisation_lines("FIFTH");
  ExpectInvalid(req, {"paper.organisation_lines"});
}

TEST(ConvertRenderPaperRequest, TimestampsMustBeInRange) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::DocumentMetadata* m = req.mutable_paper()->mutable_metadata();
  m->mutable_created()->set_nanos(-1);
  m->mutable_modified()->set_seconds(253402300800);  // 10000-01-01T00:00:00Z
  ExpectInvalid(req, {"paper.metadata.created.nanos", "paper.metadata.modified.seconds"});
}

TEST(ConvertRenderPaperRequest, ProtectiveMarkingsDisplayText) {
  const std::pair<pb::ProtectiveMarking, const char*> cases[] = {
      {pb::OFFICIAL, "OFFICIAL"},
      {pb::SECRET, "SECRET"},
      {pb::TOP_SECRET, "TOP SECRET"},
      {pb::NOT_PROTECTIVELY_MARKED, "NOT PROTECTIVELY MARKED"},
      {pb::PROTECT, "PROTECT"},
      {pb::RESTRICTED, "RESTRICTED"},
      {pb::CONFIDENTIAL, "CONFIDENTIAL"},
  };
  for (const auto& [marking, text] : cases) {
    pb::RenderPaperRequest req = MinimalRequest();
    req.mutable_paper()->set_protective_marking(marking);
    const absl::StatusOr<RenderJob> job = Convert(req);
    ASSERT_TRUE(job.ok()) << job.status();
    EXPECT_EQ(job->paper.protective_marking, text);
  }
}

// ---- Enums ----------------------------------------------------------------------

TEST(ConvertRenderPaperRequest, UnknownEnumValuesAreRejected) {
  // Proto3 enums are open: numbers the schema does not list survive parsing.
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Paper* p = req.mutable_paper();
  p->set_protective_marking(static_cast<pb::ProtectiveMarking>(99));
  pb::Recommendations* rec = p->mutable_summary()->mutable_recommendations();
  rec->set_label_style(static_cast<pb::ListStyle>(77));
  AddRun(rec->add_items()->mutable_runs(), "item");
  auto* blocks = Blocks(&req);
  pb::Table* table = blocks->Add()->mutable_table();
  table->add_column_widths(1);
  pb::TableCell* cell = table->add_rows()->add_cells();
  cell->set_rag(static_cast<pb::Rag>(17));
  cell->set_alignment(static_cast<pb::Alignment>(9));
  pb::List* list = blocks->Add()->mutable_list();
  list->set_style(static_cast<pb::ListStyle>(42));
  AddRun(list->add_items()->mutable_runs(), "item");
  pb::ImprovementGroup* group = blocks->Add()->mutable_improvement_table()->add_groups();
  group->set_name("Priority");
  AddArea(group, "Area", "good progress")->set_rag(static_cast<pb::Rag>(12));
  ExpectInvalid(req, {
                         "paper.protective_marking",
                         "paper.summary.recommendations.label_style",
                         "paper.sections[0].blocks[0].table.rows[0].cells[0].rag",
                         "paper.sections[0].blocks[0].table.rows[0].cells[0].alignment",
                         "paper.sections[0].blocks[1].list.style",
                         "paper.sections[0].blocks[2].improvement_table.groups[0].areas[0].rag",
                     });
  EXPECT_EQ(DescriptionOf(StatusOf(req), "paper.protective_marking"),
            "unknown ProtectiveMarking value 99");
}

// ---- Links ----------------------------------------------------------------------

TEST(ConvertRenderPaperRequest, RunLinksMustBeHttpOrMailto) {
  for (const char* bad :
       {"ftp://example.org", "www.example.org", "javascript:alert(1)", "https://", "http:///path",
        "https://?q", "mailto:", "https://exa mple.org", "https://example.org/\n",
        "https://example.org/caf\xC3\xA9", "https://example.org/\x7F", " https://example.org"}) {
    SCOPED_TRACE(bad);
    pb::RenderPaperRequest req = MinimalRequest();
    req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()
        ->mutable_runs(0)->set_link(bad);
    ExpectInvalid(req, {"paper.sections[0].blocks[0].paragraph.runs[0].link"});
  }
  for (const char* good : {"https://example.org", "HTTP://example.org/a?b=c#d",
                           "mailto:someone@example.org", "https://example.org/caf%C3%A9"}) {
    SCOPED_TRACE(good);
    pb::RenderPaperRequest req = MinimalRequest();
    req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()
        ->mutable_runs(0)->set_link(good);
    ExpectOk(req);
  }
}

TEST(ConvertRenderPaperRequest, BackgroundPaperLinksMustBeHttp) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::BackgroundPaper* paper = Blocks(&req)->Add()->mutable_appendices()->add_background_papers();
  paper->set_title("Annual Governance Statement");
  paper->set_link("https://example.org/ags.pdf");
  ExpectOk(req);
  paper->set_link("mailto:someone@example.org");
  ExpectInvalid(req, {"paper.sections[0].blocks[0].appendices.background_papers[0].link"});
}

TEST(ConvertRenderPaperRequest, ContactEmailMustBeAnAddress) {
  for (const char* bad : {"nobody", "@example.org", "someone@", "a@b@c", "mailto:a@b.org",
                          "a b@example.org", "caf\xC3\xA9@example.org"}) {
    SCOPED_TRACE(bad);
    pb::RenderPaperRequest req = MinimalRequest();
    pb::Contact* contact = Blocks(&req)->Add()->mutable_contact_details()->add_contacts();
    contact->set_name("A. Person");
    contact->set_email(bad);
    ExpectInvalid(req, {"paper.sections[0].blocks[0].contact_details.contacts[0].email"});
  }
}

// ---- Tables ---------------------------------------------------------------------

TEST(ConvertRenderPaperRequest, TableSpansMustAddUpToColumnCount) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Table* table = AddTable(&req);
  table->add_column_widths(1);  // now 3 columns, rows still have 2 cells
  table->mutable_rows(0)->mutable_cells(1)->set_column_span(2);  // row 0: 1 + 2 = 3
  ExpectInvalid(req, {"paper.sections[0].blocks[0].table.rows[1].cells"});
  EXPECT_EQ(DescriptionOf(StatusOf(req), "paper.sections[0].blocks[0].table.rows[1].cells"),
            "column spans add up to 2 but the table has 3 columns");
}

TEST(ConvertRenderPaperRequest, NegativeSpanIsInvalidAndZeroMeansOne) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Table* table = AddTable(&req);
  table->mutable_rows(0)->mutable_cells(0)->set_column_span(0);
  ExpectOk(req);
  table->mutable_rows(1)->mutable_cells(0)->set_column_span(-1);
  ExpectInvalid(req, {"paper.sections[0].blocks[0].table.rows[1].cells[0].column_span"});
}

TEST(ConvertRenderPaperRequest, HugeSpansDoNotOverflow) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Table* table = AddTable(&req);
  table->mutable_rows(1)->mutable_cells(0)->set_column_span(std::numeric_limits<int>::max());
  table->mutable_rows(1)->mutable_cells(1)->set_column_span(std::numeric_limits<int>::max());
  ExpectInvalid(req, {"paper.sections[0].blocks[0].table.rows[1].cells"});
}

// A table of `columns` equal columns whose rows hold cells of the given
// (column_span, row_span) pairs, the first `header_rows` rows headers.
pb::Table* AddSpanTable(pb::RenderPaperRequest* req, int columns, int header_rows,
                        const std::vector<std::vector<std::pair<int, int>>>& rows) {
  pb::Table* table = Blocks(req)->Add()->mutable_table();
  for (int c = 0; c < columns; ++c) table->add_column_widths(1);
  table->set_header_rows(header_rows);
  for (size_t r = 0; r < rows.size(); ++r) {
    pb::TableRow* row = table->add_rows();
    for (size_t c = 0; c < rows[r].size(); ++c) {
      pb::TableCell* cell = row->add_cells();
      cell->set_column_span(rows[r][c].first);
      cell->set_row_span(rows[r][c].second);
      AddRun(cell->add_paragraphs()->mutable_runs(), absl::StrCat("r", r, "c", c));
    }
  }
  return table;
}

TEST(ConvertRenderPaperRequest, RowSpansFollowTheHtmlModel) {
  pb::RenderPaperRequest req = MinimalRequest();
  // "Priority of Recommendation" over four columns, beside a header cell
  // spanning both header rows; a body cell spanning three rows, whose rows
  // below list only their own cells.
  AddSpanTable(&req, 5, 2,
               {{{1, 2}, {4, 0}},
                {{1, 1}, {1, 1}, {1, 1}, {1, 1}},
                {{1, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}},
                {{1, 1}, {1, 1}, {1, 1}, {1, 1}},
                {{2, 2}, {1, 1}, {1, 1}},
                {{1, 1}, {1, 1}, {1, 1}}});
  const absl::StatusOr<RenderJob> job = Convert(req);
  ASSERT_TRUE(job.ok()) << job.status();
  const auto& t = std::get<doc::Table>(job->paper.sections[0].blocks[0]);
  EXPECT_EQ(t.rows[0].cells[0].row_span, 2);
  EXPECT_EQ(t.rows[0].cells[1].row_span, 1);  // 0 means 1
  EXPECT_EQ(t.rows[0].cells[1].column_span, 4);
  EXPECT_EQ(t.rows[2].cells[0].row_span, 3);
  EXPECT_EQ(t.rows[5].cells[0].row_span, 1);
}

TEST(ConvertRenderPaperRequest, EveryBadRowSpanIsNamedAtOnce) {
  pb::RenderPaperRequest req = MinimalRequest();
  const std::string t0 = "paper.sections[0].blocks[0].table";
  const std::string t1 = "paper.sections[0].blocks[1].table";
  const std::string t2 = "paper.sections[0].blocks[2].table";
  // A header cell spanning into the body; a body cell past the last row.
  AddSpanTable(&req, 3, 1,
               {{{1, 2}, {1, 1}, {1, 1}},
                {{1, 1}, {1, 1}, {1, 1}},
                {{1, 5}, {1, 1}, {1, 1}},
                {{1, 1}, {1, 1}}});
  // Overlap: row 1's first cell spans into the column row 0's second cell
  // covers; a negative row span.
  auto* blocks = req.mutable_paper()->mutable_sections(0)->mutable_blocks();
  pb::Table* overlap = blocks->Add()->mutable_table();
  {
    pb::RenderPaperRequest other = MinimalRequest();
    *overlap = *AddSpanTable(&other, 3, 0, {{{1, 1}, {1, 2}, {1, -1}}, {{2, 1}, {1, 1}}});
  }
  // Too many cells for the columns left beside a span.
  pb::Table* wide = blocks->Add()->mutable_table();
  {
    pb::RenderPaperRequest other = MinimalRequest();
    *wide = *AddSpanTable(&other, 3, 0, {{{1, 2}, {1, 1}, {1, 1}}, {{1, 1}, {1, 1}, {1, 1}}});
  }
  ExpectInvalid(req, {t0 + ".rows[0].cells[0].row_span", t0 + ".rows[2].cells[0].row_span",
                      t1 + ".rows[0].cells[2].row_span", t1 + ".rows[1].cells[0].column_span",
                      t1 + ".rows[1].cells", t2 + ".rows[1].cells"});
  const absl::Status status = StatusOf(req);
  EXPECT_EQ(DescriptionOf(status, t0 + ".rows[0].cells[0].row_span"),
            "2 rows from header row 0 cross into the body: a header cell may span only the 1 "
            "header rows from here (header_rows 1)");
  EXPECT_EQ(DescriptionOf(status, t0 + ".rows[2].cells[0].row_span"),
            "5 rows from row 2 run past the table's last row (2 rows from here)");
  EXPECT_EQ(DescriptionOf(status, t1 + ".rows[1].cells[0].column_span"),
            "columns 1 to 2 overlap column 2, which " + t1 +
                ".rows[0].cells[1] spans down into this row");
  EXPECT_EQ(DescriptionOf(status, t2 + ".rows[1].cells"),
            "column spans add up to 3 and 1 column is spanned from rows above: 4, but the "
            "table has 3 columns");
}

TEST(ConvertRenderPaperRequest, ColumnWidthsMustBePositiveAndFinite) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Table* table = Blocks(&req)->Add()->mutable_table();
  for (double w : {1.0, 0.0, -2.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
    table->add_column_widths(w);
  }
  pb::TableRow* row = table->add_rows();
  for (int c = 0; c < 5; ++c) row->add_cells();
  ExpectInvalid(req, {
                         "paper.sections[0].blocks[0].table.column_widths[1]",
                         "paper.sections[0].blocks[0].table.column_widths[2]",
                         "paper.sections[0].blocks[0].table.column_widths[3]",
                         "paper.sections[0].blocks[0].table.column_widths[4]",
                     });
}

TEST(ConvertRenderPaperRequest, TooManyColumnsIsInvalidArgument) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Table* table = Blocks(&req)->Add()->mutable_table();
  pb::TableRow* row = table->add_rows();
  for (int c = 0; c < 51; ++c) {
    table->add_column_widths(1);
    row->add_cells();
  }
  ExpectInvalid(req, {"paper.sections[0].blocks[0].table.column_widths"});
}

TEST(ConvertRenderPaperRequest, HeaderRowsMustLeaveABodyRow) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Table* table = AddTable(&req);
  table->set_header_rows(2);
  ExpectInvalid(req, {"paper.sections[0].blocks[0].table.header_rows"});
  table->set_header_rows(-1);
  ExpectInvalid(req, {"paper.sections[0].blocks[0].table.header_rows"});
  table->set_header_rows(0);
  ExpectOk(req);
}

TEST(ConvertRenderPaperRequest, CellFillAndFontSize) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Table* table = AddTable(&req);
  table->mutable_rows(0)->mutable_cells(0)->set_fill("red");
  table->mutable_rows(0)->mutable_cells(1)->set_fill("#12345G");
  table->mutable_rows(1)->mutable_cells(0)->set_fill("#00ff7F");
  table->set_font_size(6.5);
  ExpectInvalid(req, {
                         "paper.sections[0].blocks[0].table.rows[0].cells[0].fill",
                         "paper.sections[0].blocks[0].table.rows[0].cells[1].fill",
                         "paper.sections[0].blocks[0].table.font_size",
                     });
  for (double bad : {14.5, -10.0, std::nan("")}) {
    pb::RenderPaperRequest r = MinimalRequest();
    AddTable(&r)->set_font_size(bad);
    ExpectInvalid(r, {"paper.sections[0].blocks[0].table.font_size"});
  }
  pb::RenderPaperRequest ok = MinimalRequest();
  AddTable(&ok)->set_font_size(7);
  const absl::StatusOr<RenderJob> job = Convert(ok);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(std::get<doc::Table>(job->paper.sections[0].blocks[0]).font_size, 7);
}

TEST(ConvertRenderPaperRequest, TableRowsOverLimitAreResourceExhausted) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Table* table = AddTable(&req);
  *table->add_rows() = table->rows(1);
  *table->add_rows() = table->rows(1);  // 4 rows
  Limits limits;
  limits.max_table_rows = 3;
  const absl::Status status = StatusOf(req, limits);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_THAT(QuotaSubjects(status), ElementsAre("paper.sections[0].blocks[0].table.rows"));
  EXPECT_THAT(InvalidFields(status), IsEmpty());
}

// ---- Improvement tables ---------------------------------------------------------

TEST(ConvertRenderPaperRequest, UnknownStatusWordNeedsRag) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::ImprovementArea* area = AddImprovementArea(&req, "nearly there");
  const std::string path =
      "paper.sections[0].blocks[0].improvement_table.groups[0].areas[0].status";
  ExpectInvalid(req, {path});
  EXPECT_EQ(DescriptionOf(StatusOf(req), path),
            "\"nearly there\" is not a status word the renderer knows; set rag for its colour");
  area->set_rag(pb::GREY);
  const absl::StatusOr<RenderJob> job = Convert(req);
  ASSERT_TRUE(job.ok()) << job.status();
  const auto& table = std::get<doc::ImprovementTable>(job->paper.sections[0].blocks[0]);
  EXPECT_EQ(table.groups[0].areas[0].status_fill, (doc::Rgb{0xBF, 0xBF, 0xBF}));
  EXPECT_EQ(table.groups[0].areas[0].status, "nearly there");
}

TEST(ConvertRenderPaperRequest, StatusPathInsideALaterBlock) {
  pb::RenderPaperRequest req = MinimalRequest();
  auto* blocks = req.mutable_paper()->mutable_sections(0)->mutable_blocks();
  for (int i = 0; i < 8; ++i) *blocks->Add() = blocks->Get(0);  // blocks 0..8: paragraphs
  pb::ImprovementGroup* group = blocks->Add()->mutable_improvement_table()->add_groups();
  group->set_name("Standard");
  AddArea(group, "A", "complete");
  AddArea(group, "B", "closed");
  AddArea(group, "C", "delayed");
  ExpectInvalid(req, {"paper.sections[0].blocks[9].improvement_table.groups[0].areas[2].status"});
}

TEST(ConvertRenderPaperRequest, StatusWordsMapToRagColours) {
  const doc::Rgb green{0x00, 0xB0, 0x50}, amber{0xFF, 0xC0, 0x00}, red{0xFF, 0x00, 0x00},
      grey{0xBF, 0xBF, 0xBF};
  const std::pair<const char*, doc::Rgb> cases[] = {
      {"good progress", green}, {"Complete", green},      {"COMPLETED", green},
      {"on track", green},      {"progress", amber},      {"Some progress", amber},
      {"in progress", amber},   {"limited progress", red}, {"no progress", red},
      {"not started", red},     {"off track", red},       {"not adopted", grey},
      {"closed", grey},         {" superseded ", grey},
  };
  for (const auto& [word, colour] : cases) {
    SCOPED_TRACE(word);
    pb::RenderPaperRequest req = MinimalRequest();
    AddImprovementArea(&req, word);
    const absl::StatusOr<RenderJob> job = Convert(req);
    ASSERT_TRUE(job.ok()) << job.status();
    const auto& table = std::get<doc::ImprovementTable>(job->paper.sections[0].blocks[0]);
    EXPECT_EQ(table.groups[0].areas[0].status_fill, colour);
  }
}

TEST(ConvertRenderPaperRequest, RagColoursForCells) {
  const std::pair<pb::Rag, doc::Rgb> cases[] = {
      {pb::GREEN, {0x00, 0xB0, 0x50}}, {pb::AMBER, {0xFF, 0xC0, 0x00}},
      {pb::RED, {0xFF, 0x00, 0x00}},   {pb::GREY, {0xBF, 0xBF, 0xBF}},
      {pb::AMBER_GREEN, {0x92, 0xD0, 0x50}}, {pb::AMBER_RED, {0xFF, 0x66, 0x00}},
  };
  for (const auto& [rag, colour] : cases) {
    pb::RenderPaperRequest req = MinimalRequest();
    pb::TableCell* cell = AddTable(&req)->mutable_rows(1)->mutable_cells(0);
    cell->set_fill("#FFFFFF");
    cell->set_rag(rag);
    const absl::StatusOr<RenderJob> job = Convert(req);
    ASSERT_TRUE(job.ok()) << job.status();
    EXPECT_EQ(std::get<doc::Table>(job->paper.sections[0].blocks[0]).rows[1].cells[0].fill,
              colour);
  }
}

TEST(ConvertRenderPaperRequest, ColumnHeadingsNoneOrThree) {
  pb::RenderPaperRequest req = MinimalRequest();
  AddImprovementArea(&req, "progress");
  pb::ImprovementTable* table =
      req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_improvement_table();
  table->add_column_headings("Area");
  table->add_column_headings("Progress");
  ExpectInvalid(req, {"paper.sections[0].blocks[0].improvement_table.column_headings"});
  table->add_column_headings("RAG");
  const absl::StatusOr<RenderJob> job = Convert(req);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_THAT(std::get<doc::ImprovementTable>(job->paper.sections[0].blocks[0]).column_headings,
              ElementsAre("Area", "Progress", "RAG"));
}

TEST(ConvertRenderPaperRequest, LongUserTextIsNotEchoedInFull) {
  pb::RenderPaperRequest req = MinimalRequest();
  const std::string status(500, 'x');
  AddImprovementArea(&req, status);
  const std::string description = DescriptionOf(
      StatusOf(req), "paper.sections[0].blocks[0].improvement_table.groups[0].areas[0].status");
  EXPECT_THAT(description, StartsWith("\"" + std::string(40, 'x') + "...\""));
  EXPECT_LT(description.size(), 120u);
}

// ---- Characters (FontSet::CheckText) ----------------------------------------------

TEST(ConvertRenderPaperRequest, UnrenderableCharactersUseCheckTextDescription) {
  pb::RenderPaperRequest req = MinimalRequest();
  const std::string hebrew = "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D";  // U+05E9 ...
  const std::string cjk = "\xE4\xB8\xAD";                         // U+4E2D, in no face
  const std::string emoji = "\xF0\x9F\x98\x80";                   // U+1F600
  req.mutable_paper()->mutable_sections(0)->set_heading(hebrew);
  req.mutable_paper()->set_report_by("By " + cjk);
  req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()
      ->mutable_runs(0)->set_text("smile " + emoji);
  const absl::Status status = StatusOf(req);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(InvalidFields(status),
              UnorderedElementsAreArray({"paper.report_by", "paper.sections[0].heading",
                                         "paper.sections[0].blocks[0].paragraph.runs[0].text"}));
  EXPECT_EQ(DescriptionOf(status, "paper.sections[0].heading"),
            Fonts().CheckText(hebrew).message());
  EXPECT_EQ(DescriptionOf(status, "paper.report_by"), Fonts().CheckText("By " + cjk).message());
  EXPECT_THAT(DescriptionOf(status, "paper.sections[0].blocks[0].paragraph.runs[0].text"),
              HasSubstr("U+1F600"));
}

// With the bundled fonts (Panel CJK among them), Chinese, Japanese and
// Korean names are accepted in every kind of text field; right-to-left
// scripts are still refused, with their script named, in the same pass.
TEST(BundledFonts, CjkNamesAreAcceptedAndRightToLeftScriptsStillRefused) {
  static const auto* const fonts = [] {
    auto f = text::FontSet::Load(PP_FONTS_DIR);
    EXPECT_TRUE(f.ok()) << f.status();
    return new std::shared_ptr<const text::FontSet>(f.ok() ? *f : nullptr);
  }();
  ASSERT_NE(*fonts, nullptr);
  pb::RenderPaperRequest req = MinimalRequest();
  const std::string zh = "张伟", ja = "山田太郎（やまだ・タロウ）", ko = "김민준";
  req.mutable_paper()->set_title("Panel members " + zh + ", " + ja + ", " + ko);
  req.mutable_paper()->set_report_by(ko + " (Chief Officer)");
  req.mutable_paper()->mutable_sections(0)->set_heading(ja);
  req.mutable_paper()
      ->mutable_sections(0)
      ->mutable_blocks(0)
      ->mutable_paragraph()
      ->mutable_runs(0)
      ->set_text("Chair: " + zh + "\nSecretary: " + ja + "。");
  pb::Table* table = AddTable(&req);
  table->mutable_rows(1)->mutable_cells(0)->mutable_paragraphs(0)->mutable_runs(0)->set_text(ko);
  absl::StatusOr<RenderJob> job = ConvertRenderPaperRequest(req, **fonts, Limits{});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->paper.title, "Panel members " + zh + ", " + ja + ", " + ko);
  EXPECT_EQ(job->paper.report_by, ko + " (Chief Officer)");

  req.mutable_paper()->set_report_by(ko + " \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D");  // + Hebrew
  req.mutable_paper()->mutable_sections(0)->set_heading(zh + " \xD8\xB3");       // + Arabic
  const absl::Status status = ConvertRenderPaperRequest(req, **fonts, Limits{}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(InvalidFields(status),
              UnorderedElementsAreArray({"paper.report_by", "paper.sections[0].heading"}));
  EXPECT_EQ(DescriptionOf(status, "paper.report_by"),
            "has characters the renderer cannot draw: U+05E9 (Hebrew, right to left), "
            "U+05DC (Hebrew, right to left), U+05D5 (Hebrew, right to left), "
            "U+05DD (Hebrew, right to left)");
  EXPECT_EQ(DescriptionOf(status, "paper.sections[0].heading"),
            "has characters the renderer cannot draw: U+0633 (Arabic, right to left)");
}

// ---- Pasted text (NormalizePasted) -----------------------------------------------

// The first paragraph's first run text after conversion of `text`.
std::string ConvertedRunText(const std::string& text) {
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()
      ->mutable_runs(0)->set_text(text);
  const absl::StatusOr<RenderJob> job = Convert(req);
  EXPECT_TRUE(job.ok()) << job.status();
  if (!job.ok()) return "<error>";
  return std::get<doc::Paragraph>(job->paper.sections[0].blocks[0]).runs[0].text;
}

// paper.title after conversion of `text`.
std::string ConvertedTitle(const std::string& text) {
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->set_title(text);
  const absl::StatusOr<RenderJob> job = Convert(req);
  EXPECT_TRUE(job.ok()) << job.status();
  return job.ok() ? job->paper.title : "<error>";
}

TEST(PastedText, TabIsOneSpace) {
  EXPECT_EQ(ConvertedRunText("a\tb\t\tc"), "a b  c");
  EXPECT_EQ(ConvertedTitle("Title\twith tab"), "Title with tab");
}

TEST(PastedText, CrLfLoneCrAndLineSeparatorAreLineBreaksInRunText) {
  EXPECT_EQ(ConvertedRunText("one\r\ntwo\rthree\xE2\x80\xA8" "four\nfive"),
            "one\ntwo\nthree\nfour\nfive");
  EXPECT_EQ(ConvertedRunText("a\r\n\r\nb"), "a\n\nb");  // two CR LF: two breaks
  EXPECT_EQ(ConvertedRunText("a\r\rb"), "a\n\nb");
  EXPECT_EQ(ConvertedRunText("ends\r"), "ends\n");
}

TEST(PastedText, LineBreaksAreOneSpaceInSingleLineFields) {
  EXPECT_EQ(ConvertedTitle("One\r\nTwo\rThree\nFour\xE2\x80\xA8" "Five"),
            "One Two Three Four Five");
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->set_panel_name("AUDIT\r\nPANEL");
  req.mutable_paper()->mutable_sections(0)->set_heading("Head\ting\r\n");
  const absl::StatusOr<RenderJob> job = Convert(req);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->paper.panel_name, "AUDIT PANEL");
  EXPECT_EQ(job->paper.sections[0].heading, "Head ing ");
}

TEST(PastedText, NoBreakSpacesAndSoftHyphenReachLayout) {
  // U+00A0 and U+00AD as they are (layout keeps and breaks); U+202F as U+00A0.
  EXPECT_EQ(ConvertedRunText("10\xC2\xA0km hy\xC2\xADphen"), "10\xC2\xA0km hy\xC2\xADphen");
  EXPECT_EQ(ConvertedRunText("10\xE2\x80\xAFkm"), "10\xC2\xA0km");
}

TEST(PastedText, InvisibleCharactersAreDroppedOrKeptAsBreaks) {
  // U+2060 word joiner and U+FEFF byte order mark: dropped.
  EXPECT_EQ(ConvertedRunText("\xEF\xBB\xBFword\xE2\x81\xA0joined"), "wordjoined");
  EXPECT_EQ(ConvertedTitle("\xEF\xBB\xBFTitle"), "Title");
  // ZWNJ and ZWJ next to Latin: dropped.
  EXPECT_EQ(ConvertedRunText("a\xE2\x80\x8C" "b\xE2\x80\x8D" "c"), "abc");
  // U+200B stays: layout's break opportunity.
  EXPECT_EQ(ConvertedRunText("long\xE2\x80\x8Bword"), "long\xE2\x80\x8Bword");
}

TEST(PastedText, JoinerInsideAShapingScriptIsRefusedWithIt) {
  pb::RenderPaperRequest req = MinimalRequest();
  // Devanagari KA + virama + ZWJ: needs shaping, refused, the ZWJ named too.
  req.mutable_paper()->set_title("\xE0\xA4\x95\xE0\xA5\x8D\xE2\x80\x8D");
  ExpectInvalid(req, {"paper.title"});
  const std::string d = DescriptionOf(StatusOf(req), "paper.title");
  EXPECT_THAT(d, HasSubstr("U+0915 (Indic, needs text shaping)"));
  EXPECT_THAT(d, HasSubstr("U+200D (zero-width joiner"));
}

TEST(PastedText, OtherControlCharactersAreStillRefused) {
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->set_title(std::string("bell\x07 and NUL\0", 14));
  ExpectInvalid(req, {"paper.title"});
  EXPECT_EQ(DescriptionOf(StatusOf(req), "paper.title"),
            "has characters the renderer cannot draw: U+0007 (control character), "
            "U+0000 (control character)");
}

TEST(BadCharacters, EveryOffendingCharacterOfAFieldInOneViolation) {
  pb::RenderPaperRequest req = MinimalRequest();
  // Three different bad characters, one of them twice, among good ones.
  req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()
      ->mutable_runs(0)->set_text(
          "Shalom \xD7\xA9 and \xD7\xA9, smile \xF0\x9F\x98\x80, Cafe\xCC\x81 \xC3\xA9");
  const absl::Status status = StatusOf(req);
  ASSERT_THAT(InvalidFields(status),
              ElementsAre("paper.sections[0].blocks[0].paragraph.runs[0].text"));
  EXPECT_EQ(DescriptionOf(status, "paper.sections[0].blocks[0].paragraph.runs[0].text"),
            "has characters the renderer cannot draw: U+05E9 \xC3\x97" "2 (Hebrew, right to left), "
            "U+1F600 (outside the Basic Multilingual Plane, e.g. emoji), "
            "U+0301 (combining diacritical mark; send precomposed characters, NFC)");
}

TEST(BadCharacters, EachFieldGetsItsOwnViolation) {
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->set_title("\xE4\xB8\xAD\xE6\x96\x87");       // two CJK ideographs
  req.mutable_paper()->set_report_by("\xD8\xB3\xE2\x80\x8E");        // Arabic + LRM
  const absl::Status status = StatusOf(req);
  EXPECT_THAT(InvalidFields(status), UnorderedElementsAreArray({"paper.title", "paper.report_by"}));
  EXPECT_EQ(DescriptionOf(status, "paper.title"),
            "has characters the renderer cannot draw: U+4E2D (not in any bundled font), "
            "U+6587 (not in any bundled font)");
  EXPECT_EQ(DescriptionOf(status, "paper.report_by"),
            "has characters the renderer cannot draw: U+0633 (Arabic, right to left), "
            "U+200E (direction mark, needs a bidi algorithm)");
}

TEST(BadCharacters, ALongListIsCut) {
  std::string text;
  for (char32_t cp = 0x05D0; cp < 0x05D0 + 20; ++cp) AppendUtf8(cp, &text);
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->set_title(text);
  const std::string d = DescriptionOf(StatusOf(req), "paper.title");
  EXPECT_THAT(d, HasSubstr("U+05DB (Hebrew, right to left), and 8 more"));
  EXPECT_THAT(d, ::testing::Not(HasSubstr("U+05DC")));
}

TEST(ConvertRenderPaperRequest, LineBreaksOnlyInRunText) {
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()
      ->mutable_runs(0)->set_text("line one\nline two");
  ExpectOk(req);
  // Outside run text a pasted line break is one space (PastedText below);
  // FontSet::CheckText itself still refuses it where not allowed.
  req.mutable_paper()->set_title("Title\nsecond line");
  EXPECT_EQ(ConvertedTitle("Title\nsecond line"), "Title second line");
  EXPECT_THAT(std::string(Fonts().CheckText("Title\nsecond line", false).message()),
              HasSubstr("U+000A (line break; only run text may hold line breaks)"));
}

TEST(ConvertRenderPaperRequest, MalformedUtf8IsInvalid) {
  pb::RenderPaperRequest req = MinimalRequest();
  // Proto3 parsing rejects this on the wire, but in-process callers can set it.
  req.mutable_paper()->set_panel_name("PANEL \xC3");
  ExpectInvalid(req, {"paper.panel_name"});
}

// ---- Lists ----------------------------------------------------------------------

TEST(ConvertRenderPaperRequest, ListNestingUpToTheLimit) {
  pb::RenderPaperRequest req = MinimalRequest();
  AddNestedList(&req, 6);
  ExpectOk(req);

  pb::RenderPaperRequest deep = MinimalRequest();
  AddNestedList(&deep, 7);
  ExpectInvalid(deep, {NestedListPath(6)});
  EXPECT_EQ(DescriptionOf(StatusOf(deep), NestedListPath(6)),
            "lists may nest at most 6 levels deep");
}

TEST(ConvertRenderPaperRequest, TenThousandNestedListsFailWithoutCrashing) {
  // Built on an arena: destroying a 10,000-level message tree recursively
  // could itself exhaust the stack.
  google::protobuf::Arena arena;
  auto* req = google::protobuf::Arena::CreateMessage<pb::RenderPaperRequest>(&arena);
  *req = MinimalRequest();
  pb::List* list = Blocks(req)->Add()->mutable_list();
  for (int level = 0; level < 10000; ++level) {
    pb::ListItem* item = list->add_items();
    AddRun(item->mutable_runs(), "x");
    list = item->mutable_sublist();
  }
  AddRun(list->add_items()->mutable_runs(), "leaf");
  const absl::Status status = StatusOf(*req);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(InvalidFields(status), ElementsAre(NestedListPath(6)));
}

// ---- Limits (RESOURCE_EXHAUSTED) --------------------------------------------------

TEST(ConvertRenderPaperRequest, StringOverTheLimitIsResourceExhausted) {
  pb::RenderPaperRequest req = MinimalRequest();
  const Limits limits;
  req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()
      ->mutable_runs(0)->set_text(std::string(limits.max_string_bytes + 1, 'a'));
  const absl::Status status = StatusOf(req, limits);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  std::optional<google::rpc::QuotaFailure> failure = QuotaFailureOf(status);
  ASSERT_TRUE(failure.has_value());
  ASSERT_EQ(failure->violations_size(), 1);
  EXPECT_EQ(failure->violations(0).subject(), "paper.sections[0].blocks[0].paragraph.runs[0].text");
  EXPECT_EQ(failure->violations(0).description(),
            "is 1048577 bytes; a string may have at most 1048576");
  EXPECT_FALSE(status.GetPayload(kBadRequestTypeUrl).has_value());
  EXPECT_LT(status.message().size(), 300u);  // the text itself is not echoed
}

TEST(ConvertRenderPaperRequest, TotalTextIsReportedOnceWhereCrossed) {
  pb::RenderPaperRequest req = MinimalRequest();
  auto* runs =
      req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()
          ->mutable_runs();
  runs->Clear();
  for (int i = 0; i < 5; ++i) AddRun(runs, std::string(30, 'a'));
  Limits limits;
  limits.max_total_text_bytes = 120;  // title + panel + heading come first
  const absl::Status status = StatusOf(req, limits);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  // Counted in request order: panel name (27) + title (40) + heading (22)
  // = 89; runs[0] makes 119, runs[1] 149 > 120.
  EXPECT_THAT(QuotaSubjects(status),
              ElementsAre("paper.sections[0].blocks[0].paragraph.runs[1].text"));
}

TEST(ConvertRenderPaperRequest, SectionsOverLimit) {
  pb::RenderPaperRequest req = MinimalRequest();
  for (int i = 0; i < 2; ++i) *req.mutable_paper()->add_sections() = req.paper().sections(0);
  Limits limits;
  limits.max_sections = 2;
  const absl::Status status = StatusOf(req, limits);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(QuotaSubjects(status), ElementsAre("paper.sections"));
}

TEST(ConvertRenderPaperRequest, BlockBudgetIsReportedOnceWhereCrossed) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Section* s = req.mutable_paper()->mutable_sections(0);
  for (int i = 0; i < 3; ++i) *s->add_blocks() = s->blocks(0);  // 4 paragraphs
  pb::List* list = s->add_blocks()->mutable_list();              // block 4
  for (int i = 0; i < 3; ++i) AddRun(list->add_items()->mutable_runs(), "item");
  *req.mutable_paper()->add_sections() = *s;
  Limits limits;
  limits.max_blocks = 7;  // blocks 0-3, list, items 0 and 1 → crossed at items[2]
  const absl::Status status = StatusOf(req, limits);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(QuotaSubjects(status), ElementsAre("paper.sections[0].blocks[4].list.items[2]"));
}

// ---- Status, payloads, bounds -----------------------------------------------------

TEST(ConvertRenderPaperRequest, BadRequestPayloadListsAllViolations) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Paper* p = req.mutable_paper();
  p->clear_title();
  p->set_meeting_date("2020-02-30");
  p->set_first_page_number(-5);
  p->mutable_sections(0)->clear_heading();
  p->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()->mutable_runs(0)->set_link("x");
  const absl::Status status = StatusOf(req);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  std::optional<google::rpc::BadRequest> bad_request = BadRequestOf(status);
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations_size(), 5);
  std::vector<std::string> fields;
  for (const auto& v : bad_request->field_violations()) {
    fields.push_back(v.field());
    EXPECT_FALSE(v.description().empty()) << v.field();
  }
  EXPECT_THAT(fields, UnorderedElementsAreArray({
                          "paper.title",
                          "paper.meeting_date",
                          "paper.first_page_number",
                          "paper.sections[0].heading",
                          "paper.sections[0].blocks[0].paragraph.runs[0].link",
                      }));
  EXPECT_THAT(std::string(status.message()), StartsWith("request has 5 invalid fields: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr("paper.title: required"));
  EXPECT_FALSE(status.GetPayload(kQuotaFailureTypeUrl).has_value());
}

TEST(Violations, EmptyIsOk) {
  const Violations v;
  EXPECT_TRUE(v.empty());
  EXPECT_TRUE(v.ToStatus().ok());
}

TEST(Violations, MessageListsTenThenCounts) {
  Violations v;
  for (int i = 0; i < 30; ++i) v.AddInvalid(absl::StrCat("f", i), "bad");
  const absl::Status status = v.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "request has 30 invalid fields: f0: bad; f1: bad; f2: bad; f3: bad; f4: bad; f5: bad; "
            "f6: bad; f7: bad; f8: bad; f9: bad; and 20 more");
  EXPECT_THAT(InvalidFields(status), SizeIs(30));
}

TEST(Violations, SingularMessage) {
  Violations v;
  v.AddInvalid("paper.title", "required");
  EXPECT_EQ(v.ToStatus().message(), "request has 1 invalid field: paper.title: required");
}

TEST(Violations, ExhaustedWinsAndBothPayloadsAreAttached) {
  Violations v;
  v.AddInvalid("paper.title", "required");
  v.AddExhausted("paper.sections", "300 sections; a paper may have at most 200");
  const absl::Status status = v.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(),
            "request has 2 invalid fields: paper.sections: 300 sections; a paper may have at most "
            "200; paper.title: required");
  EXPECT_THAT(QuotaSubjects(status), ElementsAre("paper.sections"));
  EXPECT_THAT(InvalidFields(status), ElementsAre("paper.title"));
}

TEST(Violations, RecordingAndPayloadAreBounded) {
  // 100,000 empty runs: every one is a violation, but only a bounded number
  // are kept, and the payload stays small enough for a gRPC trailer.
  pb::RenderPaperRequest req = MinimalRequest();
  auto* runs = req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph()
                   ->mutable_runs();
  for (int i = 0; i < 100000; ++i) runs->Add();
  const absl::Status status = StatusOf(req);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("request has 100000 invalid fields: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr("; and 99990 more"));
  const auto payload = status.GetPayload(kBadRequestTypeUrl);
  ASSERT_TRUE(payload.has_value());
  EXPECT_LE(payload->size(), Violations::kDefaultMaxPayloadBytes);
  const std::vector<std::string> fields = InvalidFields(status);
  ASSERT_FALSE(fields.empty());
  EXPECT_EQ(fields[0], "paper.sections[0].blocks[0].paragraph.runs[1].text");

  Violations v;
  for (int i = 0; i < 1000; ++i) v.AddInvalid("f", "d");
  EXPECT_THAT(v.invalid, SizeIs(Violations::kDefaultMaxRecorded));
  EXPECT_EQ(v.count(), 1000u);
}

// ---- Strings the PDF holds (renderers/common/pdf_text.h) -------------------

std::string Repeat(const std::string& unit, size_t n) {
  std::string out;
  out.reserve(unit.size() * n);
  for (size_t i = 0; i < n; ++i) out += unit;
  return out;
}

// Document information becomes PDF strings (at most 32,767 bytes, PDF/A-2
// 6.1.13; libharu refuses 65,536): at most 16,000 characters, whatever the
// encoding, refused up front with the field path rather than failing in
// libharu (INTERNAL) or making a file PDF/A checks reject.
TEST(ConvertRenderPaperRequest, MetadataStringsWithinThePdfStringLimit) {
  // ASCII (PDFDocEncoding, a byte each) and ő (UTF-16, two bytes each).
  for (const std::string unit : {"a", "\xC5\x91"}) {
    for (const char* field : {"title", "author", "subject", "creator"}) {
      auto with = [&](size_t chars) {
        pb::RenderPaperRequest req = MinimalRequest();
        const std::string v = Repeat(unit, chars);
        pb::DocumentMetadata* m = req.mutable_paper()->mutable_metadata();
        const std::string f = field;
        if (f == "title") m->set_title(v);
        if (f == "author") m->set_author(v);
        if (f == "subject") m->set_subject(v);
        if (f == "creator") m->set_creator(v);
        return req;
      };
      const std::string path = absl::StrCat("paper.metadata.", field);
      ExpectOk(with(16000));
      for (size_t chars : {size_t{16001}, size_t{32767}, size_t{32768}, size_t{65535}, size_t{65536}}) {
        SCOPED_TRACE(absl::StrCat(field, " ", unit.size(), "-byte characters x", chars));
        ExpectInvalid(with(chars), {path});
        EXPECT_EQ(DescriptionOf(StatusOf(with(chars)), path),
                  absl::StrCat("is ", chars,
                               " characters; document information may have at most 16000 (a PDF "
                               "string's limit)"));
      }
    }
  }
}

TEST(ConvertRenderPaperRequest, KeywordsJoinedWithinThePdfStringLimit) {
  // 200,000 empty keywords: a 400 kB request whose Keywords string ("; "
  // between each) would be 399,998 characters.
  pb::RenderPaperRequest req = MinimalRequest();
  for (int i = 0; i < 200000; ++i) req.mutable_paper()->mutable_metadata()->add_keywords("");
  ExpectInvalid(req, {"paper.metadata.keywords"});
  EXPECT_THAT(DescriptionOf(StatusOf(req), "paper.metadata.keywords"),
              HasSubstr("200000 keywords come to 399998 characters"));
  // 16,000 characters joined are fine, 16,001 are not.
  req = MinimalRequest();
  pb::DocumentMetadata* m = req.mutable_paper()->mutable_metadata();
  m->add_keywords(Repeat("\xC5\x91", 7999));
  m->add_keywords(Repeat("k", 7999));  // 7,999 + 2 + 7,999 = 16,000
  ExpectOk(req);
  m->set_keywords(1, Repeat("k", 8000));
  ExpectInvalid(req, {"paper.metadata.keywords"});
}

TEST(ConvertRenderPaperRequest, DerivedMetadataIsNotRefused) {
  // The default title (the paper's title) and subject (the panel name...)
  // may be longer than a PDF string: layout cuts them, the request is valid.
  pb::RenderPaperRequest req = MinimalRequest();
  req.mutable_paper()->set_title(Repeat("t", 65536));
  req.mutable_paper()->set_panel_name(Repeat("p", 65536));
  req.mutable_paper()->set_report_by(Repeat("r", 65536));
  req.mutable_paper()->mutable_sections(0)->set_heading(Repeat("h", 65536));
  ExpectOk(req);
}

TEST(ConvertRenderPaperRequest, LinksAndEmailsWithinTheirLimits) {
  pb::RenderPaperRequest req = MinimalRequest();
  const std::string url = "https://example.org/";
  pb::Run* run = req.mutable_paper()->mutable_sections(0)->mutable_blocks(0)
                     ->mutable_paragraph()->mutable_runs(0);
  run->set_link(url + Repeat("a", 16000 - url.size()));
  ExpectOk(req);
  run->set_link(url + Repeat("a", 16001 - url.size()));
  ExpectInvalid(req, {"paper.sections[0].blocks[0].paragraph.runs[0].link"});

  req = MinimalRequest();
  pb::Contact* c = Blocks(&req)->Add()->mutable_contact_details()->add_contacts();
  c->set_name("A. Person");
  c->set_email(Repeat("a", 242) + "@example.org");  // 254 characters
  ExpectOk(req);
  c->set_email(Repeat("a", 243) + "@example.org");
  ExpectInvalid(req, {"paper.sections[0].blocks[0].contact_details.contacts[0].email"});
}

TEST(ConvertAgendaPackRequest, PackMetadataWithinThePdfStringLimit) {
  pb::RenderAgendaPackRequest req;
  pb::Meeting* meeting = req.mutable_meeting();
  meeting->set_panel_name("Panel");
  meeting->set_date("2020-01-08");
  pb::AgendaItem* item = req.add_items();
  item->mutable_number()->set_number(1);
  item->set_title(Repeat("i", 65536));  // becomes a bookmark: cut, not refused
  *item->mutable_paper() = MinimalRequest().paper();
  item->mutable_paper()->mutable_metadata()->set_title(Repeat("x", 16001));
  req.mutable_metadata()->set_title(Repeat("\xC5\x91", 16001));
  req.mutable_metadata()->set_subject(Repeat("s", 16000));
  for (int i = 0; i < 200000; ++i) req.mutable_metadata()->add_keywords("");
  const absl::Status s = ConvertAgendaPackRequest(req, Fonts(), Limits{}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(InvalidFields(s), UnorderedElementsAreArray({"items[0].paper.metadata.title",
                                                            "metadata.title", "metadata.keywords"}));
}

// What layout would refuse (more columns than the body holds at one em plus
// 8 pt of padding each) is refused up front; shares are only preferences,
// so a column squeezed by the others' shares is not refused (layout widens
// it).
TEST(ConvertRenderPaperRequest, ColumnsMustHaveRoomForTheirText) {
  auto table = [](const std::vector<double>& widths, double font_size) {
    pb::RenderPaperRequest req = MinimalRequest();
    pb::Table* t = Blocks(&req)->Add()->mutable_table();
    t->set_font_size(font_size);
    pb::TableRow* row = t->add_rows();
    for (double w : widths) {
      t->add_column_widths(w);
      AddRun(row->add_cells()->add_paragraphs()->mutable_runs(), "x");
    }
    return req;
  };
  const std::string w = "paper.sections[0].blocks[0].table.column_widths";
  // 467.7 pt of text width: 25 columns of 18 pt at 10 pt, 31 of 15 pt at 7
  // pt, 21 of 22 pt at 14 pt.
  for (const auto& [size, fit] : {std::pair{10.0, 25}, std::pair{0.0, 25}, std::pair{7.0, 31},
                                  std::pair{14.0, 21}}) {
    SCOPED_TRACE(size);
    ExpectOk(table(std::vector<double>(static_cast<size_t>(fit), 1.0), size));
    const pb::RenderPaperRequest over = table(std::vector<double>(static_cast<size_t>(fit) + 1, 1.0), size);
    ExpectInvalid(over, {w});
    EXPECT_THAT(DescriptionOf(StatusOf(over), w),
                HasSubstr(absl::StrCat("hold at most ", fit)));
  }
  // Few columns, two of them squeezed by the others' shares: accepted.
  ExpectOk(table({1, 100, 1, 100}, 10));
  ExpectOk(table({1e-300, 1}, 10));
  ExpectOk(table({17.9, 449.8}, 10));
}

}  // namespace
}  // namespace pp::service
