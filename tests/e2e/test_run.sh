#!/bin/sh
# ndx-run end to end: the configuration's checks (every refusal is 78 or
# 77 naming the line, before any stage), the run directory of
# exchange.md §3 with one folder and one archive per recipient, what each
# archive holds (the Public Health one no identifier of the input), the
# agencies of the data, secrets kept out of every stage's argv and
# environment, modes under umask 000, `group =`, OpenPGP recipients and a
# signing key with stock gpg; run directories for a quarter and a month,
# --force, the lock, SIGKILL at every stage, SIGTERM, a full disk; and the
# ndx dispatcher.
#
# ndx-run runs the programs next to its own executable, so the cases run
# a copy of it in $TB, beside one small script per stage that records its
# arguments ($TB/ran) and executes the real program in $BIN.  Control
# files beside them, not variables (ndx-run passes a stage only the
# variables it knows), can hold a stage ($TB/hold names it: touch
# $TB/held, then wait to be killed) or record its environment ($TB/env).
. "$(dirname "$0")/lib.sh"

TB=$T/bin
mkdir -p "$TB"
cp "$BIN/ndx-run" "$BIN/ndx" "$TB/"
# ndx-run reads areas.csv itself, from beside its executable, and the
# stages it runs in-process find the schema and the stylesheets there too.
[ -e "$BIN/../schemas" ] && ln -s "$(cd "$BIN/.." && pwd)/schemas" "$T/schemas"
[ -e "$BIN/../transform" ] &&
    ln -s "$(cd "$BIN/.." && pwd)/transform" "$T/transform"
for s in extract validate pseudonymise transform pack; do
	cat >"$TB/ndx-$s" <<SH
#!/bin/sh
echo "$s \$*" >>"$TB/ran"
[ ! -f "$TB/env" ] || env >>"$TB/env.$s"
if [ "\${1-}" != --check ] && [ -f "$TB/hold" ] &&
    [ "\$(cat "$TB/hold")" = $s ]; then
	: >"$TB/held"
	while :; do sleep 0.05; done
fi
exec "$BIN/ndx-$s" "\$@"
SH
	chmod +x "$TB/ndx-$s"
done

"$BIN/ndx-pseudonymise" keygen "$T/key"
"$BIN/ndx-pseudonymise" keygen "$T/key2"
printf 'a passphrase\n' >"$T/pass"
chmod 600 "$T/pass"
OUT=$T/runs
AGENCIES="N0852, N1234"

# conf FILE ROOT [EXTRA-LINE]: a configuration on the demo CSV, with the
# three default recipients.
conf() {
	cat >"$1" <<CONF
# ndx-run test configuration
source = csv:$TOP/fixtures/demo.csv
agency = $AGENCIES
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
	rm -f "$TB/ran"
	# shellcheck disable=SC2086
	$VALGRIND "$TB/ndx-run" "$@" >"$T/out" 2>"$T/err" || rc=$?
}

# want_only DIR NAME...: DIR holds exactly these entries (and the lock and,
# in an output root, the run accounting: history.csv, failed/ and
# replaced/, which test_cron.sh looks at).
want_only() {
	_d=$1
	shift
	_got=$(ls -A "$_d" | grep -v -x -e '\.ndx-run\.lock' -e history.csv \
	    -e failed -e replaced | tr '\n' ' ')
	_want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')
	[ "$_got" = "$_want" ] || bad "$_d holds '$_got', want '$_want'"
	return 0
}

# want_data DIR NAME...: DIR holds these data files, besides what ndx-pack
# adds to a recipient's folder (MANIFEST, SHA256SUMS, datapackage.json,
# MANIFEST.sig).
want_data() {
	_d=$1
	shift
	_got=$(ls -A "$_d" | grep -v -x -e MANIFEST -e SHA256SUMS \
	    -e datapackage.json -e MANIFEST.sig | tr '\n' ' ')
	_want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')
	[ "$_got" = "$_want" ] || bad "$_d holds '$_got', want '$_want'"
	[ -s "$_d/MANIFEST" ] || bad "no MANIFEST in $_d"
	return 0
}

# want_no_stage: no stage ran but the source's check (ndx-extract --check).
want_no_stage() {
	if [ -f "$TB/ran" ] && grep -v '^extract --check ' "$TB/ran" \
	    >"$T/stages"; then
		bad "stages ran"
		show "$T/stages"
	fi
	return 0
}

# unpacked ARCHIVE DIR [ARG...]: ndx-pack unpack ARCHIVE into DIR (fresh).
unpacked() {
	_a=$1
	_u=$2
	shift 2
	rm -rf "$_u"
	"$BIN/ndx-pack" unpack "$@" "$_a" "$_u" 2>"$T/unpack.err" ||
	    { bad "ndx-pack unpack ${_a##*/} failed"; show "$T/unpack.err"; }
}

# want_modes DIR D F: every directory under DIR (itself included) has
# mode D, every file mode F.
want_modes() {
	find "$1" -type d ! -perm "$2" >"$T/modes"
	find "$1" -type f ! -perm "$3" >>"$T/modes"
	find "$1" ! -type d ! -type f >>"$T/modes"
	if [ -s "$T/modes" ]; then
		bad "modes other than $2/$3 under ${1##*/}"
		show "$T/modes"
	fi
	return 0
}

A=ndx-N0852-2026Q2
begin "quarter: the default recipients, each its folder and archive"
runx --config "$T/ndx.conf" --quarter 2026Q2
want_rc 1
want_empty "$T/out" "stdout"
want_fixed "$T/err" "ndx-validate: episodes: 10 read, 7 valid, 3 rejected"
want_only "$OUT" 2026Q2
R=$OUT/2026Q2
want_only "$R" MANIFEST run.log provider ndtms public-health pcc \
    "$A-ndtms.zip" "$A-public-health.zip" "$A-pcc.zip"
want_only "$R/provider" episodes.xml valid.xml rejects.csv report.csv changes.csv \
    report.xml validation-report.html validation-report.xlsx pseudonymised-public-health.xml \
    public-health-public-health.summary
want_data "$R/ndtms" commissioner.csv
want_data "$R/public-health" public-health.csv
want_data "$R/pcc" pcc-return.csv pcc-return.html
grep '^[0-9TZ:-]* ndx-run: stage=' "$R/run.log" >"$T/stages" || :
want_lines "$T/stages" 14 "stage lines of run.log"
# The PCC return's CSV and HTML come from one computation.
want_fixed "$R/run.log" "stage=transform-pcc-return exit=0 "
grep -q 'stage=transform-pcc-return-html' "$R/run.log" &&
    bad "a second pcc-return stage"
want_fixed "$R/run.log" "stage=validate exit=1 "
want_fixed "$R/run.log" "episodes_read=10 episodes_valid=7 episodes_rejected=3 rows_read=12 rows_written=8 rows_rejected=3"
want_fixed "$R/run.log" "source=csv area=Cleveland agency=N0852, N1234 recipients=3"
want_fixed "$R/run.log" "recipient=public-health products=public-health protection=passphrase key_id=$("$BIN/ndx-pseudonymise" keyid "$T/key")"
want_fixed "$R/run.log" "ndx-run: exit=1"
grep -F "$TOP" "$R/run.log" >/dev/null && bad "run.log holds the source path"
# The run's MANIFEST: every file of the tree, the log included.
(cd "$R" && grep '^[0-9a-f]\{64\}  ' MANIFEST |
    awk '{ print $1 "  " $3 }' | sha256sum -c --quiet) >"$T/sums" 2>&1 ||
    { bad "MANIFEST checksums"; show "$T/sums"; }
(cd "$R" && find . -type f ! -path ./MANIFEST | sed 's|^\./||' | sort) \
    >"$T/files"
grep '^[0-9a-f]\{64\}  ' "$R/MANIFEST" | awk '{ print $3 }' | sort \
    >"$T/listed"
want_same "$T/listed" "$T/files" "the files the run's MANIFEST lists"
want_fixed "$R/MANIFEST" "archive public-health $A-public-health.zip"
want_fixed "$R/MANIFEST" "agency N0852,N1234"
# Each archive verifies, holds what its recipient receives and nothing
# else, and says where it came from.
for r in ndtms public-health pcc; do
	unpacked "$R/$A-$r.zip" "$T/u-$r" --passphrase-file "$T/pass"
	want_data "$T/u-$r" $(ls "$R/$r" | grep -v -x -e MANIFEST \
	    -e SHA256SUMS -e datapackage.json -e MANIFEST.sig)
	want_same "$T/u-$r/MANIFEST" "$R/$r/MANIFEST" "$r's MANIFEST"
	want_fixed "$T/u-$r/MANIFEST" "recipient $r"
	want_fixed "$T/u-$r/MANIFEST" "agency N0852,N1234"
	want_fixed "$T/u-$r/MANIFEST" "area Cleveland"
	want_fixed "$T/u-$r/MANIFEST" "period 2026Q2"
	want_fixed "$T/u-$r/MANIFEST" "as-of 2026-11-01"
	(cd "$T/u-$r" && sha256sum -c --quiet SHA256SUMS) >"$T/sums" 2>&1 ||
	    { bad "sha256sum -c in $r's archive"; show "$T/sums"; }
	# The data dictionary beside the CSV, in the folder and the archive,
	# describes every cell of it (exchange.md §5).
	want_same "$T/u-$r/datapackage.json" "$R/$r/datapackage.json" \
	    "$r's datapackage.json"
	grep -q ' datapackage\.json$' "$T/u-$r/MANIFEST" ||
	    bad "$r's MANIFEST does not list datapackage.json"
	python3 "$TOP/tests/e2e/datapackage.py" "$T/u-$r" >"$T/dp" 2>&1 ||
	    { bad "$r's datapackage.json does not describe its CSV"
	    show "$T/dp"; }
done
want_fixed "$T/u-public-health/datapackage.json" '"key_id": "'"$("$BIN/ndx-pseudonymise" keyid "$T/key")"'"'
want_fixed "$T/u-public-health/datapackage.json" '"disclosure_risk": {'
# The PCC return's dictionary says which disclosure control its figures
# are under, beside the period and area of the package.
want_fixed "$T/u-pcc/datapackage.json" '"disclosure_control": {'
want_fixed "$T/u-pcc/datapackage.json" '"method": "suppress"'
want_fixed "$T/u-public-health/datapackage.json" '"consent_excluded": 1'
want_fixed "$T/u-ndtms/datapackage.json" '"label": "prison"'
# The checker fails when the dictionary and the data disagree: SEX
# without the code F.
python3 - "$T/u-public-health" <<'PY'
import json, sys
p = sys.argv[1] + "/datapackage.json"
d = json.load(open(p))
for r in d["resources"]:
    for f in r["schema"]["fields"]:
        if f["name"] == "SEX":
            f["constraints"]["enum"].remove("F")
json.dump(d, open(p, "w"))
PY
python3 "$TOP/tests/e2e/datapackage.py" "$T/u-public-health" >"$T/dp" 2>&1 &&
    bad "datapackage.py passed SEX F against an enum without it"
want_fixed "$T/dp" "SEX 'F': not in the enum"
want_fixed "$T/u-public-health/MANIFEST" \
    "key-id $("$BIN/ndx-pseudonymise" keyid "$T/key")"
want_fixed "$T/u-public-health/MANIFEST" "consent-excluded 1"
want_fixed "$T/u-public-health/MANIFEST" "risk public-health.csv persons="
want_fixed "$T/u-ndtms/MANIFEST" "key-id -"
want_modes "$R" 700 600
end

begin "month: a second directory beside the first"
runx --config "$T/ndx.conf" --month 2026-10
want_rc 1
want_only "$OUT" 2026Q2 2026-10
want_fixed "$OUT/2026-10/run.log" "period=2026-10 as_of=2026-11-01"
[ -f "$OUT/2026-10/ndx-N0852-2026-10-pcc.zip" ] || bad "no pcc archive"
end

begin "trend = 4: the PCC return over four quarters, the rest the period's"
conf "$T/trend.conf" "$T/trendout" "trend = 4"
runx --config "$T/trend.conf" --quarter 2026Q2
want_rc 1
TR=$T/trendout/2026Q2
want_fixed "$TR/run.log" "trend=4 pcc-return from 2025-10-01"
want_fixed "$TR/run.log" "stage=extract-trend exit=0 "
want_fixed "$TR/run.log" "stage=validate-trend "
grep '^[0-9TZ:-]* ndx-run: stage=' "$TR/run.log" >"$T/stages" || :
want_lines "$T/stages" 16 "stage lines of run.log"
want_only "$TR/provider/trend" episodes.xml valid.xml rejects.csv \
    report.csv report.xml
cut -d, -f1 "$TR/pcc/pcc-return.csv" | uniq >"$T/periods"
printf 'period\n2025Q3\n2025Q4\n2026Q1\n2026Q2\n' >"$T/want-periods"
want_same "$T/periods" "$T/want-periods" "the trend's quarters, oldest first"
# The period's figures are those of the run without a trend, and the
# other products are the period's.
grep '^2026Q2,' "$TR/pcc/pcc-return.csv" >"$T/trend-q2"
grep '^2026Q2,' "$R/pcc/pcc-return.csv" >"$T/plain-q2"
want_same "$T/trend-q2" "$T/plain-q2" "2026Q2 with and without the trend"
want_same "$TR/ndtms/commissioner.csv" "$R/ndtms/commissioner.csv" \
    "commissioner.csv with and without the trend"
want_same "$TR/provider/valid.xml" "$R/provider/valid.xml" \
    "valid.xml with and without the trend"
want_fixed "$TR/pcc/pcc-return.html" "total by quarter, 2025Q3 to 2026Q2"
end

begin "trend in a monthly run: not applied, and said"
runx --config "$T/trend.conf" --month 2026-10
want_rc 1
want_fixed "$T/trendout/2026-10/run.log" "trend=4 not applied"
end

begin "trend = 0 or 41: 78 at the line"
conf "$T/badtrend.conf" "$T/badtrendout" "trend = 41"
runx --config "$T/badtrend.conf" --quarter 2026Q2 --check
want_rc 78
want_fixed "$T/err" "trend: '41' is not a number of quarters, 1 to 40"
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
	rm -f "$TB/held"
	echo "$1" >"$TB/hold"
	"$TB/ndx-run" --config "$T/ndx.conf" --quarter 2026Q3 \
	    >"$T/bg.out" 2>"$T/bg.err" &
	_pid=$!
	_n=0
	while [ ! -f "$TB/held" ] && [ "$_n" -lt 200 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
	rm -f "$TB/hold"
	[ -f "$TB/held" ] || bad "never reached $1"
	if [ -n "${3-}" ]; then
		"$3"
	fi
	kill "-${2:-KILL}" "$_pid"
	rc=0
	wait "$_pid" 2>/dev/null || rc=$?
	# The stage dies with the run (PR_SET_PDEATHSIG): let it go.
	sleep 0.2
}

# The stages still run as programs: extract, the validation report's
# transform, pack.  Validation and the products run inside ndx-run (one
# pass); the random kills and terms below reach them there.
for s in extract transform pack; do
	begin "SIGKILL during $s: no run directory; the next run succeeds"
	held "$s"
	want_rc 137
	[ -e "$OUT/2026Q3" ] && bad "a run directory appeared"
	runx --config "$T/ndx.conf" --quarter 2026Q3
	want_rc 1
	want_only "$OUT" 2026Q2 2026-10 2026Q3
	grep '^[0-9TZ:-]* ndx-run: stage=' "$OUT/2026Q3/run.log" >"$T/stages" || :
	want_lines "$T/stages" 14 "stage lines of run.log"
	rm -rf "$OUT/2026Q3"
	end
done

# A second run while the first holds the lock.
second() {
	runx --config "$T/ndx.conf" --month 2026-09
	rc2=$rc
}
begin "two runs at once: the second exits 75"
held extract KILL second
rc=$rc2
want_rc 75
want_fixed "$T/err" "ndx-run: another ndx-run holds $OUT; try again later"
want_only "$OUT" 2026Q2 2026-10 .2026Q3.tmp-$_pid
end

begin "SIGTERM: the run stops, cleans up and exits 143"
held extract TERM
want_rc 143
want_only "$OUT" 2026Q2 2026-10
end

begin "SIGKILL at random moments in a bigger run"
if [ -x "$BIN/ndx-fixtures" ] &&
    "$BIN/ndx-fixtures" --seed 1 --clients 3000 \
    --target "csv:$T/big.csv" >/dev/null 2>&1; then
	conf "$T/big.conf" "$T/bigout"
	sed -i -e "s|^source = .*|source = csv:$T/big.csv|" \
	    -e "s|^agency = .*|agency = D0412, H0227, N0852, N0871, N0903|" \
	    "$T/big.conf"
	for d in 0.05 0.2 0.4 0.7 0.3T 0.6T; do
		sig=KILL
		case $d in *T) sig=TERM d=${d%T} ;; esac
		"$TB/ndx-run" --config "$T/big.conf" --quarter 2026Q2 \
		    >/dev/null 2>&1 &
		_pid=$!
		sleep "$d"
		kill "-$sig" "$_pid" 2>/dev/null || :
		rc=0
		wait "$_pid" 2>/dev/null || rc=$?
		sleep 0.1
		# A run stopped by TERM cleans up after itself, wherever it was.
		if [ "$sig" = TERM ] && [ "$rc" -ne 0 ]; then
			[ "$rc" -eq 143 ] || bad "SIGTERM after $d s: exit $rc"
			ls -A "$T/bigout" | grep -q '\.tmp-' &&
			    bad "SIGTERM after $d s left a temporary directory"
		fi
		if [ -e "$T/bigout/2026Q2" ]; then
			# It finished first: complete, then.
			grep -q '^[0-9TZ:-]* ndx-run: exit=' "$T/bigout/2026Q2/run.log" ||
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

begin "a key file others can read: 77 naming the line, nothing run"
cp "$T/key" "$T/key644"
chmod 644 "$T/key644"
conf "$T/k.conf" "$T/kout"
sed -i "s|^key_file = .*|key_file = $T/key644|" "$T/k.conf"
runx --config "$T/k.conf" --quarter 2026Q2
want_rc 77
want_fixed "$T/err" "ndx-run: $T/k.conf:5: key_file: $T/key644: mode 0644"
want_no_stage
[ -e "$T/kout" ] && bad "the output root was made"
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

begin "an output root that group or others can write: 77, nothing run"
mkdir -p "$T/shared-root"
chmod 0777 "$T/shared-root"
conf "$T/shared.conf" "$T/shared-root"
runx --config "$T/shared.conf" --quarter 2026Q2
want_rc 77
want_fixed "$T/err" "ndx-run: $T/shared.conf:7: output_root: $T/shared-root: writable by group or others; chmod go-w it"
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


# ================================================ the configuration's checks

TOPLEVEL="source = csv:$TOP/fixtures/demo.csv
agency = $AGENCIES
area = Cleveland
output_root = $T/never
as_of = 2026-11-01"
# sconf FILE TEXT: the five top-level lines (1-5), then TEXT from line 6.
sconf() {
	printf '%s\n%s\n' "${TL:-$TOPLEVEL}" "$2" >"$1"
}
FPR=0123456789ABCDEF0123456789ABCDEF01234567

# refused NAME RC LINE TEXT CONFIG-TEXT: ndx-run (run and --check, or the
# modes in $MODES) exits RC with "FILE:LINE: TEXT" (LINE 0: no line),
# runs no stage and makes nothing.  $TL replaces the top-level lines.
refused() {
	begin "refused: $1"
	sconf "$T/r.conf" "$5"
	_where="$T/r.conf:$3: "
	[ "$3" -ne 0 ] || _where="$T/r.conf: "
	for _mode in ${MODES:-run check}; do
		if [ $_mode = run ]; then
			runx --config "$T/r.conf" --quarter 2026Q2
		else
			runx --check --config "$T/r.conf"
		fi
		want_rc "$2"
		want_fixed "$T/err" "ndx-run: $_where$4"
		want_no_stage
		[ -e "$T/never" ] && bad "$_mode: the output root was made"
		rm -rf "$T/never"
	done
	end
}
PH="[recipient ph]
products = public-health
key_file = $T/key
passphrase_file = $T/pass"

refused "an unknown key" 78 6 "unknown key 'colour'" "colour = blue"
refused "an unknown key in a section" 78 8 \
    "unknown key 'colour' in [recipient a]" "[recipient a]
products = pcc-return
colour = blue"
refused "identifiable and pseudonymised for one recipient" 78 7 \
    "products: one recipient cannot receive both commissioner and public-health" "[recipient a]
products = commissioner, public-health"
refused "the validation report to a recipient" 78 7 \
    "products: validation-report never leaves the provider" "[recipient a]
products = pcc-return, validation-report"
refused "public-health without key_file" 78 6 "[recipient a]: public-health needs key_file" \
    "[recipient a]
products = public-health
passphrase_file = $T/pass"
refused "passphrase_file with openpgp" 78 6 "[recipient a]: passphrase_file and openpgp together" \
    "[recipient a]
products = commissioner
passphrase_file = $T/pass
openpgp = $FPR"
refused "identifiable and unencrypted" 78 6 \
    "[recipient a]: commissioner needs passphrase_file or openpgp" "[recipient a]
products = commissioner"
refused "pseudonymised and unencrypted" 78 6 \
    "[recipient a]: public-health needs passphrase_file or openpgp" "[recipient a]
products = public-health
key_file = $T/key"
refused "min_k without public-health" 78 6 "[recipient a]: min_k only with public-health" \
    "[recipient a]
products = pcc-return
min_k = 5"
refused "a short fingerprint" 78 8 "openpgp: 'ABCD' is not a full fingerprint" \
    "[recipient a]
products = commissioner
openpgp = ABCD"
refused "a recipient twice" 78 8 "recipient 'a' given twice (line 6)" \
    "[recipient a]
products = pcc-return
[recipient a]
products = pcc-return"
refused "tar.gz under a passphrase" 78 9 \
    "format: a passphrase encrypts only zip archives" "[recipient nd]
products = commissioner
passphrase_file = $T/pass
format = tar.gz"
refused "a recipient named provider" 78 6 "recipient 'provider'" \
    "[recipient provider]
products = pcc-return"
refused "top-level products with sections" 78 6 \
    "products: with [recipient] sections each section names its products" "products = pcc-return
[recipient a]
products = pcc-return"
refused "top-level key_file with sections" 78 6 \
    "key_file: with [recipient] sections each section names its own" \
    "key_file = $T/key
[recipient a]
products = pcc-return"
refused "the default recipients without a passphrase" 78 0 \
    "commissioner would leave unprotected" "key_file = $T/key"
refused "a disclosure that is not one" 78 6 \
    "disclosure: 'some' is not one of suppress, round5, nhs, none" \
    "disclosure = some
products = pcc-return"
TL=$(printf '%s\n' "$TOPLEVEL" | sed 's/^area = .*/area = Atlantis/')
refused "an area that is not one" 78 3 \
    "area: 'Atlantis' is not a police force area" "products = pcc-return"
TL=
refused "a missing key file" 78 8 "key_file: $T/nokey: cannot open the key file" \
    "[recipient ph]
products = public-health
key_file = $T/nokey
passphrase_file = $T/pass"
refused "a key file others can read" 77 8 "key_file: $T/key644: mode 0644" \
    "[recipient ph]
products = public-health
key_file = $T/key644
passphrase_file = $T/pass"
refused "a missing passphrase file" 78 8 \
    "passphrase_file: $T/nopass: cannot open the passphrase file" \
    "[recipient nd]
products = commissioner
passphrase_file = $T/nopass"
cp "$T/pass" "$T/pass640"
chmod 640 "$T/pass640"
refused "a passphrase file its group can read" 77 8 \
    "passphrase_file: $T/pass640: mode 0640" "[recipient nd]
products = commissioner
passphrase_file = $T/pass640"
refused "a group that does not exist" 78 6 \
    "group: 'no-such-group-ndx' is not a group" "group = no-such-group-ndx
products = pcc-return"
TL=$(printf '%s\n' "$TOPLEVEL" |
    sed "s|^source = .*|source = csv:$T/none.csv|")
refused "a source that does not open" 78 1 \
    "source: the csv source cannot be used (ndx-extract --check: exit 66)" \
    "products = pcc-return"
TL=$(printf '%s\n' "$TOPLEVEL" |
    sed "s|^source = .*|source = postgresql://ndx:s3cret@localhost/db|")
refused "a source holding a password" 78 1 "source: holds a password" \
    "products = pcc-return"
# ... and the password never reached a child, not even the source's check.
begin "refused: a password in the source reaches no child"
[ -f "$TB/ran" ] && bad "a child ran: $(cat "$TB/ran")"
grep -F s3cret "$T/err" >/dev/null && bad "the password was shown"
end
TL=$(printf '%s\n' "$TOPLEVEL" |
    sed "s|^source = .*|source = postgresql://ndx@127.0.0.1:1/db|")
MODES=check
refused "an unreachable database, --check" 78 1 \
    "source: the postgresql source is unreachable just now" \
    "products = pcc-return"
TL=
MODES=

begin "an unreachable database, in a run: 75 (cron tries again)"
sconf "$T/r.conf" "products = pcc-return"
sed -i "s|^source = .*|source = postgresql://ndx@127.0.0.1:1/db|" "$T/r.conf"
runx --config "$T/r.conf" --quarter 2026Q2
want_rc 75
want_no_stage
[ -e "$T/never" ] && bad "the output root was made"
end

begin "an OpenPGP key not in the keyring: 78 naming the line"
mkdir -p "$T/nogpg"
chmod 700 "$T/nogpg"
sconf "$T/r.conf" "[recipient nd]
products = commissioner
openpgp = $FPR"
rc=0
GNUPGHOME=$T/nogpg "$TB/ndx-run" --check --config "$T/r.conf" \
    >"$T/out" 2>"$T/err" || rc=$?
want_rc 78
want_fixed "$T/err" "ndx-run: $T/r.conf:8: openpgp: "
want_fixed "$T/err" "$FPR"
end

begin "--check: a sound configuration, 0 and one line, nothing made"
runx --check --config "$T/ndx.conf"
want_rc 0
want_empty "$T/out" stdout
printf 'ndx-run: %s: configuration is sound\n' "$T/ndx.conf" >"$T/want"
want_same "$T/err" "$T/want" stderr
want_no_stage
[ "$(cat "$TB/ran")" = "extract --check --source csv:$TOP/fixtures/demo.csv" ] ||
    bad "the source was not checked: $(cat "$TB/ran")"
runx --check --config "$T/ndx.conf" --month 2026-13
want_rc 64
runx --check --config "$T/ndx.conf" --quarter 2026Q2
want_rc 0
end

begin "an agency in the data not configured: 65, nothing packed"
conf "$T/ag.conf" "$T/agout"
sed -i 's/^agency = .*/agency = N0852/' "$T/ag.conf"
runx --config "$T/ag.conf" --quarter 2026Q2
want_rc 65
want_fixed "$T/err" "ndx-run: the data holds agency N1234, which is not in agency ($T/ag.conf:3); nothing is packed"
grep '^pack ' "$TB/ran" >/dev/null && bad "something was packed"
want_only "$T/agout"
end

# ================================================ recipients of one's own

# A case-management database in SQLite: identifiers to look for.
"$BIN/ndx-fixtures" --seed 7 --clients 300 --target "sqlite:$T/cm.db" \
    >/dev/null
FIVE="D0412, H0227, N0852, N0871, N0903"
cat >"$T/s.conf" <<CONF
source = sqlite:$T/cm.db
agency = $FIVE
area = Cleveland
output_root = $T/sout
as_of = 2026-11-01

[recipient ph]
products = public-health, pcc-return
key_file = $T/key
passphrase_file = $T/pass
min_k = 3

[recipient ph-b]
products = public-health
key_file = $T/key2
passphrase_file = $T/pass

[recipient ph-c]
products = public-health
key_file = $T/key
passphrase_file = $T/pass

[recipient nd]
products = commissioner
passphrase_file = $T/pass

[recipient pcc]
products = pcc-return
format = tar.gz
CONF
S=$T/sout/2026Q2
B=ndx-D0412-2026Q2
begin "sections: one folder and one archive per recipient, one XML a key"
runx --config "$T/s.conf" --quarter 2026Q2
[ "$rc" -le 1 ] || { bad "exit status $rc"; show "$T/err"; }
want_only "$S" MANIFEST run.log provider ph ph-b ph-c nd pcc \
    "$B-ph.zip" "$B-ph-b.zip" "$B-ph-c.zip" "$B-nd.zip" "$B-pcc.tar.gz"
want_only "$S/provider" episodes.xml valid.xml rejects.csv report.csv changes.csv \
    report.xml validation-report.html validation-report.xlsx pseudonymised-ph.xml \
    pseudonymised-ph-b.xml public-health-ph.summary \
    public-health-ph-b.summary public-health-ph-c.summary
want_data "$S/ph" public-health.csv pcc-return.csv pcc-return.html
want_data "$S/ph-b" public-health.csv
want_data "$S/nd" commissioner.csv
want_data "$S/pcc" pcc-return.csv pcc-return.html
grep -c '^[0-9TZ:-]* ndx-run: stage=pseudonymise-' "$S/run.log" | grep -qx 2 ||
    bad "not one pseudonymisation a key"
grep -E '^(validate|pseudonymise|transform --product (commissioner|pcc-return|public-health))' \
    "$TB/ran" >/dev/null && bad "a stage of the one pass ran as a program"
# pcc-return made once, copied, not linked.
cmp -s "$S/ph/pcc-return.csv" "$S/pcc/pcc-return.csv" ||
    bad "the two pcc-return.csv differ"
[ "$(stat -c %h "$S/pcc/pcc-return.csv")" = 1 ] || bad "a hard link"
[ "$(grep -c '^[0-9TZ:-]* ndx-run: stage=transform-pcc-return ' "$S/run.log")" = 1 ] ||
    bad "pcc-return made more than once"
# Different keys, different pseudonyms; the same key, the same ones.
cmp -s "$S/ph/public-health.csv" "$S/ph-b/public-health.csv" &&
    bad "two keys gave the same extract"
# The one pass makes what the programs make from its intermediate files.
P=$S/provider
same_as() {	# FILE PROGRAM-ARG...: FILE is what ndx-transform makes
	_f=$1
	shift
	"$BIN/ndx-transform" "$@" -o "$T/prog.out" 2>/dev/null ||
	    bad "ndx-transform $* failed"
	want_same "$_f" "$T/prog.out" "${_f#$S/} against ndx-transform $*"
}
same_as "$S/ph/public-health.csv" --product public-health --min-k 3 \
    "$P/pseudonymised-ph.xml"
same_as "$S/ph-c/public-health.csv" --product public-health \
    "$P/pseudonymised-ph.xml"
same_as "$S/ph-b/public-health.csv" --product public-health \
    "$P/pseudonymised-ph-b.xml"
same_as "$S/nd/commissioner.csv" --product commissioner "$P/valid.xml"
same_as "$S/pcc/pcc-return.csv" --product pcc-return --area Cleveland \
    --quarter 2026Q2 "$P/valid.xml"
"$BIN/ndx-pseudonymise" --key-file "$T/key2" -o "$T/prog.xml" \
    "$P/valid.xml" 2>/dev/null || bad "ndx-pseudonymise failed"
want_same "$P/pseudonymised-ph-b.xml" "$T/prog.xml" \
    "pseudonymised-ph-b.xml against ndx-pseudonymise"
"$BIN/ndx-validate" --area Cleveland -o "$T/prog.xml" \
    --rejects "$T/prog-rej.csv" "$P/episodes.xml" 2>/dev/null
want_same "$P/valid.xml" "$T/prog.xml" "valid.xml against ndx-validate"
want_same "$P/rejects.csv" "$T/prog-rej.csv" "rejects.csv against ndx-validate"
for r in ph ph-b ph-c nd; do
	_a=$(ls "$S" | grep -- "^$B-$r\.")
	rc=0
	"$BIN/ndx-pack" verify --passphrase-file "$T/pass" "$S/$_a" \
	    >"$T/v.out" 2>"$T/v.err" || rc=$?
	want_rc 0
	want_fixed "$T/v.out" "recipient $r"
	want_fixed "$T/v.out" "agency D0412,H0227,N0852,N0871,N0903"
done
rc=0
"$BIN/ndx-pack" verify "$S/$B-pcc.tar.gz" >"$T/v.out" 2>"$T/v.err" || rc=$?
want_rc 0
unpacked "$S/$B-ph.zip" "$T/u-ph" --passphrase-file "$T/pass"
want_fixed "$T/u-ph/MANIFEST" "min_k=3"
want_fixed "$T/u-ph/MANIFEST" "key-id $("$BIN/ndx-pseudonymise" keyid "$T/key")"
unpacked "$S/$B-ph-b.zip" "$T/u-phb" --passphrase-file "$T/pass"
want_fixed "$T/u-phb/MANIFEST" "key-id $("$BIN/ndx-pseudonymise" keyid "$T/key2")"
want_modes "$S" 700 600
end

begin "the Public Health archive holds no identifier of the input"
sqlite3 "$T/cm.db" "SELECT client_ref FROM client;
    SELECT date_of_birth FROM client WHERE date_of_birth IS NOT NULL;
    SELECT strftime('%d/%m/%Y', date_of_birth) FROM client
        WHERE date_of_birth IS NOT NULL;
    SELECT postcode FROM address WHERE postcode IS NOT NULL;
    SELECT first_name || surname FROM client WHERE first_name IS NOT NULL;" |
    sort -u >"$T/identifiers"
[ "$(wc -l <"$T/identifiers")" -gt 600 ] || bad "too few identifiers to look for"
# The same search finds them in the commissioner's archive: it works.
unpacked "$S/$B-nd.zip" "$T/u-nd" --passphrase-file "$T/pass"
grep -r -F -f "$T/identifiers" "$T/u-nd" >/dev/null ||
    bad "the search finds nothing even in the commissioner's archive"
for r in ph ph-b; do
	_u=$T/u-$r
	[ "$r" = ph-b ] && _u=$T/u-phb
	if grep -r -F -l -f "$T/identifiers" "$_u" >"$T/found"; then
		bad "identifiers in $r's archive"
		show "$T/found"
	fi
	for f in commissioner.csv report.csv report.xml rejects.csv \
	    episodes.xml valid.xml validation-report.html changes.csv \
	    validation-report.xlsx; do
		[ -e "$_u/$f" ] && bad "$f in $r's archive"
	done
done
end

begin "umask 000: directories 0700 and files 0600, everywhere"
rm -rf "$T/uout"
conf "$T/u.conf" "$T/uout"
rc=0
(umask 000 && "$TB/ndx-run" --config "$T/u.conf" --quarter 2026Q2) \
    >"$T/out" 2>"$T/err" || rc=$?
want_rc 1
want_modes "$T/uout" 700 600
end

begin "group =: the run directory goes to the group, 0750 and 0640"
_g=$(id -gn)
conf "$T/g.conf" "$T/gout" "group = $_g"
runx --config "$T/g.conf" --quarter 2026Q2
want_rc 1
want_modes "$T/gout/2026Q2" 750 640
find "$T/gout/2026Q2" ! -group "$_g" >"$T/strays"
want_empty "$T/strays" "entries of another group"
end

begin "secrets in ndx-run's environment: no stage's argv or environment"
# The extract reads a FIFO: it waits there, so its /proc entry is read
# while the real program runs.
rm -f "$T/fifo" "$TB"/env.*
mkfifo "$T/fifo"
conf "$T/f.conf" "$T/fout"
sed -i "s|^source = .*|source = csv:$T/fifo|" "$T/f.conf"
: >"$TB/env"
rm -f "$TB/ran"
NDX_PASSPHRASE=env-secret-1 PGPASSWORD=env-secret-2 NDX_OTHER=env-other \
    "$TB/ndx-run" --config "$T/f.conf" --quarter 2026Q1 \
    >"$T/out" 2>"$T/err" &
_run=$!
# Once for ndx-extract --check (the header), once for the extract.
cat "$TOP/fixtures/demo.csv" >"$T/fifo"
_pid=
_n=0
while [ -z "$_pid" ] && [ "$_n" -lt 200 ]; do
	for _p in $(pgrep -P "$_run" 2>/dev/null); do
		case $(tr '\0' ' ' <"/proc/$_p/cmdline" 2>/dev/null) in
		*"ndx-extract --source"*) _pid=$_p ;;
		esac
	done
	[ -n "$_pid" ] || sleep 0.05
	_n=$((_n + 1))
done
if [ -z "$_pid" ]; then
	bad "never saw the extract running"
else
	[ "$(readlink "/proc/$_pid/exe")" = "$BIN/ndx-extract" ] ||
	    bad "pid $_pid is not the real ndx-extract"
	tr '\0' '\n' <"/proc/$_pid/environ" >"$T/environ"
	tr '\0' '\n' <"/proc/$_pid/cmdline" >"$T/cmdline"
	grep -q '^PGPASSWORD=env-secret-2$' "$T/environ" ||
	    bad "PGPASSWORD did not reach ndx-extract"
	grep -q 'env-secret-1\|env-other' "$T/environ" &&
	    bad "NDX_PASSPHRASE or another variable reached ndx-extract"
	grep -q '^PATH=' "$T/environ" || bad "no PATH for ndx-extract"
fi
cat "$TOP/fixtures/demo.csv" >"$T/fifo"
rc=0
wait "$_run" || rc=$?
want_rc 1
rm -f "$TB/env"
for s in extract transform pack; do
	[ -s "$TB/env.$s" ] || bad "ndx-$s never ran"
	grep -l 'env-secret-1\|env-other' "$TB/env.$s" >/dev/null &&
	    bad "NDX_PASSPHRASE or another variable reached ndx-$s"
	if [ "$s" = extract ]; then
		grep -q '^PGPASSWORD=env-secret-2$' "$TB/env.$s" ||
		    bad "PGPASSWORD did not reach ndx-extract"
	else
		grep -l 'env-secret-2' "$TB/env.$s" >/dev/null &&
		    bad "PGPASSWORD reached ndx-$s"
	fi
done
# No stage's arguments hold the passphrase or the key, only file names.
grep -F -e "a passphrase" -e "$(cat "$T/key")" "$TB/ran" >/dev/null &&
    bad "a secret in a stage's arguments"
grep -q -- "--passphrase-file $T/pass" "$TB/ran" ||
    bad "ndx-pack was not given the passphrase file"
end

begin "a lock file owned by another user: 77"
if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$T/lk"
	chmod 700 "$T/lk"
	: >"$T/lk/.ndx-run.lock"
	chown nobody "$T/lk/.ndx-run.lock"
	conf "$T/lk.conf" "$T/lk"
	runx --config "$T/lk.conf" --quarter 2026Q2
	want_rc 77
	want_fixed "$T/err" "$T/lk/.ndx-run.lock: not a regular file of ours; remove it"
	want_no_stage
	want_only "$T/lk"
else
	skip "lock of another user" "needs root to chown"
fi
end

# ========================================== OpenPGP and a signing key

if command -v gpg >/dev/null 2>&1 && . "$E2E/gpg.sh" && gpg_setup "$T/gpg"
then
	cat >"$T/pgp.conf" <<CONF
source = csv:$TOP/fixtures/demo.csv
agency = $AGENCIES
area = Cleveland
output_root = $T/pout2
as_of = 2026-11-01
signing_key = $PROVIDER_FPR
signing_passphrase_file = $PROVIDER_PASS_FILE

[recipient ph]
products = public-health
key_file = $T/key
openpgp = $RECIPIENT_FPR

[recipient nd]
products = commissioner
passphrase_file = $T/pass
CONF
	P2=$T/pout2/2026Q2
	begin "OpenPGP recipient and a signing key: stock gpg opens and checks"
	runx --config "$T/pgp.conf" --quarter 2026Q2
	want_rc 1
	want_only "$P2" MANIFEST run.log provider ph nd \
	    "$A-ph.zip.gpg" "$A-nd.zip"
	[ -s "$P2/ph/MANIFEST.sig" ] || bad "no MANIFEST.sig in ph/"
	rc=0
	gpg_gpg --decrypt --output "$T/ph.zip" "$P2/$A-ph.zip.gpg" \
	    >"$T/gpg.out" 2>&1 || rc=$?
	want_rc 0
	mkdir -p "$T/ph-pgp"
	bsdtar -xf "$T/ph.zip" -C "$T/ph-pgp" 2>"$T/x.err" ||
	    bad "the decrypted archive does not open"
	rc=0
	gpg_gpg --verify "$T/ph-pgp/MANIFEST.sig" "$T/ph-pgp/MANIFEST" \
	    >"$T/gpg.out" 2>&1 || rc=$?
	want_rc 0
	want_fixed "$T/gpg.out" "Good signature"
	want_same "$T/ph-pgp/MANIFEST" "$P2/ph/MANIFEST" "ph's MANIFEST"
	[ -s "$T/ph-pgp/public-health.csv" ] || bad "no public-health.csv"
	# The passphrase recipient's archive is signed too.
	rc=0
	"$BIN/ndx-pack" verify --passphrase-file "$T/pass" \
	    --signer "$PROVIDER_FPR" "$P2/$A-nd.zip" >"$T/v.out" \
	    2>"$T/v.err" || rc=$?
	want_rc 0
	want_fixed "$T/v.out" "signed by $PROVIDER_FPR"
	grep -q "^verify-nd\|pack verify .*--signer $PROVIDER_FPR" "$TB/ran" ||
	    bad "ndx-run did not verify with --signer"
	end

	begin "an OpenPGP recipient key that cannot encrypt: 78"
	sed "s/^openpgp = .*/openpgp = $PROVIDER_FPR/" "$T/pgp.conf" \
	    >"$T/pgp2.conf"
	runx --check --config "$T/pgp2.conf"
	want_rc 78
	want_fixed "$T/err" "ndx-run: $T/pgp2.conf:12: openpgp: "
	end
else
	skip "OpenPGP run" "gpg or tests/e2e/gpg.sh not usable"
fi

finish
