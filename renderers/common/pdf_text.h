// File: renderers/common/pdf_text.h
//
// Text that becomes a PDF string object: document information (title,
// author, subject, keywords, creator), bookmark (outline) titles and link
// URIs. PDF/A-2 (ISO 19005-2, 6.1.13) allows strings of at most 32,767
// bytes, and libharu refuses anything over 65,535 (HPDF_LIMIT_MAX_STRING_LEN,
// error 0x105B). How many bytes a text takes depends on its encoding: the
// painter writes PDFDocEncoding (one byte a character) when every character
// has a code there, else UTF-16BE with a byte-order mark (2 + 2 bytes a
// character; the fonts refuse characters outside the BMP, so no surrogate
// pairs). kMaxPdfTextChars characters fit 32,767 bytes either way:
//   2 + 2 * 16,000 = 32,002 <= 32,767.
// Fields a request gives are checked against it up front (the service's
// validator); strings the renderer derives (default titles and subjects,
// bookmarks from headings) are cut to it with CutPdfText; the painter checks
// the encoded size again before libharu sees it.
#ifndef PANELPAPER_RENDERERS_COMMON_PDF_TEXT_H_
#define PANELPAPER_RENDERERS_COMMON_PDF_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace pp {

inline constexpr size_t kMaxPdfStringBytes = 32767;  // PDF/A-2 6.1.13
inline constexpr size_t kMaxPdfTextChars = 16000;

// Characters (code points) of UTF-8 text; a malformed byte counts as one.
size_t CountUtf8Chars(std::string_view utf8);

// `utf8` if it has at most `max_chars` characters; otherwise its first
// characters followed by "…" (U+2026), max_chars characters in all, cut at a
// character boundary. Deterministic; max_chars >= 1.
std::string CutPdfText(std::string_view utf8, size_t max_chars = kMaxPdfTextChars);

}  // namespace pp

#endif  // PANELPAPER_RENDERERS_COMMON_PDF_TEXT_H_
