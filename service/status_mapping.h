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
// FromGrpcStatus is the inverse, for clients (the CLI): it restores every
// Any in the details as a payload under its type URL.
//
//   return ToGrpcStatus(converter_status);       // server
//   absl::Status s = FromGrpcStatus(call_status); // client
//   for (const FieldViolation& f : BadRequestViolations(s)) ...
#ifndef PANELPAPER_SERVICE_STATUS_MAPPING_H_
#define PANELPAPER_SERVICE_STATUS_MAPPING_H_

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"
#include "service/request_converter.h"

namespace pp::service {

inline constexpr size_t kMaxStatusMessageBytes = 1024;
inline constexpr size_t kMaxEncodedStatusBytes = 7 * 1024;

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// The google.rpc.BadRequest field violations in `status`'s payload, in order
// (empty when there is none or it does not parse).
std::vector<FieldViolation> BadRequestViolations(const absl::Status& status);
// The google.rpc.QuotaFailure violations (subject -> field), in order.
std::vector<FieldViolation> QuotaFailureViolations(const absl::Status& status);

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_STATUS_MAPPING_H_
