// File: renderers/pdf/hpdf_internals.h
//
// The fence around libharu's internals: the ONLY code of panelpaper that
// looks inside libharu (its internal headers hpdf_doc.h, hpdf_objects.h,
// hpdf_font.h, hpdf_fontdef.h, hpdf_streams.h, ... and the structs behind
// its handles) or replaces functions of libharu or zlib. Target
// pp::hpdf_internals, linked only by pp::pdf.
//
// CONTRACT
// * libharu 2.3.0 exactly: configure refuses any other version
//   (CMakeLists.txt reads hpdf_version.h), because the code here relies on
//   2.3.0's struct layouts (_HPDF_Doc_Rec, _HPDF_Dict_Rec, HPDF_FontAttr,
//   HPDF_TTFontDefAttr, ...) and on internal functions it exports
//   (HPDF_Dict_*, HPDF_Array_*, HPDF_Stream_*, HPDF_MemStream_*,
//   HPDF_TTFontDef_*, HPDF_List_Add, HPDF_String_New, HPDF_Binary_New).
//   A new libharu means re-reading every function below against its source.
// * Everything else of the painter (renderers/pdf/painter.cc) uses only the
//   public API: it is compiled with HPDF_SHARED, so <hpdf.h> gives it opaque
//   handles (void*) and no internal header; the functions below take those
//   handles as void*.
// * Replacements (when PP_LIBHARU_PATCHES is ON, the default): HPDF_MemCpy,
//   HPDF_MemSet, HPDF_StrLen, HPDF_TTFontDef_GetGlyphid and zlib's
//   deflateInit_ are defined here with C linkage. libhpdf.so calls them
//   through its PLT, so these definitions, linked into every program that
//   links the painter, take libharu's and zlib's place process-wide (ELF
//   symbol interposition). They keep the contract of libharu 2.3.0's own
//   (HPDF_TTFontDef_GetGlyphid: same result; deflateInit_: zlib's own for
//   every caller outside a painter save). Their effect: ~17 % fewer
//   instructions per render, a fast glyph lookup for UTF-8 faces, and zlib
//   level 1 (instead of 6) for the PDF's streams, which changes the bytes.
//   Interposition can silently fail (static linking, hidden visibility,
//   another platform): LibharuSelfCheck() renders a tiny document once per
//   process and counts the calls each replacement received; the renderer
//   identity (renderers/renderer.h) reports the outcome.
// * PP_LIBHARU_PATCHES=OFF compiles none of the replacements; libharu's own
//   functions and zlib's default level run, PDFs stay correct (same visible
//   content and text) but their bytes differ (larger streams), and the
//   renderer identity says "libharu-patches off".
// * Tagged PDF (issue 12) writes marked-content operators into a page's
//   content stream (its HPDF_PageAttr's stream) and makes the structure
//   tree, parent tree and catalog entries with HPDF_Dict_New/HPDF_Xref_Add
//   (AppendToPage, WriteStructure below). Later work that needs more
//   internals adds them HERE, with the same contract, never in painter.cc.
//
// Every function returns nullptr on success or the name of the step that
// failed (the painter reports it with the libharu error its handler saw).
#ifndef PANELPAPER_RENDERERS_PDF_HPDF_INTERNALS_H_
#define PANELPAPER_RENDERERS_PDF_HPDF_INTERNALS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pp::pdf::hpdf_internals {

// libharu's public handles as <hpdf.h> declares them with HPDF_SHARED.
using DocHandle = void*;         // HPDF_Doc
using FontHandle = void*;        // HPDF_Font
using AnnotationHandle = void*;  // HPDF_Annotation
using PageHandle = void*;        // HPDF_Page

// HPDF_LoadTTFontFromFile from bytes in memory, with embedding: parse,
// register, tag the subset name (HPDFAA, HPDFAB, ... in load order, so the
// output stays deterministic). *name: the font name for HPDF_GetFont.
const char* LoadTTFontFromMemory(DocHandle doc, const std::string& bytes, const char** name);

// Replaces the contents of the /ToUnicode stream of a Type 0 font.
const char* ReplaceToUnicode(FontHandle font, std::string_view cmap);

// Wraps the before-write step of a Type 0 (UTF-8) font so its CIDFont's
// FontDescriptor gets /CapHeight (the font definition's value).
const char* AddCapHeight(FontHandle font);

// Sets the annotation flags /F (4 = printable, as PDF/A requires).
const char* SetAnnotationFlags(AnnotationHandle annotation, int flags);

// PDF version 1.7 and the XMP metadata stream (uncompressed) in the
// catalog: every PDF (PDF/UA-1 asks for dc:title and pdfuaid:part).
const char* AddMetadata(DocHandle doc, std::string_view xmp);

// PDF/A parts libharu doesn't write: an sRGB output intent with the ICC
// profile, and a trailer /ID of two zero 16-byte strings (the painter
// patches it after saving). The XMP comes from AddMetadata.
const char* AddPdfAParts(DocHandle doc, std::string_view icc_profile);

// ---- Tagged PDF (marked content and the structure tree) ----------------------

// Appends content-stream operators ("/P <</MCID 3>> BDC\n", "EMC\n") at the
// current end of a page's content: between libharu's own operators, in
// the order of the calls.
const char* AppendToPage(PageHandle page, std::string_view ops);

// A PDF text string, already encoded: PDFDocEncoding bytes, or (utf16)
// UTF-16BE with its byte-order mark (written as a hex string).
struct TextString {
  std::string bytes;
  bool utf16 = false;
};

// One structure element; kids in reading order.
struct StructKid {
  enum class Kind { kElement, kMarkedContent, kAnnotation } kind = Kind::kElement;
  int index = 0;  // element index, MCID, or annotation index
  int page = 0;   // page index (marked content)
};
struct StructElementSpec {
  std::string type;    // "P", "H1", ... (a standard structure type)
  int parent = -1;     // element index; -1: the StructTreeRoot (one such element)
  TextString lang;     // /Lang when not empty
  const char* scope = nullptr;  // TH: "Column" or "Row" (/A << /O /Table /Scope ... >>)
  int column_span = 1, row_span = 1;  // /ColSpan, /RowSpan when > 1
  std::vector<StructKid> kids;
};
struct StructAnnotationSpec {
  AnnotationHandle annotation = nullptr;
  int page = 0;
  int element = 0;      // its Link element
  TextString contents;  // /Contents (the link's description)
};
struct StructureSpec {
  std::vector<PageHandle> pages;
  std::vector<StructElementSpec> elements;
  // Per page: the element of each MCID (0, 1, ...).
  std::vector<std::vector<int>> page_mcids;
  std::vector<StructAnnotationSpec> annotations;
  TextString lang;  // the document's /Lang
};

// Writes the structure tree: elements (indirect dictionaries, MCRs and
// OBJRs as kids), /StructTreeRoot with /ParentTree (a number tree: pages
// under keys 0..n-1, annotations after) and /ParentTreeNextKey; on pages
// /StructParents (and /Tabs /S where there are annotations); on
// annotations /StructParent and /Contents; in the catalog /MarkInfo
// <</Marked true>>, /Lang and /ViewerPreferences <</DisplayDocTitle true>>.
const char* WriteStructure(DocHandle doc, const StructureSpec& spec);

// While alive, libharu's deflate streams on this thread use `level`
// (effective only with the deflateInit_ replacement).
class ScopedDeflateLevel {
 public:
  explicit ScopedDeflateLevel(int level);
  ~ScopedDeflateLevel();
  ScopedDeflateLevel(const ScopedDeflateLevel&) = delete;
  ScopedDeflateLevel& operator=(const ScopedDeflateLevel&) = delete;

 private:
  int previous_;
};

// ---- The replacements and their self-check ------------------------------------

// True when the replacements are compiled in (PP_LIBHARU_PATCHES=ON).
bool PatchesCompiledIn();

enum Replacement : int {
  kMemCpy = 0,
  kMemSet,
  kStrLen,
  kGetGlyphid,
  kDeflateInit,
  kReplacementCount
};
// "HPDF_MemCpy", ..., "deflateInit_".
const char* ReplacementName(int replacement);

// Counts the calls the replacements receive on this thread while alive
// (nothing is counted outside a probe; probes do not nest).
class CallProbe {
 public:
  CallProbe();
  ~CallProbe();
  CallProbe(const CallProbe&) = delete;
  CallProbe& operator=(const CallProbe&) = delete;
  uint64_t calls(int replacement) const { return calls_[replacement]; }

 private:
  uint64_t calls_[kReplacementCount] = {};
};

}  // namespace pp::pdf::hpdf_internals

#endif  // PANELPAPER_RENDERERS_PDF_HPDF_INTERNALS_H_
