#include "service/archive/archive_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "service/files.h"
#include "service/sha256.h"

namespace pp::service::archive {
namespace {

std::string_view SV(absl::string_view s) { return std::string_view(s.data(), s.size()); }

std::string RawSha256(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1) return "";
  return std::string(reinterpret_cast<const char*>(md), len);
}

bool ValidTokenChars(absl::string_view t) {
  for (unsigned char c : t) {
    if (c <= 0x20 || c >= 0x7F) return false;
  }
  return true;
}

bool ValidName(absl::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '@' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<Token>> ParseTokenFile(std::string_view text) {
  std::vector<Token> out;
  std::set<std::string> names, digests;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() > 3) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number, ": expected \"TOKEN\", \"NAME TOKEN\" or \"NAME TOKEN ROLE\""));
    }
    bool may_write = true;
    if (fields.size() == 3) {
      if (fields[2] == "read") {
        may_write = false;
      } else if (fields[2] != "write") {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", line_number, ": the role is \"read\" or \"write\""));
      }
      fields.pop_back();
    }
    const absl::string_view token = fields.back();
    if (!ValidTokenChars(token) || token.size() < kMinTokenChars) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": a token must be at least ", kMinTokenChars,
                       " printable ASCII characters without spaces"));
    }
    Token t;
    t.digest = RawSha256(SV(token));
    t.may_write = may_write;
    if (fields.size() == 2) {
      if (!ValidName(fields[0])) {
        return absl::InvalidArgumentError(absl::StrCat(
            "line ", line_number, ": a token name is 1-64 letters, digits and . _ @ -"));
      }
      t.name = std::string(fields[0]);
    } else {
      t.name = Sha256Hex(SV(token)).substr(0, 12);
    }
    if (!digests.insert(t.digest).second) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": a token repeats"));
    }
    if (!names.insert(t.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": the name ", t.name, " repeats"));
    }
    out.push_back(std::move(t));
  }
  return out;
}

absl::StatusOr<std::vector<Token>> LoadTokenFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    return absl::NotFoundError(absl::StrCat("the token file: ", text.status().message()));
  }
  absl::StatusOr<std::vector<Token>> tokens = ParseTokenFile(*text);
  if (!tokens.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", tokens.status().message()));
  }
  if (tokens->empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no tokens"));
  return tokens;
}

absl::StatusOr<std::string> Authorize(const AuthConfig& config, const Caller& caller,
                                      Access access) {
  if (access == Access::kRead && config.reads_open) return std::string("anonymous");
  const char* what = access == Access::kWrite ? "archiving" : "reading the archive";

  if (!caller.authorization.empty()) {
    if (caller.authorization.size() > 1) {
      return absl::UnauthenticatedError("more than one authorization header");
    }
    absl::string_view value = absl::StripAsciiWhitespace(caller.authorization[0]);
    if (!absl::StartsWithIgnoreCase(value, "bearer ")) {
      return absl::UnauthenticatedError(
          "the authorization header must be \"Bearer <token>\" (no other scheme is supported)");
    }
    value.remove_prefix(7);
    value = absl::StripAsciiWhitespace(value);
    if (value.empty()) return absl::UnauthenticatedError("the bearer token is empty");
    const std::string digest = RawSha256(SV(value));
    const Token* match = nullptr;
    for (const Token& t : config.tokens) {
      // Constant time per comparison; every entry is compared.
      if (t.digest.size() == digest.size() &&
          CRYPTO_memcmp(t.digest.data(), digest.data(), digest.size()) == 0) {
        match = &t;
      }
    }
    if (match == nullptr) {
      return absl::PermissionDeniedError(
          absl::StrCat("the bearer token is not one this server accepts for ", what));
    }
    if (access == Access::kWrite && !match->may_write) {
      return absl::PermissionDeniedError(
          absl::StrCat("the bearer token ", match->name, " may read the archive but not write to it"));
    }
    return absl::StrCat("token:", match->name);
  }

  if (!caller.peer_identities.empty()) {
    if (access == Access::kRead) return absl::StrCat("mtls:", caller.peer_identities.front());
    for (const std::string& id : caller.peer_identities) {
      if (config.writers.count(id) > 0) return absl::StrCat("mtls:", id);
    }
    return absl::PermissionDeniedError(
        absl::StrCat("the client certificate (", absl::StrJoin(caller.peer_identities, ", "),
                     ") is not on this server's archive writer list"));
  }
  return absl::UnauthenticatedError(absl::StrCat(
      what, " needs credentials: a bearer token (authorization: Bearer <token>) or a client "
            "certificate"));
}

}  // namespace pp::service::archive
