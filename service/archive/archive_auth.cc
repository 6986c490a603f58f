#include "service/archive/archive_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <map>
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

std::shared_ptr<const std::vector<Token>> TokenSet::Get() const {
  absl::MutexLock lock(&mu_);
  return tokens_;
}

void TokenSet::Replace(std::vector<Token> tokens) {
  auto next = std::make_shared<const std::vector<Token>>(std::move(tokens));
  absl::MutexLock lock(&mu_);
  tokens_.swap(next);
  // The old set is released outside the lock (or by its last reader).
}

namespace {

std::string CountTokens(const std::vector<Token>& tokens) {
  size_t writers = 0;
  for (const Token& t : tokens) writers += t.may_write ? 1 : 0;
  return absl::StrCat(tokens.size(), tokens.size() == 1 ? " token (" : " tokens (", writers,
                      " may write)");
}

}  // namespace

std::string DescribeTokenChange(const std::vector<Token>& before, const std::vector<Token>& after) {
  std::map<std::string, const Token*> old_by_name;
  for (const Token& t : before) old_by_name[t.name] = &t;
  std::vector<std::string> added, removed, replaced, now_read_only, now_writer;
  std::set<std::string> new_names;
  for (const Token& t : after) {
    new_names.insert(t.name);
    auto it = old_by_name.find(t.name);
    if (it == old_by_name.end()) {
      added.push_back(t.name);
      continue;
    }
    if (it->second->digest != t.digest) replaced.push_back(t.name);
    if (it->second->may_write && !t.may_write) now_read_only.push_back(t.name);
    if (!it->second->may_write && t.may_write) now_writer.push_back(t.name);
  }
  for (const Token& t : before) {
    if (new_names.count(t.name) == 0) removed.push_back(t.name);
  }
  std::string out = CountTokens(after);
  bool changed = false;
  auto add = [&](const char* what, std::vector<std::string>& names) {
    if (names.empty()) return;
    std::sort(names.begin(), names.end());
    absl::StrAppend(&out, "; ", what, ": ", absl::StrJoin(names, ", "));
    changed = true;
  };
  add("added", added);
  add("removed", removed);
  add("replaced", replaced);
  add("now read-only", now_read_only);
  add("now may write", now_writer);
  if (!changed) absl::StrAppend(&out, ", unchanged");
  return out;
}

absl::StatusOr<std::string> ReloadTokenFile(const std::string& path, TokenSet* set) {
  const std::shared_ptr<const std::vector<Token>> before = set->Get();
  absl::StatusOr<std::vector<Token>> tokens = LoadTokenFile(path);
  if (!tokens.ok()) {
    return absl::Status(tokens.status().code(),
                        absl::StrCat(tokens.status().message(), "; kept the ", before->size(),
                                     before->size() == 1 ? " token" : " tokens", " loaded before"));
  }
  std::string change = DescribeTokenChange(*before, *tokens);
  set->Replace(*std::move(tokens));
  return change;
}

absl::StatusOr<std::string> Authorize(const AuthConfig& config, const Caller& caller,
                                      Access access) {
  if (access == Access::kRead && config.reads_open) return std::string("anonymous");
  const char* what = access == Access::kWrite    ? "archiving"
                     : access == Access::kRender ? "rendering"
                                                 : "reading the archive";

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
    // A snapshot: a reload during the call does not change what it is judged by.
    const std::shared_ptr<const std::vector<Token>> tokens = config.tokens->Get();
    for (const Token& t : *tokens) {
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
    if (access != Access::kWrite) return absl::StrCat("mtls:", caller.peer_identities.front());
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
