#include "service/request_parser.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "renderers/common/utf8.h"
#include "service/field_path.h"
#include "service/request_converter.h"

namespace pp::service {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::io::CodedInputStream;
using google::protobuf::internal::WireFormatLite;

// Paths in a deeply nested request get long; a violation names the ancestor
// at most this many bytes long ("below this field").
constexpr size_t kMaxReportedPathBytes = 200;

std::string CutPath(const std::string& path) {
  if (path.size() <= kMaxReportedPathBytes) return path;
  // Cut before a '.' so what remains is still a path (of an ancestor).
  size_t cut = path.rfind('.', kMaxReportedPathBytes);
  if (cut == std::string::npos || cut == 0) cut = kMaxReportedPathBytes;
  return path.substr(0, cut);
}

class Walker {
 public:
  Walker(Violations* v, int64_t size) : v_(v), size_(size) {}

  // Walks one message of `type` until the stream's current limit. Returns
  // false on a structural problem (already reported): the caller stops.
  bool Walk(CodedInputStream* in, const Descriptor* type, const FieldPath& path, int depth) {
    // Occurrences so far of each repeated field, for the [i] in paths.
    std::vector<std::pair<int, size_t>> seen;
    auto next_index = [&seen](int number) -> size_t {
      for (auto& [n, count] : seen) {
        if (n == number) return count++;
      }
      seen.emplace_back(number, 1);
      return 0;
    };

    while (true) {
      const uint32_t tag = in->ReadTag();
      if (tag == 0) {
        // The end of the message (its limit or the input), or a zero or
        // unreadable tag.
        if (in->ConsumedEntireMessage()) return true;
        return Structural(path, "malformed protobuf data (a zero or unreadable field tag)");
      }
      const int number = WireFormatLite::GetTagFieldNumber(tag);
      const WireFormatLite::WireType wire = WireFormatLite::GetTagWireType(tag);
      const FieldDescriptor* field = type->FindFieldByNumber(number);
      const bool length_delimited = wire == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;

      if (field != nullptr && length_delimited &&
          (field->type() == FieldDescriptor::TYPE_STRING ||
           field->type() == FieldDescriptor::TYPE_MESSAGE)) {
        const FieldPath here = field->is_repeated() ? path.Field(field->name(), next_index(number))
                                                    : path.Field(field->name());
        uint32_t length = 0;
        if (!in->ReadVarint32(&length) || static_cast<int64_t>(length) > size_ - in->CurrentPosition()) {
          return Structural(here, "malformed protobuf data (a length past the end of the message)");
        }
        if (field->type() == FieldDescriptor::TYPE_STRING) {
          std::string value;
          if (!in->ReadString(&value, static_cast<int>(length))) {
            return Structural(here, "malformed protobuf data (a string past the end of the message)");
          }
          if (!IsValidUtf8(value)) {
            v_->AddInvalid(here.str(),
                           "not valid UTF-8 (proto3 strings must be UTF-8; send text, not raw bytes)");
          }
          continue;
        }
        // A nested message.
        if (depth + 1 > kProtobufRecursionLimit) {
          return Structural(CutPath(here.str()),
                            absl::StrCat("messages nested more than ", kProtobufRecursionLimit,
                                         " levels deep below this field (protobuf's parse limit; "
                                         "lists may nest at most 6 levels)"),
                            /*cut=*/false);
        }
        const CodedInputStream::Limit limit = in->PushLimit(static_cast<int>(length));
        if (!Walk(in, field->message_type(), here, depth + 1)) return false;
        if (in->BytesUntilLimit() != 0) {
          return Structural(here, "malformed protobuf data (a nested message ends early)");
        }
        in->PopLimit(limit);
        continue;
      }

      // Scalars, packed arrays, unknown fields and fields sent with another
      // wire type (protobuf keeps those as unknown fields): skip, which also
      // checks they are well-formed.
      if (!WireFormatLite::SkipField(in, tag)) {
        const FieldPath here = field != nullptr ? path.Field(field->name()) : path;
        return Structural(
            here, field != nullptr
                      ? "malformed protobuf data in this field"
                      : absl::StrCat("malformed protobuf data in an unknown field (number ", number,
                                     "), or unknown groups nested too deep"));
      }
    }
  }

 private:
  bool Structural(const FieldPath& path, std::string description) {
    return Structural(path.str(), std::move(description), /*cut=*/true);
  }
  bool Structural(const std::string& path, std::string description, bool cut) {
    v_->AddInvalid(cut ? CutPath(path) : path, std::move(description));
    return false;
  }

  Violations* v_;
  const int64_t size_;  // of the whole input
};

}  // namespace

absl::Status ParseRequest(google::protobuf::io::ZeroCopyInputStream* in,
                          google::protobuf::Message* msg,
                          const std::function<std::string()>& bytes) {
  if (msg->ParseFromZeroCopyStream(in)) return absl::OkStatus();
  return DiagnoseUnparsable(bytes(), msg->GetDescriptor());
}

absl::Status DiagnoseUnparsable(std::string_view bytes, const Descriptor* type) {
  Violations v;
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
  // The walker counts message depth itself; give SkipField's group
  // recursion the same budget protobuf's parser has.
  in.SetRecursionLimit(kProtobufRecursionLimit);
  Walker walker(&v, static_cast<int64_t>(bytes.size()));
  walker.Walk(&in, type, FieldPath(""), 0);
  if (v.empty()) {
    v.AddInvalid("", absl::StrCat("the request is not a parsable ", type->full_name(),
                                  " (malformed protobuf wire data)"));
  }
  absl::Status status = v.ToStatus();
  // ToStatus says "request has N invalid fields: ..."; keep its details but
  // make the message say why the request was not even read.
  absl::Status out(absl::StatusCode::kInvalidArgument,
                   absl::StrCat("the request could not be parsed: ", status.message()));
  status.ForEachPayload([&out](auto url, const absl::Cord& value) { out.SetPayload(url, value); });
  return out;
}

}  // namespace pp::service
