// File: service/field_path.h
//
// FieldPath builds the field paths that name request fields in errors and in
// doc:: nodes: proto field names joined with '.', repeated-field elements
// with 0-based indices in brackets (the googleapis FieldViolation.field
// convention; paper.proto documents it).
//
//   const FieldPath paper("paper");
//   paper.Field("sections", 2).Field("blocks", 0).Field("paragraph").str()
//       // "paper.sections[2].blocks[0].paragraph"
//
// A FieldPath is a plain value; each step returns a new one (a short string
// copy), so building one per converted node stays linear in the request.
#ifndef PANELPAPER_SERVICE_FIELD_PATH_H_
#define PANELPAPER_SERVICE_FIELD_PATH_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace pp::service {

class FieldPath {
 public:
  // `root` is the path of the message being converted ("paper",
  // "items[4].paper"); it may be empty, then the first Field() starts the path.
  explicit FieldPath(std::string_view root) : path_(root) {}

  // "<this>.<name>" (or "<name>" when this path is empty).
  FieldPath Field(std::string_view name) const;
  // "<this>.<name>[<index>]": element `index` of the repeated field `name`.
  FieldPath Field(std::string_view name, size_t index) const;
  // "<this>[<index>]".
  FieldPath Index(size_t index) const;

  const std::string& str() const& { return path_; }
  std::string str() && { return std::move(path_); }

 private:
  std::string path_;
};

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_FIELD_PATH_H_
