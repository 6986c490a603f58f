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

// Decodes the code point starting at s[*pos] and advances *pos past it.
// Returns kInvalidCodepoint (advancing one byte) for malformed sequences,
// overlong forms, surrogates and values above U+10FFFF.
char32_t DecodeUtf8(std::string_view s, size_t* pos);

// Appends the UTF-8 encoding of cp (which must be a valid scalar value).
void AppendUtf8(char32_t cp, std::string* out);

// True when s is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

// "U+00E9" style, at least four hex digits.
std::string CodepointName(char32_t cp);

}  // namespace pp

#endif  // PANELPAPER_RENDERERS_COMMON_UTF8_H_
