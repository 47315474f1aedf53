#!/bin/sh
# Runs cron can account for (issue 13): a failed run's log kept under the
# output root and a line for syslog, timestamps, host and configuration in
# run.log, history.csv with a line a run, --force keeping what it
# replaces, a closing line on standard error; the systemd units in
# examples/ that run it monthly.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# ndx-run finds areas.csv and the stylesheets beside its executable.
[ -e "$BIN/../schemas" ] && ln -s "$(cd "$BIN/.." && pwd)/schemas" "$T/schemas"
[ -e "$BIN/../transform" ] &&
    ln -s "$(cd "$BIN/.." && pwd)/transform" "$T/transform"
"$BIN/ndx-pseudonymise" keygen "$T/key"
printf 'a passphrase\n' >"$T/pass"
chmod 600 "$T/pass"
OUT=$T/runs
STAMP='[0-9]\{8\}T[0-9]\{6\}Z'

# conf FILE SOURCE: the demo's recipients on SOURCE.
conf() {
	cat >"$1" <<CONF
source = csv:$2
agency = N0852, N1234
area = Cleveland
key_file = $T/key
passphrase_file = $T/pass
output_root = $OUT
as_of = 2026-11-01
CONF
}
conf "$T/ndx.conf" "$TOP/fixtures/demo.csv"
# A source whose header is right but a row is not: the extract stage fails
# during the run, not at the configuration's check.
{ head -n 3 "$TOP/fixtures/demo.csv"; echo 'N0852,short,row'; } >"$T/bad.csv"
conf "$T/bad.conf" "$T/bad.csv"

begin "a failed run leaves its log, a history line and a closing line"
run ndx-run --config "$T/bad.conf" --month 2026-10
want_rc 65
[ -e "$OUT/2026-10" ] && bad "a run directory for a failed run"
ls "$OUT"/failed/2026-10-*.log >"$T/kept" 2>/dev/null || :
want_lines "$T/kept" 1 "kept logs"
LOG=$(cat "$T/kept")
[ -n "$LOG" ] && [ -f "$LOG" ] || { bad "no failed log"; LOG=/dev/null; }
basename "$LOG" | grep -q "^2026-10-${STAMP}\.log$" || bad "log named $LOG"
want_fixed "$LOG" "ndx-run: stage=extract exit=65 "
want_fixed "$LOG" "syslog: period=2026-10 exit=65: failed in stage extract; log kept in $LOG"
tail -n 1 "$T/err" >"$T/last"
want_fixed "$T/last" "ndx-run: period=2026-10 exit=65: failed in stage extract; log kept in $LOG"
[ "$(stat -c %a "$OUT/failed")" = 700 ] || bad "failed/ is not 0700"
[ "$(stat -c %a "$LOG")" = 600 ] || bad "the kept log is not 0600"
sed -n 1p "$OUT/history.csv" >"$T/h1"
echo "time,period,exit,stage,episodes_read,episodes_valid,episodes_rejected,rows_read,rows_written,rows_rejected,seconds,where" >"$T/h1.want"
want_same "$T/h1" "$T/h1.want" "history.csv header"
sed -n 2p "$OUT/history.csv" | grep -q "^[0-9T:-]*Z,2026-10,65,extract,0,0,0,0,0,0,[0-9.]*,$LOG\$" ||
    { bad "history line"; show "$OUT/history.csv"; }
end

begin "run.log: timestamps, host, configuration; a success in history"
run ndx-run --config "$T/ndx.conf" --month 2026-10
want_rc 1
R=$OUT/2026-10
sed -n 1p "$R/run.log" >"$T/first"
grep -q "^[0-9-]*T[0-9:]*Z ndx-run: ndx-run [0-9.]* host=$(hostname) config=$T/ndx.conf period=2026-10\$" "$T/first" ||
    { bad "first line of run.log"; show "$T/first"; }
grep '^[0-9T:-]*Z ndx-run: ' "$R/run.log" >"$T/own" || :
grep 'ndx-run: ' "$R/run.log" >"$T/all" || :
want_same "$T/own" "$T/all" "ndx-run's lines with a timestamp"
tail -n 1 "$T/err" >"$T/last"
want_fixed "$T/last" "ndx-run: period=2026-10 exit=1: done, records rejected (see provider/report.csv); products in $R"
sed -n 3p "$OUT/history.csv" | grep -q "^[0-9T:-]*Z,2026-10,1,,[0-9]*,[0-9]*,[0-9]*,[0-9]*,[0-9]*,[0-9]*,[0-9.]*,$R\$" ||
    { bad "history line of the success"; show "$OUT/history.csv"; }
[ "$(wc -l <"$OUT/history.csv" | tr -d ' ')" = 3 ] || bad "not a line a run"
end

begin "--force keeps the run it replaces"
cp "$OUT/2026-10/MANIFEST" "$T/first-manifest"
sleep 1	# another second: another stamp
run ndx-run --config "$T/ndx.conf" --month 2026-10 --force
want_rc 1
ls -d "$OUT"/replaced/2026-10-* >"$T/kept" 2>/dev/null || :
want_lines "$T/kept" 1 "replaced runs"
K=$(cat "$T/kept")
[ -n "$K" ] && cmp -s "$K/MANIFEST" "$T/first-manifest" ||
    bad "the replaced run is not the first run"
[ "$(stat -c %a "$OUT/replaced")" = 700 ] || bad "replaced/ is not 0700"
want_fixed "$T/err" "; the run it replaced is in $K"
[ -f "$OUT/2026-10/MANIFEST" ] || bad "no new run"
end

begin "examples/: the systemd service and timer"
S=$TOP/examples/ndx-run.service
M=$TOP/examples/ndx-run.timer
[ -f "$S" ] && [ -f "$M" ] || bad "the units are missing"
want_fixed "$S" "SuccessExitStatus=1"
want_fixed "$S" "ExecStart=/usr/local/bin/ndx-run --config /etc/ndx/ndx.conf --month previous"
want_fixed "$M" "OnCalendar="
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$T/units"
	sed "s|/usr/local/bin/ndx-run|$BIN/ndx-run|" "$S" >"$T/units/ndx-run.service"
	cp "$M" "$T/units/ndx-run.timer"
	systemd-analyze verify "$T/units/ndx-run.service" \
	    "$T/units/ndx-run.timer" >"$T/verify" 2>&1 ||
	    { bad "systemd-analyze verify"; show "$T/verify"; }
else
	skip "systemd-analyze verify" "no systemd-analyze here"
fi
end

begin "progress within the pass, on a terminal only"
if command -v script >/dev/null 2>&1; then
	# script(1) gives ndx-run a terminal for its standard error.
	rc=0
	script -qec "'$BIN/ndx-run' --config '$T/ndx.conf' --month 2026-09" \
	    /dev/null >"$T/tty" 2>&1 </dev/null || rc=$?
	want_rc 1
	tr '\r' '\n' <"$T/tty" >"$T/tty.lines"
	grep -q '^ndx-run: validate and products: [0-9]* rows, [0-9]* rows/s$' \
	    "$T/tty.lines" || { bad "no progress line"; show "$T/tty.lines"; }
	grep -q '^ndx-extract: progress: [0-9]* rows read, [0-9]* rows/s$' \
	    "$T/tty.lines" || { bad "no extract progress"; show "$T/tty.lines"; }
	grep -q 'rows/s' "$OUT/2026-09/run.log" && bad "progress in run.log"
	# Every line of the log says when, the stages' own lines too.
	grep -v '^[0-9-]*T[0-9:]*Z ' "$OUT/2026-09/run.log" >"$T/untimed" || :
	want_empty "$T/untimed" "run.log lines without a time"
	run ndx-run --config "$T/ndx.conf" --month 2026-08
	grep -q 'rows/s' "$T/err" && bad "progress without a terminal"
else
	skip "progress" "no script(1) here"
fi
end

finish
