#include "renderers/common/field_error.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace pp {
namespace {

// Payload: one kind byte ('I' or 'Q'), the field, a NUL, the description.
// Field paths never contain NUL (proto field names and indices).
absl::Status Make(absl::StatusCode code, char kind, std::string_view field,
                  std::string_view description) {
  const absl::string_view f(field.data(), field.size());
  const absl::string_view d(description.data(), description.size());
  absl::Status status(code, f.empty() ? std::string(d) : absl::StrCat(f, ": ", d));
  std::string payload;
  payload.reserve(field.size() + description.size() + 2);
  payload.push_back(kind);
  payload.append(field);
  payload.push_back('\0');
  payload.append(description);
  status.SetPayload(kFieldErrorTypeUrl, absl::Cord(std::move(payload)));
  return status;
}

}  // namespace

absl::Status InvalidFieldError(std::string_view field, std::string_view description) {
  return Make(absl::StatusCode::kInvalidArgument, 'I', field, description);
}

absl::Status QuotaFieldError(std::string_view subject, std::string_view description) {
  return Make(absl::StatusCode::kResourceExhausted, 'Q', subject, description);
}

std::optional<FieldError> GetFieldError(const absl::Status& status) {
  const auto payload = status.GetPayload(kFieldErrorTypeUrl);
  if (!payload) return std::nullopt;
  const std::string bytes(*payload);
  const size_t nul = bytes.find('\0');
  if (bytes.empty() || (bytes[0] != 'I' && bytes[0] != 'Q') || nul == std::string::npos) {
    return std::nullopt;
  }
  FieldError out;
  out.kind = bytes[0] == 'I' ? FieldError::Kind::kInvalid : FieldError::Kind::kQuota;
  out.field = bytes.substr(1, nul - 1);
  out.description = bytes.substr(nul + 1);
  return out;
}

absl::Status PrefixFieldError(const absl::Status& status, std::string_view prefix) {
  std::optional<FieldError> f = GetFieldError(status);
  if (!f || prefix.empty()) return status;
  const std::string dotted = absl::StrCat(absl::string_view(prefix.data(), prefix.size()), ".");
  if (f->field.rfind(dotted, 0) == 0) return status;
  const std::string field = f->field.empty()
                                ? std::string(prefix)
                                : absl::StrCat(dotted, f->field);
  return f->kind == FieldError::Kind::kInvalid ? InvalidFieldError(field, f->description)
                                               : QuotaFieldError(field, f->description);
}

}  // namespace pp
