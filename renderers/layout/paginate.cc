#include "renderers/layout/paginate.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "renderers/common/field_error.h"

namespace pp::layout {
namespace {

// Height needed from `gap` on to place queue[i] (a keep-with-next flowable),
// the keep-with-next flowables after it, and the smallest head of the first
// one that doesn't keep with its successor.
double KeepGroupHeight(const std::deque<FlowPtr>& queue, size_t i) {
  double h = queue[i]->Height();
  for (size_t j = i + 1; j < queue.size(); ++j) {
    h += Gap(queue[j - 1].get(), *queue[j]);
    // A lead-in that can split keeps only its last lines with the next: it
    // needs its smallest head here; one that cannot keeps whole.
    if (queue[j]->keep_with_next &&
        !(queue[j]->keep_splits && queue[j]->MinHeadHeight() < queue[j]->Height())) {
      h += queue[j]->Height();
      continue;
    }
    h += queue[j]->MinHeadHeight();
    break;
  }
  return h;
}

}  // namespace

FillResult Fill(std::deque<FlowPtr>* queue, double avail, bool fresh) {
  FillResult r;
  double y = 0;
  const Flowable* prev = nullptr;
  while (!queue->empty()) {
    const FlowPtr f = queue->front();
    const bool at_top = r.placed.empty();
    const double gap = Gap(prev, *f);
    const bool force = at_top && fresh;
    if (f->keep_with_next && !force &&
        !text::Fits(y + gap + KeepGroupHeight(*queue, 0), avail)) {
      // The heading would be stranded: start the next region with it. A
      // lead-in splits instead (when it can), its last lines going on with
      // what follows, even when all of it would fit here.
      if (f->keep_splits) {
        // Less than its height (by far less than a line): at least its last
        // lines go on.
        const double room = std::min(avail - y - gap, f->Height() - 1e-3);
        std::optional<SplitResult> split = f->Split(room, false);
        if (split && split->head) {
          r.placed.push_back(Placed{split->head, y + gap});
          y += gap + split->head->Height();
          queue->front() = split->tail;
        }
      }
      break;
    }
    if (text::Fits(y + gap + f->Height(), avail)) {
      r.placed.push_back(Placed{f, y + gap});
      y += gap + f->Height();
      prev = f.get();
      queue->pop_front();
      continue;
    }
    // Keep rules first; only where that finds nothing at the top of an
    // empty page do they give way.
    std::optional<SplitResult> split = f->Split(avail - y - gap, false);
    if (!(split && split->head) && force) split = f->Split(avail - y - gap, true);
    if (split && split->head) {
      r.placed.push_back(Placed{split->head, y + gap});
      y += gap + split->head->Height();
      queue->front() = split->tail;
    }
    break;
  }
  r.used = y;
  return r;
}

absl::StatusOr<std::vector<FillResult>> Paginate(std::vector<FlowPtr> flows,
                                                 const PaginateOptions& options) {
  std::deque<FlowPtr> queue(std::make_move_iterator(flows.begin()),
                            std::make_move_iterator(flows.end()));
  std::vector<FillResult> pages;
  while (!queue.empty()) {
    if (options.interrupt) {
      if (absl::Status s = options.interrupt(); !s.ok()) return s;
    }
    if (static_cast<int>(pages.size()) >= options.max_pages) {
      return QuotaFieldError(options.path, absl::StrCat("the document needs more than ",
                                                        options.max_pages,
                                                        " pages (the page limit)"));
    }
    FillResult page = Fill(&queue, options.body_height, /*fresh=*/true);
    if (page.placed.empty()) {
      const std::string& path = queue.front()->path;
      return InvalidFieldError(path.empty() ? options.path : path,
                               "cannot be laid out even on an empty page");
    }
    pages.push_back(std::move(page));
  }
  return pages;
}

}  // namespace pp::layout
