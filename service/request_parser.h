// File: service/request_parser.h
//
// Parsing a request's raw bytes ourselves. gRPC's generated handlers parse
// the request before the service sees it and answer a message protobuf
// refuses with INTERNAL; panelpaperd takes the raw bytes instead (the
// WithRawCallbackMethod_ services) so such a request gets INVALID_ARGUMENT
// like any other bad input, with a google.rpc.BadRequest naming the field.
//
// Protobuf 3.21 refuses: proto3 `string` fields that are not valid UTF-8,
// messages nested deeper than its recursion limit (100), and malformed wire
// data (truncated, bad tags, lengths past the end). Parsing stays on the
// fast path (ParseFromZeroCopyStream); only when it fails does
// DiagnoseUnparsable walk the bytes against the message's descriptor to
// name what is wrong:
//   paper.sections[0].blocks[2].paragraph.runs[0].text: not valid UTF-8 (...)
//   paper.sections[0].blocks[0].list.items[0].sublist.items[0]...: messages
//       nested more than 100 levels deep below this field (...)
// All invalid strings are listed (bounded like every Violations); a
// structural error stops the walk at the first one. No gRPC here.
//
//   RenderPaperRequest* req = Arena::CreateMessage<RenderPaperRequest>(&arena);
//   absl::Status s = ParseRequest(&stream, req, [&] { return FlattenBytes(); });
#ifndef PANELPAPER_SERVICE_REQUEST_PARSER_H_
#define PANELPAPER_SERVICE_REQUEST_PARSER_H_

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "google/protobuf/io/zero_copy_stream.h"
#include "google/protobuf/message.h"

namespace pp::service {

// Protobuf's default recursion limit (CodedInputStream), which the fast
// path uses and the diagnosis mirrors.
inline constexpr int kProtobufRecursionLimit = 100;

// Parses `in` into `*msg`. On failure returns INVALID_ARGUMENT (with a
// BadRequest payload) from DiagnoseUnparsable(bytes(), msg->GetDescriptor()),
// calling `bytes` to obtain the complete input as one string (cold path).
absl::Status ParseRequest(google::protobuf::io::ZeroCopyInputStream* in,
                          google::protobuf::Message* msg,
                          const std::function<std::string()>& bytes);

// Explains why `bytes` is not a parsable `type`: always an INVALID_ARGUMENT
// status with a google.rpc.BadRequest payload (a generic violation on the
// whole request when the walk finds nothing more specific).
absl::Status DiagnoseUnparsable(std::string_view bytes, const google::protobuf::Descriptor* type);

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_REQUEST_PARSER_H_
