// File: service/word_guard.h
//
// A guard the service puts in front of the renderer: words (stretches of
// text without a space U+0020 or a line break U+000A) may be at most
// `max_chars` characters long.
//
// Why. A word wider than its column is broken between characters. That is
// linear in the word's length (renderers/text/line_breaker.cc), but a word of
// millions of characters still costs ~30 bytes of working memory per
// character and turns into thousands of lines that end in RESOURCE_EXHAUSTED
// at the page limit, after the work. Real papers have no such words (URLs
// run to a few hundred characters), so the service refuses them up front
// with INVALID_ARGUMENT (part of the contract, like list depth).
//
// Words run on across the runs of one `repeated Run` field (the breaker sees
// the runs of a paragraph as one text), so the check does too; any other
// string is a text of its own. The violation names the run or field where
// the word crosses the limit.
//
//   CheckWordLengths(request, kDefaultMaxWordChars, &violations);  // appends, never clears
#ifndef PANELPAPER_SERVICE_WORD_GUARD_H_
#define PANELPAPER_SERVICE_WORD_GUARD_H_

#include <cstddef>

#include "google/protobuf/message.h"
#include "service/request_converter.h"

namespace pp::service {

inline constexpr size_t kDefaultMaxWordChars = 5000;

// Appends one INVALID_ARGUMENT violation per over-long word to `*v`, with
// field paths relative to `msg` (a RenderPaperRequest: "paper.sections[0]...").
void CheckWordLengths(const google::protobuf::Message& msg, size_t max_chars, Violations* v);

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_WORD_GUARD_H_
