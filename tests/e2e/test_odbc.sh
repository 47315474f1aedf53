#!/bin/sh
# ndx-extract --source odbc: (issue 15) against real servers: a MariaDB
# server started here on a Unix socket (maria.sh), through MariaDB's ODBC
# driver, and the PostgreSQL server of pg.sh through psqlODBC.  The same
# mapping (extract/sql/episodes.sql) on the same data (schema.sql and
# tests/data/cm/cases.sql) must give the SQLite source's XML byte for byte;
# ndx-fixtures --target odbc: loads through the same path; the exit codes
# are those of the PostgreSQL source (75 unreachable or lost mid-extract,
# 78 a mapping that does not fit, 64 a password on the command line).
# CI sets NDX_REQUIRE_ODBC: there a missing server or driver fails.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/maria.sh
. "$E2E/maria.sh"
# shellcheck source=tests/e2e/pg.sh
. "$E2E/pg.sh"
trap 'maria_destroy; pg_destroy; rm -rf "$T"' EXIT

SCHEMA=$TOP/extract/sql/schema.sql
CASES=$DATA/cm/cases.sql
ASOF=2026-11-01
S=$T/s
mkdir -p "$S/odbc"
DRIVERS=/usr/lib/x86_64-linux-gnu/odbc
[ -d "$DRIVERS" ] || DRIVERS=$(dirname "$(find /usr/lib -name libmaodbc.so \
    2>/dev/null | head -n 1)" 2>/dev/null)

need() {
	if [ -n "${NDX_REQUIRE_ODBC-}" ]; then
		begin odbc
		bad "$1"
		end
	else
		skip odbc "$1 (.ci/deps installs it)"
	fi
	finish
	exit
}
maria_available || need "no MariaDB server binaries"
[ -f "$DRIVERS/libmaodbc.so" ] || need "no MariaDB ODBC driver (odbc-mariadb)"

# The drivers and data sources of this test only, not the machine's.
ODBCSYSINI=$S/odbc
ODBCINI=$S/odbc/odbc.ini
export ODBCSYSINI ODBCINI
cat >"$S/odbc/odbcinst.ini" <<EOF
[MariaDB]
Driver = $DRIVERS/libmaodbc.so
[PostgreSQL Unicode]
Driver = $DRIVERS/psqlodbcw.so
EOF

# extract URI [ARG...]: the extract's XML in $T/out, its source attribute
# made sqlite's for comparison in $S/got.xml.
extract() {
	_src=$1
	shift
	run ndx-extract --source "$_src" --as-of "$ASOF" "$@"
}
compare() {
	sed "2s/ source=\"$1\"/ source=\"sqlite\"/" "$T/out" >"$S/got.xml"
	want_same "$S/got.xml" "$2" "XML ($3 against sqlite:)"
}

rm -f "$S/cm.db"
cat "$SCHEMA" "$CASES" | sqlite3 "$S/cm.db"
run ndx-extract --source "sqlite:$S/cm.db" --as-of "$ASOF" -o "$S/sqlite.xml"
run ndx-extract --source "sqlite:$S/cm.db" --as-of "$ASOF" \
    --quarter 2026Q1 -o "$S/sqlite-q1.xml"

PW=maria-pw-Zq82-never-printed
begin maria-start
if ! maria_start; then
	bad "cannot start a MariaDB server"
	end
	finish
	exit
fi
# utf8mb4_bin: client references differ only in case (c10, C10), which
# MariaDB's default collation would take for one.
maria_su <<EOF
CREATE DATABASE cm CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE DATABASE fx CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE DATABASE big CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER ndx@localhost IDENTIFIED BY '$PW';
GRANT SELECT ON cm.* TO ndx@localhost;
GRANT SELECT ON fx.* TO ndx@localhost;
GRANT SELECT ON big.* TO ndx@localhost;
CREATE USER loader@localhost IDENTIFIED BY '$PW';
GRANT ALL ON fx.* TO loader@localhost;
EOF
cat "$SCHEMA" "$CASES" | maria_su cm || bad "schema.sql or cases.sql on MariaDB"
end

dsn() {	# NAME DATABASE USER: a MariaDB data source, password in odbc.ini
	cat >>"$ODBCINI" <<EOF
[$1]
Driver = MariaDB
Socket = $MARIA_SOCK
Database = $2
User = $3
Password = $PW
EOF
}
dsn cm cm ndx
dsn fx fx ndx
dsn fxload fx loader
dsn big big ndx
cat >>"$ODBCINI" <<EOF
[nowhere]
Driver = MariaDB
Socket = $S/no-such-socket
Database = cm
User = ndx
Password = $PW
EOF

begin odbc-mariadb-equivalent
extract odbc:DSN=cm
want_rc 0
want_fixed "$T/out" 'source="odbc"'
compare odbc "$S/sqlite.xml" "odbc:DSN=cm, MariaDB"
grep -F "$PW" "$T/err" && bad "the password in a message"
end

begin odbc-connection-string
# No DSN: the driver by name, root trusted over the socket.
extract "odbc:Driver=MariaDB;Socket=$MARIA_SOCK;Database=cm;User=root"
want_rc 0
compare odbc "$S/sqlite.xml" "a full connection string"
end

begin odbc-period
extract odbc:DSN=cm --quarter 2026Q1
want_rc 0
compare odbc "$S/sqlite-q1.xml" "--quarter 2026Q1"
end

begin odbc-check
run ndx-extract --check --source odbc:DSN=cm
want_rc 0
want_empty "$T/out" stdout
end

begin odbc-password-refused
for src in "odbc:DSN=cm;PWD=$PW" "odbc:Driver=MariaDB;password={$PW}" \
    "odbc:DSN=cm; Pwd = $PW"; do
	extract "$src"
	want_rc 64
	want_fixed "$T/err" "a password in the ODBC connection string is refused"
	grep -F "$PW" "$T/err" >/dev/null && bad "the password in a message"
done
end

begin odbc-unknown-dsn
extract odbc:DSN=no_such_source
want_rc 78
want_fixed "$T/err" "cannot connect through ODBC"
want_fixed "$T/err" "SQLSTATE IM002"
end

begin odbc-unreachable
extract odbc:DSN=nowhere
want_rc 75
want_fixed "$T/err" "cannot connect through ODBC"
end

begin odbc-mapping-mismatch
maria_su <<EOF
CREATE DATABASE cm_nocol CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
GRANT SELECT ON cm_nocol.* TO ndx@localhost;
EOF
cat "$SCHEMA" "$CASES" | maria_su cm_nocol
echo "ALTER TABLE client DROP COLUMN sex;" | maria_su cm_nocol
dsn cm_nocol cm_nocol ndx
extract odbc:DSN=cm_nocol
want_rc 78
want_fixed "$T/err" "episodes.sql: does not match the database: "
want_fixed "$T/err" "c.sex"
run ndx-extract --check --source odbc:DSN=cm_nocol
want_rc 78
end

begin fixtures-odbc-target
run ndx-fixtures --seed 7 --clients 300 --target odbc:DSN=fxload
want_rc 0
run ndx-fixtures --seed 7 --clients 300 --target "sqlite:$S/fx.db"
want_rc 0
run ndx-extract --source "sqlite:$S/fx.db" --as-of "$ASOF" -o "$S/fx.xml"
extract odbc:DSN=fx
want_rc 0
compare odbc "$S/fx.xml" "ndx-fixtures into MariaDB through ODBC"
run ndx-fixtures --seed 7 --clients 300 --target odbc:DSN=fxload
want_rc 73
want_fixed "$T/err" "--replace drops them"
run ndx-fixtures --seed 8 --clients 50 --target odbc:DSN=fxload --replace
want_rc 0
run ndx-fixtures --seed 8 --clients 50 --target "sqlite:$S/fx.db" --replace
run ndx-extract --source "sqlite:$S/fx.db" --as-of "$ASOF" -o "$S/fx.xml"
extract odbc:DSN=fx
compare odbc "$S/fx.xml" "after --replace"
end

begin ndx-run-odbc-source
cat >"$S/run.conf" <<EOF
source = odbc:DSN=cm
agency = N0852, N1234
area = Cleveland
output_root = $S/runs
as_of = $ASOF
products = pcc-return, validation-report
EOF
mkdir -p "$S/runs"
chmod 700 "$S/runs"
rc=0
"$BIN/ndx-run" --config "$S/run.conf" --quarter 2026Q1 >"$T/out" \
    2>"$T/err" || rc=$?
[ "$rc" -le 1 ] || { bad "ndx-run exit $rc"; show "$T/err"; }
want_fixed "$S/runs/2026Q1/run.log" "source=odbc "
cat >"$S/pw.conf" <<EOF
source = odbc:DSN=cm;PWD=$PW
agency = N0852
area = Cleveland
output_root = $S/runs
EOF
rc=0
"$BIN/ndx-run" --config "$S/pw.conf" --quarter 2026Q1 --check >"$T/out" \
    2>"$T/err" || rc=$?
want_rc 78
want_fixed "$T/err" "source: holds a password"
grep -F "$PW" "$T/err" >/dev/null && bad "the password in a message"
end

# The server killed (a crash) while the extract's query runs: 75, and no
# output file.  (MariaDB's ODBC driver before 3.1.17 reads the whole
# result before handing over the first row: the loss comes inside the
# query, as a real outage mid-extract would.)
begin odbc-server-lost-mid-extract
{
	cat "$SCHEMA"
	sh "$DATA/cm/generate.sh" mariadb 1000000
} | maria_su big || bad "the big database"
rm -rf "$S/out"
mkdir "$S/out"
# shellcheck disable=SC2086 # VALGRIND is a command prefix
$VALGRIND "$BIN/ndx-extract" --source odbc:DSN=big --as-of "$ASOF" \
    -o "$S/out/episodes.xml" >"$T/out" 2>"$T/err" &
_pid=$!
_i=0
while [ "$_i" -lt 200 ] && [ "$(echo "SELECT count(*) FROM
    information_schema.processlist WHERE user = 'ndx' AND
    command <> 'Sleep'" | maria_su | tail -n 1)" -eq 0 ]; do
	sleep 0.05
	_i=$((_i + 1))
done
[ "$_i" -lt 200 ] || bad "the extract's query never ran"
sleep 0.3
maria_kill || bad "cannot kill the server"
rc=0
wait "$_pid" || rc=$?
want_rc 75
want_empty "$T/out" stdout
want_fixed "$T/err" "ndx-extract: ODBC: query failed"
ls -A "$S/out" >"$S/left"
want_empty "$S/left" "output directory"
end

# --- PostgreSQL through psqlODBC, on pg.sh's server
if [ ! -f "$DRIVERS/psqlodbcw.so" ] || ! pg_available; then
	[ -z "${NDX_REQUIRE_ODBC-}" ] || {
		begin psqlodbc
		bad "no psqlODBC driver or PostgreSQL server"
		end
	}
	skip psqlodbc "no psqlODBC driver or PostgreSQL server"
	finish
	exit
fi
begin psqlodbc-equivalent
if pg_start; then
	pg_su postgres <<EOF
CREATE ROLE ndx LOGIN PASSWORD '$PW';
CREATE DATABASE cm;
EOF
	{
		cat "$SCHEMA" "$CASES"
		echo "GRANT SELECT ON ALL TABLES IN SCHEMA public TO ndx;"
	} | pg_su cm
	cat >>"$ODBCINI" <<EOF
[pgcm]
Driver = PostgreSQL Unicode
Servername = $PGDIR
Database = cm
Username = ndx
Password = $PW
EOF
	extract odbc:DSN=pgcm
	want_rc 0
	compare odbc "$S/sqlite.xml" "PostgreSQL through psqlODBC"
else
	bad "cannot start a PostgreSQL server"
fi
end

finish
