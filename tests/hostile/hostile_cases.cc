#include "tests/hostile/hostile_cases.h"

#include <string>
#include <utility>

namespace pp::hostile {

pb::RenderPaperRequest MinimalRequest() {
  pb::RenderPaperRequest req;
  pb::Paper* paper = req.mutable_paper();
  paper->set_panel_name("MPS-MOPAC JOINT AUDIT PANEL");
  paper->set_meeting_date("2020-01-08");
  paper->set_title("Hostile input");
  pb::Section* section = paper->add_sections();
  section->set_heading("Supporting information");
  section->add_blocks()->mutable_paragraph()->add_runs()->set_text(
      "The Panel is asked to note this report.");
  return req;
}

namespace {

pb::Paragraph* FirstParagraph(pb::RenderPaperRequest* req) {
  return req->mutable_paper()->mutable_sections(0)->mutable_blocks(0)->mutable_paragraph();
}

// MinimalRequest with its only block replaced by an empty one.
pb::Block* OnlyBlock(pb::RenderPaperRequest* req) {
  pb::Section* section = req->mutable_paper()->mutable_sections(0);
  section->clear_blocks();
  return section->add_blocks();
}

void AddRow(pb::Table* table, int cells, const std::string& text) {
  pb::TableRow* row = table->add_rows();
  for (int c = 0; c < cells; ++c) {
    row->add_cells()->add_paragraphs()->add_runs()->set_text(text);
  }
}

}  // namespace

pb::RenderPaperRequest TextRequest(std::string_view text) {
  pb::RenderPaperRequest req = MinimalRequest();
  FirstParagraph(&req)->mutable_runs(0)->set_text(std::string(text));
  return req;
}

pb::RenderPaperRequest WordRequest(size_t bytes, int runs) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Paragraph* p = FirstParagraph(&req);
  p->clear_runs();
  size_t left = bytes;
  for (int i = 0; i < runs; ++i) {
    const size_t n = i + 1 == runs ? left : bytes / static_cast<size_t>(runs);
    p->add_runs()->set_text(std::string(n, 'x'));
    left -= n;
  }
  return req;
}

pb::RenderPaperRequest BulletsRequest(int items) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::List* list = OnlyBlock(&req)->mutable_list();
  list->set_style(pb::BULLET);
  for (int i = 0; i < items; ++i) {
    list->add_items()->add_runs()->set_text("Item " + std::to_string(i + 1));
  }
  return req;
}

void BuildNestedLists(int depth, pb::RenderPaperRequest* req) {
  *req = MinimalRequest();
  pb::List* list = OnlyBlock(req)->mutable_list();
  for (int level = 1; level <= depth; ++level) {
    pb::ListItem* item = list->add_items();
    item->add_runs()->set_text("Level " + std::to_string(level));
    if (level < depth) list = item->mutable_sublist();
  }
}

pb::RenderPaperRequest TallCellRequest(int words) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Table* table = OnlyBlock(&req)->mutable_table();
  table->add_column_widths(1);
  table->set_header_rows(1);
  AddRow(table, 1, "Narrative");
  std::string text;
  for (int i = 0; i < words; ++i) {
    text += (i % 12 == 11) ? "sentence. " : "word ";
  }
  text.pop_back();
  AddRow(table, 1, text);
  return req;
}

pb::RenderPaperRequest TallHeaderRequest(int lines) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Table* table = OnlyBlock(&req)->mutable_table();
  table->add_column_widths(1);
  table->set_header_rows(1);
  std::string text;
  for (int i = 0; i < lines; ++i) text += i + 1 < lines ? "Heading\n" : "Heading";
  AddRow(table, 1, text);
  AddRow(table, 1, "Body");
  return req;
}

pb::RenderPaperRequest LinesRequest(int lines) {
  std::string text;
  for (int i = 0; i < lines; ++i) text += i + 1 < lines ? "x\n" : "x";
  return TextRequest(text);
}

pb::RenderPaperRequest ColumnsRequest(int columns) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Table* table = OnlyBlock(&req)->mutable_table();
  for (int c = 0; c < columns; ++c) table->add_column_widths(1);
  for (int r = 0; r < 2; ++r) AddRow(table, columns == 0 ? 1 : columns, "1");
  return req;
}

pb::RenderPaperRequest WidthsRequest(const std::vector<double>& widths) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Table* table = OnlyBlock(&req)->mutable_table();
  for (const double w : widths) table->add_column_widths(w);
  for (int r = 0; r < 2; ++r) AddRow(table, static_cast<int>(widths.size()), "1");
  return req;
}

pb::RenderPaperRequest LongRequest(int paragraphs) {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Section* section = req.mutable_paper()->mutable_sections(0);
  section->clear_blocks();
  std::string text;
  for (int w = 0; w < 60; ++w) text += "governance ";
  text.pop_back();
  for (int i = 0; i < paragraphs; ++i) {
    section->add_blocks()->mutable_paragraph()->add_runs()->set_text(text);
  }
  return req;
}

pb::RenderPaperRequest UnknownEnumsRequest() {
  pb::RenderPaperRequest req = MinimalRequest();
  pb::Paper* paper = req.mutable_paper();
  paper->set_protective_marking(static_cast<pb::ProtectiveMarking>(99));
  pb::Recommendations* rec = paper->mutable_summary()->mutable_recommendations();
  rec->set_label_style(static_cast<pb::ListStyle>(99));
  rec->add_items()->add_runs()->set_text("Note the report.");
  pb::Section* section = paper->mutable_sections(0);
  pb::List* list = section->add_blocks()->mutable_list();  // blocks[1]
  list->set_style(static_cast<pb::ListStyle>(99));
  list->add_items()->add_runs()->set_text("An item.");
  pb::Table* table = section->add_blocks()->mutable_table();  // blocks[2]
  table->add_column_widths(1);
  AddRow(table, 1, "Cell");
  table->mutable_rows(0)->mutable_cells(0)->set_rag(static_cast<pb::Rag>(99));
  table->mutable_rows(0)->mutable_cells(0)->set_alignment(static_cast<pb::Alignment>(99));
  pb::ImprovementGroup* group = section->add_blocks()->mutable_improvement_table()->add_groups();
  group->set_name("Priority");  // blocks[3]
  pb::ImprovementArea* area = group->add_areas();
  area->set_name("Capability");
  area->set_status("good progress");
  area->set_rag(static_cast<pb::Rag>(99));
  return req;
}

pb::RenderPaperRequest MissingRequiredRequest() {
  pb::RenderPaperRequest req;
  pb::Paper* paper = req.mutable_paper();
  // panel_name, meeting_date, title: unset. agenda_item without its number.
  paper->mutable_agenda_item();
  pb::ReportSummary* summary = paper->mutable_summary();
  summary->add_body();                               // a paragraph without runs
  summary->add_purpose()->add_runs();                // a run without text
  summary->add_key_considerations();                 // a list item without runs
  summary->mutable_recommendations();                // recommendations without items
  pb::Section* section = paper->add_sections();      // without its heading
  section->add_blocks();                             // [0] a block of no kind
  section->add_blocks()->mutable_paragraph();        // [1] no runs
  section->add_blocks()->mutable_subheading();       // [2] no text
  section->add_blocks()->mutable_list();             // [3] no items
  section->add_blocks()->mutable_list()->add_items();  // [4] an item without runs
  section->add_blocks()->mutable_table();            // [5] no column widths, no rows
  pb::Table* table = section->add_blocks()->mutable_table();  // [6] a row without cells
  table->add_column_widths(1);
  table->add_rows();
  section->add_blocks()->mutable_improvement_table();  // [7] no groups
  pb::ImprovementGroup* group =
      section->add_blocks()->mutable_improvement_table()->add_groups();  // [8] no name
  group->add_areas()->add_actions();  // an area without name or status; an action without code
  section->add_blocks()->mutable_improvement_table()->add_groups()->set_name(
      "Standard");                                   // [9] a group without areas
  section->add_blocks()->mutable_contact_details();  // [10] no contacts
  section->add_blocks()->mutable_contact_details()->add_contacts();  // [11] no name
  pb::Appendices* appendices = section->add_blocks()->mutable_appendices();  // [12]
  appendices->add_appendices();                      // no label, no title
  appendices->add_background_papers();               // no title
  return req;
}

pb::RenderAgendaPackRequest MinimalPack() {
  pb::RenderAgendaPackRequest pack;
  pb::Meeting* meeting = pack.mutable_meeting();
  meeting->set_panel_name("MPS-MOPAC JOINT AUDIT PANEL");
  meeting->set_date("2020-01-08");
  meeting->set_start_time("14:00");
  meeting->add_members()->set_name("Dr Helen Carrow");
  pb::AgendaItem* apologies = pack.add_items();
  apologies->mutable_number()->set_number(1);
  apologies->set_title("Apologies for Absence");
  pb::AgendaItem* paper = pack.add_items();
  paper->mutable_number()->set_number(2);
  paper->set_title("Hostile input");
  paper->set_purpose(pb::FOR_NOTING);
  *paper->mutable_paper() = MinimalRequest().paper();
  pb::AgendaItem* exempt = pack.add_items();
  exempt->mutable_number()->set_number(3);
  exempt->set_title("Exempt item");
  exempt->set_part(pb::PART_II);
  exempt->set_exempt_paragraph(7);
  *exempt->mutable_paper() = MinimalRequest().paper();
  return pack;
}

pb::RenderAgendaPackRequest UnknownEnumsPack() {
  pb::RenderAgendaPackRequest pack = MinimalPack();
  pack.set_edition(static_cast<pb::PackEdition>(99));
  pack.mutable_items(0)->set_part(static_cast<pb::AgendaPart>(99));
  pack.mutable_items(0)->set_purpose(static_cast<pb::ItemPurpose>(99));
  *pack.mutable_items(1)->mutable_paper() = UnknownEnumsRequest().paper();
  return pack;
}

pb::RenderAgendaPackRequest MissingRequiredPack() {
  pb::RenderAgendaPackRequest pack;
  pb::Meeting* meeting = pack.mutable_meeting();  // no panel_name, no date
  meeting->add_members();                         // no name
  meeting->add_officers();                        // no name
  meeting->mutable_contact();                     // no name
  pack.add_items();                               // no number, no title
  pb::AgendaItem* exempt = pack.add_items();      // Part II without its paragraph
  exempt->mutable_number()->set_number(2);
  exempt->set_title("Exempt item");
  exempt->set_part(pb::PART_II);
  pb::AgendaItem* with_paper = pack.add_items();  // an empty paper; a number without number
  with_paper->mutable_number()->set_sub_letter("a");
  with_paper->set_title("Empty paper");
  with_paper->mutable_paper();
  return pack;
}

}  // namespace pp::hostile
