#include "service/address.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace pp::service {

absl::Status CheckAddress(absl::string_view address, AddressUse use) {
  if (absl::StartsWith(address, "unix:") || absl::StartsWith(address, "unix-abstract:")) {
    return absl::OkStatus();
  }
  const std::string range = use == AddressUse::kListen
                                ? "1-65535, or 0 to pick a free port"
                                : "1-65535";
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(address, ": ", why, " (expected HOST:PORT)"));
  };
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return bad("no port");
  absl::string_view host = address.substr(0, colon);
  const absl::string_view port = address.substr(colon + 1);
  if (absl::StartsWith(host, "[")) {
    if (!absl::EndsWith(host, "]") || host.size() < 3) return bad("unclosed [IPv6] host");
  } else if (absl::StrContains(host, ':')) {
    return bad("an IPv6 host goes in brackets, e.g. [::1]:50051");
  }
  if (host.empty()) return bad("no host");
  if (port.empty()) return bad("no port");
  if (port.size() > 5) {
    return absl::InvalidArgumentError(
        absl::StrCat(address, ": port ", port, " is out of range (", range, ")"));
  }
  int n = 0;
  for (char c : port) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return bad(absl::StrCat("port '", port, "' is not a number"));
    }
    n = n * 10 + (c - '0');
  }
  if (n > 65535 || (n == 0 && use == AddressUse::kConnect)) {
    return absl::InvalidArgumentError(
        absl::StrCat(address, ": port ", port, " is out of range (", range, ")"));
  }
  return absl::OkStatus();
}

bool IsLoopbackAddress(absl::string_view address) {
  if (absl::StartsWith(address, "unix:") || absl::StartsWith(address, "unix-abstract:")) return true;
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return false;
  const absl::string_view host = address.substr(0, colon);
  if (host == "[::1]" || absl::EqualsIgnoreCase(host, "localhost")) return true;
  // 127.a.b.c: four decimal parts, the first 127.
  if (!absl::StartsWith(host, "127.")) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dots == 3;
}

}  // namespace pp::service
