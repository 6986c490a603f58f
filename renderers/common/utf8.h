// File: renderers/common/utf8.h
//
// Minimal, strict UTF-8 decoding. Proto3 already rejects invalid UTF-8 in
// string fields at parse time, but the renderer library is also called
// directly (tests, fuzzers), so every consumer decodes through here and
// treats malformed input as U+FFFD-free errors rather than guessing.
#ifndef PANELPAPER_RENDERERS_COMMON_UTF8_H_
#define PANELPAPER_RENDERERS_COMMON_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pp {

inline constexpr char32_t kInvalidCodepoint = 0xFFFFFFFF;

// The multi-byte halves of DecodeUtf8 / AppendUtf8 (ASCII is inline).
char32_t DecodeUtf8Slow(std::string_view s, size_t* pos);
void AppendUtf8Slow(char32_t cp, std::string* out);

// Decodes the code point starting at s[*pos] and advances *pos past it.
// Returns kInvalidCodepoint (advancing one byte) for malformed sequences,
// overlong forms, surrogates and values above U+10FFFF.
inline char32_t DecodeUtf8(std::string_view s, size_t* pos) {
  const auto b = static_cast<unsigned char>(s[*pos]);
  if (b < 0x80) {
    ++*pos;
    return b;
  }
  return DecodeUtf8Slow(s, pos);
}

// Appends the UTF-8 encoding of cp (which must be a valid scalar value).
inline void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
    return;
  }
  AppendUtf8Slow(cp, out);
}

// True when s is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

// "U+00E9" style, at least four hex digits.
std::string CodepointName(char32_t cp);

}  // namespace pp

#endif  // PANELPAPER_RENDERERS_COMMON_UTF8_H_
