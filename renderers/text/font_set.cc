#include "renderers/text/font_set.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "renderers/common/utf8.h"

#ifndef PP_INSTALL_FONTS_DIR
#define PP_INSTALL_FONTS_DIR "/usr/local/share/panelpaper/fonts"
#endif

namespace pp::text {
namespace {

// ---- TrueType parsing -------------------------------------------------------
// Just enough of the sfnt format for metrics: the table directory, head
// (unitsPerEm), hhea (ascender, descender, numberOfHMetrics), hmtx, OS/2
// (sCapHeight) and the Windows Unicode BMP cmap (platform 3, encoding 1,
// format 4) — the subtable libharu itself maps characters through.

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool Has(size_t off, size_t len) const { return off <= data_.size() && len <= data_.size() - off; }
  uint16_t U16(size_t off) const {
    return static_cast<uint16_t>((Byte(off) << 8) | Byte(off + 1));
  }
  int16_t S16(size_t off) const { return static_cast<int16_t>(U16(off)); }
  uint32_t U32(size_t off) const {
    return (static_cast<uint32_t>(U16(off)) << 16) | U16(off + 2);
  }

 private:
  uint32_t Byte(size_t off) const { return static_cast<unsigned char>(data_[off]); }
  std::string_view data_;
};

struct Table {
  size_t offset = 0;
  size_t length = 0;
  bool found = false;
};

Table FindTable(const Reader& r, std::string_view tag) {
  const uint16_t num_tables = r.U16(4);
  for (uint16_t i = 0; i < num_tables; ++i) {
    const size_t rec = 12 + 16 * static_cast<size_t>(i);
    if (!r.Has(rec, 16)) break;
    const uint32_t t = r.U32(rec);
    const uint32_t want = (static_cast<uint32_t>(static_cast<unsigned char>(tag[0])) << 24) |
                          (static_cast<uint32_t>(static_cast<unsigned char>(tag[1])) << 16) |
                          (static_cast<uint32_t>(static_cast<unsigned char>(tag[2])) << 8) |
                          static_cast<uint32_t>(static_cast<unsigned char>(tag[3]));
    if (t == want) {
      Table table{r.U32(rec + 8), r.U32(rec + 12), true};
      if (!r.Has(table.offset, table.length)) return {};
      return table;
    }
  }
  return {};
}

absl::Status Corrupt(const std::string& path, const char* what) {
  return absl::InternalError(absl::StrCat("font ", path, ": ", what));
}

// Fills glyph ids for BMP code points from a format-4 subtable.
absl::Status ReadCmap4(const Reader& r, size_t sub, const std::string& path,
                       std::vector<uint16_t>* glyph_of) {
  if (!r.Has(sub, 14)) return Corrupt(path, "truncated cmap subtable");
  const size_t seg_x2 = r.U16(sub + 6);
  const size_t ends = sub + 14;
  const size_t starts = ends + seg_x2 + 2;
  const size_t deltas = starts + seg_x2;
  const size_t range_offsets = deltas + seg_x2;
  if (!r.Has(sub, 16 + 4 * seg_x2)) return Corrupt(path, "truncated cmap segments");
  for (size_t s = 0; s < seg_x2; s += 2) {
    const uint32_t end = r.U16(ends + s);
    // The OpenType rule, which the painter's glyph lookup for libharu
    // (binary search, renderers/pdf/painter.cc) relies on.
    if (s > 0 && end < r.U16(ends + s - 2)) {
      return Corrupt(path, "cmap segment end codes are not in ascending order");
    }
    const uint32_t start = r.U16(starts + s);
    const uint16_t delta = r.U16(deltas + s);
    const uint16_t range_offset = r.U16(range_offsets + s);
    if (start > end) continue;
    for (uint32_t cp = start; cp <= end && cp != 0xFFFF; ++cp) {
      uint16_t gid;
      if (range_offset == 0) {
        gid = static_cast<uint16_t>(cp + delta);
      } else {
        const size_t at = range_offsets + s + range_offset + 2 * (cp - start);
        if (!r.Has(at, 2)) return Corrupt(path, "cmap glyph index out of range");
        gid = r.U16(at);
        if (gid != 0) gid = static_cast<uint16_t>(gid + delta);
      }
      (*glyph_of)[cp] = gid;
    }
  }
  return absl::OkStatus();
}

// ---- Character policy -------------------------------------------------------

struct Range {
  char32_t first, last;
  const char* name;
};

// Scripts written right to left (libharu lays every string out left to right).
constexpr Range kRightToLeft[] = {
    {0x0590, 0x05FF, "Hebrew"},          {0x0600, 0x06FF, "Arabic"},
    {0x0700, 0x074F, "Syriac"},          {0x0750, 0x077F, "Arabic"},
    {0x0780, 0x07BF, "Thaana"},          {0x07C0, 0x07FF, "N'Ko"},
    {0x0800, 0x083F, "Samaritan"},       {0x0840, 0x085F, "Mandaic"},
    {0x0860, 0x086F, "Syriac"},          {0x0870, 0x08FF, "Arabic"},
    {0xFB1D, 0xFB4F, "Hebrew"},          {0xFB50, 0xFDFF, "Arabic"},
    {0xFE70, 0xFEFE, "Arabic"},
};

// Scripts that need a shaping engine (reordering, conjuncts, mark placement).
constexpr Range kNeedsShaping[] = {
    {0x0900, 0x0DFF, "Indic"},           {0x0E00, 0x0E7F, "Thai"},
    {0x0E80, 0x0EFF, "Lao"},             {0x0F00, 0x0FFF, "Tibetan"},
    {0x1000, 0x109F, "Myanmar"},         {0x1100, 0x11FF, "Hangul Jamo"},
    {0x1700, 0x177F, "Philippine"},      {0x1780, 0x17FF, "Khmer"},
    {0x1800, 0x18AF, "Mongolian"},       {0x1900, 0x1AAF, "Southeast Asian"},
    {0x1B00, 0x1C4F, "Balinese/Sundanese/Lepcha"},
    {0xA800, 0xAAFF, "Indic/Southeast Asian"},
    {0xABC0, 0xABFF, "Meetei Mayek"},
};

// Combining marks and joiners: drawn on their own, they would not sit on
// their base letter.
constexpr Range kCombining[] = {
    {0x0300, 0x036F, "combining diacritical mark"},
    {0x0483, 0x0489, "combining Cyrillic mark"},
    {0x1AB0, 0x1AFF, "combining diacritical mark"},
    {0x1DC0, 0x1DFF, "combining diacritical mark"},
    {0x200C, 0x200D, "zero-width joiner"},
    {0x20D0, 0x20FF, "combining mark for symbols"},
    {0xFE00, 0xFE0F, "variation selector"},
    {0xFE20, 0xFE2F, "combining half mark"},
};

// Invisible direction controls: meaningless without a bidi algorithm.
constexpr Range kBidiControls[] = {
    {0x200E, 0x200F, "direction mark"},
    {0x202A, 0x202E, "bidirectional embedding control"},
    {0x2066, 0x2069, "bidirectional isolate control"},
};

template <size_t N>
const Range* Find(const Range (&ranges)[N], char32_t cp) {
  for (const Range& r : ranges) {
    if (cp >= r.first && cp <= r.last) return &r;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<FaceMetrics> LoadTrueTypeMetrics(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::InternalError(absl::StrCat("cannot open font file ", path));
  const std::streamoff size = in.tellg();
  if (size <= 0 || size > (64 << 20)) return Corrupt(path, "empty or implausibly large file");
  std::string data(static_cast<size_t>(size), '\0');  // kept in FaceMetrics::data
  in.seekg(0);
  if (!in.read(data.data(), size)) return Corrupt(path, "read failed");
  const Reader r(data);
  if (!r.Has(0, 12)) return Corrupt(path, "not a TrueType file");
  const uint32_t version = r.U32(0);
  if (version != 0x00010000 && version != 0x74727565 /* 'true' */) {
    return Corrupt(path, "not a TrueType (glyf) font");
  }
  const Table head = FindTable(r, "head");
  const Table hhea = FindTable(r, "hhea");
  const Table hmtx = FindTable(r, "hmtx");
  const Table maxp = FindTable(r, "maxp");
  const Table cmap = FindTable(r, "cmap");
  const Table os2 = FindTable(r, "OS/2");
  if (!head.found || !hhea.found || !hmtx.found || !maxp.found || !cmap.found) {
    return Corrupt(path, "missing a required table (head, hhea, hmtx, maxp, cmap)");
  }
  if (head.length < 54 || hhea.length < 36 || maxp.length < 6) return Corrupt(path, "short table");
  const uint32_t units_per_em = r.U16(head.offset + 18);
  if (units_per_em < 16 || units_per_em > 16384) return Corrupt(path, "bad unitsPerEm");
  const uint16_t num_glyphs = r.U16(maxp.offset + 4);
  const uint16_t num_hmetrics = r.U16(hhea.offset + 34);
  if (num_hmetrics == 0 || hmtx.length < 4u * num_hmetrics) return Corrupt(path, "bad hmtx");

  FaceMetrics m;
  m.file = path;
  // libharu truncates: width = advance * 1000 / unitsPerEm (integer division).
  auto scale = [&](int v) { return v * 1000 / static_cast<int>(units_per_em); };
  m.ascent = scale(r.S16(hhea.offset + 4));
  m.descent = scale(r.S16(hhea.offset + 6));
  m.cap_height = m.ascent * 7 / 10;
  if (os2.found && os2.length >= 90 && r.U16(os2.offset) >= 2) {
    m.cap_height = scale(r.S16(os2.offset + 88));
  }

  // Unicode BMP subtable (3,1), format 4.
  const uint16_t num_sub = r.U16(cmap.offset + 2);
  size_t sub = 0;
  for (uint16_t i = 0; i < num_sub; ++i) {
    const size_t rec = cmap.offset + 4 + 8 * static_cast<size_t>(i);
    if (!r.Has(rec, 8)) break;
    if (r.U16(rec) == 3 && r.U16(rec + 2) == 1) {
      const size_t off = cmap.offset + r.U32(rec + 4);
      if (r.Has(off, 2) && r.U16(off) == 4) sub = off;
    }
  }
  if (sub == 0) return Corrupt(path, "no Windows Unicode BMP (3,1) format-4 cmap");
  std::vector<uint16_t> glyph_of(0x10000, 0);
  if (absl::Status s = ReadCmap4(r, sub, path, &glyph_of); !s.ok()) return s;

  m.advances.assign(0x10000, FaceMetrics::kNoGlyph);
  for (uint32_t cp = 0; cp < 0x10000; ++cp) {
    const uint16_t gid = glyph_of[cp];
    if (gid == 0 || gid >= num_glyphs) continue;
    const uint16_t hm = gid < num_hmetrics ? gid : static_cast<uint16_t>(num_hmetrics - 1);
    const uint32_t advance = r.U16(hmtx.offset + 4u * hm);
    m.advances[cp] = static_cast<uint16_t>(advance * 1000 / units_per_em);
  }
  m.data = std::make_shared<const std::string>(std::move(data));
  return m;
}

namespace {

// LoadTrueTypeMetrics() with the PostScript name taken from the file name.
absl::StatusOr<FaceMetrics> LoadFace(const std::string& file) {
  absl::StatusOr<FaceMetrics> m = LoadTrueTypeMetrics(file);
  if (!m.ok()) return m.status();
  m->postscript_name = file.substr(file.find_last_of('/') + 1);
  m->postscript_name.resize(m->postscript_name.size() - 4);
  return m;
}

}  // namespace

FontSet::FontSet(std::vector<FaceMetrics> faces) : faces_(std::move(faces)) {}

std::shared_ptr<const FontSet> FontSet::FromFaces(std::vector<FaceMetrics> faces) {
  faces.resize(kFaceCount);
  for (FaceMetrics& f : faces) {
    if (f.advances.size() < 0x10000) f.advances.resize(0x10000, FaceMetrics::kNoGlyph);
  }
  return std::shared_ptr<const FontSet>(new FontSet(std::move(faces)));
}

absl::StatusOr<std::shared_ptr<const FontSet>> FontSet::Load(const std::string& dir) {
  static constexpr const char* kStyleNames[] = {"Regular", "Bold", "Italic", "BoldItalic"};
  static constexpr const char* kDejaVuNames[] = {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf",
                                                 "DejaVuSans-Oblique.ttf",
                                                 "DejaVuSans-BoldOblique.ttf"};
  std::vector<FaceMetrics> faces(kFaceCount);
  constexpr int kStyledFamilies = 3;  // Panel Sans, Liberation, DejaVu: four styles each
  for (int s = 0; s < 4; ++s) {
    const std::string files[kStyledFamilies] = {
        absl::StrCat(dir, "/PanelSans-", kStyleNames[s], ".ttf"),
        absl::StrCat(dir, "/liberation/LiberationSans-", kStyleNames[s], ".ttf"),
        absl::StrCat(dir, "/dejavu/", kDejaVuNames[s]),
    };
    for (int f = 0; f < kStyledFamilies; ++f) {
      absl::StatusOr<FaceMetrics> m = LoadFace(files[f]);
      if (!m.ok()) return m.status();
      m->single_byte = (f == static_cast<int>(Family::kPanelSans));
      faces[static_cast<size_t>(f * 4 + s)] = *std::move(m);
    }
  }
  // One CJK face, in the Regular slot: Resolve() falls back to it from the
  // other styles (ResolveSlow), so the font is embedded at most once.
  absl::StatusOr<FaceMetrics> cjk = LoadFace(absl::StrCat(dir, "/droid/PanelCJK-Regular.ttf"));
  if (!cjk.ok()) return cjk.status();
  faces[FaceId(Family::kCjk, Style::kRegular).index] = *std::move(cjk);
  for (const Style s : {Style::kBold, Style::kItalic, Style::kBoldItalic}) {
    faces[FaceId(Family::kCjk, s).index].postscript_name = "PanelCJK-none";
  }
  return std::shared_ptr<const FontSet>(new FontSet(std::move(faces)));
}

FaceId FontSet::ResolveSlow(Style style, char32_t cp) const {
  for (int f = 0; f < kFamilyCount; ++f) {
    const FaceId id(static_cast<Family>(f), style);
    if (faces_[id.index].Has(cp)) return id;
  }
  // No face of this style has it, yet CheckText accepts any character a
  // regular face has: DejaVu Sans's oblique faces lack Tifinagh, Ogham and
  // U+FEFF, its bold faces U+F000..U+F003. Draw it without the italic, then
  // without the bold, rather than hand Panel Sans a character it cannot
  // encode (the painter refuses that: an INTERNAL error for valid input).
  const bool bold = style == Style::kBold || style == Style::kBoldItalic;
  const bool italic = style == Style::kItalic || style == Style::kBoldItalic;
  for (const Style s : {StyleOf(bold, false), StyleOf(false, italic), Style::kRegular}) {
    for (int f = 0; f < kFamilyCount; ++f) {
      const FaceId id(static_cast<Family>(f), s);
      if (faces_[id.index].Has(cp)) return id;
    }
  }
  return FaceId(Family::kPanelSans, style);
}

bool IsComplexScript(char32_t cp) {
  return Find(kRightToLeft, cp) != nullptr || Find(kNeedsShaping, cp) != nullptr;
}

std::string FontSet::RefusalKind(char32_t cp) const {
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
    if (cp == '\n') return "line break; only run text may hold line breaks";
    return "control character";
  }
  if (cp > 0xFFFF) return "outside the Basic Multilingual Plane, e.g. emoji";
  if (const Range* r = Find(kRightToLeft, cp)) return absl::StrCat(r->name, ", right to left");
  if (const Range* r = Find(kNeedsShaping, cp)) {
    return absl::StrCat(r->name, ", needs text shaping");
  }
  if (const Range* r = Find(kCombining, cp)) {
    return absl::StrCat(r->name, "; send precomposed characters, NFC");
  }
  if (const Range* r = Find(kBidiControls, cp)) {
    return absl::StrCat(r->name, ", needs a bidi algorithm");
  }
  for (int f = 0; f < kFamilyCount; ++f) {
    if (faces_[static_cast<size_t>(f * 4)].Has(cp)) return "";
  }
  return "not in any bundled font";
}

absl::Status FontSet::CheckText(std::string_view utf8, bool allow_newline) const {
  // Every refused code point, in order of first appearance, with its count.
  struct Refused {
    char32_t cp;
    size_t count;
    std::string kind;
  };
  std::vector<Refused> refused;
  constexpr size_t kAccepted = SIZE_MAX;
  absl::flat_hash_map<char32_t, size_t> index_of;  // index in `refused`, or kAccepted
  size_t pos = 0;
  while (pos < utf8.size()) {
    const size_t at = pos;
    const char32_t cp = DecodeUtf8(utf8, &pos);
    if (cp == kInvalidCodepoint) {
      return absl::InvalidArgumentError(absl::StrCat("malformed UTF-8 at byte ", at));
    }
    if (cp == '\n' && allow_newline) continue;
    if (cp >= 0x20 && cp < 0x100 && faces_[0].Has(cp)) continue;  // fast path: Windows-1252
    if (auto it = index_of.find(cp); it != index_of.end()) {
      if (it->second != kAccepted) ++refused[it->second].count;
      continue;
    }
    std::string kind = RefusalKind(cp);
    if (kind.empty()) {  // some face draws it
      index_of.emplace(cp, kAccepted);
      continue;
    }
    index_of.emplace(cp, refused.size());
    refused.push_back({cp, 1, std::move(kind)});
  }
  if (refused.empty()) return absl::OkStatus();
  // A description stays readable: the first kMaxListed distinct characters.
  constexpr size_t kMaxListed = 12;
  std::string message = "has characters the renderer cannot draw: ";
  for (size_t i = 0; i < refused.size() && i < kMaxListed; ++i) {
    const Refused& r = refused[i];
    absl::StrAppend(&message, i > 0 ? ", " : "", CodepointName(r.cp),
                    r.count > 1 ? absl::StrCat(" \u00D7", r.count) : std::string(), " (", r.kind,
                    ")");
  }
  if (refused.size() > kMaxListed) {
    absl::StrAppend(&message, ", and ", refused.size() - kMaxListed, " more");
  }
  return absl::InvalidArgumentError(message);
}

std::string DefaultFontsDir() {
  if (const char* env = std::getenv("PANELPAPER_FONTS_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<size_t>(n));
    dir.resize(dir.find_last_of('/'));
    const std::string candidate = dir + "/../fonts";
    if (access((candidate + "/PanelSans-Regular.ttf").c_str(), R_OK) == 0) return candidate;
    const std::string installed = dir + "/../share/panelpaper/fonts";
    if (access((installed + "/PanelSans-Regular.ttf").c_str(), R_OK) == 0) return installed;
  }
  return PP_INSTALL_FONTS_DIR;
}

}  // namespace pp::text
