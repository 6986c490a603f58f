// Benchmarks of the whole render, request message in, PDF bytes out.
//
//   build/bin/render_benchmark [--benchmark_repetitions=10]
//
// BM_RenderReferencePaper is the figure the renderer is held to: the
// reference paper (tests/testdata/requests/met-governance-2020-01-08.json)
// from a parsed RenderPaperRequest to PDF bytes — validation, conversion,
// layout, painting, font embedding and subsetting, compression and save.
// The FontSet (metrics) is loaded once, as the server does at start-up.
// The stage benchmarks show where the time goes.
#include <sys/resource.h>

#include <fstream>
#include <sstream>

#include "benchmark/benchmark.h"
#include "google/protobuf/util/json_util.h"
#include "renderers/layout/compose.h"
#include "renderers/pdf/painter.h"
#include "renderers/renderer.h"
#include "service/request_converter.h"

namespace {

const pp::text::FontSet& Fonts() {
  static const auto* fonts = [] {
    auto f = pp::text::FontSet::Load(PP_BENCH_FONTS_DIR);
    if (!f.ok()) {
      std::fprintf(stderr, "%s\n", std::string(f.status().message()).c_str());
      std::abort();
    }
    return new std::shared_ptr<const pp::text::FontSet>(*f);
  }();
  return **fonts;
}

const panelpaper::v1::RenderPaperRequest& ReferenceRequest() {
  static const auto* req = [] {
    std::ifstream in(PP_BENCH_FIXTURE);
    std::stringstream ss;
    ss << in.rdbuf();
    auto* r = new panelpaper::v1::RenderPaperRequest;
    if (!google::protobuf::util::JsonStringToMessage(ss.str(), r).ok()) std::abort();
    return r;
  }();
  return *req;
}

double PeakRssMiB() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

void BM_RenderReferencePaper(benchmark::State& state) {
  const auto& fonts = Fonts();
  const auto& req = ReferenceRequest();
  int pages = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    auto job = pp::service::ConvertRenderPaperRequest(req, fonts, pp::service::Limits{});
    if (!job.ok()) state.SkipWithError("conversion failed");
    pp::RenderOptions options;
    options.compress_content = job->compress_content;
    auto pdf = pp::RenderPaper(job->paper, fonts, options);
    if (!pdf.ok()) state.SkipWithError("render failed");
    pages = pdf->page_count;
    bytes = pdf->bytes.size();
    benchmark::DoNotOptimize(pdf->bytes.data());
  }
  state.counters["pages"] = pages;
  state.counters["pdf_KiB"] = static_cast<double>(bytes) / 1024.0;
  state.counters["per_page"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * pages,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["peak_RSS_MiB"] = PeakRssMiB();
}
BENCHMARK(BM_RenderReferencePaper)->Unit(benchmark::kMillisecond)->UseRealTime();

// Stage: proto -> validated doc::Paper.
void BM_Stage_Convert(benchmark::State& state) {
  const auto& fonts = Fonts();
  const auto& req = ReferenceRequest();
  for (auto _ : state) {
    auto job = pp::service::ConvertRenderPaperRequest(req, fonts, pp::service::Limits{});
    benchmark::DoNotOptimize(job);
  }
}
BENCHMARK(BM_Stage_Convert)->Unit(benchmark::kMicrosecond);

// Stage: doc::Paper -> PageLayout (measure, paginate, draw, furniture).
void BM_Stage_Layout(benchmark::State& state) {
  const auto& fonts = Fonts();
  auto job = pp::service::ConvertRenderPaperRequest(ReferenceRequest(), fonts, {});
  for (auto _ : state) {
    auto layout = pp::layout::LayoutPaper(job->paper, fonts, {});
    benchmark::DoNotOptimize(layout);
  }
}
BENCHMARK(BM_Stage_Layout)->Unit(benchmark::kMicrosecond);

// Stage: PageLayout -> PDF bytes (libharu: fonts, drawing, subsetting, zlib, save).
void BM_Stage_Paint(benchmark::State& state) {
  const auto& fonts = Fonts();
  auto job = pp::service::ConvertRenderPaperRequest(ReferenceRequest(), fonts, {});
  auto layout = pp::layout::LayoutPaper(job->paper, fonts, {});
  for (auto _ : state) {
    auto pdf = pp::pdf::Paint(*layout, fonts, {});
    benchmark::DoNotOptimize(pdf);
  }
}
BENCHMARK(BM_Stage_Paint)->Unit(benchmark::kMicrosecond);

// Stage: painting with page content left uncompressed (fonts still are).
void BM_Stage_PaintUncompressedContent(benchmark::State& state) {
  const auto& fonts = Fonts();
  auto job = pp::service::ConvertRenderPaperRequest(ReferenceRequest(), fonts, {});
  auto layout = pp::layout::LayoutPaper(job->paper, fonts, {});
  pp::pdf::PaintOptions po;
  po.compress_content = false;
  for (auto _ : state) {
    auto pdf = pp::pdf::Paint(*layout, fonts, po);
    benchmark::DoNotOptimize(pdf);
  }
}
BENCHMARK(BM_Stage_PaintUncompressedContent)->Unit(benchmark::kMicrosecond);

// A 50-paper agenda pack (~350 pages): the reference paper as 50 items, plus
// a Part II item and items without papers, in one PDF. The same work as
// `panelpaper pack` minus reading the manifest: conversion of all 50 papers,
// layout, one libharu document (fonts embedded once), save.
panelpaper::v1::RenderAgendaPackRequest FiftyPaperPack() {
  panelpaper::v1::RenderAgendaPackRequest req;
  auto* m = req.mutable_meeting();
  m->add_organisation_lines("MAYOR OF LONDON");
  m->add_organisation_lines("OFFICE FOR POLICING AND CRIME");
  m->set_panel_name("MPS-MOPAC JOINT AUDIT PANEL");
  m->set_date("2020-01-08");
  m->set_start_time("14:00");
  m->set_venue("City Hall, London");
  req.set_first_page_number(1);
  req.set_edition(panelpaper::v1::MEMBERS);
  for (int i = 0; i < 52; ++i) {
    auto* item = req.add_items();
    item->mutable_number()->set_number(i + 1);
    if (i == 0 || i == 51) {
      item->set_title(i == 0 ? "Apologies for absence" : "Any other business");
      continue;
    }
    item->set_title(ReferenceRequest().paper().title());
    item->set_presenter("Chief of Corporate Services");
    item->set_purpose(panelpaper::v1::FOR_NOTING);
    if (i == 50) {
      item->set_part(panelpaper::v1::PART_II);
      item->set_exempt_paragraph(7);
    }
    *item->mutable_paper() = ReferenceRequest().paper();
  }
  return req;
}

void BM_RenderPack50Papers(benchmark::State& state) {
  const auto& fonts = Fonts();
  const auto req = FiftyPaperPack();
  int pages = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    auto job = pp::service::ConvertAgendaPackRequest(req, fonts, pp::service::Limits{});
    if (!job.ok()) state.SkipWithError("conversion failed");
    pp::PackOptions options;
    auto pack = pp::RenderPack(job->pack, fonts, options);
    if (!pack.ok()) state.SkipWithError("pack render failed");
    pages = pack->pdf.page_count;
    bytes = pack->pdf.bytes.size();
    benchmark::DoNotOptimize(pack->pdf.bytes.data());
  }
  state.counters["pages"] = pages;
  state.counters["pdf_KiB"] = static_cast<double>(bytes) / 1024.0;
  state.counters["peak_RSS_MiB"] = PeakRssMiB();
}
BENCHMARK(BM_RenderPack50Papers)->Unit(benchmark::kMillisecond)->UseRealTime();

// What CJK names cost: tests/testdata/requests/cjk-names.json (a page with
// names in Chinese, Japanese and Korean characters, drawn with the 3.3 MB
// Panel CJK face) against the same request with every character of U+3000
// and above replaced by "X" (no Panel CJK; the Liberation fallback for "ō"
// stays in both). The difference is the CJK face's load, subset and save.
panelpaper::v1::RenderPaperRequest CjkRequest(bool keep_cjk) {
  std::ifstream in(PP_BENCH_CJK_FIXTURE);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string json = ss.str();
  if (!keep_cjk) {
    std::string latin;
    for (size_t i = 0; i < json.size();) {
      const auto c = static_cast<unsigned char>(json[i]);
      // Three-byte UTF-8 sequences starting E3..EF are U+3000..U+FFFF.
      if (c >= 0xE3 && c <= 0xEF) {
        latin += 'X';
        i += 3;
      } else {
        latin += json[i++];
      }
    }
    json = latin;
  }
  panelpaper::v1::RenderPaperRequest req;
  if (!google::protobuf::util::JsonStringToMessage(json, &req).ok()) std::abort();
  return req;
}

void RenderCjk(benchmark::State& state, bool keep_cjk) {
  const auto& fonts = Fonts();
  const auto req = CjkRequest(keep_cjk);
  size_t bytes = 0;
  for (auto _ : state) {
    auto job = pp::service::ConvertRenderPaperRequest(req, fonts, pp::service::Limits{});
    if (!job.ok()) state.SkipWithError("conversion failed");
    pp::RenderOptions options;
    options.compress_content = job->compress_content;
    auto pdf = pp::RenderPaper(job->paper, fonts, options);
    if (!pdf.ok()) state.SkipWithError("render failed");
    bytes = pdf->bytes.size();
    benchmark::DoNotOptimize(pdf->bytes.data());
  }
  state.counters["pdf_KiB"] = static_cast<double>(bytes) / 1024.0;
}
void BM_RenderCjkNames(benchmark::State& state) { RenderCjk(state, true); }
BENCHMARK(BM_RenderCjkNames)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_RenderCjkNamesReplacedByLatin(benchmark::State& state) { RenderCjk(state, false); }
BENCHMARK(BM_RenderCjkNamesReplacedByLatin)->Unit(benchmark::kMillisecond)->UseRealTime();

// The worst shapes of issue 11 (a request within the limits): tables of
// 4,999-character words (the longest word the validator allows), whose
// cells run over many pages and split on every one. Each must render or be
// refused within 1 s and 256 MB of peak RSS on one core. Peak RSS is the
// process's: run one at a time for its own figure, e.g.
//   render_benchmark --benchmark_filter=BM_WorstCase_WideTable
// `rendered` is 1 when the PDF was made, 0 when the request was refused
// (by the validator or the page limit).
panelpaper::v1::RenderPaperRequest WordTable(int columns, int rows, double font_size) {
  panelpaper::v1::RenderPaperRequest req = ReferenceRequest();
  auto* paper = req.mutable_paper();
  paper->clear_sections();
  auto* sec = paper->add_sections();
  sec->set_heading("Long words");
  auto* table = sec->add_blocks()->mutable_table();
  table->set_font_size(font_size);
  for (int c = 0; c < columns; ++c) table->add_column_widths(1);
  std::string word;
  for (int i = 0; i < 4999; ++i) word += static_cast<char>('a' + (i * 7) % 26);
  for (int r = 0; r < rows; ++r) {
    auto* row = table->add_rows();
    for (int c = 0; c < columns; ++c) {
      row->add_cells()->add_paragraphs()->add_runs()->set_text(word);
    }
  }
  return req;
}

void RenderWorst(benchmark::State& state, const panelpaper::v1::RenderPaperRequest& req) {
  const auto& fonts = Fonts();
  int pages = 0;
  bool rendered = false;
  for (auto _ : state) {
    auto job = pp::service::ConvertRenderPaperRequest(req, fonts, pp::service::Limits{});
    rendered = false;
    if (!job.ok()) continue;
    pp::RenderOptions options;
    options.compress_content = job->compress_content;
    auto pdf = pp::RenderPaper(job->paper, fonts, options);
    if (!pdf.ok()) continue;
    rendered = true;
    pages = pdf->page_count;
    benchmark::DoNotOptimize(pdf->bytes.data());
  }
  state.counters["rendered"] = rendered ? 1 : 0;
  state.counters["pages"] = pages;
  state.counters["request_KiB"] = static_cast<double>(req.ByteSizeLong()) / 1024.0;
  state.counters["peak_RSS_MiB"] = PeakRssMiB();
}

// 30 columns at 7 pt, 8 rows of 30 words (1.2 MB).
void BM_WorstCase_WideTable(benchmark::State& state) { RenderWorst(state, WordTable(30, 8, 7)); }
BENCHMARK(BM_WorstCase_WideTable)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// 2 columns at 14 pt, 400 rows.
void BM_WorstCase_LongTable(benchmark::State& state) { RenderWorst(state, WordTable(2, 400, 14)); }
BENCHMARK(BM_WorstCase_LongTable)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
