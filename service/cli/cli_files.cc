#include "service/cli/cli_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "service/cli/json_scan.h"

namespace pp::cli {
namespace {

namespace gp = ::google::protobuf;

// ---- unknown names: the nearest known one ---------------------------------

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      const bool same = absl::ascii_tolower(static_cast<unsigned char>(a[i - 1])) ==
                        absl::ascii_tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The candidate nearest `word` when it is near enough to be a typo, else "".
std::string Nearest(absl::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

// " (did you mean "panelName"?)" or "", for an unknown field of `type`.
std::string FieldHint(const gp::Descriptor* type, absl::string_view name, bool json) {
  if (type == nullptr) return "";
  std::vector<std::string> names;
  for (int i = 0; i < type->field_count(); ++i) {
    names.push_back(type->field(i)->name());
    if (json && type->field(i)->json_name() != type->field(i)->name()) {
      names.push_back(type->field(i)->json_name());
    }
  }
  const std::string near = Nearest(name, names);
  if (!near.empty()) return absl::StrCat(" (did you mean \"", near, "\"?)");
  return "";
}

// "valid values: PUBLIC, MEMBERS" plus a suggestion.
std::string EnumHint(const gp::EnumDescriptor* e, absl::string_view value) {
  std::vector<std::string> names, all;
  for (int i = 0; i < e->value_count(); ++i) {
    all.push_back(e->value(i)->name());
    if (e->value(i)->number() != 0) names.push_back(e->value(i)->name());
  }
  const std::string near = Nearest(absl::AsciiStrToUpper(value), all);
  return absl::StrCat("; valid values: ", absl::StrJoin(names.empty() ? all : names, ", "),
                      near.empty() ? "" : absl::StrCat(" (did you mean ", near, "?)"));
}

const gp::FieldDescriptor* FindField(const gp::Descriptor* type, absl::string_view name) {
  if (type == nullptr) return nullptr;
  for (int i = 0; i < type->field_count(); ++i) {
    const gp::FieldDescriptor* f = type->field(i);
    if (f->name() == name || f->json_name() == name) return f;
  }
  return nullptr;
}

// The message type at a JSON field path ("items[3].paper"), or null.
const gp::Descriptor* TypeAt(const gp::Descriptor* root, absl::string_view path) {
  const gp::Descriptor* type = root;
  if (path.empty()) return type;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    const size_t bracket = part.find('[');
    if (bracket != absl::string_view::npos) part = part.substr(0, bracket);
    const gp::FieldDescriptor* f = FindField(type, part);
    if (f == nullptr || f->message_type() == nullptr) return nullptr;
    type = f->message_type();
  }
  return type;
}

// A field path without case or underscores: protobuf names fields by their
// proto name ("paper.protective_marking") where the text may use the JSON
// name ("paper.protectiveMarking").
std::string Canonical(absl::string_view path) {
  std::string out;
  for (char c : path) {
    if (c != '_') out += absl::ascii_tolower(static_cast<unsigned char>(c));
  }
  return out;
}

const JsonPlace* Find(const JsonScan& scan, const std::string& path) {
  if (auto it = scan.places.find(path); it != scan.places.end()) return &it->second;
  const std::string canonical = Canonical(path);
  for (const auto& [p, place] : scan.places) {
    if (Canonical(p) == canonical) return &place;
  }
  return nullptr;
}

// Rewrites protobuf's JSON message (which names a field path but no
// position) with the position `scan` found, a hint, and the valid values.
std::string JsonFailure(const std::string& file, absl::string_view text,
                        const gp::Descriptor* root, absl::string_view message,
                        const JsonScan& scan) {
  std::string msg(absl::StripSuffix(absl::StripAsciiWhitespace(message), "."));
  std::optional<size_t> at;
  // "(meeting) pannelName: Cannot find field" / "pannelName: Cannot find field"
  if (absl::EndsWith(msg, ": Cannot find field")) {
    absl::string_view head = absl::StripSuffix(msg, ": Cannot find field");
    std::string parent;
    if (absl::StartsWith(head, "(")) {
      const size_t close = head.find(") ");
      if (close != absl::string_view::npos) {
        parent = std::string(head.substr(1, close - 1));
        head = head.substr(close + 2);
      }
    }
    const std::string key(head);
    const std::string path = parent.empty() ? key : absl::StrCat(parent, ".", key);
    const gp::Descriptor* type = TypeAt(root, parent);
    msg = absl::StrCat(path, ": unknown field \"", key, "\"",
                       type == nullptr ? "" : absl::StrCat(" in ", type->full_name()),
                       FieldHint(type, key, /*json=*/true));
    if (const JsonPlace* place = Find(scan, path)) at = place->key;
  } else if (absl::StartsWith(msg, "(")) {
    // "(items[0].purpose): invalid value "FOO" for type type.googleapis.com/panelpaper.v1.ItemPurpose"
    const size_t close = msg.find("): ");
    if (close != std::string::npos) {
      const std::string path = msg.substr(1, close - 1);
      std::string rest = msg.substr(close + 3);
      if (const JsonPlace* place = Find(scan, path)) at = place->value;
      const size_t for_type = rest.rfind(" for type ");
      if (absl::StartsWith(rest, "invalid value ") && for_type != std::string::npos) {
        std::string type_name = rest.substr(for_type + 10);
        absl::string_view value = absl::string_view(rest).substr(14, for_type - 14);
        type_name = std::string(absl::StripPrefix(type_name, "type.googleapis.com/"));
        const gp::EnumDescriptor* e = root->file()->pool()->FindEnumTypeByName(type_name);
        const bool quoted = absl::ConsumePrefix(&value, "\"") && absl::ConsumeSuffix(&value, "\"");
        if (e != nullptr) {
          rest = absl::StrCat("invalid value ", quoted ? absl::StrCat("\"", value, "\"") : std::string(value),
                              " for ", e->full_name(), EnumHint(e, value));
        } else if (absl::StartsWith(type_name, "TYPE_")) {
          rest = absl::StrCat("invalid value ", rest.substr(14, for_type - 14), ": expected a ",
                              absl::AsciiStrToLower(type_name.substr(5)));
        } else {
          rest = absl::StrCat("invalid value ", rest.substr(14, for_type - 14), ": expected a ",
                              type_name, " object");
        }
      }
      msg = absl::StrCat(path, ": ", rest);
    }
  }
  if (at) return FormatAt(file, text, *at, msg);
  return absl::StrCat(file, ": ", msg);
}

// ---- text format -------------------------------------------------------

class FirstError : public gp::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (!seen_) {
      seen_ = true;
      line_ = line;
      column_ = column;
      message_ = message;
    }
  }
  bool seen_ = false;
  int line_ = 0, column_ = 0;
  std::string message_;
};

// The byte offset of protobuf's 0-based (line, column); the tokenizer
// counts a tab as advancing to the next multiple of 8.
size_t OffsetOf(absl::string_view text, int line, int column) {
  size_t i = 0;
  for (int l = 0; l < line && i < text.size(); ++i) {
    if (text[i] == '\n') ++l;
  }
  for (int c = 0; c < column && i < text.size() && text[i] != '\n'; ++i) {
    c = text[i] == '\t' ? (c / 8 + 1) * 8 : c + 1;
  }
  return i;
}

// Some enum field named `field` reachable from `root`, or null.
const gp::EnumDescriptor* EnumFieldNamed(const gp::Descriptor* root, absl::string_view field) {
  std::vector<const gp::Descriptor*> todo = {root};
  std::vector<const gp::Descriptor*> seen;
  while (!todo.empty()) {
    const gp::Descriptor* d = todo.back();
    todo.pop_back();
    if (std::find(seen.begin(), seen.end(), d) != seen.end()) continue;
    seen.push_back(d);
    for (int i = 0; i < d->field_count(); ++i) {
      const gp::FieldDescriptor* f = d->field(i);
      if (f->name() == field && f->enum_type() != nullptr) return f->enum_type();
      if (f->message_type() != nullptr) todo.push_back(f->message_type());
    }
  }
  return nullptr;
}

// protobuf's text parser reports the token after the offending one; moves
// `offset` back to `word` when it is just before.
size_t BackTo(absl::string_view text, size_t offset, absl::string_view word) {
  if (word.empty()) return offset;
  const size_t at = text.rfind(word, offset);
  if (at == absl::string_view::npos) return offset;
  const absl::string_view between = text.substr(at + word.size(), offset - at - word.size());
  for (char c : between) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ':' && c != '"') return offset;
  }
  return at;
}

std::string TextFailure(const std::string& file, absl::string_view text,
                        const gp::Descriptor* root, const FirstError& e) {
  std::string msg(absl::StripSuffix(e.message_, "."));
  size_t offset = OffsetOf(text, e.line_, e.column_);
  // Message type "panelpaper.v1.Meeting" has no field named "pannel_name"
  constexpr absl::string_view kNoField = "Message type \"";
  if (absl::StartsWith(msg, kNoField) && absl::StrContains(msg, "\" has no field named \"")) {
    const size_t type_end = msg.find('"', kNoField.size());
    const std::string type_name = msg.substr(kNoField.size(), type_end - kNoField.size());
    const size_t name_at = msg.find("named \"") + 7;
    const std::string name = msg.substr(name_at, msg.find('"', name_at) - name_at);
    msg += FieldHint(root->file()->pool()->FindMessageTypeByName(type_name), name, false);
    offset = BackTo(text, offset, name);
  }
  // Unknown enumeration value of "PUBLC" for field "edition"
  constexpr absl::string_view kNoValue = "Unknown enumeration value of \"";
  if (absl::StartsWith(msg, kNoValue)) {
    const size_t value_end = msg.find('"', kNoValue.size());
    const std::string value = msg.substr(kNoValue.size(), value_end - kNoValue.size());
    const size_t field_at = msg.find("field \"");
    if (field_at != std::string::npos) {
      const std::string field = msg.substr(field_at + 7, msg.find('"', field_at + 7) - field_at - 7);
      if (const gp::EnumDescriptor* en = EnumFieldNamed(root, field)) msg += EnumHint(en, value);
    }
    offset = BackTo(text, offset, value);
  }
  return FormatAt(file, text, offset, msg);
}

}  // namespace

std::string InputName(const std::string& path) { return path == kStdio ? "<stdin>" : path; }
std::string OutputName(const std::string& path) { return path == kStdio ? "<stdout>" : path; }

absl::Status ParseRequestText(const std::string& path, absl::string_view text,
                              google::protobuf::Message* message) {
  const std::string file = InputName(path);
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");  // a byte-order mark (Notepad, PowerShell)
  const gp::Descriptor* root = message->GetDescriptor();
  bool text_format = absl::EndsWith(path, ".textproto") || absl::EndsWith(path, ".txtpb");
  if (path == kStdio) text_format = !absl::StartsWith(absl::StripLeadingAsciiWhitespace(text), "{");
  if (text_format) {
    gp::TextFormat::Parser parser;
    FirstError errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(std::string(text), message)) {
      return absl::InvalidArgumentError(
          errors.seen_ ? TextFailure(file, text, root, errors)
                       : absl::StrCat(file, ": invalid text-format request"));
    }
    return absl::OkStatus();
  }
  gp::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = gp::util::JsonStringToMessage(gp::StringPiece(text.data(), text.size()),
                                                    message, options);
  if (status.ok()) return absl::OkStatus();
  const JsonScan scan = ScanJson(text);
  if (scan.error) {
    return absl::InvalidArgumentError(FormatAt(file, text, scan.error->offset, scan.error->message));
  }
  return absl::InvalidArgumentError(
      JsonFailure(file, text, root, std::string(status.message()), scan));
}

}  // namespace pp::cli
