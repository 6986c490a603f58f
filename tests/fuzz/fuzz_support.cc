#include "tests/fuzz/fuzz_support.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "renderers/common/field_error.h"
#include "renderers/layout/compose.h"
#include "renderers/layout/pack.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "service/status_mapping.h"

namespace pp::fuzz {
namespace {

namespace pb = ::panelpaper::v1;

std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : std::string(fallback);
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz set-up: cannot read %s\n", path.c_str());
    std::abort();
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

template <typename M>
M ParseJsonOrDie(const std::string& path) {
  M m;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(ReadFileOrDie(path), &m, options);
  if (!status.ok()) {
    std::fprintf(stderr, "fuzz set-up: %s: %s\n", path.c_str(), status.ToString().c_str());
    std::abort();
  }
  return m;
}

std::string TestdataDir() { return EnvOr("PP_TESTDATA_DIR", PP_TESTDATA_DIR); }

}  // namespace

RenderOptions FuzzEnv::render_options(bool compress) const {
  RenderOptions o;
  o.compress_content = compress;
  o.max_pages = limits.max_pages;
  return o;
}

PackOptions FuzzEnv::pack_options(bool compress) const {
  PackOptions o;
  o.compress_content = compress;
  o.max_pages = limits.max_pack_pages;
  o.max_pages_per_paper = limits.max_pages;
  return o;
}

const FuzzEnv& GetFuzzEnv() {
  static const FuzzEnv* env = [] {
    // Protobuf logs every string with invalid UTF-8 it refuses to parse (an
    // ERROR line per input): noise in the fuzz logs that also costs time.
    google::protobuf::SetLogHandler(nullptr);
    auto* e = new FuzzEnv;
    const std::string dir = EnvOr("PANELPAPER_FONTS_DIR", PP_FONTS_DIR);
    auto fonts = text::FontSet::Load(dir);
    if (!fonts.ok()) {
      std::fprintf(stderr, "fuzz set-up: fonts from %s: %s\n", dir.c_str(),
                   fonts.status().ToString().c_str());
      std::abort();
    }
    e->font_set = *std::move(fonts);
    // The largest fixture paper has ~20 KB of text and 8 pages; the pack ~35
    // pages. Each limit sits a few times above that.
    e->limits.max_string_bytes = 16 << 10;
    e->limits.max_total_text_bytes = 96 << 10;
    e->limits.max_sections = 40;
    e->limits.max_blocks = 1500;
    e->limits.max_table_rows = 300;
    e->limits.max_pages = 40;
    e->limits.max_pack_items = 24;
    e->limits.max_pack_pages = 120;
    // max_table_columns and max_list_depth are the contract: kept.
    return e;
  }();
  return *env;
}

namespace {

// The *.json files of tests/testdata/<dir>, sorted by name.
std::vector<std::string> JsonFixtures(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(TestdataDir() + "/" + dir)) {
    if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) {
    std::fprintf(stderr, "fuzz set-up: no fixtures in %s/%s\n", TestdataDir().c_str(), dir.c_str());
    std::abort();
  }
  return out;
}

}  // namespace

const std::vector<pb::RenderPaperRequest>& FixturePaperRequests() {
  static const auto* requests = [] {
    auto* out = new std::vector<pb::RenderPaperRequest>;
    std::set<std::string> seen;  // serialized
    auto add = [&](pb::RenderPaperRequest req) {
      if (seen.insert(req.SerializeAsString()).second) out->push_back(std::move(req));
    };
    for (const std::string& path : JsonFixtures("requests")) {
      add(ParseJsonOrDie<pb::RenderPaperRequest>(path));
    }
    for (const pb::RenderAgendaPackRequest& pack : FixturePacks()) {
      for (const pb::AgendaItem& item : pack.items()) {
        if (!item.has_paper()) continue;
        pb::RenderPaperRequest req;
        *req.mutable_paper() = item.paper();
        add(std::move(req));
      }
    }
    return out;
  }();
  return *requests;
}

const std::vector<pb::RenderAgendaPackRequest>& FixturePacks() {
  static const auto* packs = [] {
    auto* out = new std::vector<pb::RenderAgendaPackRequest>;
    for (const std::string& path : JsonFixtures("packs")) {
      out->push_back(ParseJsonOrDie<pb::RenderAgendaPackRequest>(path));
    }
    return out;
  }();
  return *packs;
}

void Report(std::string_view stage, const absl::Status& s, int pages) {
  static const bool verbose = std::getenv("PP_FUZZ_VERBOSE") != nullptr;
  if (!verbose) return;
  if (s.ok()) {
    std::fprintf(stderr, "  %.*s: OK, %d pages\n", static_cast<int>(stage.size()), stage.data(), pages);
  } else {
    std::fprintf(stderr, "  %.*s: %s\n", static_cast<int>(stage.size()), stage.data(),
                 s.ToString().substr(0, 300).c_str());
  }
}

void Fail(std::string_view stage, std::string_view what, const absl::Status& s) {
  std::fprintf(stderr, "\n*** fuzz contract broken in %.*s: %.*s\n", static_cast<int>(stage.size()),
               stage.data(), static_cast<int>(what.size()), what.data());
  if (!s.ok()) std::fprintf(stderr, "*** status: %s\n", s.ToString().substr(0, 2000).c_str());
  std::fflush(stderr);
  std::abort();
}

void CheckRejection(const absl::Status& s, std::string_view stage, bool root_path_ok) {
  Report(stage, s);
  if (s.code() != absl::StatusCode::kInvalidArgument &&
      s.code() != absl::StatusCode::kResourceExhausted) {
    Fail(stage, "a rejection must be INVALID_ARGUMENT or RESOURCE_EXHAUSTED", s);
  }
  if (s.message().empty()) Fail(stage, "a rejection needs a message", s);
  const auto bad = s.GetPayload(service::kBadRequestTypeUrl);
  const auto quota = s.GetPayload(service::kQuotaFailureTypeUrl);
  if (s.code() == absl::StatusCode::kResourceExhausted && !quota) {
    Fail(stage, "RESOURCE_EXHAUSTED without a QuotaFailure payload", s);
  }
  if (!bad && !quota) Fail(stage, "INVALID_ARGUMENT without a BadRequest payload", s);
  if (bad) {
    google::rpc::BadRequest br;
    if (!br.ParseFromString(std::string(*bad))) Fail(stage, "BadRequest payload does not parse", s);
    for (const auto& v : br.field_violations()) {
      if ((v.field().empty() && !root_path_ok) || v.description().empty()) {
        Fail(stage, "a BadRequest violation without a field path or description", s);
      }
    }
  }
  if (quota) {
    google::rpc::QuotaFailure qf;
    if (!qf.ParseFromString(std::string(*quota))) Fail(stage, "QuotaFailure payload does not parse", s);
    for (const auto& v : qf.violations()) {
      if (v.subject().empty() || v.description().empty()) {
        Fail(stage, "a QuotaFailure violation without a subject or description", s);
      }
    }
  }
  // The answer the service would send must fit gRPC's 8 KiB metadata limit.
  const grpc::Status g = service::ToGrpcStatus(s);
  size_t encoded = (g.error_details().size() + 2) / 3 * 4;  // base64
  for (const unsigned char c : g.error_message()) {
    encoded += (c >= 0x20 && c <= 0x7E && c != '%') ? 1 : 3;  // grpc-message percent-encoding
  }
  if (encoded > service::kMaxEncodedStatusBytes) {
    Fail(stage, "the mapped status does not fit the trailer budget", s);
  }
}

void CheckRenderRejection(const absl::Status& s, std::string_view stage) {
  Report(stage, s);
  if (s.code() != absl::StatusCode::kInvalidArgument &&
      s.code() != absl::StatusCode::kResourceExhausted) {
    Fail(stage, "a render failure must be INVALID_ARGUMENT or RESOURCE_EXHAUSTED", s);
  }
  if (s.message().empty()) Fail(stage, "a render rejection needs a message", s);
  // Every refusal layout decides names its field, and reaches the client as
  // BadRequest / QuotaFailure (what the service sends).
  if (!GetFieldError(s)) Fail(stage, "a render rejection without a field error", s);
  CheckRejection(service::WithRequestDetails(s), stage);
}

void CheckLayout(const layout::PageLayout& l, std::string_view stage) {
  constexpr double kSlack = 0.5;  // points
  if (!(std::isfinite(l.width) && std::isfinite(l.height) && l.width > 0 && l.height > 0)) {
    Fail(stage, "page size not finite and positive");
  }
  const int pages = static_cast<int>(l.pages.size());
  auto on_page = [&](const char* what, int page, double x, double y, double w, double h) {
    if (!(std::isfinite(x) && std::isfinite(y) && std::isfinite(w) && std::isfinite(h))) {
      Fail(stage, absl::StrCat(what, " on page ", page, " has a non-finite position or size"));
    }
    if (w < -kSlack || h < -kSlack || x < -kSlack || y < -kSlack || x + w > l.width + kSlack ||
        y + h > l.height + kSlack) {
      Fail(stage, absl::StrCat(what, " on page ", page, " at (", x, ", ", y, ") size ", w, " x ", h,
                               " lies off the ", l.width, " x ", l.height, " page"));
    }
  };
  for (int p = 0; p < pages; ++p) {
    const layout::Page& page = l.pages[static_cast<size_t>(p)];
    for (const auto& f : page.fills) on_page("a fill", p, f.x, f.y, f.w, f.h);
    for (const auto& f : page.frames) on_page("a frame", p, f.x, f.y, f.w, f.h);
    for (const auto& c : page.circles) on_page("a circle", p, c.cx - c.r, c.cy - c.r, 2 * c.r, 2 * c.r);
    for (const auto& r : page.rules) {
      on_page("a rule", p, std::min(r.x1, r.x2), std::min(r.y1, r.y2), std::abs(r.x2 - r.x1),
              std::abs(r.y2 - r.y1));
    }
    for (const auto& t : page.texts) {
      if (!(std::isfinite(t.size) && t.size > 0)) Fail(stage, "a text item with a bad font size");
      // The baseline's start and the advance; descenders may dip below y.
      on_page(absl::StrCat("text \"", t.text.substr(0, 40), "\"").c_str(), p, t.x, t.y, t.width, 0);
    }
    for (const auto& k : page.links) {
      on_page("a link", p, k.x, k.y, k.w, k.h);
      if (k.uri.empty() && (k.target_page < 0 || k.target_page >= pages || !std::isfinite(k.target_y))) {
        Fail(stage, absl::StrCat("an internal link on page ", p, " to page ", k.target_page));
      }
    }
  }
  for (const auto& o : l.outline) {
    if (o.page < 0 || o.page >= pages || !std::isfinite(o.y) || o.level < 0) {
      Fail(stage, absl::StrCat("outline entry to page ", o.page, " of ", pages));
    }
  }
  for (const auto& label : l.labels) {
    if (label.first_page < 0 || label.first_page >= pages) Fail(stage, "page label past the last page");
  }
}

void CheckPaperLayout(const doc::Paper& paper, const FuzzEnv& env) {
  layout::LayoutOptions o;
  o.max_pages = env.limits.max_pages;
  o.producer = Producer();
  absl::StatusOr<layout::PageLayout> l = layout::LayoutPaper(paper, env.fonts(), o);
  if (!l.ok()) Fail("LayoutPaper", "RenderPaper succeeded but LayoutPaper did not", l.status());
  CheckLayout(*l, "LayoutPaper");
}

void CheckPackLayout(const doc::Pack& pack, const FuzzEnv& env) {
  layout::PackLayoutOptions o;
  o.max_pages = env.limits.max_pack_pages;
  o.max_pages_per_paper = env.limits.max_pages;
  o.producer = Producer();
  absl::StatusOr<layout::PageLayout> l = layout::LayoutPack(pack, env.fonts(), o);
  if (!l.ok()) Fail("LayoutPack", "RenderPack succeeded but LayoutPack did not", l.status());
  CheckLayout(*l, "LayoutPack");
}

void CheckPdf(const RenderedPdf& pdf, int max_pages, std::string_view stage) {
  Report(stage, absl::OkStatus(), pdf.page_count);
  const std::string& b = pdf.bytes;
  if (b.rfind("%PDF-1.", 0) != 0) Fail(stage, "the PDF does not start with %PDF-1.");
  const size_t eof = b.rfind("%%EOF");
  if (eof == std::string::npos || b.size() - eof > 8) Fail(stage, "the PDF does not end with %%EOF");
  if (b.find("/Catalog") == std::string::npos) Fail(stage, "the PDF has no catalog");
  if (pdf.page_count < 1 || pdf.page_count > max_pages) {
    Fail(stage, "page count outside 1..max_pages");
  }
}

}  // namespace pp::fuzz
