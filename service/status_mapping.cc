#include "service/status_mapping.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace pp::service {
namespace {

// Bytes grpc-message takes after percent-encoding: gRPC keeps 0x20..0x7E
// except '%' and encodes every other byte as %XX.
size_t PercentEncodedSize(absl::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c >= 0x20 && c <= 0x7E && c != '%') ? 1 : 3;
  return n;
}

size_t Base64Size(size_t bytes) { return (bytes + 2) / 3 * 4; }

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence, adding
// "..." when it cut.
std::string CutUtf8(absl::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  if (max < 3) return std::string(s.substr(0, 0));
  size_t end = max - 3;
  // Back up over continuation bytes so the cut falls before a lead byte.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(s.substr(0, end), "...");
}

grpc::StatusCode GrpcCode(absl::StatusCode code) {
  const int c = static_cast<int>(code);
  // The enums share google.rpc.Code's numbers; anything else is UNKNOWN.
  if (c < 0 || c > static_cast<int>(grpc::StatusCode::UNAUTHENTICATED)) return grpc::StatusCode::UNKNOWN;
  return static_cast<grpc::StatusCode>(c);
}

absl::StatusCode AbslCode(grpc::StatusCode code) {
  const int c = static_cast<int>(code);
  if (c < 0 || c > static_cast<int>(absl::StatusCode::kUnauthenticated)) return absl::StatusCode::kUnknown;
  return static_cast<absl::StatusCode>(c);
}

// Payloads that must survive the trailer budget go first.
int PayloadRank(absl::string_view url) {
  if (url == kErrorInfoTypeUrl) return 0;
  if (url == kRetryInfoTypeUrl) return 1;
  return 2;
}

}  // namespace

std::string_view DefaultReason(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_REQUEST";
    case absl::StatusCode::kResourceExhausted:
      return "LIMIT_EXCEEDED";
    case absl::StatusCode::kNotFound:
      return "NOT_FOUND";
    case absl::StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case absl::StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case absl::StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case absl::StatusCode::kDataLoss:
      return "DATA_LOSS";
    case absl::StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case absl::StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case absl::StatusCode::kCancelled:
      return "CANCELLED";
    case absl::StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    default:
      return "INTERNAL";
  }
}

absl::Status WithErrorInfo(absl::Status status, std::string_view reason,
                           std::vector<std::pair<std::string, std::string>> metadata) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(kErrorDomain);
  for (auto& [key, value] : metadata) (*info.mutable_metadata())[key] = std::move(value);
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status WithResourceInfo(absl::Status status, std::string_view type, std::string_view name,
                              std::string_view description) {
  if (status.ok()) return status;
  google::rpc::ResourceInfo info;
  info.set_resource_type(std::string(type));
  info.set_resource_name(std::string(name));
  info.set_description(std::string(description));
  status.SetPayload(kResourceInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status BusyStatus(absl::Status status, std::chrono::milliseconds delay) {
  if (status.ok()) return status;
  status = WithErrorInfo(std::move(status), "SERVER_BUSY",
                         {{"retry_delay_ms", std::to_string(delay.count())}});
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(delay.count() / 1000);
  info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(delay.count() % 1000) * 1000000);
  status.SetPayload(kRetryInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::string ErrorReason(const absl::Status& status) {
  const auto payload = status.GetPayload(kErrorInfoTypeUrl);
  google::rpc::ErrorInfo info;
  if (!payload || !info.ParseFromString(std::string(*payload))) return "";
  return info.reason();
}

std::optional<int64_t> RetryPushbackMs(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kResourceExhausted) return std::nullopt;
  const auto payload = status.GetPayload(kRetryInfoTypeUrl);
  google::rpc::RetryInfo info;
  if (!payload || !info.ParseFromString(std::string(*payload))) return -1;
  const int64_t ms = info.retry_delay().seconds() * 1000 + info.retry_delay().nanos() / 1000000;
  return ms < 0 ? -1 : ms;
}

grpc::Status ToGrpcStatus(const absl::Status& renderer_status) {
  if (renderer_status.ok()) return grpc::Status::OK;
  // A renderer's field error becomes BadRequest / QuotaFailure here.
  absl::Status status = WithRequestDetails(renderer_status);
  if (!status.GetPayload(kErrorInfoTypeUrl).has_value()) {
    // The reason first: the order in which arguments are evaluated is
    // unspecified, and a moved-from Status reads as INTERNAL (clang).
    const std::string_view reason = DefaultReason(status.code());
    status = WithErrorInfo(std::move(status), reason);
  }
  const grpc::StatusCode code = GrpcCode(status.code());

  std::string message = CutUtf8(status.message(), kMaxStatusMessageBytes);

  std::vector<std::pair<std::string, std::string>> payloads;
  status.ForEachPayload([&payloads](auto type_url, const absl::Cord& value) {
    payloads.emplace_back(std::string(type_url), std::string(value));
  });
  std::stable_sort(payloads.begin(), payloads.end(), [](const auto& a, const auto& b) {
    return PayloadRank(a.first) < PayloadRank(b.first);
  });

  google::rpc::Status rpc_status;
  auto build = [&] {
    rpc_status.Clear();
    rpc_status.set_code(static_cast<int>(code));
    rpc_status.set_message(message);
    for (const auto& [url, value] : payloads) {
      google::protobuf::Any* any = rpc_status.add_details();
      any->set_type_url(url);
      any->set_value(value);
    }
    return rpc_status.ByteSizeLong();
  };
  auto encoded = [&](size_t details_bytes) {
    return PercentEncodedSize(message) + Base64Size(details_bytes);
  };

  size_t details_bytes = build();
  if (encoded(details_bytes) > kMaxEncodedStatusBytes && !payloads.empty()) {
    size_t dropped = 0;
    while (!payloads.empty() && encoded(details_bytes) > kMaxEncodedStatusBytes) {
      payloads.pop_back();
      ++dropped;
      details_bytes = build();
    }
    message = CutUtf8(message, kMaxStatusMessageBytes - 64);
    absl::StrAppend(&message, " [", dropped, " error detail", dropped == 1 ? "" : "s",
                    " dropped: too large for the status trailer]");
    details_bytes = build();
  }
  // Only a message full of non-ASCII text can still be too big: cut it.
  while (encoded(details_bytes) > kMaxEncodedStatusBytes && message.size() > 16) {
    message = CutUtf8(message, message.size() / 2);
    details_bytes = build();
  }
  return grpc::Status(code, message, rpc_status.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status out(AbslCode(status.error_code()), status.error_message());
  if (!status.error_details().empty()) {
    google::rpc::Status rpc_status;
    if (rpc_status.ParseFromString(status.error_details())) {
      for (const google::protobuf::Any& any : rpc_status.details()) {
        out.SetPayload(any.type_url(), absl::Cord(any.value()));
      }
    }
  }
  return out;
}

std::vector<FieldViolation> BadRequestViolations(const absl::Status& status) {
  std::vector<FieldViolation> out;
  const auto payload = status.GetPayload(kBadRequestTypeUrl);
  google::rpc::BadRequest bad_request;
  if (!payload || !bad_request.ParseFromString(std::string(*payload))) return out;
  for (const auto& v : bad_request.field_violations()) out.push_back({v.field(), v.description()});
  return out;
}

std::vector<FieldViolation> QuotaFailureViolations(const absl::Status& status) {
  std::vector<FieldViolation> out;
  const auto payload = status.GetPayload(kQuotaFailureTypeUrl);
  google::rpc::QuotaFailure failure;
  if (!payload || !failure.ParseFromString(std::string(*payload))) return out;
  for (const auto& v : failure.violations()) out.push_back({v.subject(), v.description()});
  return out;
}

}  // namespace pp::service
