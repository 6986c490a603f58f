// File: tests/testing/postgres_fixture.h
//
// A throwaway PostgreSQL 15 server for tests: initdb + pg_ctl in a
// temporary directory, listening only on a Unix socket in that directory
// (listen_addresses=''), so it never touches or collides with a cluster the
// Debian package may run. Started once per test process, on first use, and
// stopped (pg_ctl stop -m immediate) and removed at exit. initdb refuses to
// run as root: as root the server runs as the `postgres` user (runuser) in a
// directory that user owns.
//
// Unavailable (no /usr/lib/postgresql/15/bin/initdb, or it failed): tests
// skip — except under CI=true, where they fail (PP_REQUIRE_POSTGRES).
//
//   PP_REQUIRE_POSTGRES(pg);
//   std::string db = pg->NewDatabase();   // superuser conninfo of a fresh database
//   pg->Query(db, "SELECT count(*) FROM papers");
#ifndef PANELPAPER_TESTS_TESTING_POSTGRES_FIXTURE_H_
#define PANELPAPER_TESTS_TESTING_POSTGRES_FIXTURE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace pp::test {

class PostgresServer {
 public:
  // The process's server, started on first call; nullptr (and *why_not)
  // when PostgreSQL is not installed or would not start.
  static PostgresServer* Shared(std::string* why_not);

  // A new, empty database (UTF-8): the superuser's conninfo for it.
  std::string NewDatabase();
  // The conninfo of `database` (as in NewDatabase's) for another role.
  std::string AsRole(const std::string& conninfo, const std::string& role) const;
  // The cluster-wide role "pp_writer" (LOGIN, nothing granted); created once.
  static constexpr char kWriterRole[] = "pp_writer";

  // Runs `sql`; the rows of its result as text (NULL as "").
  absl::StatusOr<std::vector<std::vector<std::string>>> Query(const std::string& conninfo,
                                                              const std::string& sql) const;

  const std::string& socket_dir() const { return dir_; }
  int port() const { return port_; }

 private:
  PostgresServer() = default;
  std::string dir_;
  int port_ = 5432;
  int databases_ = 0;
};

// Whether tests must fail rather than skip when PostgreSQL is missing.
bool PostgresRequired();

}  // namespace pp::test

// In a TEST body (or SetUp): declares `var`, the shared server, or skips
// (fails under CI=true) the test.
#define PP_REQUIRE_POSTGRES(var)                                                   \
  std::string var##_why;                                                           \
  ::pp::test::PostgresServer* var = ::pp::test::PostgresServer::Shared(&var##_why); \
  if (var == nullptr) {                                                            \
    if (::pp::test::PostgresRequired()) {                                       \
      GTEST_FAIL() << "PostgreSQL is needed under CI=true: " << var##_why;        \
    }                                                                              \
    GTEST_SKIP() << var##_why;                                                     \
  }

#endif  // PANELPAPER_TESTS_TESTING_POSTGRES_FIXTURE_H_
