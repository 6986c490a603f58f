// The contract is at the top of hpdf_internals.h. Compiled WITHOUT
// HPDF_SHARED: <hpdf.h> brings libharu 2.3.0's internal headers.
#include "renderers/pdf/hpdf_internals.h"

#include <hpdf.h>
#include <hpdf_font.h>
#include <hpdf_fontdef.h>
#include <hpdf_objects.h>
#include <hpdf_streams.h>
#include <hpdf_utils.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#if HPDF_MAJOR_VERSION != 2 || HPDF_MINOR_VERSION != 3 || HPDF_BUGFIX_VERSION != 0
#error "renderers/pdf/hpdf_internals.cc is written against libharu 2.3.0 (see its contract)"
#endif

namespace pp::pdf::hpdf_internals {
namespace {

// zlib level for the streams libharu compresses on this thread
// (ScopedDeflateLevel); kNoDeflateOverride outside a painter save.
constexpr int kNoDeflateOverride = -100;
thread_local int deflate_level_in_save = kNoDeflateOverride;

// The counters of this thread's CallProbe; null when none.
thread_local uint64_t* probe_calls = nullptr;

inline void Count(int replacement) {
  if (probe_calls != nullptr) ++probe_calls[replacement];
}

// libharu's before-write step of CIDFontType2 fonts (the same function for
// every such font), recorded by the first AddCapHeight.
std::atomic<HPDF_Dict_BeforeWriteFunc> libharu_cid_before_write{nullptr};

HPDF_STATUS CidFontBeforeWriteWithCapHeight(HPDF_Dict font) {
  const HPDF_Dict_BeforeWriteFunc libharus = libharu_cid_before_write.load();
  if (libharus != nullptr) {
    if (const HPDF_STATUS st = libharus(font); st != HPDF_OK) return st;
  }
  auto attr = static_cast<HPDF_FontAttr>(font->attr);
  if (attr == nullptr || attr->fontdef == nullptr) return HPDF_OK;
  HPDF_Dict descriptor = attr->fontdef->descriptor;
  if (descriptor == nullptr ||
      HPDF_Dict_GetItem(descriptor, "CapHeight", HPDF_OCLASS_NUMBER) != nullptr) {
    return HPDF_OK;
  }
  return HPDF_Dict_AddNumber(descriptor, "CapHeight", attr->fontdef->cap_height);
}

}  // namespace

const char* LoadTTFontFromMemory(DocHandle handle, const std::string& bytes, const char** name) {
  auto pdf = static_cast<HPDF_Doc>(handle);
  *name = nullptr;
  HPDF_Stream stream = HPDF_MemStream_New(pdf->mmgr, static_cast<HPDF_UINT>(bytes.size()));
  if (stream == nullptr) return "HPDF_MemStream_New";
  if (HPDF_Stream_Write(stream, reinterpret_cast<const HPDF_BYTE*>(bytes.data()),
                        static_cast<HPDF_UINT>(bytes.size())) != HPDF_OK ||
      HPDF_Stream_Seek(stream, 0, HPDF_SEEK_SET) != HPDF_OK) {
    HPDF_Stream_Free(stream);
    return "HPDF_Stream_Write(font)";
  }
  HPDF_FontDef def = HPDF_TTFontDef_Load(pdf->mmgr, stream, HPDF_TRUE);  // owns the stream
  if (def == nullptr) return "HPDF_TTFontDef_Load";
  if (HPDF_List_Add(pdf->fontdef_list, def) != HPDF_OK) {
    HPDF_FontDef_Free(def);
    return "HPDF_List_Add(fontdef)";
  }
  if (pdf->ttfont_tag[0] == 0) {
    std::memcpy(pdf->ttfont_tag, "HPDFAA", 6);
  } else {
    for (int i = 5; i >= 0; --i) {
      pdf->ttfont_tag[i] += 1;
      if (pdf->ttfont_tag[i] > 'Z') {
        pdf->ttfont_tag[i] = 'A';
      } else {
        break;
      }
    }
  }
  HPDF_TTFontDef_SetTagName(def, reinterpret_cast<char*>(pdf->ttfont_tag));
  *name = def->base_font;
  return nullptr;
}

const char* ReplaceToUnicode(FontHandle handle, std::string_view contents) {
  auto font = static_cast<HPDF_Font>(handle);
  auto cmap = static_cast<HPDF_Dict>(HPDF_Dict_GetItem(font, "ToUnicode", HPDF_OCLASS_DICT));
  if (cmap == nullptr || cmap->stream == nullptr) return "the UTF-8 font's ToUnicode CMap";
  HPDF_MemStream_FreeData(cmap->stream);
  if (HPDF_Stream_Write(cmap->stream, reinterpret_cast<const HPDF_BYTE*>(contents.data()),
                        static_cast<HPDF_UINT>(contents.size())) != HPDF_OK) {
    return "HPDF_Stream_Write(ToUnicode)";
  }
  return nullptr;
}

const char* AddCapHeight(FontHandle handle) {
  auto font = static_cast<HPDF_Font>(handle);
  // libharu hangs the step on the Type 0 font (its attr is the font's).
  if (font->before_write_fn == &CidFontBeforeWriteWithCapHeight) return nullptr;
  if (font->before_write_fn == nullptr) return "the UTF-8 font's before-write step";
  HPDF_Dict_BeforeWriteFunc expected = nullptr;
  if (!libharu_cid_before_write.compare_exchange_strong(expected, font->before_write_fn) &&
      expected != font->before_write_fn) {
    return nullptr;  // not the function seen before: leave libharu's step alone
  }
  font->before_write_fn = &CidFontBeforeWriteWithCapHeight;
  return nullptr;
}

const char* SetAnnotationFlags(AnnotationHandle annotation, int flags) {
  if (HPDF_Dict_AddNumber(static_cast<HPDF_Annotation>(annotation), "F", flags) != HPDF_OK) {
    return "HPDF_Dict_AddNumber(F)";
  }
  return nullptr;
}

const char* AddMetadata(DocHandle handle, std::string_view xmp) {
  auto pdf = static_cast<HPDF_Doc>(handle);
  pdf->pdf_version = HPDF_VER_17;
  // XMP metadata stream, uncompressed so it stays readable.
  HPDF_Dict meta = HPDF_DictStream_New(pdf->mmgr, pdf->xref);
  if (meta == nullptr) return "HPDF_DictStream_New";
  meta->filter = HPDF_STREAM_FILTER_NONE;
  if (HPDF_Dict_AddName(meta, "Type", "Metadata") != HPDF_OK ||
      HPDF_Dict_AddName(meta, "Subtype", "XML") != HPDF_OK) {
    return "HPDF_Dict_AddName";
  }
  if (HPDF_Stream_Write(meta->stream, reinterpret_cast<const HPDF_BYTE*>(xmp.data()),
                        static_cast<HPDF_UINT>(xmp.size())) != HPDF_OK) {
    return "HPDF_Stream_Write(XMP)";
  }
  if (HPDF_Dict_Add(pdf->catalog, "Metadata", meta) != HPDF_OK) return "HPDF_Dict_Add(Metadata)";
  return nullptr;
}

const char* AddPdfAParts(DocHandle handle, std::string_view icc_profile) {
  auto pdf = static_cast<HPDF_Doc>(handle);
  // sRGB output intent.
  HPDF_Dict icc = HPDF_DictStream_New(pdf->mmgr, pdf->xref);
  if (icc == nullptr) return "HPDF_DictStream_New";
  icc->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
  if (HPDF_Dict_AddNumber(icc, "N", 3) != HPDF_OK) return "HPDF_Dict_AddNumber(N)";
  if (HPDF_Stream_Write(icc->stream, reinterpret_cast<const HPDF_BYTE*>(icc_profile.data()),
                        static_cast<HPDF_UINT>(icc_profile.size())) != HPDF_OK) {
    return "HPDF_Stream_Write(ICC)";
  }
  HPDF_Dict intent = HPDF_Dict_New(pdf->mmgr);
  if (intent == nullptr) return "HPDF_Dict_New";
  if (HPDF_Dict_AddName(intent, "Type", "OutputIntent") != HPDF_OK ||
      HPDF_Dict_AddName(intent, "S", "GTS_PDFA1") != HPDF_OK) {
    return "HPDF_Dict_AddName";
  }
  if (HPDF_Dict_Add(intent, "OutputConditionIdentifier",
                    HPDF_String_New(pdf->mmgr, "sRGB IEC61966-2.1", nullptr)) != HPDF_OK ||
      HPDF_Dict_Add(intent, "Info", HPDF_String_New(pdf->mmgr, "sRGB IEC61966-2.1", nullptr)) !=
          HPDF_OK ||
      HPDF_Dict_Add(intent, "DestOutputProfile", icc) != HPDF_OK) {
    return "HPDF_Dict_Add";
  }
  HPDF_Array intents = HPDF_Array_New(pdf->mmgr);
  if (intents == nullptr) return "HPDF_Array_New";
  if (HPDF_Array_Add(intents, intent) != HPDF_OK) return "HPDF_Array_Add";
  if (HPDF_Dict_Add(pdf->catalog, "OutputIntents", intents) != HPDF_OK) {
    return "HPDF_Dict_Add(OutputIntents)";
  }
  // /ID: two 16-byte strings, zero now; the painter fills in a digest.
  static constexpr HPDF_BYTE kZero[16] = {};
  HPDF_Array id = HPDF_Array_New(pdf->mmgr);
  if (id == nullptr) return "HPDF_Array_New";
  if (HPDF_Array_Add(id, HPDF_Binary_New(pdf->mmgr, const_cast<HPDF_BYTE*>(kZero), 16)) != HPDF_OK ||
      HPDF_Array_Add(id, HPDF_Binary_New(pdf->mmgr, const_cast<HPDF_BYTE*>(kZero), 16)) != HPDF_OK) {
    return "HPDF_Array_Add(ID)";
  }
  if (HPDF_Dict_Add(pdf->trailer, "ID", id) != HPDF_OK) return "HPDF_Dict_Add(ID)";
  return nullptr;
}

const char* AppendToPage(PageHandle page, std::string_view ops) {
  auto attr = static_cast<HPDF_PageAttr>(static_cast<HPDF_Page>(page)->attr);
  if (attr == nullptr || attr->stream == nullptr) return "the page's content stream";
  if (HPDF_Stream_Write(attr->stream, reinterpret_cast<const HPDF_BYTE*>(ops.data()),
                        static_cast<HPDF_UINT>(ops.size())) != HPDF_OK) {
    return "HPDF_Stream_Write(marked content)";
  }
  return nullptr;
}

namespace {

// A text string object: literal PDFDocEncoding, or a hex UTF-16BE string.
void* TextObject(HPDF_MMgr mmgr, const TextString& t) {
  if (t.utf16) {
    return HPDF_Binary_New(mmgr, reinterpret_cast<HPDF_BYTE*>(const_cast<char*>(t.bytes.data())),
                           static_cast<HPDF_UINT>(t.bytes.size()));
  }
  return HPDF_String_New(mmgr, t.bytes.c_str(), nullptr);
}

// A new indirect dictionary (nullptr on failure; libharu frees it then).
HPDF_Dict IndirectDict(HPDF_Doc pdf) {
  HPDF_Dict d = HPDF_Dict_New(pdf->mmgr);
  if (d == nullptr || HPDF_Xref_Add(pdf->xref, d) != HPDF_OK) return nullptr;
  return d;
}

// Adds `obj` (a new object, or an indirect one) to `array` / `dict`.
bool Put(HPDF_Array array, void* obj) {
  return obj != nullptr && HPDF_Array_Add(array, obj) == HPDF_OK;
}
bool Put(HPDF_Dict dict, const char* key, void* obj) {
  return obj != nullptr && HPDF_Dict_Add(dict, key, obj) == HPDF_OK;
}

// The number tree's leaves hold at most this many entries (PDF/A-1's array
// limit was 8191 elements; leaves this small keep every array well within it).
constexpr size_t kNumberTreeLeaf = 1024;

}  // namespace

const char* WriteStructure(DocHandle handle, const StructureSpec& spec) {
  auto pdf = static_cast<HPDF_Doc>(handle);
  HPDF_MMgr mmgr = pdf->mmgr;
  const size_t n = spec.elements.size();
  if (n == 0) return "an empty structure tree";
  HPDF_Dict root = IndirectDict(pdf);
  if (root == nullptr || HPDF_Dict_AddName(root, "Type", "StructTreeRoot") != HPDF_OK) {
    return "the StructTreeRoot";
  }
  std::vector<HPDF_Dict> elems(n);
  for (size_t i = 0; i < n; ++i) {
    elems[i] = IndirectDict(pdf);
    if (elems[i] == nullptr) return "a structure element";
  }
  const size_t pages = spec.pages.size();
  for (size_t i = 0; i < n; ++i) {
    const StructElementSpec& e = spec.elements[i];
    HPDF_Dict d = elems[i];
    if (HPDF_Dict_AddName(d, "S", e.type.c_str()) != HPDF_OK) return "a structure element's /S";
    if (e.parent >= static_cast<int>(n)) return "a structure element's parent";
    if (!Put(d, "P", e.parent < 0 ? root : elems[static_cast<size_t>(e.parent)])) {
      return "a structure element's /P";
    }
    if (!e.lang.bytes.empty() && !Put(d, "Lang", TextObject(mmgr, e.lang))) {
      return "a structure element's /Lang";
    }
    if (e.scope != nullptr || e.column_span > 1 || e.row_span > 1) {
      HPDF_Dict a = HPDF_Dict_New(mmgr);
      if (a == nullptr || HPDF_Dict_AddName(a, "O", "Table") != HPDF_OK ||
          (e.scope != nullptr && HPDF_Dict_AddName(a, "Scope", e.scope) != HPDF_OK) ||
          (e.column_span > 1 && HPDF_Dict_AddNumber(a, "ColSpan", e.column_span) != HPDF_OK) ||
          (e.row_span > 1 && HPDF_Dict_AddNumber(a, "RowSpan", e.row_span) != HPDF_OK) ||
          HPDF_Dict_Add(d, "A", a) != HPDF_OK) {
        return "a table cell's attributes";
      }
    }
    // /Pg: the page of the first marked content; MCIDs on it are written
    // as bare integers, others as MCR dictionaries.
    int pg = -1;
    for (const StructKid& k : e.kids) {
      if (k.kind == StructKid::Kind::kMarkedContent) {
        pg = k.page;
        break;
      }
    }
    if (pg >= static_cast<int>(pages)) return "marked content on a page that does not exist";
    if (pg >= 0 && !Put(d, "Pg", spec.pages[static_cast<size_t>(pg)])) return "an element's /Pg";
    if (e.kids.empty()) continue;
    HPDF_Array kids = HPDF_Array_New(mmgr);
    if (kids == nullptr) return "HPDF_Array_New(K)";
    for (const StructKid& k : e.kids) {
      switch (k.kind) {
        case StructKid::Kind::kElement:
          if (k.index < 0 || static_cast<size_t>(k.index) >= n ||
              !Put(kids, elems[static_cast<size_t>(k.index)])) {
            return "a structure element's kid";
          }
          break;
        case StructKid::Kind::kMarkedContent:
          if (k.page == pg) {
            if (HPDF_Array_AddNumber(kids, k.index) != HPDF_OK) return "an MCID";
          } else {
            if (k.page < 0 || static_cast<size_t>(k.page) >= pages) return "an MCR's page";
            HPDF_Dict mcr = HPDF_Dict_New(mmgr);
            if (mcr == nullptr || HPDF_Dict_AddName(mcr, "Type", "MCR") != HPDF_OK ||
                !Put(mcr, "Pg", spec.pages[static_cast<size_t>(k.page)]) ||
                HPDF_Dict_AddNumber(mcr, "MCID", k.index) != HPDF_OK || !Put(kids, mcr)) {
              return "a marked-content reference";
            }
          }
          break;
        case StructKid::Kind::kAnnotation: {
          if (k.index < 0 || static_cast<size_t>(k.index) >= spec.annotations.size()) {
            return "an OBJR's annotation";
          }
          const StructAnnotationSpec& an = spec.annotations[static_cast<size_t>(k.index)];
          HPDF_Dict objr = HPDF_Dict_New(mmgr);
          if (objr == nullptr || HPDF_Dict_AddName(objr, "Type", "OBJR") != HPDF_OK ||
              !Put(objr, "Obj", an.annotation) ||
              !Put(objr, "Pg", spec.pages[static_cast<size_t>(an.page)]) || !Put(kids, objr)) {
            return "an object reference";
          }
          break;
        }
      }
    }
    if (HPDF_Dict_Add(d, "K", kids) != HPDF_OK) return "a structure element's /K";
  }
  for (size_t i = 0; i < n; ++i) {
    if (spec.elements[i].parent < 0) {
      if (!Put(root, "K", elems[i])) return "the StructTreeRoot's /K";
      break;
    }
  }
  // The parent tree: (key, value) pairs in key order, in leaves of at most
  // kNumberTreeLeaf entries under one root when there are more.
  std::vector<std::pair<int, void*>> entries;
  entries.reserve(pages + spec.annotations.size());
  for (size_t p = 0; p < pages; ++p) {
    HPDF_Dict page = static_cast<HPDF_Dict>(spec.pages[p]);
    if (HPDF_Dict_AddNumber(page, "StructParents", static_cast<HPDF_INT32>(p)) != HPDF_OK) {
      return "a page's /StructParents";
    }
    HPDF_Array arr = HPDF_Array_New(mmgr);
    if (arr == nullptr || HPDF_Xref_Add(pdf->xref, arr) != HPDF_OK) return "a parent tree array";
    if (p < spec.page_mcids.size()) {
      for (int e : spec.page_mcids[p]) {
        if (e < 0 || static_cast<size_t>(e) >= n || !Put(arr, elems[static_cast<size_t>(e)])) {
          return "a parent tree entry";
        }
      }
    }
    entries.emplace_back(static_cast<int>(p), arr);
  }
  std::vector<bool> tabs(pages, false);
  for (size_t a = 0; a < spec.annotations.size(); ++a) {
    const StructAnnotationSpec& an = spec.annotations[a];
    auto annot = static_cast<HPDF_Dict>(an.annotation);
    const int key = static_cast<int>(pages + a);
    if (an.page < 0 || static_cast<size_t>(an.page) >= pages || an.element < 0 ||
        static_cast<size_t>(an.element) >= n) {
      return "an annotation's structure";
    }
    if (HPDF_Dict_AddNumber(annot, "StructParent", key) != HPDF_OK ||
        (!an.contents.bytes.empty() && !Put(annot, "Contents", TextObject(mmgr, an.contents)))) {
      return "an annotation's /StructParent";
    }
    tabs[static_cast<size_t>(an.page)] = true;
    entries.emplace_back(key, elems[static_cast<size_t>(an.element)]);
  }
  for (size_t p = 0; p < pages; ++p) {
    if (tabs[p] && HPDF_Dict_AddName(static_cast<HPDF_Dict>(spec.pages[p]), "Tabs", "S") != HPDF_OK) {
      return "a page's /Tabs";
    }
  }
  auto leaf = [&](HPDF_Dict node, size_t from, size_t to) -> bool {
    HPDF_Array nums = HPDF_Array_New(mmgr);
    if (nums == nullptr) return false;
    for (size_t i = from; i < to; ++i) {
      if (HPDF_Array_AddNumber(nums, entries[i].first) != HPDF_OK || !Put(nums, entries[i].second)) {
        return false;
      }
    }
    return HPDF_Dict_Add(node, "Nums", nums) == HPDF_OK;
  };
  HPDF_Dict tree = IndirectDict(pdf);
  if (tree == nullptr) return "the parent tree";
  if (entries.size() <= kNumberTreeLeaf) {
    if (!leaf(tree, 0, entries.size())) return "the parent tree's /Nums";
  } else {
    HPDF_Array kids = HPDF_Array_New(mmgr);
    if (kids == nullptr || HPDF_Dict_Add(tree, "Kids", kids) != HPDF_OK) return "the parent tree";
    for (size_t from = 0; from < entries.size(); from += kNumberTreeLeaf) {
      const size_t to = std::min(entries.size(), from + kNumberTreeLeaf);
      HPDF_Dict node = IndirectDict(pdf);
      HPDF_Array limits = HPDF_Array_New(mmgr);
      if (node == nullptr || limits == nullptr || !leaf(node, from, to) ||
          HPDF_Array_AddNumber(limits, entries[from].first) != HPDF_OK ||
          HPDF_Array_AddNumber(limits, entries[to - 1].first) != HPDF_OK ||
          HPDF_Dict_Add(node, "Limits", limits) != HPDF_OK || !Put(kids, node)) {
        return "a parent tree leaf";
      }
    }
  }
  if (HPDF_Dict_Add(root, "ParentTree", tree) != HPDF_OK ||
      HPDF_Dict_AddNumber(root, "ParentTreeNextKey",
                          static_cast<HPDF_INT32>(pages + spec.annotations.size())) != HPDF_OK) {
    return "the StructTreeRoot's /ParentTree";
  }
  // The catalog.
  HPDF_Dict mark = HPDF_Dict_New(mmgr);
  if (mark == nullptr || HPDF_Dict_AddBoolean(mark, "Marked", HPDF_TRUE) != HPDF_OK ||
      HPDF_Dict_Add(pdf->catalog, "MarkInfo", mark) != HPDF_OK) {
    return "the catalog's /MarkInfo";
  }
  if (!Put(pdf->catalog, "StructTreeRoot", root)) return "the catalog's /StructTreeRoot";
  if (!spec.lang.bytes.empty() && !Put(pdf->catalog, "Lang", TextObject(mmgr, spec.lang))) {
    return "the catalog's /Lang";
  }
  HPDF_Dict prefs = HPDF_Dict_New(mmgr);
  if (prefs == nullptr || HPDF_Dict_AddBoolean(prefs, "DisplayDocTitle", HPDF_TRUE) != HPDF_OK ||
      HPDF_Dict_Add(pdf->catalog, "ViewerPreferences", prefs) != HPDF_OK) {
    return "the catalog's /ViewerPreferences";
  }
  return nullptr;
}

ScopedDeflateLevel::ScopedDeflateLevel(int level) : previous_(deflate_level_in_save) {
  deflate_level_in_save = level;
}

ScopedDeflateLevel::~ScopedDeflateLevel() { deflate_level_in_save = previous_; }

bool PatchesCompiledIn() {
#if PP_LIBHARU_PATCHES
  return true;
#else
  return false;
#endif
}

const char* ReplacementName(int replacement) {
  static constexpr const char* kNames[kReplacementCount] = {
      "HPDF_MemCpy", "HPDF_MemSet", "HPDF_StrLen", "HPDF_TTFontDef_GetGlyphid", "deflateInit_"};
  return replacement >= 0 && replacement < kReplacementCount ? kNames[replacement] : "?";
}

CallProbe::CallProbe() { probe_calls = calls_; }

CallProbe::~CallProbe() { probe_calls = nullptr; }

}  // namespace pp::pdf::hpdf_internals

#if PP_LIBHARU_PATCHES

// ---- The replacements -------------------------------------------------------------
//
// libharu 2.3 copies and clears memory with byte-at-a-time loops of its own,
// HPDF_MemCpy, HPDF_MemSet and HPDF_StrLen: every content operator clears a
// 512-byte buffer with HPDF_MemSet, every stream write and read copies
// through HPDF_MemCpy, every name and string is measured with HPDF_StrLen —
// about 17 % of the instructions of a whole render of the reference paper
// (callgrind; libc's vectorised versions take a tenth of that). They keep
// the contract of Debian's libhpdf 2.3.0, checked against its disassembly:
// MemCpy and MemSet return the pointer just past the last byte written, a
// copy between overlapping regions keeps the byte-by-byte forward order,
// and StrLen counts up to the first NUL or `maxlen` bytes (no limit when
// negative; 0 for a null pointer). The PDF bytes are unchanged; painter_test
// checks that libharu binds to these and that they keep that contract.
extern "C" {

using pp::pdf::hpdf_internals::Count;

HPDF_BYTE* HPDF_MemCpy(HPDF_BYTE* out, const HPDF_BYTE* in, HPDF_UINT n) {
  Count(pp::pdf::hpdf_internals::kMemCpy);
  const auto o = reinterpret_cast<std::uintptr_t>(out);
  const auto i = reinterpret_cast<std::uintptr_t>(in);
  if (o + n <= i || i + n <= o) {
    if (n != 0) std::memcpy(out, in, n);
    return out + n;
  }
  for (HPDF_UINT k = 0; k < n; ++k) out[k] = in[k];  // overlapping: libharu's order
  return out + n;
}

void* HPDF_MemSet(void* s, HPDF_BYTE c, HPDF_UINT n) {
  Count(pp::pdf::hpdf_internals::kMemSet);
  if (n != 0) std::memset(s, c, n);
  return static_cast<HPDF_BYTE*>(s) + n;
}

// HPDF_TTFontDef_GetGlyphid: libharu's lookup scans the format-4 cmap
// segments one by one; giving a UTF-8 (CID) font its CIDToGIDMap calls it
// for all 65,536 BMP code points, ~40M instructions per fallback face.
// This one finds the same segment — the first whose end code is >= the
// character — by binary search, which is the same segment because the end
// codes ascend (the OpenType rule; text::FontSet refuses a font whose
// cmap breaks it, and every font reaches libharu through FontSet). The
// rest is libharu's arithmetic, except that an index past the glyph-id
// array gives 0 where libharu reads one element beyond it.
HPDF_UINT16 HPDF_TTFontDef_GetGlyphid(HPDF_FontDef fontdef, HPDF_UINT16 unicode) {
  Count(pp::pdf::hpdf_internals::kGetGlyphid);
  auto attr = static_cast<HPDF_TTFontDefAttr>(fontdef->attr);
  const HPDF_TTF_CmapRange& cmap = attr->cmap;
  if (cmap.format == 0) return cmap.glyph_id_array[unicode & 0xFF];
  if (cmap.seg_count_x2 == 0) {
    HPDF_SetError(fontdef->error, HPDF_TTF_INVALID_CMAP, 0);
    return 0;
  }
  const HPDF_UINT seg_count = cmap.seg_count_x2 / 2;
  const HPDF_UINT i = static_cast<HPDF_UINT>(
      std::lower_bound(cmap.end_count, cmap.end_count + seg_count, unicode) - cmap.end_count);
  if (i == seg_count || cmap.start_count[i] > unicode) return 0;
  if (cmap.id_range_offset[i] == 0) return static_cast<HPDF_UINT16>(unicode + cmap.id_delta[i]);
  const HPDF_UINT idx =
      cmap.id_range_offset[i] / 2 + (unicode - cmap.start_count[i]) - (seg_count - i);
  if (idx >= cmap.glyph_id_array_count) return 0;
  return static_cast<HPDF_UINT16>(cmap.glyph_id_array[idx] + cmap.id_delta[i]);
}

HPDF_UINT HPDF_StrLen(const char* s, HPDF_INT maxlen) {
  Count(pp::pdf::hpdf_internals::kStrLen);
  if (s == nullptr) return 0;
  if (maxlen < 0) return static_cast<HPDF_UINT>(std::strlen(s));
  return static_cast<HPDF_UINT>(strnlen(s, static_cast<size_t>(maxlen)));
}

// zlib's deflateInit_ (what the deflateInit macro calls): libharu compresses
// every stream through it with the default level and no way to choose
// another. This definition takes its place process-wide, like the
// functions above: inside a ScopedDeflateLevel (the painter's save) it uses
// that level; any other caller (gRPC, protobuf, OpenSSL, libharu outside a
// save) gets exactly zlib's own deflateInit_, which is deflateInit2_ with
// these parameters.
int deflateInit_(z_streamp strm, int level, const char* version, int stream_size) {
  Count(pp::pdf::hpdf_internals::kDeflateInit);
  const int in_save = pp::pdf::hpdf_internals::deflate_level_in_save;
  return deflateInit2_(strm,
                       in_save != pp::pdf::hpdf_internals::kNoDeflateOverride ? in_save : level,
                       Z_DEFLATED, MAX_WBITS, /*memLevel=*/8, Z_DEFAULT_STRATEGY, version,
                       stream_size);
}

}  // extern "C"

#endif  // PP_LIBHARU_PATCHES
