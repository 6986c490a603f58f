// File: renderers/doc/pack.h
//
// The validated model of an agenda pack: one PDF per meeting — a front sheet
// with the meeting details and the agenda, then every paper, each stamped
// with its agenda item, with page numbers running through the whole pack.
// service/pack_converter builds it from a panelpaper.v1.RenderAgendaPackRequest.
//
// The pack decides each paper's agenda item stamp and page numbers: a
// paper's own agenda_item and first_page_number are ignored inside a pack.
#ifndef PANELPAPER_RENDERERS_DOC_PACK_H_
#define PANELPAPER_RENDERERS_DOC_PACK_H_

#include <optional>
#include <string>
#include <vector>

#include "renderers/doc/document.h"

namespace pp::doc {

struct Person {
  std::string name;
  std::string role;  // e.g. "Chair", "Independent Member"; may be empty
};

struct ContactOfficer {
  std::string name;
  std::string role;
  std::string email;
  std::string phone;
};

struct Meeting {
  std::vector<std::string> organisation_lines;
  std::string panel_name;
  Date date;
  std::string start_time;  // "10:00"
  std::string venue;
  std::vector<Person> members;
  std::vector<Person> officers;
  std::optional<ContactOfficer> contact;
};

enum class Part : uint8_t { kOne, kTwo };
enum class Edition : uint8_t { kPublic, kMembers };

struct PackItem {
  std::string number;     // "7b"
  std::string title;
  Part part = Part::kOne;
  int exempt_paragraph = 0;      // Part II: paragraph 1..7 of Schedule 12A
  std::string exemption_reason;  // Part II: optional wording; default from the paragraph
  std::string presenter;         // e.g. "Chief of Corporate Services"
  std::string purpose;           // display text, e.g. "For noting"
  std::optional<Paper> paper;    // none: an item without a paper ("Apologies")
  std::string path;              // "items[4]"
};

struct Pack {
  Meeting meeting;
  int first_page_number = 1;
  Edition edition = Edition::kPublic;
  bool duplex = false;
  std::vector<PackItem> items;
  Metadata metadata;
  std::string language = "en-GB";  // BCP 47, the front sheet's (and /Lang)
};

}  // namespace pp::doc

#endif  // PANELPAPER_RENDERERS_DOC_PACK_H_
