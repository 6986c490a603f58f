// File: service/word_guard.h
//
// A guard the service puts in front of the renderer: words (stretches of
// text without a space U+0020 or a line break U+000A) may be at most
// `max_chars` characters long.
//
// Why. The line breaker (renderers/text/line_breaker.cc) breaks a word wider
// than the column between characters, and its cost grows with the square of
// the word's length, without polling the interrupt: a 5 MB paragraph with no
// spaces spread over several runs (each under the 1 MiB string limit) kept a
// worker busy for minutes, deaf to deadlines. Until the breaker is linear,
// the service refuses such words up front with INVALID_ARGUMENT (part of the
// contract, like list depth). No real paper has a 1,000-character word; URLs
// in panel papers are a few hundred characters at most.
//
// Words run on across the runs of one `repeated Run` field (the breaker sees
// the runs of a paragraph as one text), so the check does too; any other
// string is a text of its own. The violation names the run or field where
// the word crosses the limit.
//
//   CheckWordLengths(request, 1000, &violations);  // appends, never clears
#ifndef PANELPAPER_SERVICE_WORD_GUARD_H_
#define PANELPAPER_SERVICE_WORD_GUARD_H_

#include <cstddef>

#include "google/protobuf/message.h"
#include "service/request_converter.h"

namespace pp::service {

inline constexpr size_t kDefaultMaxWordChars = 1000;

// Appends one INVALID_ARGUMENT violation per over-long word to `*v`, with
// field paths relative to `msg` (a RenderPaperRequest: "paper.sections[0]...").
void CheckWordLengths(const google::protobuf::Message& msg, size_t max_chars, Violations* v);

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_WORD_GUARD_H_
