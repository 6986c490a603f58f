// File: renderers/pdf/painter.h
//
// Paint: PageLayout -> PDF bytes, with libharu. This module is the only one
// that includes <hpdf.h>; painter.cc uses libharu's public API only, and
// whatever reaches into libharu's internals (or replaces libharu and zlib
// functions) is fenced in hpdf_internals.h. It never measures and never
// decides: every position comes from the layout.
//
// What it writes:
// * fonts embedded and subset; Panel Sans faces as single-byte WinAnsi
//   TrueType fonts (cheap), fallback faces as UTF-8 CID fonts (only when a
//   document uses them);
// * document information from DocInfo (dates only from there, never the
//   clock), an outline, page labels, and link annotations without borders;
// * deterministic bytes: the same layout gives the same file;
// * for a layout with a structure tree (every paper and pack), a tagged PDF
//   (PDF/UA-1): each run of a page's text items that belong to one element
//   is one marked-content sequence (BDC ... EMC with an MCID, inside BT ...
//   ET), everything else (artifact text, fills, rules, frames) is
//   /Artifact; the structure tree with a parent tree, Link elements with
//   OBJRs to their annotations (/Contents, /StructParent), /Tabs /S,
//   /MarkInfo, /Lang, /ViewerPreferences /DisplayDocTitle, and XMP metadata
//   with dc:title and pdfuaid:part 1.
//
// libharu errors: a noexcept handler records the first error; every handle
// and return code is checked; after the first error the document is
// abandoned and an INTERNAL status names the libharu error and the call.
// Nothing longjmps or throws through C frames.
//
//   PP_ASSIGN_OR_RETURN(std::string pdf, pdf::Paint(layout, *fonts, {}));
#ifndef PANELPAPER_RENDERERS_PDF_PAINTER_H_
#define PANELPAPER_RENDERERS_PDF_PAINTER_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "renderers/layout/page_layout.h"
#include "renderers/text/font_set.h"

namespace pp::pdf {

// PDF/A-2 output for archiving — level A (ISO 19005-2 §6.8, "accessible")
// for a tagged layout, level B for an untagged one: an XMP metadata
// stream written by us (escaped, matching the document information, with a
// PDF/A extension schema for the record properties), an sRGB output intent,
// a document /ID derived from the file's content, printable annotations,
// no transparency and no encryption.
struct PdfA {
  std::string icc_profile;  // bytes of an sRGB ICC profile (fonts/icc/sRGB.icc)
  // Properties of the archive record written to the XMP in the panelpaper
  // namespace (prefix "pprec"), in order, e.g. {"PaperId", "jap-2020-01-08-7b"}.
  // Names are ASCII letters only.
  std::vector<std::pair<std::string, std::string>> record;
};

struct PaintOptions {
  // Compress page content streams (fonts and other data are always compressed).
  bool compress_content = true;
  std::optional<PdfA> pdfa;
  // Polled before each page and before saving; a non-OK status (CANCELLED,
  // DEADLINE_EXCEEDED) abandons the document. Optional.
  std::function<absl::Status()> interrupt;
};

// The XMP packet Paint writes (exposed for tests): document information as
// dc/pdf/xmp properties; for a tagged document pdfuaid:part 1 (PDF/UA-1);
// with `pdfa`, pdfaid:part 2 and conformance A when tagged (B otherwise),
// the extension schemas PDF/A needs for pdfuaid and the record properties,
// and the record.
std::string XmpPacket(const layout::DocInfo& info, const PdfA* pdfa, bool tagged = true);
// The PDF/A packet of a tagged document.
std::string XmpPacket(const layout::DocInfo& info, const PdfA& pdfa);

// The pdfuaid namespace (ISO 14289-1 §5).
inline constexpr char kPdfUaIdNamespace[] = "http://www.aiim.org/pdfua/ns/id/";

// The namespace URI of the archive record properties in the XMP.
inline constexpr char kRecordNamespace[] = "https://panelpaper.dev/ns/record/1.0/";

absl::StatusOr<std::string> Paint(const layout::PageLayout& layout, const text::FontSet& fonts,
                                  const PaintOptions& options = {});

// Text-string helpers (exposed for tests): UTF-8 -> Windows-1252 bytes for
// WinAnsi fonts, and UTF-8 -> PDFDocEncoding for metadata strings; false
// when a character has no code in that encoding.
bool ToWinAnsi(std::string_view utf8, std::string* out);
bool ToPdfDocEncoding(std::string_view utf8, std::string* out);

// The versions of the libraries this process runs with: HPDF_GetVersion()
// ("2.3.0") and zlibVersion() ("1.2.13").
std::string LibharuVersion();
std::string ZlibVersion();

// Whether the painter's replacements of libharu and zlib functions
// (renderers/pdf/hpdf_internals.h) are in force.
struct LibharuPatches {
  bool compiled_in = false;             // PP_LIBHARU_PATCHES=ON
  std::vector<std::string> not_called;  // compiled in, but libharu never called them
  bool active() const { return compiled_in && not_called.empty(); }
  // "on", "off", or "inactive (not called: HPDF_StrLen, ...)".
  std::string Describe() const;
};

// The start-up self-check: paints a small document (a Panel Sans line and
// a line in a UTF-8 fallback face) once per process and counts the calls
// each replacement receives from libharu and zlib. Later calls return the
// first result (whatever `fonts` they pass).
const LibharuPatches& LibharuSelfCheck(const text::FontSet& fonts);

}  // namespace pp::pdf

#endif  // PANELPAPER_RENDERERS_PDF_PAINTER_H_
