// Fuzz target (c): arbitrary bytes as a RenderAgendaPackRequest
// (proto/panelpaper/v1/pack.proto): raw-bytes parsing (service/
// request_parser), pack validation (ConvertAgendaPackRequest: the meeting,
// every item, every paper) and pp::RenderPack, with small limits
// (tests/fuzz/fuzz_support.h). No word guard: the line breaker is linear in
// word length, so the renderer must cope on its own (a long word costs
// pages, which the page limits bound).
//
// Contract (fuzz_support.h): a well-formed PDF or a clean INVALID_ARGUMENT /
// RESOURCE_EXHAUSTED; anything else aborts.
//
// Seeds: tests/fuzz/corpus/agenda_pack/ (the pack fixture in its public and
// members' editions, and small packs, written by make_seed_corpus).
#include <cstddef>
#include <cstdint>
#include <string>

#include "google/protobuf/arena.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "panelpaper/v1/pack.pb.h"
#include "service/request_converter.h"
#include "service/request_parser.h"
#include "tests/fuzz/fuzz_support.h"

namespace pb = ::panelpaper::v1;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  pp::fuzz::GetFuzzEnv();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const pp::fuzz::FuzzEnv& env = pp::fuzz::GetFuzzEnv();
  google::protobuf::Arena arena;
  auto* req = google::protobuf::Arena::CreateMessage<pb::RenderAgendaPackRequest>(&arena);
  {
    google::protobuf::io::ArrayInputStream in(data, static_cast<int>(size));
    const absl::Status s = pp::service::ParseRequest(&in, req, [&] {
      return std::string(reinterpret_cast<const char*>(data), size);
    });
    if (!s.ok()) {
      pp::fuzz::CheckRejection(s, "ParseRequest", /*root_path_ok=*/true);
      return 0;
    }
  }
  absl::StatusOr<pp::service::PackJob> job =
      pp::service::ConvertAgendaPackRequest(*req, env.fonts(), env.limits);
  if (!job.ok()) {
    pp::fuzz::CheckRejection(job.status(), "ConvertAgendaPackRequest");
    return 0;
  }
  auto pack = pp::RenderPack(job->pack, env.fonts(), env.pack_options(job->compress_content));
  if (!pack.ok()) {
    pp::fuzz::CheckRenderRejection(pack.status(), "RenderPack");
    return 0;
  }
  pp::fuzz::CheckPdf(pack->pdf, env.limits.max_pack_pages, "RenderPack");
  pp::fuzz::CheckPackLayout(job->pack, env);
  if (pack->items.size() != job->pack.items.size()) {
    pp::fuzz::Fail("RenderPack", "one placement per agenda item expected");
  }
  return 0;
}
