// Tests of service/status_mapping: absl::Status <-> grpc::Status with
// google.rpc.Status details.
#include "service/status_mapping.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "renderers/common/field_error.h"

namespace pp::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

google::rpc::Status Details(const grpc::Status& s) {
  google::rpc::Status out;
  EXPECT_TRUE(out.ParseFromString(s.error_details()));
  return out;
}

absl::Status WithBadRequest(std::vector<std::pair<std::string, std::string>> violations) {
  absl::Status s = absl::InvalidArgumentError("request has invalid fields");
  google::rpc::BadRequest br;
  for (auto& [field, description] : violations) {
    auto* v = br.add_field_violations();
    v->set_field(field);
    v->set_description(description);
  }
  s.SetPayload(kBadRequestTypeUrl, absl::Cord(br.SerializeAsString()));
  return s;
}

size_t EncodedSize(const grpc::Status& s) {
  size_t n = 0;
  for (unsigned char c : s.error_message()) n += (c >= 0x20 && c <= 0x7E && c != '%') ? 1 : 3;
  return n + (s.error_details().size() + 2) / 3 * 4;
}

TEST(StatusMapping, OkStaysOkWithoutDetails) {
  const grpc::Status s = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.error_details(), "");
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(StatusMapping, EveryCodeMapsByValue) {
  for (int c = 1; c <= 16; ++c) {
    const absl::Status in(static_cast<absl::StatusCode>(c), "m");
    const grpc::Status out = ToGrpcStatus(in);
    EXPECT_EQ(static_cast<int>(out.error_code()), c);
    EXPECT_EQ(out.error_message(), "m");
    EXPECT_EQ(Details(out).code(), c);
    EXPECT_EQ(Details(out).message(), "m");
    EXPECT_EQ(static_cast<int>(FromGrpcStatus(out).code()), c);
  }
}

TEST(StatusMapping, UnknownCodeBecomesUnknown) {
  const absl::Status in(static_cast<absl::StatusCode>(42), "odd");
  EXPECT_EQ(ToGrpcStatus(in).error_code(), grpc::StatusCode::UNKNOWN);
}

TEST(StatusMapping, EveryPayloadBecomesAnAnyUnderItsTypeUrl) {
  absl::Status in = WithBadRequest({{"paper.title", "required"}, {"paper.sections", "required"}});
  google::rpc::QuotaFailure qf;
  auto* v = qf.add_violations();
  v->set_subject("paper.sections[0].blocks[0].table.rows");
  v->set_description("too many");
  in.SetPayload(kQuotaFailureTypeUrl, absl::Cord(qf.SerializeAsString()));
  in.SetPayload("type.example.com/custom.Thing", absl::Cord(std::string("\x01\x02\x00\x03", 4)));

  const google::rpc::Status details = Details(ToGrpcStatus(in));
  ASSERT_THAT(details.details(), SizeIs(4));  // and the ErrorInfo, first
  EXPECT_EQ(details.details(0).type_url(), kErrorInfoTypeUrl);
  std::map<std::string, std::string> by_url;
  for (const auto& any : details.details()) by_url[any.type_url()] = any.value();
  EXPECT_EQ(by_url[kQuotaFailureTypeUrl], qf.SerializeAsString());
  EXPECT_EQ(by_url["type.example.com/custom.Thing"], std::string("\x01\x02\x00\x03", 4));
  google::rpc::BadRequest br;
  ASSERT_TRUE(br.ParseFromString(by_url[kBadRequestTypeUrl]));
  ASSERT_THAT(br.field_violations(), SizeIs(2));
  EXPECT_EQ(br.field_violations(0).field(), "paper.title");
  EXPECT_EQ(br.field_violations(1).description(), "required");
}

// Refusals layout decides (renderers/common/field_error.h) arrive like the
// validator's: BadRequest / QuotaFailure naming the field, and the
// renderer's own payload never reaches the wire.
TEST(StatusMapping, RendererFieldErrorsBecomeBadRequest) {
  const absl::Status in = InvalidFieldError("items[4].paper.sections[1].blocks[0].table.rows[0]",
                                            "cannot be laid out even on an empty page");
  const grpc::Status out = ToGrpcStatus(in);
  EXPECT_EQ(out.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(out.error_message(), in.message());
  const google::rpc::Status details = Details(out);
  ASSERT_THAT(details.details(), SizeIs(2));  // ErrorInfo first
  EXPECT_EQ(details.details(1).type_url(), kBadRequestTypeUrl);
  const absl::Status back = FromGrpcStatus(out);
  EXPECT_THAT(BadRequestViolations(back),
              ElementsAre(FieldViolation{"items[4].paper.sections[1].blocks[0].table.rows[0]",
                                         "cannot be laid out even on an empty page"}));
  EXPECT_FALSE(back.GetPayload(kFieldErrorTypeUrl));
}

TEST(StatusMapping, RendererQuotaErrorsBecomeQuotaFailure) {
  const grpc::Status out = ToGrpcStatus(
      QuotaFieldError("paper", "the document needs more than 500 pages (the page limit)"));
  EXPECT_EQ(out.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  const google::rpc::Status details = Details(out);
  ASSERT_THAT(details.details(), SizeIs(2));  // ErrorInfo first
  EXPECT_EQ(details.details(1).type_url(), kQuotaFailureTypeUrl);
  EXPECT_THAT(QuotaFailureViolations(FromGrpcStatus(out)),
              ElementsAre(FieldViolation{
                  "paper", "the document needs more than 500 pages (the page limit)"}));
  EXPECT_THAT(BadRequestViolations(FromGrpcStatus(out)), SizeIs(0));
}

TEST(StatusMapping, WithRequestDetailsLeavesOtherStatusesAlone) {
  const absl::Status plain = absl::InternalError("libharu error");
  EXPECT_EQ(WithRequestDetails(plain), plain);
  const absl::Status validated = WithBadRequest({{"paper.title", "required"}});
  EXPECT_EQ(WithRequestDetails(validated), validated);
}

TEST(StatusMapping, RoundTripRestoresPayloadsAndViolations) {
  const absl::Status in = WithBadRequest({{"paper.sections[2].blocks[0].paragraph.runs[1].text", "x"}});
  const absl::Status back = FromGrpcStatus(ToGrpcStatus(in));
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(back.message(), in.message());
  EXPECT_EQ(back.GetPayload(kBadRequestTypeUrl), in.GetPayload(kBadRequestTypeUrl));
  EXPECT_THAT(BadRequestViolations(back),
              ElementsAre(FieldViolation{"paper.sections[2].blocks[0].paragraph.runs[1].text", "x"}));
  EXPECT_THAT(QuotaFailureViolations(back), SizeIs(0));
}

TEST(StatusMapping, QuotaFailureViolationsDecode) {
  absl::Status s = absl::ResourceExhaustedError("busy");
  google::rpc::QuotaFailure qf;
  auto* v = qf.add_violations();
  v->set_subject("server");
  v->set_description("queue full");
  s.SetPayload(kQuotaFailureTypeUrl, absl::Cord(qf.SerializeAsString()));
  EXPECT_THAT(QuotaFailureViolations(FromGrpcStatus(ToGrpcStatus(s))),
              ElementsAre(FieldViolation{"server", "queue full"}));
}

TEST(StatusMapping, GarbageDetailsAreIgnoredByTheClientSide) {
  const grpc::Status in(grpc::StatusCode::INVALID_ARGUMENT, "bad", "\xff\xff not a proto");
  const absl::Status out = FromGrpcStatus(in);
  EXPECT_EQ(out.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out.message(), "bad");
  EXPECT_THAT(BadRequestViolations(out), SizeIs(0));
}

TEST(StatusMapping, LongMessageIsCutOnACharacterBoundary) {
  std::string message;
  while (message.size() < 3 * kMaxStatusMessageBytes) message += "é";  // 2 bytes each
  const grpc::Status out = ToGrpcStatus(absl::InternalError(message));
  EXPECT_LE(out.error_message().size(), kMaxStatusMessageBytes);
  EXPECT_THAT(out.error_message(), ::testing::EndsWith("..."));
  // Only whole "é"s before the dots.
  const std::string body = out.error_message().substr(0, out.error_message().size() - 3);
  EXPECT_EQ(body.size() % 2, 0u);
  EXPECT_EQ(body.substr(0, 2), "é");
  EXPECT_LE(EncodedSize(out), kMaxEncodedStatusBytes);
}

TEST(StatusMapping, DetailsTooLargeForTheTrailerAreDroppedAndSaidSo) {
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 400; ++i) {
    many.emplace_back("paper.sections[" + std::to_string(i) + "].heading", "required, and then some");
  }
  const grpc::Status out = ToGrpcStatus(WithBadRequest(many));
  EXPECT_EQ(out.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LE(EncodedSize(out), kMaxEncodedStatusBytes);
  EXPECT_THAT(out.error_message(), HasSubstr("1 error detail dropped"));
  // Only the ErrorInfo (always first) is left.
  ASSERT_THAT(Details(out).details(), SizeIs(1));
  EXPECT_EQ(Details(out).details(0).type_url(), kErrorInfoTypeUrl);
}

TEST(StatusMapping, ConverterSizedDetailsFitUnchanged) {
  // What Violations::ToStatus produces at its payload bound (~3000 bytes).
  Violations v;
  for (int i = 0; i < 200; ++i) {
    v.AddInvalid("paper.sections[" + std::to_string(i) + "].blocks[0].paragraph.runs[0].text",
                 "U+05D0 (Hebrew) is written right to left, which the renderer cannot lay out");
  }
  const absl::Status in = v.ToStatus();
  const grpc::Status out = ToGrpcStatus(in);
  EXPECT_LE(EncodedSize(out), kMaxEncodedStatusBytes);
  ASSERT_THAT(Details(out).details(), SizeIs(2));  // ErrorInfo, BadRequest
  EXPECT_EQ(Details(out).details(1).value(), std::string(*in.GetPayload(kBadRequestTypeUrl)));
  std::string head = out.error_message();
  if (absl::EndsWith(head, "...")) head.resize(head.size() - 3);
  EXPECT_TRUE(absl::StartsWith(std::string(in.message()), head));
}


// ---- error reasons and retry signals (issue 13 item 6) ----

google::rpc::ErrorInfo ErrorInfoOf(const grpc::Status& s) {
  google::rpc::ErrorInfo info;
  const google::rpc::Status d = Details(s);
  int found = 0;
  for (const auto& any : d.details()) {
    if (any.type_url() == kErrorInfoTypeUrl) {
      EXPECT_TRUE(info.ParseFromString(any.value()));
      ++found;
    }
  }
  EXPECT_EQ(found, 1) << "exactly one ErrorInfo";
  return info;
}

TEST(StatusMapping, EveryErrorCodeCarriesAnErrorInfoWithAStableReason) {
  for (int c = 1; c <= 16; ++c) {
    const auto code = static_cast<absl::StatusCode>(c);
    const google::rpc::ErrorInfo info = ErrorInfoOf(ToGrpcStatus(absl::Status(code, "x")));
    EXPECT_EQ(info.domain(), "panelpaper.v1") << c;
    EXPECT_EQ(info.reason(), DefaultReason(code)) << c;
    EXPECT_THAT(info.reason(), testing::MatchesRegex("[A-Z][A-Z_]*[A-Z]")) << c;
  }
  EXPECT_EQ(DefaultReason(absl::StatusCode::kInvalidArgument), "INVALID_REQUEST");
  EXPECT_EQ(DefaultReason(absl::StatusCode::kResourceExhausted), "LIMIT_EXCEEDED");
  EXPECT_EQ(DefaultReason(absl::StatusCode::kInternal), "INTERNAL");
}

TEST(StatusMapping, AnAttachedReasonWinsAndKeepsItsMetadata) {
  const grpc::Status s = ToGrpcStatus(
      WithErrorInfo(absl::AlreadyExistsError("taken"), "PAPER_EXISTS", {{"paper_id", "p-1"}}));
  const google::rpc::ErrorInfo info = ErrorInfoOf(s);
  EXPECT_EQ(info.reason(), "PAPER_EXISTS");
  EXPECT_EQ(info.metadata().at("paper_id"), "p-1");
  EXPECT_EQ(ErrorReason(FromGrpcStatus(s)), "PAPER_EXISTS");
}

TEST(StatusMapping, BusyCarriesRetryInfoAndAPushbackOtherExhaustionsSayNever) {
  const absl::Status busy =
      BusyStatus(absl::ResourceExhaustedError("busy"), std::chrono::milliseconds(1500));
  EXPECT_EQ(ErrorReason(busy), "SERVER_BUSY");
  EXPECT_EQ(RetryPushbackMs(busy), 1500);
  const grpc::Status wire = ToGrpcStatus(busy);
  bool retry_info = false;
  const google::rpc::Status details = Details(wire);
  for (const auto& any : details.details()) {
    if (any.type_url() != kRetryInfoTypeUrl) continue;
    google::rpc::RetryInfo info;
    ASSERT_TRUE(info.ParseFromString(any.value()));
    EXPECT_EQ(info.retry_delay().seconds(), 1);
    EXPECT_EQ(info.retry_delay().nanos(), 500000000);
    retry_info = true;
  }
  EXPECT_TRUE(retry_info);
  // Any other RESOURCE_EXHAUSTED: never retry. Other codes: no trailer.
  EXPECT_EQ(RetryPushbackMs(absl::ResourceExhaustedError("too many blocks")), -1);
  EXPECT_EQ(RetryPushbackMs(WithErrorInfo(absl::ResourceExhaustedError("x"), "LIMIT_EXCEEDED")), -1);
  EXPECT_EQ(RetryPushbackMs(absl::UnavailableError("down")), std::nullopt);
  EXPECT_EQ(RetryPushbackMs(absl::InvalidArgumentError("bad")), std::nullopt);
}

TEST(StatusMapping, ErrorInfoAndRetryInfoSurviveWhenDetailsAreDropped) {
  // Added before the retry signals, larger than the trailer: dropped.
  absl::Status s = absl::ResourceExhaustedError("busy");
  s.SetPayload("type.googleapis.com/google.rpc.Other", absl::Cord(std::string(9000, 'y')));
  s = BusyStatus(s);
  const grpc::Status g = ToGrpcStatus(s);
  EXPECT_LE(EncodedSize(g), kMaxEncodedStatusBytes);
  EXPECT_THAT(g.error_message(), HasSubstr("1 error detail dropped"));
  ASSERT_THAT(Details(g).details(), SizeIs(2));
  EXPECT_EQ(Details(g).details(0).type_url(), kErrorInfoTypeUrl);
  EXPECT_EQ(Details(g).details(1).type_url(), kRetryInfoTypeUrl);
  EXPECT_EQ(ErrorInfoOf(g).reason(), "SERVER_BUSY");
}

}  // namespace
}  // namespace pp::service
