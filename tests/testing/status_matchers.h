// File: tests/testing/status_matchers.h
//
// absl::Status matchers for gMock. The Abseil in the build image predates
// absl_testing::StatusIs (20240722.0), so STYLE.md §3.7 asks for equivalents
// here. They accept absl::Status and absl::StatusOr<T> alike; pass
// `.status()` of a StatusOr so that a failure prints the status rather than
// the StatusOr's bytes (this Abseil has no printer for StatusOr).
//
//   EXPECT_THAT(Paginate(flows, options).status(),
//               test::StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("paper.sections[0]")));
//   EXPECT_THAT(LayoutPaper(paper, *fonts, {}).status(), test::IsOk());
#ifndef PANELPAPER_TESTS_TESTING_STATUS_MATCHERS_H_
#define PANELPAPER_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace pp::test {
namespace internal {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace internal

MATCHER(IsOk, "is OK") {
  const absl::Status& s = ::pp::test::internal::GetStatus(arg);
  *result_listener << "whose status is " << s;
  return s.ok();
}

MATCHER_P(StatusIs, code,
          std::string(negation ? "doesn't have" : "has") + " status code " +
              absl::StatusCodeToString(code)) {
  const absl::Status& s = ::pp::test::internal::GetStatus(arg);
  *result_listener << "whose status is " << s;
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           std::string(negation ? "doesn't have" : "has") + " status code " +
               absl::StatusCodeToString(code) + " and a matching message") {
  const absl::Status& s = ::pp::test::internal::GetStatus(arg);
  *result_listener << "whose status is " << s;
  if (s.code() != code) return false;
  return ::testing::ExplainMatchResult(message_matcher, std::string(s.message()),
                                       result_listener);
}

}  // namespace pp::test

#endif  // PANELPAPER_TESTS_TESTING_STATUS_MATCHERS_H_
