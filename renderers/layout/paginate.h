// File: renderers/layout/paginate.h
//
// Pagination: distributes a sequence of flowables over regions of equal
// width (page bodies, or the inside of a box), honouring the flowables'
// split rules and keep-with-next.
//
// Fill() is the single algorithm, used for pages and for BoxFlow::Split:
//   1. A flowable that fits is placed (after its gap; no gap at the top).
//   2. A keep-with-next flowable (a heading) is only placed when it, every
//      keep-with-next flowable after it, and the smallest acceptable head of
//      the first one that isn't fit too; otherwise the region ends before it.
//   3. A flowable that doesn't fit is asked to split; its head is placed and
//      its tail goes back to the front of the queue for the next region.
//   4. At the top of a fresh region, where moving on cannot help, keep rules
//      give way (forced split), so every page makes progress.
#ifndef PANELPAPER_RENDERERS_LAYOUT_PAGINATE_H_
#define PANELPAPER_RENDERERS_LAYOUT_PAGINATE_H_

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "renderers/layout/flow.h"

namespace pp::layout {

struct Placed {
  FlowPtr flow;
  double offset = 0;  // distance from the region's top to the flowable's top
};

struct FillResult {
  std::vector<Placed> placed;
  double used = 0;
};

// Fills one region of height `avail` from the front of `queue`; placed
// flowables (or split heads) are removed, a split tail is left at the front.
// `fresh`: the region is the top of an empty page (allows forced splits).
FillResult Fill(std::deque<FlowPtr>* queue, double avail, bool fresh);

// Returns OK to go on, or a status (e.g. CANCELLED, DEADLINE_EXCEEDED) that
// stops the work. Called once per page.
using InterruptCheck = std::function<absl::Status()>;

struct PaginateOptions {
  double body_height = 0;
  int max_pages = 500;          // more pages: RESOURCE_EXHAUSTED
  InterruptCheck interrupt;     // optional
  // Field path the page limit names ("paper", "items[4].paper"), and the
  // one an unplaceable flowable without a path of its own is reported at.
  std::string path = "paper";
};

// Pages of placed flowables. Fails with INVALID_ARGUMENT (InvalidFieldError
// naming the flowable's field path) when content cannot be placed even on an
// empty page, and RESOURCE_EXHAUSTED (QuotaFieldError at options.path) past
// max_pages.
absl::StatusOr<std::vector<FillResult>> Paginate(std::vector<FlowPtr> flows,
                                                 const PaginateOptions& options);

}  // namespace pp::layout

#endif  // PANELPAPER_RENDERERS_LAYOUT_PAGINATE_H_
