// File: renderers/doc/document.h
//
// The validated, proto-free document model of one panel paper: what the
// layout engine consumes. service/request_converter builds it from a
// panelpaper.v1.RenderPaperRequest after validating every field; tests and
// benchmarks may build it directly.
//
// Invariants (established by the converter, relied on by layout):
// * all text is valid UTF-8 and every character is renderable by the bundled
//   fonts (text::FontSet::CheckText);
// * required fields are present (non-empty title, at least one section, ...);
// * table rows' column spans, with the columns spanned from rows above,
//   add up to the column count; row spans stay inside the header or the
//   body rows and never overlap; widths are > 0;
// * enum-like fields hold one of their listed values.
// Every node keeps `path`, its field path in the request
// ("paper.sections[2].blocks[0]"), so later stages can name the culprit.
//
//   doc::Paper paper;
//   paper.title = "Met Governance Improvement Plans 2018/21";
//   paper.sections.push_back({.heading = "Supporting information"});
#ifndef PANELPAPER_RENDERERS_DOC_DOCUMENT_H_
#define PANELPAPER_RENDERERS_DOC_DOCUMENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/civil_time.h"

namespace pp::doc {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

// A calendar date (proleptic Gregorian): absl's civil day, the one date
// type of the code base (parsed from "YYYY-MM-DD" by
// service::ParseIsoDate).
using Date = absl::CivilDay;

// A point in time for PDF metadata: UTC seconds since the epoch.
struct Timestamp {
  int64_t seconds = 0;
  friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

struct Run {
  std::string text;  // may contain '\n' (forced line break)
  bool bold = false;
  bool italic = false;
  std::string link;  // https/http/mailto URL, or empty
  std::string language = {};  // BCP 47 tag when it differs from the paper's, or empty
};
using Runs = std::vector<Run>;

struct Paragraph {
  Runs runs;
  bool unnumbered = false;
  std::string path;
};

enum class ListStyle : uint8_t {
  kBullet,
  kLowerAlphaDot,    // a.
  kLowerAlphaParen,  // (a)
  kDecimalDot,       // 1.
  kDecimalParen,     // (1)
  kLowerRomanDot,    // i.
  kUpperRomanDot,    // I.
  kNone,
};

struct List;

struct ListItem {
  Runs runs;
  std::vector<List> sublists;  // zero or one nested list
  std::string path;
};

struct List {
  ListStyle style = ListStyle::kBullet;
  std::vector<ListItem> items;
  std::string path;
};

struct Subheading {
  std::string text;
  bool italic = false;
  std::string path;
};

enum class Align : uint8_t { kLeft, kCenter, kRight };

struct TableCell {
  std::vector<Paragraph> paragraphs;
  int column_span = 1;
  std::optional<Rgb> fill;
  Align align = Align::kLeft;
  bool bold = false;
  std::string path;
  int row_span = 1;  // rows spanned downwards (the HTML model)
};

struct TableRow {
  std::vector<TableCell> cells;
  std::string path;
};

struct Table {
  std::vector<double> column_widths;  // relative, all > 0
  int header_rows = 0;
  std::vector<TableRow> rows;
  std::string caption;
  double font_size = 10;
  std::string path;
};

struct ImprovementAction {
  std::string code;
  Runs runs;
  std::string path;
};

struct ImprovementArea {
  std::string name;
  std::string status;  // printed as given
  Rgb status_fill;     // resolved RAG colour
  Rgb status_text = {0, 0, 0};
  std::string lead;
  Runs aim;
  Runs main_issue;
  std::vector<ImprovementAction> actions;
  std::vector<Paragraph> progress;
  Runs monitoring;
  std::string path;
};

struct ImprovementGroup {
  std::string name;
  std::vector<ImprovementArea> areas;
  std::string path;
};

struct ImprovementTable {
  std::vector<ImprovementGroup> groups;
  // Exactly three labels: columns A, B and C.
  std::vector<std::string> column_headings = {"Improvement area and actions", "Progress",
                                              "Status"};
  std::string path;
};

struct Contact {
  std::string role = "Report author";
  std::string name;
  std::string unit;
  std::string email;
  std::string phone;
  std::string path;
};

struct ContactDetails {
  std::vector<Contact> contacts;
  std::string path;
};

struct Appendix {
  std::string label;
  std::string title;
};

struct BackgroundPaper {
  std::string title;
  std::string link;
};

struct Appendices {
  std::vector<Appendix> appendices;
  std::vector<BackgroundPaper> background_papers;
  std::string path;
};

using Block = std::variant<Paragraph, Subheading, List, Table, ImprovementTable, ContactDetails,
                           Appendices>;

struct Section {
  std::string heading;
  bool numbered_paragraphs = false;
  std::vector<Block> blocks;
  std::string path;
};

struct Recommendations {
  Runs lead_in;
  ListStyle label_style = ListStyle::kLowerAlphaDot;
  std::vector<ListItem> items;
  std::string path;
};

struct ReportSummary {
  std::vector<Paragraph> body;
  std::vector<Paragraph> purpose;
  std::vector<ListItem> key_considerations;
  std::vector<ListItem> interdependencies;
  std::optional<Recommendations> recommendations;
  bool boxed = true;
  std::string path;
};

struct Metadata {
  std::string title;    // resolved: never empty after conversion
  std::string author;
  std::string subject;
  std::vector<std::string> keywords;
  std::string creator;
  std::optional<Timestamp> created;
  std::optional<Timestamp> modified;
};

// A sign-off record printed on the paper's last page when it is archived.
struct SignOff {
  std::string approved_by;
  std::string role;
  Date decision_date;
  std::string meeting;
  std::string decision_reference;
};

struct Paper {
  std::vector<std::string> organisation_lines;
  std::string panel_name;
  Date meeting_date;
  bool show_weekday = true;
  std::string agenda_item;         // "7b", or empty for no running label
  std::string title;
  std::string report_by;
  std::string protective_marking;  // display text, e.g. "OFFICIAL-SENSITIVE", or empty
  int first_page_number = 1;
  std::string language = "en-GB";  // BCP 47, the tagged PDF's /Lang
  Metadata metadata;
  std::optional<ReportSummary> summary;
  std::vector<Section> sections;
  std::optional<SignOff> sign_off;
  // The paper's own field path: "paper", "items[4].paper" in an agenda
  // pack, "render.paper" in an archive request. Layout names the paper's
  // top-level fields and its page limit after it.
  std::string path = "paper";
};

}  // namespace pp::doc

#endif  // PANELPAPER_RENDERERS_DOC_DOCUMENT_H_
