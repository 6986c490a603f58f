// Tests of renderers/common/field_error: the proto-free way layout names the
// request field at fault.
#include "renderers/common/field_error.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pp {
namespace {

TEST(FieldError, InvalidNamesTheFieldInMessageAndPayload) {
  const absl::Status s = InvalidFieldError("paper.sections[1].blocks[0].table.column_widths[2]",
                                           "the column comes out 9.0 pt wide");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "paper.sections[1].blocks[0].table.column_widths[2]: the column comes out 9.0 pt wide");
  EXPECT_EQ(GetFieldError(s),
            (FieldError{FieldError::Kind::kInvalid,
                        "paper.sections[1].blocks[0].table.column_widths[2]",
                        "the column comes out 9.0 pt wide"}));
}

TEST(FieldError, QuotaIsResourceExhausted) {
  const absl::Status s = QuotaFieldError("paper", "the document needs more than 500 pages");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "paper: the document needs more than 500 pages");
  EXPECT_EQ(GetFieldError(s), (FieldError{FieldError::Kind::kQuota, "paper",
                                          "the document needs more than 500 pages"}));
}

TEST(FieldError, EmptyFieldLeavesTheMessageAlone) {
  const absl::Status s = InvalidFieldError("", "no field");
  EXPECT_EQ(s.message(), "no field");
  ASSERT_TRUE(GetFieldError(s));
  EXPECT_EQ(GetFieldError(s)->field, "");
}

TEST(FieldError, DescriptionsMayHoldAnyBytes) {
  const std::string d = std::string("a\0b: \xC2\xA3", 7);
  EXPECT_EQ(GetFieldError(InvalidFieldError("f", d))->description, d);
}

TEST(FieldError, OtherStatusesHaveNone) {
  EXPECT_FALSE(GetFieldError(absl::OkStatus()));
  EXPECT_FALSE(GetFieldError(absl::InvalidArgumentError("x")));
  absl::Status bad = absl::InvalidArgumentError("x");
  bad.SetPayload(kFieldErrorTypeUrl, absl::Cord("Xfield"));  // malformed
  EXPECT_FALSE(GetFieldError(bad));
}

TEST(FieldError, PrefixPutsTheFieldUnderThePackItem) {
  const absl::Status s =
      PrefixFieldError(InvalidFieldError("paper.sections[0]", "too tall"), "items[4]");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "items[4].paper.sections[0]: too tall");
  EXPECT_EQ(GetFieldError(s)->field, "items[4].paper.sections[0]");
  // Already under it (the converter's paths): unchanged.
  const absl::Status full = QuotaFieldError("items[4].paper", "pages");
  EXPECT_EQ(PrefixFieldError(full, "items[4]"), full);
  // "items[40]" is not under "items[4]".
  EXPECT_EQ(GetFieldError(PrefixFieldError(QuotaFieldError("items[40].paper", "p"), "items[4]"))
                ->field,
            "items[4].items[40].paper");
  // Not a field error: unchanged.
  EXPECT_EQ(PrefixFieldError(absl::CancelledError("gone"), "items[4]"),
            absl::CancelledError("gone"));
}

}  // namespace
}  // namespace pp
