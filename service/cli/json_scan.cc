#include "service/cli/json_scan.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace pp::cli {
namespace {

// Nesting deeper than this is protobuf's own error (recursion limit 100):
// the scan stops without blaming anything.
constexpr int kMaxDepth = 200;

class Scanner {
 public:
  explicit Scanner(absl::string_view text) : t_(text) {}

  JsonScan Run() {
    SkipSpace();
    if (AtEnd()) {
      Fail("expected a value (the input is empty)");
    } else if (Value("", 0)) {
      SkipSpace();
      if (!AtEnd()) Fail("unexpected text after the end of the request");
    }
    return std::move(out_);
  }

 private:
  bool AtEnd() const { return i_ >= t_.size(); }
  char Peek() const { return AtEnd() ? '\0' : t_[i_]; }

  bool Fail(std::string message) {
    if (!out_.error && !stopped_) out_.error = JsonSyntaxError{i_, std::move(message)};
    return false;
  }

  void SkipSpace() {
    while (!AtEnd() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }

  // Describes the character at the cursor for a message.
  std::string Found() const {
    if (AtEnd()) return "the end of the input";
    const char c = t_[i_];
    if (c == '"' || c == '\'') return "a string";
    if (absl::ascii_isprint(static_cast<unsigned char>(c))) return absl::StrCat("'", std::string(1, c), "'");
    return "an unexpected character";
  }

  bool Value(const std::string& path, int depth) {
    if (depth > kMaxDepth) {
      stopped_ = true;
      return false;
    }
    const char c = Peek();
    if (c == '{') return Object(path, depth + 1);
    if (c == '[') return Array(path, depth + 1);
    if (c == '"' || c == '\'') return String(nullptr);
    if (c == '-' || absl::ascii_isdigit(static_cast<unsigned char>(c))) return Number();
    for (const char* word : {"true", "false", "null"}) {
      const absl::string_view w(word);
      if (t_.substr(i_, w.size()) == w &&
          !IsIdentChar(i_ + w.size() < t_.size() ? t_[i_ + w.size()] : ' ')) {
        i_ += w.size();
        return true;
      }
    }
    if (c == '}' || c == ']' || c == ',' || c == ':' || AtEnd()) {
      return Fail(absl::StrCat("expected a value, found ", Found()));
    }
    return Fail("expected a value (a string in double quotes, a number, true, false, null, "
                "an object or an array)");
  }

  static bool IsIdentChar(char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
  }

  bool Object(const std::string& path, int depth) {
    ++i_;  // {
    SkipSpace();
    if (Peek() == '}') {
      ++i_;
      return true;
    }
    while (true) {
      SkipSpace();
      const size_t key_at = i_;
      std::string key;
      const char c = Peek();
      if (c == '"' || c == '\'') {
        if (!String(&key)) return false;
      } else if (absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_') {
        while (!AtEnd() && IsIdentChar(t_[i_])) key += t_[i_++];
      } else {
        return Fail(absl::StrCat("expected a field name in double quotes, found ", Found()));
      }
      SkipSpace();
      if (Peek() != ':') return Fail(absl::StrCat("expected ':' after the field name, found ", Found()));
      ++i_;
      SkipSpace();
      const std::string child = path.empty() ? key : absl::StrCat(path, ".", key);
      out_.places.emplace(child, JsonPlace{key_at, i_});
      if (!Value(child, depth)) return false;
      SkipSpace();
      if (Peek() == '}') {
        ++i_;
        return true;
      }
      if (Peek() != ',') {
        return Fail(absl::StrCat("expected ',' or '}' after a field's value, found ", Found(),
                                 AtEnd() ? "" : " (a missing comma?)"));
      }
      ++i_;
      SkipSpace();
      if (Peek() == '}') {  // protobuf takes a trailing comma
        ++i_;
        return true;
      }
    }
  }

  bool Array(const std::string& path, int depth) {
    ++i_;  // [
    SkipSpace();
    if (Peek() == ']') {
      ++i_;
      return true;
    }
    for (int n = 0;; ++n) {
      SkipSpace();
      const std::string child = absl::StrCat(path, "[", n, "]");
      out_.places.emplace(child, JsonPlace{i_, i_});
      if (!Value(child, depth)) return false;
      SkipSpace();
      if (Peek() == ']') {
        ++i_;
        return true;
      }
      if (Peek() != ',') {
        return Fail(absl::StrCat("expected ',' or ']' after an array element, found ", Found(),
                                 AtEnd() ? "" : " (a missing comma?)"));
      }
      ++i_;
      SkipSpace();
      if (Peek() == ']') {
        ++i_;
        return true;
      }
    }
  }

  // A string in " or '; its raw contents (escapes undecoded) into `out`.
  bool String(std::string* out) {
    const char quote = t_[i_];
    const size_t start = i_;
    ++i_;
    while (!AtEnd()) {
      const char c = t_[i_];
      if (c == quote) {
        if (out != nullptr) *out = std::string(t_.substr(start + 1, i_ - start - 1));
        ++i_;
        return true;
      }
      if (c == '\\') {  // escapes are protobuf's to judge
        i_ += 2;
        continue;
      }
      ++i_;
    }
    i_ = start;
    return Fail("unterminated string (missing closing quote)");
  }

  bool Number() {
    const size_t start = i_;
    if (Peek() == '-') ++i_;
    size_t digits = 0;
    while (!AtEnd() && (absl::ascii_isdigit(static_cast<unsigned char>(t_[i_])) ||
                        t_[i_] == '.' || t_[i_] == 'e' || t_[i_] == 'E' ||
                        ((t_[i_] == '+' || t_[i_] == '-') && (t_[i_ - 1] == 'e' || t_[i_ - 1] == 'E')))) {
      if (absl::ascii_isdigit(static_cast<unsigned char>(t_[i_]))) ++digits;
      ++i_;
    }
    if (digits == 0) {
      i_ = start;
      return Fail("expected a number");
    }
    return true;
  }

  absl::string_view t_;
  size_t i_ = 0;
  bool stopped_ = false;
  JsonScan out_;
};

}  // namespace

JsonScan ScanJson(absl::string_view text) { return Scanner(text).Run(); }

TextPosition PositionOf(absl::string_view text, size_t offset) {
  TextPosition p;
  offset = std::min(offset, text.size());
  for (size_t i = 0; i < offset; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++p.line;
      p.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++p.column;
    }
  }
  return p;
}

std::string FormatAt(absl::string_view file, absl::string_view text, size_t offset,
                     absl::string_view message) {
  offset = std::min(offset, text.size());
  const TextPosition p = PositionOf(text, offset);
  size_t begin = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  begin = (begin == absl::string_view::npos || (offset == 0 && text[0] != '\n')) ? 0 : begin + 1;
  if (offset > 0 && begin > offset) begin = offset;
  size_t end = text.find('\n', offset);
  if (end == absl::string_view::npos) end = text.size();
  if (end > begin && text[end - 1] == '\r') --end;
  // A window of at most ~100 bytes around the offset (minified files).
  constexpr size_t kBefore = 60, kAfter = 40;
  std::string prefix, suffix;
  size_t from = begin, to = end;
  if (offset - begin > kBefore) {
    from = offset - kBefore;
    while (from < offset && (static_cast<unsigned char>(text[from]) & 0xC0) == 0x80) ++from;
    prefix = "...";
  }
  if (to - offset > kAfter) {
    to = offset + kAfter;
    while (to > offset && to < text.size() && (static_cast<unsigned char>(text[to]) & 0xC0) == 0x80) --to;
    suffix = "...";
  }
  std::string caret = "    " + std::string(prefix.size(), ' ');
  for (size_t i = from; i < offset; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\t') {
      caret += '\t';
    } else if ((c & 0xC0) != 0x80) {
      caret += ' ';
    }
  }
  return absl::StrCat(file, ":", p.line, ":", p.column, ": ", message, "\n    ", prefix,
                      text.substr(from, to - from), suffix, "\n", caret, "^");
}

}  // namespace pp::cli
