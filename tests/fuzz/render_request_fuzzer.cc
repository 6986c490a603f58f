// Fuzz target (a): arbitrary bytes as a RenderPaperRequest, through exactly
// the steps panelpaperd takes for RenderPaper/StreamPaper (service/
// paper_service.cc): raw-bytes parsing (service/request_parser), validation
// (request_converter + word_guard, every violation collected), then
// pp::RenderPaper — with small limits (tests/fuzz/fuzz_support.h).
//
// Contract (fuzz_support.h): the input ends as a well-formed PDF or a clean
// INVALID_ARGUMENT / RESOURCE_EXHAUSTED with field paths; anything else
// aborts.
//
// Seeds: tests/fuzz/corpus/render_request/ (binary-serialized fixture papers
// and small hostile requests, written by make_seed_corpus).
#include <cstddef>
#include <cstdint>
#include <string>

#include "google/protobuf/arena.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "panelpaper/v1/paper.pb.h"
#include "service/request_converter.h"
#include "service/request_parser.h"
#include "service/word_guard.h"
#include "tests/fuzz/fuzz_support.h"

namespace pb = ::panelpaper::v1;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  pp::fuzz::GetFuzzEnv();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const pp::fuzz::FuzzEnv& env = pp::fuzz::GetFuzzEnv();
  google::protobuf::Arena arena;
  auto* req = google::protobuf::Arena::CreateMessage<pb::RenderPaperRequest>(&arena);
  {
    google::protobuf::io::ArrayInputStream in(data, static_cast<int>(size));
    const absl::Status s = pp::service::ParseRequest(&in, req, [&] {
      return std::string(reinterpret_cast<const char*>(data), size);
    });
    if (!s.ok()) {
      pp::fuzz::CheckRejection(s, "ParseRequest", /*root_path_ok=*/true);
      if (s.code() != absl::StatusCode::kInvalidArgument) {
        pp::fuzz::Fail("ParseRequest", "unparsable bytes must be INVALID_ARGUMENT", s);
      }
      return 0;
    }
  }

  pp::service::Violations v;
  pp::service::RenderJob job;
  if (!req->has_paper()) {
    v.AddInvalid("paper", "required");
  } else {
    pp::service::ConvertPaper(req->paper(), "paper", env.fonts(), env.limits, &job.paper, &v);
  }
  pp::service::CheckWordLengths(*req, pp::service::kDefaultMaxWordChars, &v);
  if (!v.empty()) {
    pp::fuzz::CheckRejection(v.ToStatus(), "validation");
    return 0;
  }

  auto pdf = pp::RenderPaper(job.paper, env.fonts(),
                             env.render_options(!req->options().uncompressed()));
  if (!pdf.ok()) {
    pp::fuzz::CheckRenderRejection(pdf.status(), "RenderPaper");
    return 0;
  }
  pp::fuzz::CheckPdf(*pdf, env.limits.max_pages, "RenderPaper");
  pp::fuzz::CheckPaperLayout(job.paper, env);
  return 0;
}
