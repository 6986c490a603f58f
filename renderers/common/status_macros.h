// File: renderers/common/status_macros.h
//
// PP_RETURN_IF_ERROR / PP_ASSIGN_OR_RETURN: Abseil 20220623 (Debian 12) has
// no ABSL_RETURN_IF_ERROR / ABSL_ASSIGN_OR_RETURN. Same semantics, so moving
// to the Abseil macros later is a search-and-replace.
//
//   PP_RETURN_IF_ERROR(DoThing());
//   PP_ASSIGN_OR_RETURN(auto fonts, FontSet::Load(dir));
#ifndef PANELPAPER_RENDERERS_COMMON_STATUS_MACROS_H_
#define PANELPAPER_RENDERERS_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PP_RETURN_IF_ERROR(expr)                   \
  do {                                             \
    ::absl::Status pp_status_ = (expr);            \
    if (!pp_status_.ok()) return pp_status_;       \
  } while (0)

#define PP_STATUS_CONCAT_INNER_(a, b) a##b
#define PP_STATUS_CONCAT_(a, b) PP_STATUS_CONCAT_INNER_(a, b)

#define PP_ASSIGN_OR_RETURN(lhs, expr) \
  PP_ASSIGN_OR_RETURN_IMPL_(PP_STATUS_CONCAT_(pp_statusor_, __LINE__), lhs, expr)

#define PP_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // PANELPAPER_RENDERERS_COMMON_STATUS_MACROS_H_
