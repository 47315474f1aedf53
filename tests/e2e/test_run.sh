#!/bin/sh
# ndx-run end to end: run directories for a quarter and a month, --force,
# the lock, SIGKILL at every stage, SIGTERM, a full disk; and the ndx
# dispatcher.
#
# ndx-run runs the programs next to its own executable, so the cases run
# a copy of it in $TB, beside one small script per stage that executes
# the real program in $BIN.  The scripts can hold a stage
# (NDX_TEST_HOLD=STAGE: touch $NDX_TEST_HELD, then wait to be killed), so
# a kill lands in that stage every time.
. "$(dirname "$0")/lib.sh"

TB=$T/bin
mkdir -p "$TB"
cp "$BIN/ndx-run" "$BIN/ndx" "$TB/"
for s in extract validate pseudonymise transform pack; do
	cat >"$TB/ndx-$s" <<SH
#!/bin/sh
# NDX_TEST_ENV=PREFIX: the environment ndx-run gave the stage, to PREFIX.STAGE.
[ -z "\${NDX_TEST_ENV-}" ] || env >>"\$NDX_TEST_ENV.$s"
if [ "\${NDX_TEST_HOLD-}" = $s ]; then
	: >"\$NDX_TEST_HELD"
	while :; do sleep 0.05; done
fi
exec "$BIN/ndx-$s" "\$@"
SH
	chmod +x "$TB/ndx-$s"
done
# --- TEMPORARY: ndx-pack is being written in parallel.  Until it is
# built, the pack stage is a stand-in that writes a tar file under the
# archive's name (and 74 when it cannot) and verifies by listing it.
# Remove this block once $BIN/ndx-pack exists everywhere.
if [ ! -x "$BIN/ndx-pack" ]; then
	skip "pack" "ndx-pack not built: a stand-in archives the products"
	cat >>"$TB/ndx-pack" <<'SH'
# (stand-in; see test_run.sh)
if [ "$1" = verify ]; then
	for a; do :; done
	tar tf "$a" >/dev/null || exit 1
	exit 0
fi
out=
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	--passphrase-file|--period) shift 2 ;;
	--encrypt) shift ;;
	*) break ;;
	esac
done
printf 'period archive\n' >MANIFEST || exit 74
tar cf "$out" MANIFEST "$@" 2>/dev/null || { rm -f "$out"; exit 74; }
rm -f MANIFEST
SH
	sed -i 's|^exec .*ndx-pack.*$||' "$TB/ndx-pack"
fi
# --- end of TEMPORARY

"$BIN/ndx-pseudonymise" keygen "$T/key"
printf 'a passphrase\n' >"$T/pass"
chmod 600 "$T/pass"
OUT=$T/runs

# conf FILE ROOT [EXTRA-LINE]: a configuration on the demo CSV.
conf() {
	cat >"$1" <<CONF
# ndx-run test configuration
source = csv:$TOP/fixtures/demo.csv
agency = AGN01
area = Cleveland
key_file = $T/key
passphrase_file = $T/pass
output_root = $2
as_of = 2026-11-01
${3-}
CONF
}
conf "$T/ndx.conf" "$OUT"

# runx ARG...: the copy of ndx-run in $TB.
runx() {
	rc=0
	# shellcheck disable=SC2086
	$VALGRIND "$TB/ndx-run" "$@" >"$T/out" 2>"$T/err" || rc=$?
}

# want_only DIR NAME...: DIR holds exactly these entries (and the lock).
want_only() {
	_d=$1
	shift
	_got=$(ls -A "$_d" | grep -v '^\.ndx-run\.lock$' | tr '\n' ' ')
	_want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')
	[ "$_got" = "$_want" ] || bad "$_d holds '$_got', want '$_want'"
	return 0
}

PRODUCTS="commissioner.csv public-health.csv pcc-return.csv pcc-return.html
validation-report.html"

begin "quarter: every product, the reports, rejects, MANIFEST, log"
runx --config "$T/ndx.conf" --quarter 2026Q2
want_rc 1
want_empty "$T/out" "stdout"
want_fixed "$T/err" "ndx-validate: episodes: 10 read, 7 valid, 3 rejected"
want_only "$OUT" 2026Q2
R=$OUT/2026Q2
for f in $PRODUCTS episodes.xml valid.xml rejects.csv report.csv \
    report.xml pseudonymised.xml MANIFEST run.log ndx-2026Q2.zip; do
	[ -s "$R/$f" ] || bad "no $f"
done
grep '^ndx-run: stage=' "$R/run.log" >"$T/stages" || :
want_lines "$T/stages" 10 "stage lines of run.log"
want_fixed "$R/run.log" "stage=validate exit=1 "
want_fixed "$R/run.log" "episodes_read=10 episodes_valid=7 episodes_rejected=3 rows_read=12 rows_written=8 rows_rejected=3"
want_fixed "$R/run.log" "source=csv area=Cleveland agency=AGN01 encrypt=yes"
want_fixed "$R/run.log" "ndx-run: exit=1"
grep -F "$TOP" "$R/run.log" >/dev/null && bad "run.log holds the source path"
(cd "$R" && grep '^[0-9a-f]\{64\}  ' MANIFEST |
    awk '{ print $1 "  " $3 }' | sha256sum -c --quiet) >"$T/sums" 2>&1 ||
    bad "MANIFEST checksums"
want_fixed "$R/MANIFEST" "  ndx-2026Q2.zip"
if [ -x "$BIN/ndx-pack" ]; then
	# The encrypted archive verifies and holds the products and MANIFEST.
	"$BIN/ndx-pack" unpack --passphrase-file "$T/pass" \
	    "$R/ndx-2026Q2.zip" "$T/unpacked" 2>"$T/unpack.err" ||
	    bad "ndx-pack unpack failed"
	for f in $PRODUCTS MANIFEST; do
		[ -s "$T/unpacked/$f" ] || bad "no $f in the archive"
	done
else
	bsdtar -tf "$R/ndx-2026Q2.zip" >"$T/list" 2>&1 || :
	want_fixed "$T/list" MANIFEST
fi
[ "$(stat -c %a "$R")" = 700 ] || bad "run directory mode $(stat -c %a "$R")"
end

begin "month: a second directory beside the first"
runx --config "$T/ndx.conf" --month 2026-10
want_rc 1
want_only "$OUT" 2026Q2 2026-10
want_fixed "$OUT/2026-10/run.log" "period=2026-10 as_of=2026-11-01"
end

begin "a second run for the same period is refused without --force"
: >"$R/marker"
runx --config "$T/ndx.conf" --quarter 2026Q2
want_rc 73
want_fixed "$T/err" "ndx-run: $R exists; --force replaces it"
[ -f "$R/marker" ] || bad "the old run directory was touched"
want_only "$OUT" 2026Q2 2026-10
end

begin "--force replaces it"
runx --config "$T/ndx.conf" --quarter 2026Q2 --force
want_rc 1
[ -f "$R/marker" ] && bad "the old run directory is still there"
[ -s "$R/MANIFEST" ] || bad "no MANIFEST in the new one"
want_only "$OUT" 2026Q2 2026-10
end

# held STAGE [SIGNAL]: starts a run for 2026Q3 held in STAGE, waits until
# the stage is reached, sends SIGNAL (KILL), waits for the run; rc is its
# exit status.
held() {
	rm -f "$T/held"
	NDX_TEST_HOLD=$1 NDX_TEST_HELD=$T/held \
	    "$TB/ndx-run" --config "$T/ndx.conf" --quarter 2026Q3 \
	    >"$T/bg.out" 2>"$T/bg.err" &
	_pid=$!
	_n=0
	while [ ! -f "$T/held" ] && [ "$_n" -lt 200 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
	[ -f "$T/held" ] || bad "never reached $1"
	if [ -n "${3-}" ]; then
		"$3"
	fi
	kill "-${2:-KILL}" "$_pid"
	rc=0
	wait "$_pid" 2>/dev/null || rc=$?
	# The stage dies with the run (PR_SET_PDEATHSIG): let it go.
	sleep 0.2
}

for s in extract validate pseudonymise transform pack; do
	begin "SIGKILL during $s: no run directory; the next run succeeds"
	held "$s"
	want_rc 137
	[ -e "$OUT/2026Q3" ] && bad "a run directory appeared"
	runx --config "$T/ndx.conf" --quarter 2026Q3
	want_rc 1
	want_only "$OUT" 2026Q2 2026-10 2026Q3
	grep '^ndx-run: stage=' "$OUT/2026Q3/run.log" >"$T/stages" || :
	want_lines "$T/stages" 10 "stage lines of run.log"
	rm -rf "$OUT/2026Q3"
	end
done

# A second run while the first holds the lock.
second() {
	runx --config "$T/ndx.conf" --month 2026-09
	rc2=$rc
}
begin "two runs at once: the second exits 75"
held validate KILL second
rc=$rc2
want_rc 75
want_fixed "$T/err" "ndx-run: another ndx-run holds $OUT; try again later"
want_only "$OUT" 2026Q2 2026-10 .2026Q3.tmp-$_pid
end

begin "SIGTERM: the run stops, cleans up and exits 143"
held validate TERM
want_rc 143
want_only "$OUT" 2026Q2 2026-10
end

begin "SIGKILL at random moments in a bigger run"
if [ -x "$BIN/ndx-fixtures" ] &&
    "$BIN/ndx-fixtures" --seed 1 --clients 3000 \
    --target "csv:$T/big.csv" >/dev/null 2>&1; then
	conf "$T/big.conf" "$T/bigout"
	sed -i "s|^source = .*|source = csv:$T/big.csv|" "$T/big.conf"
	for d in 0.05 0.2 0.4 0.7; do
		"$TB/ndx-run" --config "$T/big.conf" --quarter 2026Q2 \
		    >/dev/null 2>&1 &
		_pid=$!
		sleep "$d"
		kill -KILL "$_pid" 2>/dev/null || :
		wait "$_pid" 2>/dev/null || :
		sleep 0.1
		if [ -e "$T/bigout/2026Q2" ]; then
			# It finished first: complete, then.
			grep -q '^ndx-run: exit=' "$T/bigout/2026Q2/run.log" ||
			    bad "incomplete run directory after $d s"
			rm -rf "$T/bigout/2026Q2"
		fi
	done
	runx --config "$T/big.conf" --quarter 2026Q2
	[ "$rc" -le 1 ] || bad "exit status $rc after the kills"
	want_only "$T/bigout" 2026Q2
else
	skip "random kills" "ndx-fixtures cannot make a big CSV"
fi
end

begin "a full disk: 74, no run directory, nothing left"
mkdir -p "$T/full"
if [ "$(id -u)" -eq 0 ] &&
    mount -t tmpfs -o size=48k tmpfs "$T/full" 2>/dev/null; then
	conf "$T/full.conf" "$T/full/out"
	runx --config "$T/full.conf" --quarter 2026Q2
	want_rc 74
	want_only "$T/full/out"
	umount "$T/full"
else
	skip "full disk" "needs root to mount a small tmpfs"
fi
end

begin "a key file others can read: 77 from the stage, no run directory"
cp "$T/key" "$T/key644"
chmod 644 "$T/key644"
conf "$T/k.conf" "$T/kout"
sed -i "s|^key_file = .*|key_file = $T/key644|" "$T/k.conf"
runx --config "$T/k.conf" --quarter 2026Q2
want_rc 77
want_fixed "$T/err" "ndx-pseudonymise: "
want_only "$T/kout"
end

begin "--month previous names the last complete month"
conf "$T/p.conf" "$T/pout" "products = commissioner"
runx --config "$T/p.conf" --month previous
[ "$rc" -le 1 ] || bad "exit status $rc"
want_only "$T/pout" "$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)"
end

t_usage() {
	begin "$1"
	shift
	_w=$1
	shift
	runx "$@"
	want_rc "$_w"
	# A usage message, or one line naming the bad option.
	head -n 1 "$T/err" | grep -E '^(usage: )?ndx-run[: ]' >/dev/null ||
	    bad "no ndx-run message"
	end
}
conf "$T/bad.conf" "$T/badout" "colour = blue"
t_usage "usage: no period" 64 --config "$T/ndx.conf"
t_usage "usage: both periods" 64 --config "$T/ndx.conf" --month 2026-10 \
    --quarter 2026Q2
t_usage "usage: a bad quarter" 64 --config "$T/ndx.conf" --quarter 2026Q5
t_usage "no such configuration: 66" 66 --config "$T/none.conf" \
    --month 2026-10
t_usage "an unknown key: 78" 78 --config "$T/bad.conf" --month 2026-10
want_fixed "$T/err" "ndx-run: $T/bad.conf:9: unknown key 'colour'"

begin "ndx --help lists the stages"
run ndx --help
want_rc 0
for s in extract validate pseudonymise transform pack run fixtures; do
	grep "^  $s " "$T/out" >/dev/null || bad "no $s in ndx --help"
done
end

begin "ndx validate --version dispatches"
run ndx validate --version
want_rc 0
want_fixed "$T/out" "ndx-validate $(sed -n 's/^#define NDX_VERSION "\(.*\)"/\1/p' "$TOP/include/ndx/ndx.h")"
end

begin "ndx frob: not a stage, 64"
run ndx frob
want_rc 64
want_fixed "$T/err" "ndx: frob: not a stage"
end

begin "secrets in ndx-run's environment reach no stage but extract's PGPASSWORD"
rm -f "$T"/env.*
rc=0
NDX_TEST_ENV=$T/env NDX_PASSPHRASE=env-secret-1 PGPASSWORD=env-secret-2 \
    "$TB/ndx-run" --config "$T/ndx.conf" --quarter 2026Q1 \
    >"$T/out" 2>"$T/err" || rc=$?
want_rc 1
for s in extract validate pseudonymise transform pack; do
	[ -s "$T/env.$s" ] || bad "ndx-$s never ran"
	grep -l 'env-secret-1' "$T/env.$s" >/dev/null &&
	    bad "NDX_PASSPHRASE reached ndx-$s"
	if [ "$s" = extract ]; then
		grep -q '^PGPASSWORD=env-secret-2$' "$T/env.$s" ||
		    bad "PGPASSWORD did not reach ndx-extract"
	else
		grep -l 'env-secret-2' "$T/env.$s" >/dev/null &&
		    bad "PGPASSWORD reached ndx-$s"
	fi
done
rm -rf "${OUT:?}/2026Q1"
end

begin "an output root that group or others can write: 77, nothing run"
mkdir -p "$T/shared-root"
chmod 0777 "$T/shared-root"
conf "$T/shared.conf" "$T/shared-root"
runx --config "$T/shared.conf" --quarter 2026Q2
want_rc 77
want_fixed "$T/err" "ndx-run: $T/shared-root: writable by group or others; chmod go-w it"
want_only "$T/shared-root"
chmod 0775 "$T/shared-root"
runx --config "$T/shared.conf" --quarter 2026Q2
want_rc 77
end

begin "a lock file that is a link: 77, the link's target untouched"
mkdir -p "$T/link-root"
chmod 0700 "$T/link-root"
printf 'not a lock\n' >"$T/link-target"
ln -s "$T/link-target" "$T/link-root/.ndx-run.lock"
conf "$T/link.conf" "$T/link-root"
runx --config "$T/link.conf" --quarter 2026Q2
want_rc 77
grep -q "link-root/.ndx-run.lock" "$T/err" || bad "the lock is not named"
[ "$(cat "$T/link-target")" = "not a lock" ] || bad "the target changed"
ls -A "$T/link-root" | grep -v '^\.ndx-run\.lock$' >"$T/left" || :
want_empty "$T/left" "entries in the output root"
end

finish
