#include "service/field_path.h"

// Plain std::string appends: Debian's Abseil 20220623 has its own
// absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0), so absl::StrCat does
// not take std::string_view.

namespace pp::service {
namespace {

void AppendIndex(size_t index, std::string* out) {
  out->push_back('[');
  out->append(std::to_string(index));
  out->push_back(']');
}

}  // namespace

FieldPath FieldPath::Field(std::string_view name) const {
  FieldPath out("");
  out.path_.reserve(path_.size() + 1 + name.size());
  out.path_ = path_;
  if (!path_.empty()) out.path_.push_back('.');
  out.path_.append(name);
  return out;
}

FieldPath FieldPath::Field(std::string_view name, size_t index) const {
  FieldPath out = Field(name);
  AppendIndex(index, &out.path_);
  return out;
}

FieldPath FieldPath::Index(size_t index) const {
  FieldPath out = *this;
  AppendIndex(index, &out.path_);
  return out;
}

}  // namespace pp::service
