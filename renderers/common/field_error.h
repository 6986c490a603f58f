// File: renderers/common/field_error.h
//
// A refusal the renderer decides during layout (a column too narrow, content
// that cannot be laid out even on an empty page, the page limit) that names
// the request field at fault, without protos: a status payload under
// kFieldErrorTypeUrl holding {kind, field, description}. The service
// (service::WithRequestDetails in service/request_converter.h, applied by
// ToGrpcStatus and the CLI) turns it into the google.rpc.BadRequest
// (kInvalid) or google.rpc.QuotaFailure (kQuota) its own validator attaches,
// so a layout-time refusal reaches the client exactly like a validation
// error; the payload itself never goes on the wire.
//
//   return InvalidFieldError(t.path + ".column_widths[3]", "the column comes out 9.0 pt wide; ...");
//   return QuotaFieldError(paper.path, "the document needs more than 500 pages (the page limit)");
//   if (std::optional<FieldError> f = GetFieldError(status)) ... f->field ...
//
// The status message is "<field>: <description>" (just the description when
// the field is empty), so a caller that only prints messages still names
// the field.
#ifndef PANELPAPER_RENDERERS_COMMON_FIELD_ERROR_H_
#define PANELPAPER_RENDERERS_COMMON_FIELD_ERROR_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace pp {

// Not a protobuf type: the payload never leaves the process as is.
inline constexpr char kFieldErrorTypeUrl[] = "type.panelpaper.local/pp.FieldError";

struct FieldError {
  enum class Kind { kInvalid, kQuota };
  Kind kind = Kind::kInvalid;
  std::string field;        // request field path ("paper.sections[1].blocks[0].table")
  std::string description;  // plain English, no request text beyond ~40 characters
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

// INVALID_ARGUMENT naming `field` (BadRequest once the service maps it).
absl::Status InvalidFieldError(std::string_view field, std::string_view description);
// RESOURCE_EXHAUSTED naming `subject` (QuotaFailure once the service maps it).
absl::Status QuotaFieldError(std::string_view subject, std::string_view description);

// The payload of `status`, if it has a well-formed one.
std::optional<FieldError> GetFieldError(const absl::Status& status);

// `status` with its field under `prefix`: a field error whose field does not
// already start with "<prefix>." becomes one at "<prefix>.<field>" (message
// rebuilt, same code and kind); anything else is returned unchanged. Used
// where a paper is laid out inside an agenda pack ("items[4]").
absl::Status PrefixFieldError(const absl::Status& status, std::string_view prefix);

}  // namespace pp

#endif  // PANELPAPER_RENDERERS_COMMON_FIELD_ERROR_H_
