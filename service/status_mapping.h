// File: service/status_mapping.h
//
// The one place where absl::Status becomes grpc::Status and back.
//
// ToGrpcStatus maps the code by value (absl::StatusCode, grpc::StatusCode and
// google.rpc.Code share their numbers), keeps the message, and serializes a
// google.rpc.Status {code, message, details} into the grpc::Status's
// error_details, which gRPC sends as the `grpc-status-details-bin` trailer.
// Every payload of the absl::Status becomes one google.protobuf.Any in
// `details` whose type_url is the payload's URL and whose value is the
// payload's bytes; so a "type.googleapis.com/google.rpc.BadRequest" payload
// arrives as a BadRequest any standard client can unpack.
//
// Trailer budget. gRPC peers refuse metadata over 8 KiB by default, and a
// status that does not fit would reach the client as an opaque error. The
// message is percent-encoded on the wire (grpc-message) and the details are
// base64-encoded, so ToGrpcStatus keeps
//   encoded message + encoded details <= kMaxEncodedStatusBytes (7 KiB,
// leaving room for grpc-status and the header names in the 8 KiB)
// by cutting the message at kMaxStatusMessageBytes (on a UTF-8 boundary,
// with "..."), then dropping trailing payloads (saying so in the message),
// then cutting the message further. The request converter already keeps its
// payloads around 3 KB, so in practice nothing is dropped.
//
// A refusal the renderer decided (a pp::FieldError payload) first goes
// through WithRequestDetails (service/request_converter.h), so it arrives
// with the same BadRequest / QuotaFailure a validation error carries.
//
// Error reasons (AIP-193). Every error ToGrpcStatus answers carries a
// google.rpc.ErrorInfo {reason, domain "panelpaper.v1"}: the one the code
// attached (WithErrorInfo), else DefaultReason(code). NOT_FOUND,
// ALREADY_EXISTS and PERMISSION_DENIED should also carry a
// google.rpc.ResourceInfo (WithResourceInfo). The ErrorInfo and RetryInfo
// go first in `details`, so they survive the trailer budget.
//
// Retry signals (gRFC A6). gRPC retry policies choose by status code only,
// and RESOURCE_EXHAUSTED means both "busy, try again" and "over a limit,
// never retry". So a busy answer (BusyStatus: reason SERVER_BUSY, a
// google.rpc.RetryInfo) gets the trailer `grpc-retry-pushback-ms: <delay>`
// and every other RESOURCE_EXHAUSTED `grpc-retry-pushback-ms: -1`, which
// stops a client's retry policy (RetryPushbackMs says which).
//
// FromGrpcStatus is the inverse, for clients (the CLI): it restores every
// Any in the details as a payload under its type URL.
//
//   return ToGrpcStatus(converter_status);       // server
//   absl::Status s = FromGrpcStatus(call_status); // client
//   for (const FieldViolation& f : BadRequestViolations(s)) ...
#ifndef PANELPAPER_SERVICE_STATUS_MAPPING_H_
#define PANELPAPER_SERVICE_STATUS_MAPPING_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"
#include "service/request_converter.h"

namespace pp::service {

inline constexpr size_t kMaxStatusMessageBytes = 1024;
inline constexpr size_t kMaxEncodedStatusBytes = 7 * 1024;

inline constexpr char kErrorDomain[] = "panelpaper.v1";
inline constexpr char kErrorInfoTypeUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr char kRetryInfoTypeUrl[] = "type.googleapis.com/google.rpc.RetryInfo";
inline constexpr char kResourceInfoTypeUrl[] = "type.googleapis.com/google.rpc.ResourceInfo";
inline constexpr char kRetryPushbackKey[] = "grpc-retry-pushback-ms";
inline constexpr std::chrono::milliseconds kDefaultBusyRetryDelay{100};

// The reason an error of `code` carries when the code path named none
// (INVALID_ARGUMENT: INVALID_REQUEST, RESOURCE_EXHAUSTED: LIMIT_EXCEEDED,
// NOT_FOUND: NOT_FOUND, ALREADY_EXISTS: ALREADY_EXISTS, UNAUTHENTICATED,
// PERMISSION_DENIED, DATA_LOSS, UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED,
// FAILED_PRECONDITION, anything else: INTERNAL).
std::string_view DefaultReason(absl::StatusCode code);

// `status` with a google.rpc.ErrorInfo {reason, kErrorDomain, metadata}
// (replacing one it had). OK stays OK.
absl::Status WithErrorInfo(absl::Status status, std::string_view reason,
                           std::vector<std::pair<std::string, std::string>> metadata = {});
// `status` with a google.rpc.ResourceInfo.
absl::Status WithResourceInfo(absl::Status status, std::string_view type, std::string_view name,
                              std::string_view description);
// A busy answer: `status` (RESOURCE_EXHAUSTED) with reason SERVER_BUSY and a
// google.rpc.RetryInfo of `delay`.
absl::Status BusyStatus(absl::Status status,
                        std::chrono::milliseconds delay = kDefaultBusyRetryDelay);

// The ErrorInfo reason of `status` ("" without one).
std::string ErrorReason(const absl::Status& status);
// The value of the grpc-retry-pushback-ms trailer for `status`: the
// RetryInfo delay of a busy answer, -1 for any other RESOURCE_EXHAUSTED,
// none for other codes.
std::optional<int64_t> RetryPushbackMs(const absl::Status& status);

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// The google.rpc.BadRequest field violations in `status`'s payload, in order
// (empty when there is none or it does not parse).
std::vector<FieldViolation> BadRequestViolations(const absl::Status& status);
// The google.rpc.QuotaFailure violations (subject -> field), in order.
std::vector<FieldViolation> QuotaFailureViolations(const absl::Status& status);

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_STATUS_MAPPING_H_
