#include "tests/testing/postgres_fixture.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace pp::test {
namespace {

constexpr char kBin[] = "/usr/lib/postgresql/15/bin";

std::string Sh(const std::string& s) { return absl::StrCat("'", s, "'"); }  // our paths: no quotes

// Stops the server and removes its directory at exit.
std::string* g_stop_command = nullptr;
void StopAtExit() {
  if (g_stop_command != nullptr) (void)std::system(g_stop_command->c_str());
}

}  // namespace

bool PostgresRequired() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

PostgresServer* PostgresServer::Shared(std::string* why_not) {
  static std::mutex mu;
  static PostgresServer* server = nullptr;
  static std::string failure;
  std::lock_guard<std::mutex> lock(mu);
  if (server != nullptr) return server;
  if (!failure.empty()) {
    *why_not = failure;
    return nullptr;
  }
  auto fail = [&](std::string why) -> PostgresServer* {
    failure = std::move(why);
    *why_not = failure;
    return nullptr;
  };
  if (::access(absl::StrCat(kBin, "/initdb").c_str(), X_OK) != 0) {
    return fail(absl::StrCat("PostgreSQL 15 is not installed (", kBin,
                             "/initdb; Debian package postgresql-15)"));
  }
  char tmpl[] = "/tmp/pp_pg_XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return fail("mkdtemp failed");
  auto s = std::unique_ptr<PostgresServer>(new PostgresServer());
  s->dir_ = tmpl;
  std::string as_user;
  if (::geteuid() == 0) {
    // initdb refuses root: the server runs as `postgres` in a directory it owns.
    struct passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) return fail("running as root and there is no `postgres` user for initdb");
    if (::chown(tmpl, pw->pw_uid, pw->pw_gid) != 0) return fail("chown of the temp dir failed");
    as_user = "runuser -u postgres -- ";
  }
  const std::string data = s->dir_ + "/data";
  const std::string init = absl::StrCat(
      as_user, kBin, "/initdb -D ", Sh(data), " -A trust -U postgres -E UTF8 --locale=C --no-sync >",
      Sh(s->dir_ + "/initdb.log"), " 2>&1");
  if (std::system(init.c_str()) != 0) {
    return fail(absl::StrCat("initdb failed (", s->dir_, "/initdb.log)"));
  }
  // Only a Unix socket in our own directory: no TCP port, nothing shared
  // with a packaged cluster.
  const std::string start = absl::StrCat(
      as_user, kBin, "/pg_ctl -D ", Sh(data), " -l ", Sh(s->dir_ + "/server.log"),
      " -w -t 60 -o \"-c listen_addresses='' -k ", s->dir_, " -p ", s->port_,
      " -c fsync=off -c max_connections=200\" start >/dev/null 2>&1");
  if (std::system(start.c_str()) != 0) {
    return fail(absl::StrCat("pg_ctl start failed (", s->dir_, "/server.log)"));
  }
  g_stop_command = new std::string(absl::StrCat(as_user, kBin, "/pg_ctl -D ", Sh(data),
                                                " -m immediate stop >/dev/null 2>&1; rm -rf ",
                                                Sh(s->dir_)));
  std::atexit(StopAtExit);
  const std::string admin = absl::StrCat("host=", s->dir_, " port=", s->port_, " user=postgres dbname=postgres");
  if (auto r = s->Query(admin, absl::StrCat("CREATE ROLE ", kWriterRole, " LOGIN")); !r.ok()) {
    return fail(std::string(r.status().message()));
  }
  server = s.release();
  return server;
}

std::string PostgresServer::NewDatabase() {
  const std::string name = absl::StrCat("t", ::getpid(), "_", ++databases_);
  const std::string admin = absl::StrCat("host=", dir_, " port=", port_, " user=postgres dbname=postgres");
  auto r = Query(admin, absl::StrCat("CREATE DATABASE ", name, " ENCODING 'UTF8' TEMPLATE template0"));
  if (!r.ok()) std::abort();
  return absl::StrCat("host=", dir_, " port=", port_, " user=postgres dbname=", name);
}

std::string PostgresServer::AsRole(const std::string& conninfo, const std::string& role) const {
  return absl::StrCat(conninfo, " user=", role);  // a later keyword wins
}

absl::StatusOr<std::vector<std::vector<std::string>>> PostgresServer::Query(
    const std::string& conninfo, const std::string& sql) const {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::unique_ptr<PGconn, decltype(&PQfinish)> hold(conn, &PQfinish);
  if (PQstatus(conn) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat("connect: ", PQerrorMessage(conn)));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn, sql.c_str()), &PQclear);
  const ExecStatusType st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return absl::FailedPreconditionError(
        std::string(absl::StripTrailingAsciiWhitespace(PQresultErrorMessage(r.get()))));
  }
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    std::vector<std::string>& row = rows.emplace_back();
    for (int j = 0; j < PQnfields(r.get()); ++j) row.emplace_back(PQgetvalue(r.get(), i, j));
  }
  return rows;
}

}  // namespace pp::test
