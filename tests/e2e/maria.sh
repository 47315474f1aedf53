# tests/e2e/maria.sh: a throwaway MariaDB server for a test script,
# sourced after lib.sh.
#
#   maria_available   the server binaries are installed
#   maria_start       a new server in a temporary directory, on a Unix
#                     socket there only ($MARIA_SOCK), no TCP; root may
#                     connect over the socket without a password, for setup
#   maria_su [DB]     the mariadb client as root, SQL on standard input,
#                     stopping at the first error
#   maria_kill        SIGKILL to the server (a crash, mid-query)
#   maria_destroy     stop it and remove its directory; called on exit
#
# mariadbd refuses to run as root unless told to: --user names whoever
# runs the test.

MARIA_DIR=
MARIA_SOCK=

if [ -n "${T-}" ]; then
	trap 'maria_destroy; rm -rf "$T"' EXIT
fi

maria_available() {
	command -v mariadbd >/dev/null 2>&1 &&
	    command -v mariadb-install-db >/dev/null 2>&1 &&
	    command -v mariadb >/dev/null 2>&1
}

maria_start() {
	MARIA_DIR=$(mktemp -d /tmp/ndx-maria.XXXXXX)
	MARIA_SOCK=$MARIA_DIR/sock
	mariadb-install-db --no-defaults --user="$(id -un)" \
	    --datadir="$MARIA_DIR/data" --auth-root-authentication-method=normal \
	    --skip-test-db >"$MARIA_DIR/install.log" 2>&1 || {
		cat "$MARIA_DIR/install.log" >&2
		return 1
	}
	# Throwaway data: durability is not wanted, speed is.
	mariadbd --no-defaults --user="$(id -un)" --datadir="$MARIA_DIR/data" \
	    --socket="$MARIA_SOCK" --skip-networking \
	    --pid-file="$MARIA_DIR/pid" --log-error="$MARIA_DIR/error.log" \
	    --innodb-flush-log-at-trx-commit=0 --skip-log-bin \
	    >/dev/null 2>&1 &
	_i=0
	while [ "$_i" -lt 150 ]; do
		if [ -S "$MARIA_SOCK" ] && mariadb-admin --no-defaults \
		    --socket="$MARIA_SOCK" -uroot ping >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	cat "$MARIA_DIR/error.log" >&2
	return 1
}

maria_su() {
	mariadb --no-defaults --socket="$MARIA_SOCK" -uroot ${1+"$1"}
}

maria_kill() {
	[ -f "$MARIA_DIR/pid" ] && kill -KILL "$(cat "$MARIA_DIR/pid")"
}

maria_destroy() {
	[ -n "$MARIA_DIR" ] || return 0
	if [ -f "$MARIA_DIR/pid" ]; then
		kill "$(cat "$MARIA_DIR/pid")" 2>/dev/null || :
		_i=0
		while [ -f "$MARIA_DIR/pid" ] && [ "$_i" -lt 100 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
	fi
	rm -rf "$MARIA_DIR"
	MARIA_DIR=
}
