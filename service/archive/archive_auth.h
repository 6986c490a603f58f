// File: service/archive/archive_auth.h
//
// Who may write to and read from the archive. No gRPC here: the service
// hands in what the call presented (its `authorization` metadata values and
// the verified mTLS identities of its peer) and gets back the caller's
// identity or the status to answer with.
//
// Credentials:
//   * a bearer token: metadata `authorization: Bearer <token>`, checked
//     against the server's token file (LoadTokenFile). Only SHA-256 digests
//     of the tokens are kept in memory, and they are compared in constant
//     time. A token may read and write, or only read when its line in the
//     file says so ("NAME TOKEN read").
//   * an mTLS client identity: what gRPC reports as the verified peer
//     identity — the certificate's subject alternative names (DNS, URI,
//     e-mail, IP) when it has any, otherwise its subject common name (CN) —
//     matched exactly against the writer allow-list (--archive_writers).
//
// Decisions (Authorize):
//   reads, when open           allowed, identity "anonymous" (not renders)
//   a bearer token is present  in the file: allowed ("token:<name>"), except
//                              a write with a read-only token: PERMISSION_DENIED;
//                              not in the file: PERMISSION_DENIED;
//                              not "Bearer <token>", or sent twice: UNAUTHENTICATED
//   else an mTLS identity      reads: allowed ("mtls:<identity>");
//                              writes: allowed if any identity is on the
//                              allow-list, else PERMISSION_DENIED
//   else (no credentials)      UNAUTHENTICATED
// A wrong token is PERMISSION_DENIED, not UNAUTHENTICATED: the client did
// present credentials, and the server cannot tell a mistyped token from a
// revoked one; what it knows is that these credentials may not do this.
//
// Reload (SIGHUP): the tokens live in a TokenSet that every copy of an
// AuthConfig shares; ReloadTokenFile re-reads the file and swaps the whole
// set at once. A call authorises against the set it read when it began
// (a snapshot), so a reload never fails a call; an invalid file changes
// nothing.
//
//   AuthConfig auth;
//   PP_ASSIGN_OR_RETURN(std::vector<Token> tokens, LoadTokenFile("/etc/panelpaper/archive-tokens"));
//   auth.tokens->Replace(std::move(tokens));
//   absl::StatusOr<std::string> who = Authorize(auth, caller, Access::kWrite);
//   ...on SIGHUP:
//   absl::StatusOr<std::string> change = ReloadTokenFile(path, auth.tokens.get());
#ifndef PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_AUTH_H_
#define PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_AUTH_H_

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace pp::service::archive {

// One accepted token: its name (for the record's archived_by), the
// SHA-256 of the token (32 raw bytes) and whether it may write.
struct Token {
  std::string name;
  std::string digest;
  bool may_write = true;
};

// Tokens must be at least this long (a guessable token is no protection).
inline constexpr size_t kMinTokenChars = 16;

// Parses a token file: one token per line, "TOKEN", "NAME TOKEN" or
// "NAME TOKEN ROLE" (separated by spaces or tabs), ROLE being "write" (read
// and write: the default) or "read" (read only); blank lines and lines
// starting with '#' are ignored. A token is printable ASCII without spaces, at least
// kMinTokenChars long; a name is letters, digits and . _ @ - (default: the
// first 12 hex digits of the token's SHA-256). INVALID_ARGUMENT naming the
// line otherwise (never quoting a token), or when a token or name repeats.
absl::StatusOr<std::vector<Token>> ParseTokenFile(std::string_view text);
// Reads and parses `path` (NOT_FOUND / INVALID_ARGUMENT naming it).
absl::StatusOr<std::vector<Token>> LoadTokenFile(const std::string& path);

// The tokens a server accepts now: read by every call, replaced whole by a
// reload. Thread-safe.
class TokenSet {
 public:
  TokenSet() : tokens_(std::make_shared<const std::vector<Token>>()) {}
  explicit TokenSet(std::vector<Token> tokens)
      : tokens_(std::make_shared<const std::vector<Token>>(std::move(tokens))) {}
  TokenSet(const TokenSet&) = delete;
  TokenSet& operator=(const TokenSet&) = delete;

  // The current set; a caller keeps it for as long as it needs it.
  std::shared_ptr<const std::vector<Token>> Get() const ABSL_LOCKS_EXCLUDED(mu_);
  void Replace(std::vector<Token> tokens) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const std::vector<Token>> tokens_ ABSL_GUARDED_BY(mu_);
};

// What changed between two token lists, by name only (never a token):
// "3 tokens (2 may write); added: auditor; removed: clerk; replaced: ops;
// now read-only: bot; now may write: x" — or "3 tokens (2 may write),
// unchanged". "replaced" is a name whose token changed.
std::string DescribeTokenChange(const std::vector<Token>& before, const std::vector<Token>& after);

// Re-reads `path` (LoadTokenFile). Valid: `set` holds the new tokens and the
// result says what changed (DescribeTokenChange). Invalid, unreadable or
// empty: `set` is left as it was and the status says why, ending with
// "; kept the N tokens loaded before".
absl::StatusOr<std::string> ReloadTokenFile(const std::string& path, TokenSet* set);

struct AuthConfig {
  // Shared by every copy of the config (a reload reaches them all).
  std::shared_ptr<TokenSet> tokens = std::make_shared<TokenSet>();
  std::set<std::string> writers;  // mTLS identities allowed to write
  bool reads_open = false;        // --archive_reads=open
};

// kRender: PaperService calls under --render_auth (as a read, but never
// open: reads_open does not apply).
enum class Access { kRead, kWrite, kRender };

// What one call presented.
struct Caller {
  std::vector<std::string> authorization;    // values of the `authorization` metadata
  std::vector<std::string> peer_identities;  // verified mTLS identities; empty without
};

// The caller's identity for the record ("token:<name>", "mtls:<identity>",
// "anonymous"), or UNAUTHENTICATED / PERMISSION_DENIED as described above.
absl::StatusOr<std::string> Authorize(const AuthConfig& config, const Caller& caller, Access access);

}  // namespace pp::service::archive

#endif  // PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_AUTH_H_
