# tests/e2e/pg.sh: a throwaway PostgreSQL server for a test script,
# sourced after lib.sh (and by bench/ scripts, which set T themselves).
#
#   pg_available    the server binaries are installed ($PG_BIN)
#   pg_start        a new cluster in a temporary directory, listening only
#                   on a Unix socket there ($PGDIR); superuser $PG_SU,
#                   trusted over the socket, for setup; every other role
#                   must give its password (scram-sha-256)
#   pg_stop [MODE]  pg_ctl stop -m MODE (default fast); the data stay
#   pg_restart      start a stopped server again
#   pg_destroy      stop it and remove its directory; called on exit
#   pg_su DB        psql as $PG_SU on DB, SQL on standard input, stopping
#                   at the first error
#
# initdb and postgres refuse to run as root: as root they run as the
# postgres user, in a directory it owns.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_SU=ndx_admin
PGDIR=

# Stop the server and remove its files however the script ends.
if [ -n "${T-}" ]; then
	trap 'pg_destroy; rm -rf "$T"' EXIT
fi

pg_available() {
	for _p in initdb pg_ctl postgres psql; do
		[ -x "$PG_BIN/$_p" ] || return 1
	done
}

_pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	# Under /tmp, not $T: postgres must reach it, and a socket path has
	# at most 107 bytes.
	PGDIR=$(mktemp -d /tmp/ndx-pg.XXXXXX)
	[ "$(id -u)" -ne 0 ] || chown postgres: "$PGDIR"
	# An ICU collation where the server has one, so that the server's
	# ORDER BY differs from byte order as on a real deployment.
	_pg_as "$PG_BIN/initdb" -D "$PGDIR/data" -U "$PG_SU" -A trust \
	    -E UTF8 --locale=C.UTF-8 --locale-provider=icu --icu-locale=en-GB \
	    >"$PGDIR/initdb.log" 2>&1 ||
	_pg_as "$PG_BIN/initdb" -D "$PGDIR/data" -U "$PG_SU" -A trust \
	    -E UTF8 --locale=C.UTF-8 >"$PGDIR/initdb.log" 2>&1 || {
		cat "$PGDIR/initdb.log" >&2
		return 1
	}
	printf '%s\n' "local all $PG_SU trust" \
	    "local all all scram-sha-256" |
	    _pg_as tee "$PGDIR/data/pg_hba.conf" >/dev/null
	# Throwaway data: durability is not wanted, speed is.
	printf '%s\n' "listen_addresses = ''" \
	    "unix_socket_directories = '$PGDIR'" \
	    "password_encryption = 'scram-sha-256'" \
	    "max_connections = 20" "shared_buffers = 32MB" \
	    "fsync = off" "synchronous_commit = off" \
	    "full_page_writes = off" |
	    _pg_as tee -a "$PGDIR/data/postgresql.conf" >/dev/null
	pg_restart
}

pg_restart() {
	_pg_as "$PG_BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" \
	    -w -t 60 start >/dev/null || {
		cat "$PGDIR/server.log" >&2
		return 1
	}
}

pg_stop() {
	_pg_as "$PG_BIN/pg_ctl" -D "$PGDIR/data" -m "${1:-fast}" -w stop \
	    >/dev/null 2>&1
}

pg_destroy() {
	[ -n "$PGDIR" ] || return 0
	if [ -f "$PGDIR/data/postmaster.pid" ]; then
		pg_stop immediate || :
	fi
	rm -rf "$PGDIR"
	PGDIR=
}

pg_su() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -U "$PG_SU" \
	    -d "$1" >/dev/null
}

# pg_query DB SQL: prints the result, unaligned, without headers.
pg_query() {
	"$PG_BIN/psql" -X -A -t -v ON_ERROR_STOP=1 -h "$PGDIR" -U "$PG_SU" \
	    -d "$1" -c "$2"
}
