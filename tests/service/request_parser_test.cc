// Tests of service/request_parser: requests protobuf refuses become
// INVALID_ARGUMENT with a BadRequest naming the field.
#include "service/request_parser.h"

#include <random>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "panelpaper/v1/paper.pb.h"
#include "service/status_mapping.h"

namespace pp::service {
namespace {

namespace pb = ::panelpaper::v1;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

absl::Status Parse(const std::string& bytes, pb::RenderPaperRequest* out) {
  google::protobuf::io::ArrayInputStream in(bytes.data(), static_cast<int>(bytes.size()));
  return ParseRequest(&in, out, [&] { return bytes; });
}

pb::RenderPaperRequest SmallRequest() {
  pb::RenderPaperRequest r;
  pb::Paper* p = r.mutable_paper();
  p->set_panel_name("Panel");
  p->set_meeting_date("2020-01-08");
  p->set_title("Title");
  pb::Section* s = p->add_sections();
  s->set_heading("One");
  s->add_blocks()->mutable_paragraph()->add_runs()->set_text("first");
  s->add_blocks()->mutable_paragraph()->add_runs()->set_text("second");
  return r;
}

// Replaces the first occurrence of `marker` (same length) in the wire bytes:
// a way to put invalid UTF-8 where protobuf's serializer would not.
std::string Poke(std::string bytes, const std::string& marker, const std::string& with) {
  const size_t at = bytes.find(marker);
  EXPECT_NE(at, std::string::npos);
  EXPECT_EQ(marker.size(), with.size());
  bytes.replace(at, marker.size(), with);
  return bytes;
}

// A list nested `depth` lists deep in the first section.
pb::RenderPaperRequest NestedLists(int depth) {
  pb::RenderPaperRequest r = SmallRequest();
  pb::List* list = r.mutable_paper()->mutable_sections(0)->add_blocks()->mutable_list();
  for (int i = 1; i < depth; ++i) {
    pb::ListItem* item = list->add_items();
    item->add_runs()->set_text("x");
    list = item->mutable_sublist();
  }
  list->add_items()->add_runs()->set_text("leaf");
  return r;
}

TEST(RequestParser, ParsesAValidRequest) {
  pb::RenderPaperRequest in = SmallRequest();
  pb::RenderPaperRequest out;
  ASSERT_TRUE(Parse(in.SerializeAsString(), &out).ok());
  EXPECT_EQ(out.paper().sections(0).blocks(1).paragraph().runs(0).text(), "second");
}

TEST(RequestParser, InvalidUtf8IsInvalidArgumentNamingTheField) {
  const std::string bytes =
      Poke(SmallRequest().SerializeAsString(), "second", std::string("se\xff\xfe" "nd", 6));
  pb::RenderPaperRequest out;
  const absl::Status s = Parse(bytes, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), StartsWith("the request could not be parsed"));
  EXPECT_THAT(BadRequestViolations(s),
              ElementsAre(AllOf(Field(&FieldViolation::field, "paper.sections[0].blocks[1].paragraph.runs[0].text"),
                                Field(&FieldViolation::description, HasSubstr("not valid UTF-8")))));
}

TEST(RequestParser, EveryInvalidStringIsListed) {
  std::string bytes = SmallRequest().SerializeAsString();
  bytes = Poke(bytes, "Title", "Ti\xc3tl");         // truncated sequence
  bytes = Poke(bytes, "first", "fi\xed\xa0\x80");  // a surrogate (U+D800)
  pb::RenderPaperRequest out;
  const absl::Status s = Parse(bytes, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadRequestViolations(s),
              ElementsAre(Field(&FieldViolation::field, "paper.title"),
                          Field(&FieldViolation::field, "paper.sections[0].blocks[0].paragraph.runs[0].text")));
}

TEST(RequestParser, NestingAgreesWithProtobufAndNamesTheCulprit) {
  int refused = 0;
  for (int depth = 44; depth <= 60; ++depth) {
    const std::string bytes = NestedLists(depth).SerializeAsString();
    pb::RenderPaperRequest reference;
    const bool protobuf_ok = reference.ParseFromString(bytes);
    pb::RenderPaperRequest out;
    const absl::Status s = Parse(bytes, &out);
    EXPECT_EQ(s.ok(), protobuf_ok) << depth;
    if (s.ok()) continue;
    ++refused;
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    const auto v = BadRequestViolations(s);
    ASSERT_THAT(v, SizeIs(1)) << depth;
    EXPECT_THAT(v[0].field, StartsWith("paper.sections[0].blocks[2].list.items[0].sublist.items[0]"));
    EXPECT_LE(v[0].field.size(), 200u);
    EXPECT_THAT(v[0].description, HasSubstr("nested more than 100 levels"));
  }
  EXPECT_GT(refused, 0);  // the range straddles protobuf's limit
}

TEST(RequestParser, TruncatedBytesAreInvalidArgument) {
  const std::string bytes = SmallRequest().SerializeAsString();
  pb::RenderPaperRequest out;
  const absl::Status s = Parse(bytes.substr(0, bytes.size() - 3), &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_THAT(BadRequestViolations(s), SizeIs(1));
  EXPECT_THAT(BadRequestViolations(s)[0].description, HasSubstr("malformed"));
}

TEST(RequestParser, GarbageNeverCrashesAndIsAlwaysInvalidArgument) {
  std::mt19937 rng(7);
  const std::string valid = SmallRequest().SerializeAsString();
  for (int i = 0; i < 2000; ++i) {
    std::string bytes = valid;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    if (i % 3 == 0) bytes.resize(rng() % bytes.size());
    pb::RenderPaperRequest out;
    const absl::Status s = Parse(bytes, &out);
    if (!s.ok()) {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(BadRequestViolations(s), SizeIs(::testing::Ge(1u)));
    }
  }
}

TEST(RequestParser, DiagnosisOfBytesProtobufWouldAcceptStillExplains) {
  // DiagnoseUnparsable always answers, even when it finds nothing specific.
  const absl::Status s =
      DiagnoseUnparsable(SmallRequest().SerializeAsString(), pb::RenderPaperRequest::descriptor());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadRequestViolations(s), ElementsAre(Field(&FieldViolation::field, "")));
}

}  // namespace
}  // namespace pp::service
