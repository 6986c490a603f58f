#include "service/request_converter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/rpc/error_details.pb.h"
#include "renderers/common/field_error.h"
#include "renderers/common/pdf_text.h"
#include "renderers/common/utf8.h"
#include "renderers/layout/style.h"
#include "renderers/layout/table_flow.h"
#include "service/field_path.h"

namespace pp::service {

// ---- Violations -------------------------------------------------------------

void Violations::AddInvalid(std::string field, std::string description) {
  if (invalid.size() >= max_recorded) {
    ++omitted_invalid;
    return;
  }
  invalid.push_back({std::move(field), std::move(description)});
}

void Violations::AddExhausted(std::string field, std::string description) {
  if (exhausted.size() >= max_recorded) {
    ++omitted_exhausted;
    return;
  }
  exhausted.push_back({std::move(field), std::move(description)});
}

bool Violations::empty() const { return count() == 0; }

size_t Violations::count() const {
  return invalid.size() + exhausted.size() + omitted_invalid + omitted_exhausted;
}

absl::Status Violations::ToStatus(size_t max_payload_bytes) const {
  if (empty()) return absl::OkStatus();
  const bool quota = !exhausted.empty() || omitted_exhausted > 0;
  const size_t total = count();

  std::string message =
      absl::StrCat("request has ", total, total == 1 ? " invalid field" : " invalid fields");
  size_t listed = 0;
  auto list = [&](const std::vector<FieldViolation>& violations) {
    for (const FieldViolation& f : violations) {
      if (listed == kMessageListed) return;
      absl::StrAppend(&message, listed == 0 ? ": " : "; ", f.field, ": ", f.description);
      ++listed;
    }
  };
  list(exhausted);  // the ones that decide the code come first
  list(invalid);
  if (total > listed) absl::StrAppend(&message, "; and ", total - listed, " more");

  absl::Status status(quota ? absl::StatusCode::kResourceExhausted
                            : absl::StatusCode::kInvalidArgument,
                      message);

  // Upper bound of one serialized {string, string} entry: tags, lengths and
  // the nested message's own length prefix.
  size_t budget = max_payload_bytes;
  auto fits = [&budget](const FieldViolation& f) {
    const size_t cost = f.field.size() + f.description.size() + 12;
    if (cost > budget) return false;
    budget -= cost;
    return true;
  };
  if (quota) {
    google::rpc::QuotaFailure failure;
    for (const FieldViolation& f : exhausted) {
      if (!fits(f)) break;
      google::rpc::QuotaFailure::Violation* out = failure.add_violations();
      out->set_subject(f.field);
      out->set_description(f.description);
    }
    status.SetPayload(kQuotaFailureTypeUrl, absl::Cord(failure.SerializeAsString()));
  }
  if (!invalid.empty()) {
    google::rpc::BadRequest bad_request;
    for (const FieldViolation& f : invalid) {
      if (!fits(f)) break;
      google::rpc::BadRequest::FieldViolation* out = bad_request.add_field_violations();
      out->set_field(f.field);
      out->set_description(f.description);
    }
    status.SetPayload(kBadRequestTypeUrl, absl::Cord(bad_request.SerializeAsString()));
  }
  return status;
}

absl::Status WithRequestDetails(const absl::Status& status) {
  const std::optional<FieldError> f = GetFieldError(status);
  if (!f) return status;
  absl::Status out = status;
  out.ErasePayload(kFieldErrorTypeUrl);
  if (f->kind == FieldError::Kind::kQuota) {
    google::rpc::QuotaFailure failure;
    google::rpc::QuotaFailure::Violation* v = failure.add_violations();
    v->set_subject(f->field);
    v->set_description(f->description);
    out.SetPayload(kQuotaFailureTypeUrl, absl::Cord(failure.SerializeAsString()));
  } else {
    google::rpc::BadRequest bad_request;
    google::rpc::BadRequest::FieldViolation* v = bad_request.add_field_violations();
    v->set_field(f->field);
    v->set_description(f->description);
    out.SetPayload(kBadRequestTypeUrl, absl::Cord(bad_request.SerializeAsString()));
  }
  return out;
}

// ---- Conversion -------------------------------------------------------------

namespace {

namespace pb = ::panelpaper::v1;
template <typename T>
using Repeated = ::google::protobuf::RepeatedPtrField<T>;

// Debian's Abseil 20220623 has its own absl::string_view
// (ABSL_OPTION_USE_STD_STRING_VIEW 0): std::string_view must be converted
// before it meets absl::StrCat, absl::StripAsciiWhitespace, absl::StartsWith...
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

constexpr char kRequired[] = "required";
// RFC 5321's longest address (a 256-octet path less its angle brackets).
constexpr size_t kMaxEmailBytes = 254;
// A link becomes a PDF string (the URI action): ASCII, so bytes = characters.
constexpr size_t kMaxLinkBytes = kMaxPdfTextChars;
constexpr char kRequiredRepeated[] = "required (at least one)";
// Request text quoted in a description is cut to this many characters.
constexpr int kMaxQuotedChars = 40;

// "\"<at most 40 characters of s>\"", "..." marking a cut. Stops early at
// anything that is not plain printable text.
std::string Quote(std::string_view s) {
  size_t pos = 0;
  for (int n = 0; pos < s.size() && n < kMaxQuotedChars; ++n) {
    size_t next = pos;
    const char32_t cp = DecodeUtf8(s, &next);
    if (cp == kInvalidCodepoint || cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) break;
    pos = next;
  }
  return absl::StrCat("\"", AV(s.substr(0, pos)), pos < s.size() ? "...\"" : "\"");
}

bool IsBlank(std::string_view s) { return absl::StripAsciiWhitespace(AV(s)).empty(); }

// ---- Pasted text ------------------------------------------------------------
// What word processors put into copied text, mapped to what layout draws
// (paper.proto "Text"; README "Pasted text"). Layout only ever sees '\n'
// as a line break, U+00AD, U+00A0 and U+200B.

// True for a byte that may start something NormalizePasted changes: a C0
// control or the lead byte of U+2028, U+202F, U+2060, U+200C/D (E2) or
// U+FEFF (EF).
bool MayNeedNormalizing(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0xE2 || u == 0xEF) return true;
  }
  return false;
}

// Returns s with pasted-text characters mapped. `multi_line` (run text):
// TAB -> one space, CR LF / lone CR / U+2028 / U+2029 -> '\n'. Single-line
// fields: TAB, CR, LF, CR LF, U+2028, U+2029 -> one space. Everywhere:
// U+202F -> U+00A0; U+2060 and U+FEFF dropped; ZWNJ/ZWJ dropped unless next
// to a right-to-left or shaping script character (that text is refused
// anyway, and the joiner with it). Anything else, including characters
// the fonts check will refuse, is copied unchanged.
std::string NormalizePasted(std::string_view s, bool multi_line) {
  std::string out;
  out.reserve(s.size());
  const char32_t line_break = multi_line ? U'\n' : U' ';
  char32_t prev = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t at = pos;
    const char32_t cp = DecodeUtf8(s, &pos);
    if (cp == kInvalidCodepoint) {  // left for the fonts check to report
      out.append(s.substr(at, pos - at));
      prev = cp;
      continue;
    }
    switch (cp) {
      case U'\t':
        out.push_back(' ');
        break;
      case U'\r':
        out.push_back(static_cast<char>(line_break));
        if (pos < s.size() && s[pos] == '\n') ++pos;  // CR LF: one break
        break;
      case U'\n':
      case 0x2028:  // LINE SEPARATOR
      case 0x2029:  // PARAGRAPH SEPARATOR
        out.push_back(static_cast<char>(line_break));
        break;
      case 0x202F:  // NARROW NO-BREAK SPACE: drawn as U+00A0 (Panel Sans has it)
        AppendUtf8(0x00A0, &out);
        break;
      case 0x2060:  // WORD JOINER
      case 0xFEFF:  // ZERO WIDTH NO-BREAK SPACE (byte order mark)
        break;
      case 0x200C:  // ZWNJ
      case 0x200D: {  // ZWJ
        size_t next_pos = pos;
        const char32_t next = pos < s.size() ? DecodeUtf8(s, &next_pos) : 0;
        if (text::IsComplexScript(prev) || text::IsComplexScript(next)) {
          AppendUtf8(cp, &out);  // refused with its script by the fonts check
        }
        break;
      }
      default:
        AppendUtf8(cp, &out);
    }
    prev = cp;
  }
  return out;
}

constexpr doc::Rgb kBlack = {0, 0, 0};

// The RAG palette of paper.proto (LAYOUT.md §7); all with black text.
std::optional<doc::Rgb> RagFill(pb::Rag rag) {
  switch (rag) {
    case pb::GREEN: return doc::Rgb{0x00, 0xB0, 0x50};
    case pb::AMBER: return doc::Rgb{0xFF, 0xC0, 0x00};
    case pb::RED: return doc::Rgb{0xFF, 0x00, 0x00};
    case pb::GREY: return doc::Rgb{0xBF, 0xBF, 0xBF};
    case pb::AMBER_GREEN: return doc::Rgb{0x92, 0xD0, 0x50};
    case pb::AMBER_RED: return doc::Rgb{0xFF, 0x66, 0x00};
    default: return std::nullopt;
  }
}

// The status words paper.proto lists for ImprovementArea.rag, matched
// case-insensitively after trimming and collapsing runs of spaces.
std::optional<pb::Rag> RagOfStatusWord(std::string_view status) {
  if (status.size() > 64) return std::nullopt;  // longer than any known word
  std::string word;
  for (const char c : absl::StripAsciiWhitespace(AV(status))) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      if (word.empty() || word.back() != ' ') word.push_back(' ');
    } else {
      word.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  static constexpr struct {
    const char* word;
    pb::Rag rag;
  } kWords[] = {
      {"good progress", pb::GREEN},   {"complete", pb::GREEN},
      {"completed", pb::GREEN},       {"on track", pb::GREEN},
      {"progress", pb::AMBER},        {"some progress", pb::AMBER},
      {"in progress", pb::AMBER},     {"limited progress", pb::RED},
      {"no progress", pb::RED},       {"not started", pb::RED},
      {"off track", pb::RED},         {"not adopted", pb::GREY},
      {"closed", pb::GREY},           {"superseded", pb::GREY},
  };
  for (const auto& w : kWords) {
    if (word == w.word) return w.rag;
  }
  return std::nullopt;
}

std::optional<doc::ListStyle> ListStyleOf(pb::ListStyle style) {
  switch (style) {
    case pb::BULLET: return doc::ListStyle::kBullet;
    case pb::LOWER_ALPHA_DOT: return doc::ListStyle::kLowerAlphaDot;
    case pb::LOWER_ALPHA_PAREN: return doc::ListStyle::kLowerAlphaParen;
    case pb::DECIMAL_DOT: return doc::ListStyle::kDecimalDot;
    case pb::DECIMAL_PAREN: return doc::ListStyle::kDecimalParen;
    case pb::LOWER_ROMAN_DOT: return doc::ListStyle::kLowerRomanDot;
    case pb::UPPER_ROMAN_DOT: return doc::ListStyle::kUpperRomanDot;
    case pb::NO_LABEL: return doc::ListStyle::kNone;
    default: return std::nullopt;  // UNSPECIFIED and unknown numbers
  }
}

// Display text of a marking; nullopt for unknown numbers.
std::optional<std::string_view> MarkingText(pb::ProtectiveMarking marking) {
  switch (marking) {
    case pb::PROTECTIVE_MARKING_UNSPECIFIED: return "";
    case pb::OFFICIAL: return "OFFICIAL";
    case pb::OFFICIAL_SENSITIVE: return "OFFICIAL-SENSITIVE";
    case pb::SECRET: return "SECRET";
    case pb::TOP_SECRET: return "TOP SECRET";
    case pb::NOT_PROTECTIVELY_MARKED: return "NOT PROTECTIVELY MARKED";
    case pb::PROTECT: return "PROTECT";
    case pb::RESTRICTED: return "RESTRICTED";
    case pb::CONFIDENTIAL: return "CONFIDENTIAL";
    default: return std::nullopt;
  }
}

std::string UnknownEnum(std::string_view type, int value) {
  return absl::StrCat("unknown ", AV(type), " value ", value);
}

// True for a well-formed BCP 47 language tag (RFC 5646 §2.1, the common
// forms): a 2-3 letter language (or 5-8 letters), then subtags of 1-8
// letters or digits ("en-GB", "cy", "zh-Hant-TW", "de-CH-1996"), a
// singleton only followed by more subtags; at most 35 characters.
bool IsLanguageTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 35) return false;
  size_t start = 0;
  bool first = true;
  bool after_singleton = false;
  while (start <= tag.size()) {
    const size_t end = std::min(tag.find('-', start), tag.size());
    const std::string_view sub = tag.substr(start, end - start);
    if (sub.empty() || sub.size() > 8) return false;
    for (const char c : sub) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) return false;
      if (first && !absl::ascii_isalpha(static_cast<unsigned char>(c))) return false;
    }
    if (first && (sub.size() == 4 || sub.size() < 2)) return false;
    after_singleton = !first && sub.size() == 1;
    first = false;
    if (end == tag.size()) break;
    start = end + 1;
  }
  return !after_singleton;
}

constexpr char kLanguageTag[] = "must be a BCP 47 language tag such as \"en-GB\" or \"cy\"";

}  // namespace

std::optional<std::string> ParseIsoDate(std::string_view s, doc::Date* out) {
  constexpr char kFormat[] = "must be an ISO 8601 date YYYY-MM-DD, e.g. 2020-01-08";
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return kFormat;
  int fields[3] = {0, 0, 0};
  const int starts[3] = {0, 5, 8};
  const int lengths[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f) {
    for (int i = starts[f]; i < starts[f] + lengths[f]; ++i) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return kFormat;
      fields[f] = fields[f] * 10 + (s[i] - '0');
    }
  }
  const auto [year, month, day] = fields;
  // absl normalises 2020-02-30 to 2020-03-01: a real date survives unchanged.
  const doc::Date date(year, month, day);
  if (year < 1 || date.year() != year || date.month() != month || date.day() != day) {
    return absl::StrCat(AV(s), " is not a real date");
  }
  *out = date;
  return std::nullopt;
}

namespace {

// "8 January 2020"
std::string FormatDate(const doc::Date& d) {
  static constexpr const char* kMonths[] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
  return absl::StrCat(d.day(), " ", kMonths[d.month() - 1], " ", d.year());
}

// "#RRGGBB" (hex digits in either case).
std::optional<doc::Rgb> ParseHexColour(std::string_view s) {
  if (s.size() != 7 || s[0] != '#') return std::nullopt;
  uint8_t v[3];
  for (int i = 0; i < 3; ++i) {
    int byte = 0;
    for (int k = 1; k <= 2; ++k) {
      const char c = s[static_cast<size_t>(2 * i + k)];
      int nibble;
      if (c >= '0' && c <= '9') {
        nibble = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        nibble = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        nibble = c - 'A' + 10;
      } else {
        return std::nullopt;
      }
      byte = byte * 16 + nibble;
    }
    v[i] = static_cast<uint8_t>(byte);
  }
  return doc::Rgb{v[0], v[1], v[2]};
}

// A link for a PDF URI action: printable ASCII, no spaces, an allowed scheme
// and something after it. Returns an error description or nullopt.
std::optional<std::string> LinkProblem(std::string_view s, bool allow_mailto) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) {
      return "must not contain spaces or control characters (percent-encode them)";
    }
    if (u >= 0x80) return "must be ASCII (percent-encode other characters)";
  }
  std::string_view rest;
  bool mailto = false;
  if (absl::StartsWithIgnoreCase(AV(s), "https://")) {
    rest = s.substr(8);
  } else if (absl::StartsWithIgnoreCase(AV(s), "http://")) {
    rest = s.substr(7);
  } else if (allow_mailto && absl::StartsWithIgnoreCase(AV(s), "mailto:")) {
    rest = s.substr(7);
    mailto = true;
  } else {
    return allow_mailto ? "must be an absolute https:// or http:// URL or a mailto: address"
                        : "must be an absolute https:// or http:// URL";
  }
  if (mailto) {
    if (rest.empty()) return "needs an address after \"mailto:\"";
  } else if (rest.empty() || rest[0] == '/' || rest[0] == '?' || rest[0] == '#') {
    return "needs a host name after the scheme";
  }
  return std::nullopt;
}

// Contact.email: printed and linked as "mailto:<email>".
std::optional<std::string> EmailProblem(std::string_view s) {
  if (s.size() > kMaxEmailBytes) {
    return absl::StrCat("is ", s.size(), " characters; an email address has at most ",
                        kMaxEmailBytes);
  }
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) {
      return "must be a plain ASCII email address without spaces, e.g. name@example.org";
    }
  }
  if (absl::StartsWithIgnoreCase(AV(s), "mailto:")) {
    return "give the address without \"mailto:\"";
  }
  const size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size() ||
      s.find('@', at + 1) != std::string_view::npos) {
    return "must be an email address such as name@example.org";
  }
  return std::nullopt;
}

class Converter {
 public:
  Converter(const text::FontSet& fonts, const Limits& limits, Violations* v)
      : fonts_(fonts), limits_(limits), v_(v) {}

  void Paper(const pb::Paper& in, const FieldPath& p, doc::Paper* out);
  void Pack(const pb::RenderAgendaPackRequest& in, doc::Pack* out);

 private:
  // String field rules (bit flags).
  enum : unsigned {
    kOptional = 0,
    kRequiredText = 1,  // required: empty or only whitespace is "required"
    kNonEmpty = 2,      // required: empty is "required", whitespace is text
    kMultiLine = 4,     // '\n' allowed (Run.text only)
  };

  void Invalid(std::string path, std::string description) {
    v_->AddInvalid(std::move(path), std::move(description));
  }
  // Invalid() with the path built only if the violation will be recorded (a
  // request with a million empty runs must not build a million paths).
  template <typename PathFn>
  void InvalidAt(PathFn&& path, std::string description) {
    if (v_->invalid.size() >= v_->max_recorded) {
      ++v_->omitted_invalid;
      return;
    }
    v_->AddInvalid(path(), std::move(description));
  }
  void Exhausted(std::string path, std::string description) {
    v_->AddExhausted(std::move(path), std::move(description));
  }

  // Counts `n` bytes of request text against the per-string and whole-paper
  // limits. False when this string is over the per-string limit.
  template <typename PathFn>
  bool CountText(size_t n, PathFn&& path) {
    total_text_ += n;  // bounded by the request size: no overflow
    bool ok = true;
    if (n > limits_.max_string_bytes) {
      Exhausted(path(), absl::StrCat("is ", n, " bytes; a string may have at most ",
                                     limits_.max_string_bytes));
      ok = false;
    }
    if (!text_over_ && total_text_ > limits_.max_total_text_bytes) {
      text_over_ = true;
      Exhausted(path(), absl::StrCat("the paper's text passes the limit of ",
                                     limits_.max_total_text_bytes, " bytes here"));
    }
    return ok;
  }

  // Validates one string field after normalising pasted text
  // (NormalizePasted); true when it may be used, and then *out (if given)
  // holds the normalised text. Every character the fonts cannot draw is
  // named in one violation.
  template <typename PathFn>
  bool Text(std::string_view s, unsigned rules, PathFn&& path, std::string* out = nullptr) {
    if (s.empty() || ((rules & kRequiredText) && IsBlank(s))) {
      if (rules & (kRequiredText | kNonEmpty)) {
        InvalidAt(path, kRequired);
        return false;
      }
      return true;
    }
    if (!CountText(s.size(), path)) return false;
    const bool multi_line = (rules & kMultiLine) != 0;
    std::string normalized;
    const bool changed = MayNeedNormalizing(s);
    if (changed) normalized = NormalizePasted(s, multi_line);
    const std::string_view text = changed ? std::string_view(normalized) : s;
    if (absl::Status st = fonts_.CheckText(text, multi_line); !st.ok()) {
      InvalidAt(path, std::string(st.message()));
      return false;
    }
    if (out != nullptr) *out = changed ? std::move(normalized) : std::string(s);
    return true;
  }

  // Text() for `parent.name`, normalised into *out when valid.
  void TextField(const std::string& s, const FieldPath& parent, std::string_view name,
                 unsigned rules, std::string* out) {
    Text(s, rules, [&] { return parent.Field(name).str(); }, out);
  }

  // Link-valued field `parent.name` (empty is allowed).
  void LinkField(const std::string& s, const FieldPath& parent, std::string_view name,
                 bool allow_mailto, std::string* out) {
    if (s.empty()) return;
    auto path = [&] { return parent.Field(name).str(); };
    if (!CountText(s.size(), path)) return;
    if (s.size() > kMaxLinkBytes) {  // a PDF string (renderers/common/pdf_text.h)
      Invalid(path(), absl::StrCat("is ", s.size(), " characters; a link may have at most ",
                                   kMaxLinkBytes));
      return;
    }
    if (std::optional<std::string> problem = LinkProblem(s, allow_mailto)) {
      Invalid(path(), *std::move(problem));
      return;
    }
    *out = s;
  }

  // Document information field `parent.name` (a PDF string): Text() plus
  // the PDF's string limit in characters; copied into *out when valid.
  void PdfTextField(const std::string& s, const FieldPath& parent, std::string_view name,
                    std::string* out) {
    auto path = [&] { return parent.Field(name).str(); };
    std::string text;
    if (!Text(s, kOptional, path, &text)) return;
    if (const size_t n = CountUtf8Chars(text); n > kMaxPdfTextChars) {
      Invalid(path(), absl::StrCat("is ", n, " characters; document information may have at most ",
                                   kMaxPdfTextChars, " (a PDF string's limit)"));
      return;
    }
    *out = std::move(text);
  }

  // metadata.keywords: each keyword a string field, and all of them joined
  // with "; " (the PDF's Keywords string) within the PDF's string limit.
  void Keywords(const Repeated<std::string>& in, const FieldPath& p,
                std::vector<std::string>* out) {
    out->reserve(static_cast<size_t>(in.size()));
    size_t joined = 0;
    for (int i = 0; i < in.size(); ++i) {
      std::string& keyword = out->emplace_back();
      Text(in.Get(i), kOptional, [&] { return p.Index(static_cast<size_t>(i)).str(); },
           &keyword);
      joined += CountUtf8Chars(in.Get(i)) + (i > 0 ? 2 : 0);
    }
    if (joined > kMaxPdfTextChars) {
      Invalid(p.str(), absl::StrCat(in.size(), " keywords come to ", joined,
                                    " characters joined with \"; \"; at most ", kMaxPdfTextChars,
                                    " (a PDF string's limit)"));
    }
  }

  // One more block-level node (block, list item, table row, improvement area,
  // summary paragraph). False once the whole-paper budget is spent: the
  // caller skips the node (and, being past the limit, everything after it).
  template <typename PathFn>
  bool CountNode(PathFn&& path) {
    if (++nodes_ <= limits_.max_blocks) return true;
    if (!nodes_over_) {
      nodes_over_ = true;
      Exhausted(path(), absl::StrCat("the paper has more than ", limits_.max_blocks,
                                     " blocks, list items, table rows and improvement areas"));
    }
    return false;
  }

  void Runs(const Repeated<pb::Run>& in, const FieldPath& parent, std::string_view name,
            bool required, doc::Runs* out);
  void Paragraph(const pb::Paragraph& in, FieldPath p, doc::Paragraph* out);
  // Paragraphs of `parent.name`; `count` makes each one a block-level node.
  void Paragraphs(const Repeated<pb::Paragraph>& in, const FieldPath& parent,
                  std::string_view name, bool count, std::vector<doc::Paragraph>* out);
  // `depth` is the nesting level of the list the items belong to (1 = top).
  void ListItems(const Repeated<pb::ListItem>& in, const FieldPath& parent, std::string_view name,
                 bool required, int depth, std::vector<doc::ListItem>* out);
  void List(const pb::List& in, FieldPath p, int depth, doc::List* out);
  void Table(const pb::Table& in, FieldPath p, doc::Table* out);
  // Row spans in force while a table's rows are converted.
  struct RowSpans {
    int columns = 0;
    int header_rows = 0;
    int rows = 0;                   // rows converted
    std::vector<int> spanned;       // per column: rows below still covered
    std::vector<std::string> from;  // per column: the covering cell's path
  };
  void TableRow(const pb::TableRow& in, FieldPath p, int r, RowSpans* spans, doc::TableRow* out);
  // Room for every column at MinColumnWidth on the page (what layout
  // needs), or the table refused.
  void ColumnRoom(const std::vector<double>& shares, double font_size, const FieldPath& p);
  void ImprovementTable(const pb::ImprovementTable& in, FieldPath p, doc::ImprovementTable* out);
  void ImprovementArea(const pb::ImprovementArea& in, FieldPath p, doc::ImprovementArea* out);
  void ContactDetails(const pb::ContactDetails& in, FieldPath p, doc::ContactDetails* out);
  void Appendices(const pb::Appendices& in, FieldPath p, doc::Appendices* out);
  void Block(const pb::Block& in, const FieldPath& p, doc::Block* out);
  void Section(const pb::Section& in, FieldPath p, doc::Section* out);
  void Summary(const pb::ReportSummary& in, FieldPath p, doc::ReportSummary* out);
  std::optional<doc::Timestamp> Timestamp(const google::protobuf::Timestamp& in,
                                          const FieldPath& p);
  void Metadata(const pb::DocumentMetadata& in, const FieldPath& p, const doc::Paper& paper,
                bool date_ok, doc::Metadata* out);
  // "7b" from number 7 and sub-letter "b"; false (and reported) if invalid.
  bool AgendaNumber(const pb::AgendaItemNumber& in, const FieldPath& p, std::string* out);
  void OrganisationLines(const Repeated<std::string>& in, const FieldPath& p,
                         std::vector<std::string>* out);
  // Required calendar date field; false (and reported) if missing or invalid.
  bool DateField(const std::string& in, const FieldPath& p, doc::Date* out);
  void Meeting(const pb::Meeting& in, const FieldPath& p, doc::Meeting* out);
  void PackItem(const pb::AgendaItem& in, const FieldPath& p, doc::PackItem* out);

  const text::FontSet& fonts_;
  const Limits& limits_;
  Violations* v_;
  size_t total_text_ = 0;
  bool text_over_ = false;
  int64_t nodes_ = 0;
  bool nodes_over_ = false;
};

void Converter::Runs(const Repeated<pb::Run>& in, const FieldPath& parent, std::string_view name,
                     bool required, doc::Runs* out) {
  if (in.empty()) {
    if (required) Invalid(parent.Field(name).str(), kRequiredRepeated);
    return;
  }
  out->reserve(static_cast<size_t>(in.size()));
  for (int j = 0; j < in.size(); ++j) {
    const pb::Run& run = in[j];
    doc::Run& o = out->emplace_back();
    Text(run.text(), kNonEmpty | kMultiLine,
         [&] { return parent.Field(name, j).Field("text").str(); }, &o.text);
    o.bold = run.bold();
    o.italic = run.italic();
    if (!run.language().empty()) {
      if (IsLanguageTag(run.language())) {
        o.language = run.language();
      } else {
        Invalid(parent.Field(name, j).Field("language").str(), kLanguageTag);
      }
    }
    if (!run.link().empty()) {
      LinkField(run.link(), parent.Field(name, j), "link", /*allow_mailto=*/true, &o.link);
    }
  }
}

void Converter::Paragraph(const pb::Paragraph& in, FieldPath p, doc::Paragraph* out) {
  Runs(in.runs(), p, "runs", /*required=*/true, &out->runs);
  out->unnumbered = in.unnumbered();
  out->path = std::move(p).str();
}

void Converter::Paragraphs(const Repeated<pb::Paragraph>& in, const FieldPath& parent,
                           std::string_view name, bool count,
                           std::vector<doc::Paragraph>* out) {
  out->reserve(static_cast<size_t>(in.size()));
  for (int i = 0; i < in.size(); ++i) {
    FieldPath p = parent.Field(name, i);
    if (count && !CountNode([&] { return p.str(); })) return;
    Paragraph(in[i], std::move(p), &out->emplace_back());
  }
}

void Converter::ListItems(const Repeated<pb::ListItem>& in, const FieldPath& parent,
                          std::string_view name, bool required, int depth,
                          std::vector<doc::ListItem>* out) {
  if (in.empty()) {
    if (required) Invalid(parent.Field(name).str(), kRequiredRepeated);
    return;
  }
  out->reserve(static_cast<size_t>(in.size()));
  for (int i = 0; i < in.size(); ++i) {
    const pb::ListItem& item = in[i];
    FieldPath p = parent.Field(name, i);
    if (!CountNode([&] { return p.str(); })) return;
    doc::ListItem& o = out->emplace_back();
    Runs(item.runs(), p, "runs", /*required=*/true, &o.runs);
    if (item.has_sublist()) {
      // Recursion is bounded: List() stops at depth max_list_depth + 1.
      List(item.sublist(), p.Field("sublist"), depth + 1, &o.sublists.emplace_back());
    }
    o.path = std::move(p).str();
  }
}

void Converter::List(const pb::List& in, FieldPath p, int depth, doc::List* out) {
  if (depth > limits_.max_list_depth) {
    Invalid(std::move(p).str(),
            absl::StrCat("lists may nest at most ", limits_.max_list_depth, " levels deep"));
    return;  // do not descend further
  }
  if (in.style() == pb::LIST_STYLE_UNSPECIFIED) {
    out->style = doc::ListStyle::kBullet;
  } else if (std::optional<doc::ListStyle> style = ListStyleOf(in.style())) {
    out->style = *style;
  } else {
    Invalid(p.Field("style").str(), UnknownEnum("ListStyle", in.style()));
  }
  ListItems(in.items(), p, "items", /*required=*/true, depth, &out->items);
  out->path = std::move(p).str();
}

void Converter::Table(const pb::Table& in, FieldPath p, doc::Table* out) {
  const int columns = in.column_widths_size();
  if (columns == 0) {
    Invalid(p.Field("column_widths").str(), kRequiredRepeated);
  } else if (columns > limits_.max_table_columns) {
    Invalid(p.Field("column_widths").str(),
            absl::StrCat(columns, " columns; a table may have at most ",
                         limits_.max_table_columns));
  }
  bool widths_ok = columns > 0 && columns <= limits_.max_table_columns;
  out->column_widths.reserve(static_cast<size_t>(columns));
  for (int i = 0; i < columns; ++i) {
    const double w = in.column_widths(i);
    if (!(std::isfinite(w) && w > 0)) {
      Invalid(p.Field("column_widths", i).str(), "must be a positive number");
      widths_ok = false;
    }
    out->column_widths.push_back(w);
  }

  const int rows = in.rows_size();
  if (rows == 0) Invalid(p.Field("rows").str(), kRequiredRepeated);
  if (in.header_rows() < 0) {
    Invalid(p.Field("header_rows").str(), "must not be negative");
  } else if (rows > 0 && in.header_rows() >= rows) {
    Invalid(p.Field("header_rows").str(),
            absl::StrCat("must leave at least one body row (", in.header_rows(),
                         " header rows, ", rows, rows == 1 ? " row)" : " rows)"));
  } else {
    out->header_rows = in.header_rows();
  }

  const double size = in.font_size();
  if (size == 0) {
    out->font_size = 10;
  } else if (std::isfinite(size) && size >= 7 && size <= 14) {
    out->font_size = size;
  } else {
    Invalid(p.Field("font_size").str(), "must be 0 (meaning 10) or between 7 and 14");
    widths_ok = false;
  }
  if (widths_ok) ColumnRoom(out->column_widths, out->font_size, p);

  TextField(in.caption(), p, "caption", kOptional, &out->caption);

  int convert = rows;
  if (rows > limits_.max_table_rows) {
    Exhausted(p.Field("rows").str(), absl::StrCat(rows, " rows; a table may have at most ",
                                                  limits_.max_table_rows));
    convert = limits_.max_table_rows;
  }
  out->rows.reserve(static_cast<size_t>(std::max(convert, 0)));
  // Row spans (the HTML model): spanned[c] counts the rows below the current
  // one still covered by a cell from above in column c; `from[c]` names it.
  RowSpans spans;
  spans.columns = columns;
  spans.header_rows = out->header_rows;
  spans.rows = convert;
  spans.spanned.assign(static_cast<size_t>(std::max(columns, 0)), 0);
  spans.from.assign(static_cast<size_t>(std::max(columns, 0)), std::string());
  for (int r = 0; r < convert; ++r) {
    FieldPath rp = p.Field("rows", r);
    if (!CountNode([&] { return rp.str(); })) break;
    TableRow(in.rows(r), std::move(rp), r, &spans, &out->rows.emplace_back());
  }
  out->path = std::move(p).str();
}

void Converter::ColumnRoom(const std::vector<double>& shares, double font_size,
                           const FieldPath& p) {
  // The geometry layout uses: tables span the body width of the house style.
  const layout::HouseStyle style;
  const double body = style.body_width();
  const double min_width = layout::MinColumnWidth(font_size, style.cell_padding_x);
  const size_t fit = static_cast<size_t>(body / min_width);
  if (shares.size() > fit) {
    Invalid(p.Field("column_widths").str(),
            absl::StrFormat("%d columns do not fit: at %.0f pt each column needs at least %.1f pt "
                            "(one em of text and %.0f pt of padding), and the page's %.1f pt "
                            "hold at most %d",
                            shares.size(), font_size, min_width, 2 * style.cell_padding_x, body,
                            fit));
    return;
  }
  // Within that, widths are preferences: layout widens a column preferred
  // narrower than its content needs (layout::FitColumns), so no single
  // column is refused for its share.
}

void Converter::TableRow(const pb::TableRow& in, FieldPath p, int r, RowSpans* spans,
                         doc::TableRow* out) {
  const int columns = spans->columns;
  if (in.cells().empty()) Invalid(p.Field("cells").str(), kRequiredRepeated);
  // Columns covered by cells of rows above, before this row's cells.
  int64_t from_above = 0;
  for (int n : spans->spanned) from_above += n > 0 ? 1 : 0;
  int64_t spans_total = 0;
  size_t col = 0;  // the next column a cell of this row may start in
  std::vector<int> starts(static_cast<size_t>(in.cells_size()), -1);
  out->cells.reserve(static_cast<size_t>(in.cells_size()));
  for (int c = 0; c < in.cells_size(); ++c) {
    const pb::TableCell& cell = in.cells(c);
    FieldPath cp = p.Field("cells", c);
    doc::TableCell& o = out->cells.emplace_back();
    int span = cell.column_span();
    if (span < 0) {
      Invalid(cp.Field("column_span").str(), "must not be negative (0 means 1)");
      span = 1;
    } else if (span == 0) {
      span = 1;
    }
    spans_total += span;
    o.column_span = span;
    int row_span = cell.row_span();
    if (row_span < 0) {
      Invalid(cp.Field("row_span").str(), "must not be negative (0 means 1)");
      row_span = 1;
    } else if (row_span == 0) {
      row_span = 1;
    }
    // A span stays inside its part of the table: the header rows repeat on
    // every page, the body rows split between pages.
    const bool header = r < spans->header_rows;
    const int part_end = header ? spans->header_rows : spans->rows;
    if (row_span > part_end - r) {
      Invalid(cp.Field("row_span").str(),
              header ? absl::StrCat(row_span, " rows from header row ", r,
                                    " cross into the body: a header cell may span only the ",
                                    spans->header_rows - r, " header rows from here (header_rows ",
                                    spans->header_rows, ")")
                     : absl::StrCat(row_span, " rows from row ", r, " run past the table's last row (",
                                    spans->rows - r, spans->rows - r == 1 ? " row" : " rows",
                                    " from here)"));
      row_span = std::max(1, part_end - r);
    }
    o.row_span = row_span;
    // Place the cell in the next column not covered from above.
    while (col < spans->spanned.size() && spans->spanned[col] > 0) ++col;
    if (col < spans->spanned.size()) {
      starts[static_cast<size_t>(c)] = static_cast<int>(col);
      const size_t end = std::min(spans->spanned.size(), col + static_cast<size_t>(span));
      for (size_t k = col; k < end; ++k) {
        if (spans->spanned[k] > 0) {
          Invalid(cp.Field("column_span").str(),
                  absl::StrCat("columns ", col + 1, " to ", col + static_cast<size_t>(span),
                               " overlap column ", k + 1, ", which ", spans->from[k],
                               " spans down into this row"));
          break;
        }
      }
      col += static_cast<size_t>(span);
    }
    Paragraphs(cell.paragraphs(), cp, "paragraphs", /*count=*/false, &o.paragraphs);
    if (!cell.fill().empty()) {
      auto path = [&] { return cp.Field("fill").str(); };
      if (CountText(cell.fill().size(), path)) {
        if (std::optional<doc::Rgb> fill = ParseHexColour(cell.fill())) {
          o.fill = *fill;
        } else {
          Invalid(path(), "must be a colour written #RRGGBB, e.g. #D9D9D9");
        }
      }
    }
    if (!pb::Rag_IsValid(cell.rag())) {
      Invalid(cp.Field("rag").str(), UnknownEnum("Rag", cell.rag()));
    } else if (std::optional<doc::Rgb> fill = RagFill(cell.rag())) {
      o.fill = *fill;  // a rating overrides `fill`
    }
    switch (cell.alignment()) {
      case pb::ALIGNMENT_UNSPECIFIED:
      case pb::LEFT: o.align = doc::Align::kLeft; break;
      case pb::CENTER: o.align = doc::Align::kCenter; break;
      case pb::RIGHT: o.align = doc::Align::kRight; break;
      default: Invalid(cp.Field("alignment").str(), UnknownEnum("Alignment", cell.alignment()));
    }
    o.bold = cell.bold();
    o.path = std::move(cp).str();
  }
  if (!in.cells().empty() && columns > 0 && spans_total + from_above != columns) {
    Invalid(p.Field("cells").str(),
            from_above == 0
                ? absl::StrCat("column spans add up to ", spans_total, " but the table has ",
                               columns, columns == 1 ? " column" : " columns")
                : absl::StrCat("column spans add up to ", spans_total, " and ", from_above,
                               from_above == 1 ? " column is" : " columns are",
                               " spanned from rows above: ", spans_total + from_above,
                               ", but the table has ", columns,
                               columns == 1 ? " column" : " columns"));
  }
  // The rows below: one row fewer of the spans from above; this row's own.
  for (int& n : spans->spanned) n = std::max(0, n - 1);
  for (int c = 0; c < in.cells_size(); ++c) {
    const int start = starts[static_cast<size_t>(c)];
    if (start < 0 || out->cells[static_cast<size_t>(c)].row_span <= 1) continue;
    const size_t end = std::min(spans->spanned.size(),
                                static_cast<size_t>(start + out->cells[static_cast<size_t>(c)].column_span));
    for (size_t k = static_cast<size_t>(start); k < end; ++k) {
      spans->spanned[k] = out->cells[static_cast<size_t>(c)].row_span - 1;
      spans->from[k] = out->cells[static_cast<size_t>(c)].path;
    }
  }
  out->path = std::move(p).str();
}

void Converter::ImprovementArea(const pb::ImprovementArea& in, FieldPath p,
                                doc::ImprovementArea* out) {
  TextField(in.name(), p, "name", kRequiredText, &out->name);
  const bool status_ok =
      Text(in.status(), kRequiredText, [&] { return p.Field("status").str(); }, &out->status);
  if (!pb::Rag_IsValid(in.rag())) {
    Invalid(p.Field("rag").str(), UnknownEnum("Rag", in.rag()));
  } else if (std::optional<doc::Rgb> fill = RagFill(in.rag())) {
    out->status_fill = *fill;
  } else if (status_ok) {
    if (std::optional<pb::Rag> rag = RagOfStatusWord(out->status)) {
      out->status_fill = *RagFill(*rag);
    } else {
      Invalid(p.Field("status").str(),
              absl::StrCat(Quote(in.status()),
                           " is not a status word the renderer knows; set rag for its colour"));
    }
  }
  out->status_text = kBlack;
  TextField(in.lead(), p, "lead", kOptional, &out->lead);
  Runs(in.aim(), p, "aim", /*required=*/false, &out->aim);
  Runs(in.main_issue(), p, "main_issue", /*required=*/false, &out->main_issue);
  out->actions.reserve(static_cast<size_t>(in.actions_size()));
  for (int k = 0; k < in.actions_size(); ++k) {
    const pb::ImprovementAction& action = in.actions(k);
    FieldPath ap = p.Field("actions", k);
    doc::ImprovementAction& o = out->actions.emplace_back();
    TextField(action.code(), ap, "code", kRequiredText, &o.code);
    Runs(action.runs(), ap, "runs", /*required=*/false, &o.runs);
    o.path = std::move(ap).str();
  }
  Paragraphs(in.progress(), p, "progress", /*count=*/false, &out->progress);
  Runs(in.monitoring(), p, "monitoring", /*required=*/false, &out->monitoring);
  out->path = std::move(p).str();
}

void Converter::ImprovementTable(const pb::ImprovementTable& in, FieldPath p,
                                 doc::ImprovementTable* out) {
  if (in.groups().empty()) Invalid(p.Field("groups").str(), kRequiredRepeated);
  out->groups.reserve(static_cast<size_t>(in.groups_size()));
  for (int g = 0; g < in.groups_size() && !nodes_over_; ++g) {
    const pb::ImprovementGroup& group = in.groups(g);
    FieldPath gp = p.Field("groups", g);
    doc::ImprovementGroup& og = out->groups.emplace_back();
    TextField(group.name(), gp, "name", kRequiredText, &og.name);
    if (group.areas().empty()) Invalid(gp.Field("areas").str(), kRequiredRepeated);
    og.areas.reserve(static_cast<size_t>(group.areas_size()));
    for (int a = 0; a < group.areas_size(); ++a) {
      FieldPath ap = gp.Field("areas", a);
      if (!CountNode([&] { return ap.str(); })) break;
      ImprovementArea(group.areas(a), std::move(ap), &og.areas.emplace_back());
    }
    og.path = std::move(gp).str();
  }
  const int headings = in.column_headings_size();
  if (headings == 3) {
    for (int i = 0; i < 3; ++i) {
      Text(in.column_headings(i), kOptional, [&] { return p.Field("column_headings", i).str(); },
           &out->column_headings[static_cast<size_t>(i)]);
    }
  } else if (headings != 0) {
    Invalid(p.Field("column_headings").str(),
            absl::StrCat("give none or exactly three headings, not ", headings));
  }
  out->path = std::move(p).str();
}

void Converter::ContactDetails(const pb::ContactDetails& in, FieldPath p,
                               doc::ContactDetails* out) {
  if (in.contacts().empty()) Invalid(p.Field("contacts").str(), kRequiredRepeated);
  out->contacts.reserve(static_cast<size_t>(in.contacts_size()));
  for (int i = 0; i < in.contacts_size(); ++i) {
    const pb::Contact& contact = in.contacts(i);
    FieldPath cp = p.Field("contacts", i);
    doc::Contact& o = out->contacts.emplace_back();
    if (!IsBlank(contact.role())) TextField(contact.role(), cp, "role", kOptional, &o.role);
    TextField(contact.name(), cp, "name", kRequiredText, &o.name);
    TextField(contact.unit(), cp, "unit", kOptional, &o.unit);
    if (!contact.email().empty()) {
      auto path = [&] { return cp.Field("email").str(); };
      if (Text(contact.email(), kOptional, path)) {
        if (std::optional<std::string> problem = EmailProblem(contact.email())) {
          Invalid(path(), *std::move(problem));
        } else {
          o.email = contact.email();
        }
      }
    }
    TextField(contact.phone(), cp, "phone", kOptional, &o.phone);
    o.path = std::move(cp).str();
  }
  out->path = std::move(p).str();
}

void Converter::Appendices(const pb::Appendices& in, FieldPath p, doc::Appendices* out) {
  out->appendices.reserve(static_cast<size_t>(in.appendices_size()));
  for (int i = 0; i < in.appendices_size(); ++i) {
    const pb::Appendix& appendix = in.appendices(i);
    const FieldPath ap = p.Field("appendices", i);
    doc::Appendix& o = out->appendices.emplace_back();
    TextField(appendix.label(), ap, "label", kRequiredText, &o.label);
    TextField(appendix.title(), ap, "title", kRequiredText, &o.title);
  }
  out->background_papers.reserve(static_cast<size_t>(in.background_papers_size()));
  for (int i = 0; i < in.background_papers_size(); ++i) {
    const pb::BackgroundPaper& paper = in.background_papers(i);
    const FieldPath bp = p.Field("background_papers", i);
    doc::BackgroundPaper& o = out->background_papers.emplace_back();
    TextField(paper.title(), bp, "title", kRequiredText, &o.title);
    LinkField(paper.link(), bp, "link", /*allow_mailto=*/false, &o.link);
  }
  out->path = std::move(p).str();
}

void Converter::Block(const pb::Block& in, const FieldPath& p, doc::Block* out) {
  switch (in.kind_case()) {
    case pb::Block::kParagraph:
      Paragraph(in.paragraph(), p.Field("paragraph"), &out->emplace<doc::Paragraph>());
      return;
    case pb::Block::kSubheading: {
      doc::Subheading& o = out->emplace<doc::Subheading>();
      FieldPath sp = p.Field("subheading");
      TextField(in.subheading().text(), sp, "text", kRequiredText, &o.text);
      o.italic = in.subheading().italic();
      o.path = std::move(sp).str();
      return;
    }
    case pb::Block::kList:
      List(in.list(), p.Field("list"), /*depth=*/1, &out->emplace<doc::List>());
      return;
    case pb::Block::kTable:
      Table(in.table(), p.Field("table"), &out->emplace<doc::Table>());
      return;
    case pb::Block::kImprovementTable:
      ImprovementTable(in.improvement_table(), p.Field("improvement_table"),
                       &out->emplace<doc::ImprovementTable>());
      return;
    case pb::Block::kContactDetails:
      ContactDetails(in.contact_details(), p.Field("contact_details"),
                     &out->emplace<doc::ContactDetails>());
      return;
    case pb::Block::kAppendices:
      Appendices(in.appendices(), p.Field("appendices"), &out->emplace<doc::Appendices>());
      return;
    case pb::Block::KIND_NOT_SET:
      break;
  }
  Invalid(p.str(),
          "empty block: set one of paragraph, subheading, list, table, improvement_table, "
          "contact_details or appendices");
}

void Converter::Section(const pb::Section& in, FieldPath p, doc::Section* out) {
  TextField(in.heading(), p, "heading", kRequiredText, &out->heading);
  out->numbered_paragraphs = in.numbered_paragraphs();
  out->blocks.reserve(static_cast<size_t>(in.blocks_size()));
  for (int k = 0; k < in.blocks_size(); ++k) {
    const FieldPath bp = p.Field("blocks", k);
    if (!CountNode([&] { return bp.str(); })) break;
    Block(in.blocks(k), bp, &out->blocks.emplace_back());
  }
  out->path = std::move(p).str();
}

void Converter::Summary(const pb::ReportSummary& in, FieldPath p, doc::ReportSummary* out) {
  Paragraphs(in.body(), p, "body", /*count=*/true, &out->body);
  Paragraphs(in.purpose(), p, "purpose", /*count=*/true, &out->purpose);
  ListItems(in.key_considerations(), p, "key_considerations", /*required=*/false, /*depth=*/1,
            &out->key_considerations);
  ListItems(in.interdependencies(), p, "interdependencies", /*required=*/false, /*depth=*/1,
            &out->interdependencies);
  if (in.has_recommendations()) {
    const pb::Recommendations& rec = in.recommendations();
    FieldPath rp = p.Field("recommendations");
    doc::Recommendations& o = out->recommendations.emplace();
    Runs(rec.lead_in(), rp, "lead_in", /*required=*/false, &o.lead_in);
    if (rec.label_style() == pb::LIST_STYLE_UNSPECIFIED) {
      o.label_style = doc::ListStyle::kLowerAlphaDot;
    } else if (std::optional<doc::ListStyle> style = ListStyleOf(rec.label_style())) {
      o.label_style = *style;
    } else {
      Invalid(rp.Field("label_style").str(), UnknownEnum("ListStyle", rec.label_style()));
    }
    ListItems(rec.items(), rp, "items", /*required=*/true, /*depth=*/1, &o.items);
    o.path = std::move(rp).str();
  }
  out->boxed = in.has_boxed() ? in.boxed() : true;
  out->path = std::move(p).str();
}

std::optional<doc::Timestamp> Converter::Timestamp(const google::protobuf::Timestamp& in,
                                                   const FieldPath& p) {
  // 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z, as google.protobuf.Timestamp
  // itself documents.
  constexpr int64_t kMinSeconds = -62135596800;
  constexpr int64_t kMaxSeconds = 253402300799;
  bool ok = true;
  if (in.seconds() < kMinSeconds || in.seconds() > kMaxSeconds) {
    Invalid(p.Field("seconds").str(), "must lie between years 1 and 9999 (UTC)");
    ok = false;
  }
  if (in.nanos() < 0 || in.nanos() > 999'999'999) {
    Invalid(p.Field("nanos").str(), "must be between 0 and 999999999");
    ok = false;
  }
  if (!ok) return std::nullopt;
  return doc::Timestamp{in.seconds()};  // PDF dates have whole seconds
}

void Converter::Metadata(const pb::DocumentMetadata& in, const FieldPath& p,
                         const doc::Paper& paper, bool date_ok, doc::Metadata* out) {
  // Defaults derived from other fields may be longer than a PDF string:
  // layout cuts them (renderers/common/pdf_text.h).
  if (IsBlank(in.title())) {
    out->title = paper.title;
  } else {
    PdfTextField(in.title(), p, "title", &out->title);
  }
  if (IsBlank(in.author())) {
    out->author = paper.report_by;
  } else {
    PdfTextField(in.author(), p, "author", &out->author);
  }
  if (IsBlank(in.subject())) {
    out->subject = paper.panel_name;
    if (date_ok) absl::StrAppend(&out->subject, ", ", FormatDate(paper.meeting_date));
    if (!paper.agenda_item.empty()) {
      absl::StrAppend(&out->subject, ", agenda item ", paper.agenda_item);
    }
  } else {
    PdfTextField(in.subject(), p, "subject", &out->subject);
  }
  Keywords(in.keywords(), p.Field("keywords"), &out->keywords);
  PdfTextField(in.creator(), p, "creator", &out->creator);
  if (in.has_created()) out->created = Timestamp(in.created(), p.Field("created"));
  if (in.has_modified()) out->modified = Timestamp(in.modified(), p.Field("modified"));
}

bool Converter::AgendaNumber(const pb::AgendaItemNumber& item, const FieldPath& ap,
                             std::string* out) {
  bool ok = true;
  if (item.number() == 0) {
    Invalid(ap.Field("number").str(), kRequired);
    ok = false;
  } else if (item.number() < 1 || item.number() > 999) {
    Invalid(ap.Field("number").str(), "must be between 1 and 999");
    ok = false;
  }
  const std::string& letter = item.sub_letter();
  if (!letter.empty() && (letter.size() != 1 || letter[0] < 'a' || letter[0] > 'z')) {
    Invalid(ap.Field("sub_letter").str(), "must be one lower-case letter a-z");
    ok = false;
  }
  if (ok) *out = absl::StrCat(item.number(), letter);
  return ok;
}

void Converter::OrganisationLines(const Repeated<std::string>& in, const FieldPath& p,
                                  std::vector<std::string>* out) {
  constexpr int kMaxOrganisationLines = 4;
  int lines = in.size();
  if (lines > kMaxOrganisationLines) {
    Invalid(p.str(), absl::StrCat("at most ", kMaxOrganisationLines, " lines, not ", lines));
    lines = kMaxOrganisationLines;
  }
  for (int i = 0; i < lines; ++i) {
    std::string& line = out->emplace_back();
    Text(in.Get(i), kOptional, [&] { return p.Index(static_cast<size_t>(i)).str(); }, &line);
  }
}

bool Converter::DateField(const std::string& in, const FieldPath& p, doc::Date* out) {
  if (IsBlank(in)) {
    Invalid(p.str(), kRequired);
    return false;
  }
  if (std::optional<std::string> problem = ParseIsoDate(in, out)) {
    Invalid(p.str(), *std::move(problem));
    return false;
  }
  return true;
}

void Converter::Paper(const pb::Paper& in, const FieldPath& p, doc::Paper* out) {
  OrganisationLines(in.organisation_lines(), p.Field("organisation_lines"),
                    &out->organisation_lines);
  TextField(in.panel_name(), p, "panel_name", kRequiredText, &out->panel_name);
  const bool date_ok = DateField(in.meeting_date(), p.Field("meeting_date"), &out->meeting_date);
  out->show_weekday = !in.hide_weekday();

  if (in.has_agenda_item()) {
    AgendaNumber(in.agenda_item(), p.Field("agenda_item"), &out->agenda_item);
  }

  TextField(in.title(), p, "title", kRequiredText, &out->title);
  TextField(in.report_by(), p, "report_by", kOptional, &out->report_by);

  if (std::optional<std::string_view> marking = MarkingText(in.protective_marking())) {
    out->protective_marking = std::string(*marking);
  } else {
    Invalid(p.Field("protective_marking").str(),
            UnknownEnum("ProtectiveMarking", in.protective_marking()));
  }

  if (in.first_page_number() < 0 || in.first_page_number() > 99999) {
    Invalid(p.Field("first_page_number").str(), "must be between 0 and 99999 (0 means 1)");
  } else {
    out->first_page_number = in.first_page_number() == 0 ? 1 : in.first_page_number();
  }

  Metadata(in.metadata(), p.Field("metadata"), *out, date_ok, &out->metadata);

  if (!in.language().empty()) {
    if (IsLanguageTag(in.language())) {
      out->language = in.language();
    } else {
      Invalid(p.Field("language").str(), kLanguageTag);
    }
  }

  if (in.has_summary()) Summary(in.summary(), p.Field("summary"), &out->summary.emplace());

  int sections = in.sections_size();
  if (sections == 0) {
    Invalid(p.Field("sections").str(), kRequiredRepeated);
  } else if (sections > limits_.max_sections) {
    Exhausted(p.Field("sections").str(),
              absl::StrCat(sections, " sections; a paper may have at most ",
                           limits_.max_sections));
    sections = limits_.max_sections;
  }
  out->sections.reserve(static_cast<size_t>(std::max(sections, 0)));
  for (int i = 0; i < sections; ++i) {
    Section(in.sections(i), p.Field("sections", i), &out->sections.emplace_back());
  }
}

// ---- Agenda packs ---------------------------------------------------------------

std::optional<std::string_view> PurposeText(pb::ItemPurpose purpose) {
  switch (purpose) {
    case pb::ITEM_PURPOSE_UNSPECIFIED: return "";
    case pb::FOR_NOTING: return "For noting";
    case pb::FOR_DECISION: return "For decision";
    case pb::FOR_DISCUSSION: return "For discussion";
    case pb::FOR_INFORMATION: return "For information";
    case pb::FOR_APPROVAL: return "For approval";
    default: return std::nullopt;
  }
}

bool IsClockTime(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return false;
  for (size_t i : {0u, 1u, 3u, 4u}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  return h < 24 && m < 60;
}

void Converter::Meeting(const pb::Meeting& in, const FieldPath& p, doc::Meeting* out) {
  OrganisationLines(in.organisation_lines(), p.Field("organisation_lines"),
                    &out->organisation_lines);
  TextField(in.panel_name(), p, "panel_name", kRequiredText, &out->panel_name);
  DateField(in.date(), p.Field("date"), &out->date);
  if (!in.start_time().empty()) {
    if (IsClockTime(in.start_time())) {
      out->start_time = in.start_time();
    } else {
      Invalid(p.Field("start_time").str(), "must be a 24-hour time HH:MM, e.g. 10:00");
    }
  }
  TextField(in.venue(), p, "venue", kOptional, &out->venue);
  auto people = [&](const Repeated<pb::Person>& list, std::string_view name,
                    std::vector<doc::Person>* people_out) {
    for (int i = 0; i < list.size(); ++i) {
      const FieldPath pp = p.Field(name, static_cast<size_t>(i));
      doc::Person& person = people_out->emplace_back();
      TextField(list.Get(i).name(), pp, "name", kRequiredText, &person.name);
      TextField(list.Get(i).role(), pp, "role", kOptional, &person.role);
    }
  };
  people(in.members(), "members", &out->members);
  people(in.officers(), "officers", &out->officers);
  if (in.has_contact()) {
    const FieldPath cp = p.Field("contact");
    doc::ContactOfficer& c = out->contact.emplace();
    TextField(in.contact().name(), cp, "name", kRequiredText, &c.name);
    TextField(in.contact().role(), cp, "role", kOptional, &c.role);
    TextField(in.contact().phone(), cp, "phone", kOptional, &c.phone);
    if (!in.contact().email().empty()) {
      if (std::optional<std::string> problem = EmailProblem(in.contact().email())) {
        Invalid(cp.Field("email").str(), *std::move(problem));
      } else {
        TextField(in.contact().email(), cp, "email", kOptional, &c.email);
      }
    }
  }
}

void Converter::PackItem(const pb::AgendaItem& in, const FieldPath& p, doc::PackItem* out) {
  out->path = p.str();
  if (!in.has_number()) {
    Invalid(p.Field("number").str(), kRequired);
  } else {
    AgendaNumber(in.number(), p.Field("number"), &out->number);
  }
  TextField(in.title(), p, "title", kRequiredText, &out->title);
  switch (in.part()) {
    case pb::AGENDA_PART_UNSPECIFIED:
    case pb::PART_I:
      out->part = doc::Part::kOne;
      if (in.exempt_paragraph() != 0 || !in.exemption_reason().empty()) {
        Invalid(p.Field(in.exempt_paragraph() != 0 ? "exempt_paragraph" : "exemption_reason").str(),
                "only Part II items are exempt");
      }
      break;
    case pb::PART_II:
      out->part = doc::Part::kTwo;
      if (in.exempt_paragraph() == 0) {
        Invalid(p.Field("exempt_paragraph").str(),
                "required for Part II items (paragraph 1-7 of Part 1 of Schedule 12A)");
      } else if (in.exempt_paragraph() < 1 || in.exempt_paragraph() > 7) {
        Invalid(p.Field("exempt_paragraph").str(),
                "must be a paragraph of Part 1 of Schedule 12A, 1 to 7");
      }
      out->exempt_paragraph = in.exempt_paragraph();
      TextField(in.exemption_reason(), p, "exemption_reason", kOptional, &out->exemption_reason);
      break;
    default:
      Invalid(p.Field("part").str(), UnknownEnum("AgendaPart", in.part()));
  }
  TextField(in.presenter(), p, "presenter", kOptional, &out->presenter);
  if (std::optional<std::string_view> purpose = PurposeText(in.purpose())) {
    out->purpose = std::string(*purpose);
  } else {
    Invalid(p.Field("purpose").str(), UnknownEnum("ItemPurpose", in.purpose()));
  }
}

void Converter::Pack(const pb::RenderAgendaPackRequest& in, doc::Pack* out) {
  const FieldPath root("");
  if (!in.has_meeting()) {
    Invalid("meeting", kRequired);
  } else {
    Meeting(in.meeting(), root.Field("meeting"), &out->meeting);
  }
  if (in.first_page_number() < 0 || in.first_page_number() > 99999) {
    Invalid("first_page_number", "must be between 0 and 99999 (0 means 1)");
  } else {
    out->first_page_number = std::max(1, in.first_page_number());
  }
  switch (in.edition()) {
    case pb::PACK_EDITION_UNSPECIFIED:
    case pb::PUBLIC: out->edition = doc::Edition::kPublic; break;
    case pb::MEMBERS: out->edition = doc::Edition::kMembers; break;
    default: Invalid("edition", UnknownEnum("PackEdition", in.edition()));
  }
  out->duplex = in.duplex();
  if (in.items().empty()) Invalid("items", kRequiredRepeated);
  int items = in.items_size();
  if (items > limits_.max_pack_items) {
    Exhausted("items", absl::StrCat("a pack may have at most ", limits_.max_pack_items,
                                    " items, not ", items));
    items = limits_.max_pack_items;
  }
  std::vector<std::pair<std::string, int>> seen;  // number -> item index
  for (int i = 0; i < items; ++i) {
    const FieldPath ip = root.Field("items", static_cast<size_t>(i));
    doc::PackItem& item = out->items.emplace_back();
    PackItem(in.items(i), ip, &item);
    if (!item.number.empty()) {
      for (const auto& [number, index] : seen) {
        if (number == item.number) {
          Invalid(ip.Field("number").str(),
                  absl::StrCat("agenda item ", number, " appears twice (also items[", index, "])"));
          break;
        }
      }
      seen.emplace_back(item.number, i);
    }
    if (in.items(i).paper_source_case() == pb::AgendaItem::kPaperFile) {
      // Only the CLI has files: it reads paper_file and sends the paper.
      Invalid(ip.Field("paper_file").str(),
              "a paper file is read by the panelpaper command-line tool; send the paper itself "
              "(\"paper\")");
    }
    if (in.items(i).has_paper()) {
      // Each paper gets its own converter: the per-paper limits apply to it.
      ConvertPaper(in.items(i).paper(), ip.Field("paper").str(), fonts_, limits_,
                   &item.paper.emplace(), v_);
    }
  }
  // Document information.
  const pb::DocumentMetadata& m = in.metadata();
  const FieldPath mp = root.Field("metadata");
  const std::string date = FormatDate(out->meeting.date);
  if (IsBlank(m.title())) {
    out->metadata.title = absl::StrCat(out->meeting.panel_name, " agenda, ", date);
  } else {
    PdfTextField(m.title(), mp, "title", &out->metadata.title);
  }
  PdfTextField(m.author(), mp, "author", &out->metadata.author);
  if (IsBlank(m.subject())) {
    out->metadata.subject = absl::StrCat(
        "Agenda pack: ", out->meeting.panel_name, ", ", date,
        out->edition == doc::Edition::kMembers ? " (members' edition)" : " (public edition)");
  } else {
    PdfTextField(m.subject(), mp, "subject", &out->metadata.subject);
  }
  Keywords(m.keywords(), mp.Field("keywords"), &out->metadata.keywords);
  PdfTextField(m.creator(), mp, "creator", &out->metadata.creator);
  if (m.has_created()) out->metadata.created = Timestamp(m.created(), mp.Field("created"));
  if (m.has_modified()) out->metadata.modified = Timestamp(m.modified(), mp.Field("modified"));
}

}  // namespace

void ConvertPaper(const panelpaper::v1::Paper& in, std::string_view path,
                  const text::FontSet& fonts, const Limits& limits, doc::Paper* out,
                  Violations* v) {
  out->path = std::string(path);
  Converter(fonts, limits, v).Paper(in, FieldPath(path), out);
}

absl::StatusOr<RenderJob> ConvertRenderPaperRequest(const panelpaper::v1::RenderPaperRequest& req,
                                                    const text::FontSet& fonts,
                                                    const Limits& limits) {
  Violations v;
  RenderJob job;
  if (!req.has_paper()) {
    v.AddInvalid("paper", kRequired);
  } else {
    ConvertPaper(req.paper(), "paper", fonts, limits, &job.paper, &v);
  }
  if (!v.empty()) return v.ToStatus();
  job.compress_content = !req.options().uncompressed();
  return job;
}

void ConvertPack(const panelpaper::v1::RenderAgendaPackRequest& in, const text::FontSet& fonts,
                 const Limits& limits, doc::Pack* out, Violations* v) {
  Converter(fonts, limits, v).Pack(in, out);
}

absl::StatusOr<PackJob> ConvertAgendaPackRequest(
    const panelpaper::v1::RenderAgendaPackRequest& req, const text::FontSet& fonts,
    const Limits& limits) {
  Violations v;
  PackJob job;
  ConvertPack(req, fonts, limits, &job.pack, &v);
  if (!v.empty()) return v.ToStatus();
  job.compress_content = !req.options().uncompressed();
  return job;
}

}  // namespace pp::service
