// File: renderers/layout/dump.h
//
// DumpLayout: a stable, line-oriented text form of a PageLayout (one item
// per line, positions in points with 2 decimals), for golden tests and for
// reviewing layout changes as diffs.
#ifndef PANELPAPER_RENDERERS_LAYOUT_DUMP_H_
#define PANELPAPER_RENDERERS_LAYOUT_DUMP_H_

#include <string>

#include "renderers/layout/page_layout.h"

namespace pp::layout {

std::string DumpLayout(const PageLayout& layout);

}  // namespace pp::layout

#endif  // PANELPAPER_RENDERERS_LAYOUT_DUMP_H_
