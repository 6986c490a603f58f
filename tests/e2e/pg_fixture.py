"""A throwaway PostgreSQL 15 for end-to-end tests (the Python twin of
tests/testing/postgres_fixture.h).

initdb + pg_ctl in a new directory under /tmp, listening only on a Unix
socket in that directory (listen_addresses=''), so it never uses, stops or
collides with a cluster the Debian package may run. initdb refuses to run as
root: as root the server runs as the `postgres` user (runuser) in a
directory that user owns. Missing PostgreSQL: unavailable() says why (the
test skips, or fails under CI=true).

    pg = PostgresServer.start()
    db = pg.new_database()              # superuser conninfo of a fresh database
    pg.sql(db, "SELECT count(*) FROM papers")
    pg.stop()
"""
import os
import pwd
import shutil
import subprocess
import tempfile

BIN = "/usr/lib/postgresql/15/bin"
WRITER_ROLE = "pp_writer"


def unavailable():
    """Why PostgreSQL cannot be used here, or None."""
    for tool in ("initdb", "pg_ctl", "psql"):
        if not os.access(os.path.join(BIN, tool), os.X_OK):
            return "PostgreSQL 15 is not installed (%s/%s; Debian package postgresql-15)" % (BIN, tool)
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user for initdb"
    return None


class PostgresServer:
    def __init__(self, directory, as_user):
        self.dir = directory
        self.as_user = as_user
        self.port = 5432  # only names the socket file in our own directory
        self.databases = 0

    @classmethod
    def start(cls):
        d = tempfile.mkdtemp(prefix="pp_pg_", dir="/tmp")
        as_user = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(d, pw.pw_uid, pw.pw_gid)
            as_user = ["runuser", "-u", "postgres", "--"]
        server = cls(d, as_user)
        data = os.path.join(d, "data")
        with open(os.path.join(d, "initdb.log"), "w") as log:
            subprocess.run(as_user + [BIN + "/initdb", "-D", data, "-A", "trust", "-U", "postgres",
                                      "-E", "UTF8", "--locale=C", "--no-sync"],
                           stdout=log, stderr=subprocess.STDOUT, check=True)
        opts = "-c listen_addresses='' -k %s -p %d -c fsync=off -c max_connections=200" % (d, server.port)
        subprocess.run(as_user + [BIN + "/pg_ctl", "-D", data, "-l", os.path.join(d, "server.log"),
                                  "-w", "-t", "60", "-o", opts, "start"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, check=True)
        server.sql(server.admin(), "CREATE ROLE %s LOGIN" % WRITER_ROLE)
        return server

    def admin(self):
        return "host=%s port=%d user=postgres dbname=postgres" % (self.dir, self.port)

    def new_database(self):
        self.databases += 1
        name = "e2e_%d_%d" % (os.getpid(), self.databases)
        self.sql(self.admin(), "CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0" % name)
        return "host=%s port=%d user=postgres dbname=%s" % (self.dir, self.port, name)

    @staticmethod
    def as_role(conninfo, role=WRITER_ROLE):
        return conninfo + " user=" + role  # a later keyword wins

    def sql(self, conninfo, statement):
        """Runs `statement`; the rows as lists of strings."""
        r = subprocess.run([BIN + "/psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
                            "-F", "\t", "-d", conninfo, "-c", statement],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("psql: %s: %s" % (statement, r.stderr.strip()))
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def stop(self):
        subprocess.run(self.as_user + [BIN + "/pg_ctl", "-D", os.path.join(self.dir, "data"),
                                       "-m", "immediate", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)
