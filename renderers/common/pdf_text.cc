#include "renderers/common/pdf_text.h"

#include "renderers/common/utf8.h"

namespace pp {

size_t CountUtf8Chars(std::string_view utf8) {
  size_t n = 0;
  for (size_t pos = 0; pos < utf8.size(); ++n) DecodeUtf8(utf8, &pos);
  return n;
}

std::string CutPdfText(std::string_view utf8, size_t max_chars) {
  if (max_chars == 0) max_chars = 1;
  size_t pos = 0;
  size_t n = 0;
  size_t keep = 0;  // bytes of the first max_chars - 1 characters
  while (pos < utf8.size()) {
    if (n == max_chars - 1) keep = pos;
    if (n == max_chars) return std::string(utf8.substr(0, keep)) + "\xE2\x80\xA6";
    DecodeUtf8(utf8, &pos);
    ++n;
  }
  return std::string(utf8);
}

}  // namespace pp
