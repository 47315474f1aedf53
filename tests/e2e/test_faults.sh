#!/bin/sh
# Faults as a user meets them, in one place (issue 6, item 4):
#   - a pipe closed early (| head): every program streaming to standard
#     output exits 74 with one line naming it and "standard output", with
#     SIGPIPE ignored or default in its parent (cron leaves it default), and
#     leaves none of its other outputs behind;
#   - a full disk: /dev/full for each output and side output, and a small
#     tmpfs (root only) on which nothing is left;
#   - an unreadable key: ndx-pseudonymise and ndx-run with a key file that
#     is missing (66), unreadable (66, as nobody), a directory, a FIFO,
#     empty or garbage (78), readable by group (77); never shown;
#   - a corrupted archive: ndx-pack verify and unpack on a truncated zip or
#     tar.gz, a flipped byte, a changed MANIFEST, a wrong passphrase, a
#     zero-byte file; unpack leaves nothing behind, on a full disk too;
#   - SIGTERM to ndx-run while the real extract, validate, pseudonymise,
#     a transform (products run side by side) or pack runs:
#     143, no run directory, no temporary one, no stage left running, the
#     lock released (a second run works).
#
# Covered elsewhere, not repeated here:
#   - a database connection lost mid-stream: test_sources.sh
#     (pg-server-stops-mid-extract: 75, no output file; pg-server-down-stdout);
#   - test_run.sh: SIGKILL in every stage, SIGTERM in a held validate stage,
#     ndx-run on a full tmpfs, a 0644 key under ndx-run;
#   - test_pack.sh: a flipped byte in a zip entry (verify, unpack), missing,
#     extra and changed files, verify with a wrong passphrase, not an
#     archive, a missing archive, ndx-pack -o to /dev/full and a full tmpfs;
#   - test_pseudonymise.sh: key modes 0640 to 0602, a symbolic link, a
#     directory, a missing key, CRLF, a short key, -o /dev/full;
#   - test_malformed.sh: ndx-extract's standard output to /dev/full;
#   - test_transform.sh, test_pcc.sh: ndx-transform -o /dev/full
#     (commissioner, public-health, validation-report, pcc-return csv).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

W=$T/faults
mkdir -p "$W"
ASOF=2026-11-01

# want_left DIR WHAT: DIR is empty (or absent).
want_left() {
	if [ -d "$1" ]; then
		ls -A "$1" >"$T/left"
		want_empty "$T/left" "$2"
	fi
	return 0
}

# want_root ROOT NAME...: the output root ROOT holds exactly these (and
# ndx-run's lock and its accounting: history.csv, failed/, replaced/).
want_root() {
	_root=$1
	shift
	# shellcheck disable=SC2010 # names made by ndx-run, no newlines
	_got=$(ls -A "$_root" | grep -v -x -e '\.ndx-run\.lock' \
	    -e history.csv -e failed -e replaced | tr '\n' ' ')
	_want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')
	[ "$_got" = "$_want" ] || bad "$_root holds '$_got', want '$_want'"
	return 0
}

# want_one_line PROG TEXT: exactly one line on standard error, from PROG,
# containing TEXT.
want_one_line() {
	want_lines "$T/err" 1 stderr
	want_prefixed "$T/err" "$1"
	want_fixed "$T/err" "$2"
}

# --- inputs: 3000 synthetic clients, their episodes for 2026Q2, the
# valid ones, the validation report, the pseudonymised episodes

KEY=$W/key
begin inputs
# Made, not tested: without $VALGRIND, which would take minutes here.
_vg=$VALGRIND
VALGRIND=
"$BIN/ndx-pseudonymise" keygen "$KEY" || bad "keygen failed"
run ndx-fixtures --seed 1 --clients 3000 --target "csv:$W/big.csv"
want_rc 0
run ndx-extract --source "csv:$W/big.csv" --as-of "$ASOF" --quarter 2026Q2 \
    -o "$W/episodes.xml"
want_rc 0
run ndx-validate --area Cleveland -o "$W/valid.xml" --report "$W/report.xml" \
    "$W/episodes.xml"
[ "$rc" -le 1 ] || bad "ndx-validate exit status $rc"
run ndx-pseudonymise --key-file "$KEY" -o "$W/pseudo.xml" "$W/valid.xml"
want_rc 0
VALGRIND=$_vg
end
for f in big.csv episodes.xml valid.xml report.xml pseudo.xml; do
	if [ ! -s "$W/$f" ]; then
		echo "the remaining cases need $f"
		finish || exit 1
	fi
done

# ===================================================== a pipe closed early

# into READER SIG PROG ARG...: PROG's standard output into READER ("head
# -c 100", "head -n 1"; "closed": a pipe whose reader has gone before PROG
# starts, for outputs small enough to fit in the pipe whole), PROG started
# with SIGPIPE at SIG (default or ignore) as its parent left it.  rc is
# PROG's exit status.
into() {
	_reader=$1
	_sig=$2
	_prog=$3
	shift 3
	rm -f "$T/gone" "$T/rc"
	{
		if [ "$_reader" = closed ]; then
			_n=0
			while [ ! -e "$T/gone" ] && [ "$_n" -lt 400 ]; do
				sleep 0.01
				_n=$((_n + 1))
			done
		fi
		_rc=0
		# shellcheck disable=SC2086 # VALGRIND is a command prefix
		env "--$_sig-signal=PIPE" $VALGRIND "$BIN/$_prog" "$@" \
		    2>"$T/err" || _rc=$?
		echo "$_rc" >"$T/rc"
	} | if [ "$_reader" = closed ]; then
		exec <&-
		: >"$T/gone"
	else
		# shellcheck disable=SC2086 # a command line
		$_reader >/dev/null
	fi
	rc=$(cat "$T/rc")
}

# piped NAME READER PROG ARG...: for SIGPIPE default and ignored, PROG
# into READER exits 74 with one line naming standard output.  $SIDE is an
# empty directory for its other outputs, and must stay empty.
SIDE=$W/side
piped() {
	_name=$1
	_r=$2
	shift 2
	for _s in default ignore; do
		begin "pipe: $_name, SIGPIPE $_s"
		rm -rf "$SIDE"
		mkdir -p "$SIDE"
		into "$_r" "$_s" "$@"
		want_rc 74
		want_one_line "$1" "$1: standard output: write error"
		want_left "$SIDE" "the other outputs' directory"
		end
	done
}

# TMPDIR: where ndx-extract spills a large sort; nothing may stay there.
_tmpdir=${TMPDIR-}
TMPDIR=$SIDE
export TMPDIR
piped ndx-extract "head -c 100" ndx-extract --source "csv:$W/big.csv" \
    --as-of "$ASOF"
piped "ndx-validate -o -" "head -n 1" ndx-validate --area Cleveland -o - \
    --rejects "$SIDE/rejects.csv" --report "$SIDE/report.csv" \
    --report "$SIDE/report.xml" "$W/episodes.xml"
piped ndx-pseudonymise "head -c 100" ndx-pseudonymise --key-file "$KEY" \
    "$W/valid.xml"
piped "ndx-transform commissioner" "head -n 1" ndx-transform \
    --product commissioner "$W/valid.xml"
piped "ndx-transform public-health" "head -n 1" ndx-transform \
    --product public-health "$W/pseudo.xml"
for _f in csv xml html; do
	piped "ndx-transform pcc-return $_f" closed ndx-transform \
	    --product pcc-return --format "$_f" --area Cleveland \
	    --quarter 2026Q2 "$W/valid.xml"
done
piped "ndx-transform validation-report" closed ndx-transform \
    --product validation-report "$W/report.xml"
piped "ndx-fixtures csv:-" "head -n 1" ndx-fixtures --seed 1 \
    --clients 3000 --target csv:-
if [ -n "$_tmpdir" ]; then
	TMPDIR=$_tmpdir
else
	unset TMPDIR
fi

# ======================================================== a full disk

# full NAME PROG ARG...: exits 74 with one line naming /dev/full, and
# leaves $SIDE (its other outputs) empty.
full() {
	begin "full disk: $1"
	shift
	rm -rf "$SIDE"
	mkdir -p "$SIDE"
	run "$@"
	want_rc 74
	want_one_line "$1" "/dev/full: write error"
	want_empty "$T/out" stdout
	want_left "$SIDE" "the other outputs' directory"
	end
}

ln -s /dev/full "$W/full.xml"
full "ndx-extract -o" ndx-extract --source "csv:$W/big.csv" --as-of "$ASOF" \
    -o /dev/full
full "ndx-validate -o" ndx-validate -o /dev/full --rejects "$SIDE/r.csv" \
    --report "$SIDE/r.xml" "$W/episodes.xml"
full "ndx-validate --rejects" ndx-validate -o "$SIDE/v.xml" \
    --rejects /dev/full --report "$SIDE/r.xml" "$W/episodes.xml"
full "ndx-validate --report (CSV)" ndx-validate -o "$SIDE/v.xml" \
    --rejects "$SIDE/r.csv" --report /dev/full "$W/episodes.xml"
# The same device under a name ending .xml: the XML report.
begin "full disk: ndx-validate --report (XML)"
rm -rf "$SIDE"
mkdir -p "$SIDE"
run ndx-validate -o "$SIDE/v.xml" --report "$W/full.xml" "$W/episodes.xml"
want_rc 74
want_one_line ndx-validate "$W/full.xml: write error"
want_left "$SIDE" "the other outputs' directory"
end
for _f in xml html; do
	full "ndx-transform pcc-return $_f" ndx-transform --product pcc-return \
	    --format "$_f" --area Cleveland --quarter 2026Q2 -o /dev/full \
	    "$W/valid.xml"
done
full "ndx-fixtures csv" ndx-fixtures --seed 1 --clients 300 \
    --target csv:/dev/full

# --- a small file system that fills up: no partial file is left
S=$W/small
mkdir -p "$S"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=32k tmpfs "$S" 2>/dev/null
then
	# filled NAME PROG ARG...: exits 74, one line, and $S stays empty.
	filled() {
		begin "small disk: $1"
		shift
		rm -rf "$SIDE"
		mkdir -p "$SIDE"
		run "$@"
		want_rc 74
		want_lines "$T/err" 1 stderr
		want_prefixed "$T/err" "$1"
		want_left "$S" "the small file system"
		want_left "$SIDE" "the other outputs' directory"
		rm -rf "${S:?}"/* "$S"/.[!.]* 2>/dev/null || :
		end
	}
	filled ndx-extract ndx-extract --source "csv:$W/big.csv" \
	    --as-of "$ASOF" -o "$S/episodes.xml"
	filled "ndx-validate, every output" ndx-validate --area Cleveland \
	    -o "$S/valid.xml" --rejects "$S/rejects.csv" \
	    --report "$S/report.csv" "$W/episodes.xml"
	# The report fills the disk: the valid episodes elsewhere must not
	# appear either, or the set would be incomplete.
	filled "ndx-validate, the report" ndx-validate --area Cleveland \
	    -o "$SIDE/valid.xml" --rejects "$SIDE/rejects.csv" \
	    --report "$S/report.xml" "$W/episodes.xml"
	filled ndx-pseudonymise ndx-pseudonymise --key-file "$KEY" \
	    -o "$S/pseudo.xml" "$W/valid.xml"
	filled "ndx-transform commissioner" ndx-transform \
	    --product commissioner -o "$S/commissioner.csv" "$W/valid.xml"
	filled "ndx-fixtures csv" ndx-fixtures --seed 1 --clients 3000 \
	    --target "csv:$S/cm.csv"
	filled "ndx-fixtures sqlite" ndx-fixtures --seed 1 --clients 3000 \
	    --target "sqlite:$S/cm.db"
	# unpack writes MANIFEST, then fills the disk with big.csv.
	"$BIN/ndx-pack" -o "$W/big.tar.gz" "$W/big.csv" "$W/episodes.xml"
	filled "ndx-pack unpack, a new directory" ndx-pack unpack \
	    "$W/big.tar.gz" "$S/unpacked"
	mkdir "$S/unpacked"
	begin "small disk: ndx-pack unpack, an existing directory"
	run ndx-pack unpack "$W/big.tar.gz" "$S/unpacked"
	want_rc 74
	want_left "$S/unpacked" "the directory unpacked into"
	[ -d "$S/unpacked" ] || bad "the existing directory was removed"
	end
	umount "$S"
else
	skip "small disk" "needs root to mount a small tmpfs"
fi

# ====================================================== an unreadable key

HEX=$(cat "$KEY")
# want_no_key FILE...: none of the files holds the key, nor a quarter of it.
want_no_key() {
	for _f; do
		for _i in 1 17 33 49; do
			_q=$(printf '%s' "$HEX" | cut -c "$_i-$((_i + 15))")
			if grep -i -F -e "$_q" "$_f" >/dev/null; then
				bad "${_f##*/} shows the key"
			fi
		done
	done
	return 0
}

K=$W/keys
mkdir -p "$K"
: >"$K/empty"
# 64 hexadecimal digits and a newline, but not all of them hex.
printf '%sg\n' "$(printf '%s' "$HEX" | cut -c 1-63)" >"$K/not-hex"
# The right length of anything.
head -c 65 /dev/urandom >"$K/garbage"
# The key, and a second line.
printf '%s\n%s\n' "$HEX" "$HEX" >"$K/two-lines"
cp "$KEY" "$K/group"
mkfifo "$K/fifo"
mkdir "$K/dir"
chmod 600 "$K/empty" "$K/not-hex" "$K/garbage" "$K/two-lines" "$K/fifo"
chmod 640 "$K/group"
chmod 700 "$K/dir"

# key_refused NAME RC KEY TEXT: ndx-pseudonymise exits RC, one line with
# TEXT, writes nothing, never shows the key.
key_refused() {
	begin "key: ndx-pseudonymise, $1"
	rm -f "$W/p.xml"
	run ndx-pseudonymise --key-file "$3" -o "$W/p.xml" "$W/valid.xml"
	want_rc "$2"
	want_one_line ndx-pseudonymise "$4"
	want_empty "$T/out" stdout
	want_no_key "$T/err"
	[ ! -e "$W/p.xml" ] || bad "an output was written"
	end
}
NOTKEY="not a key file: it must hold exactly 64 hexadecimal digits"
key_refused empty 78 "$K/empty" "$NOTKEY"
key_refused "not hexadecimal" 78 "$K/not-hex" "$NOTKEY"
key_refused garbage 78 "$K/garbage" "$NOTKEY"
key_refused "a second line" 78 "$K/two-lines" "$NOTKEY"
key_refused "a FIFO, not waited on" 78 "$K/fifo" "is not a regular file"

# The same keys under ndx-run: refused by ndx-run's own checks before any
# stage, 78 (77 for a mode) naming the key_file line, nothing made, the
# key shown nowhere.
conf() {
	cat >"$1" <<CONF
source = csv:$TOP/fixtures/demo.csv
agency = N0852, N1234, D0412, H0227, N0871, N0903
area = Cleveland
key_file = $2
passphrase_file = $W/run.pass
output_root = $3
as_of = $ASOF
CONF
}
(umask 077 && printf 'a run passphrase\n' >"$W/run.pass")
# run_key NAME RC KEY TEXT
run_key() {
	begin "key: ndx-run, $1"
	rm -rf "$W/rk"
	conf "$W/rk.conf" "$3" "$W/rk"
	run ndx-run --config "$W/rk.conf" --quarter 2026Q2
	want_rc "$2"
	want_fixed "$T/err" "ndx-run: $W/rk.conf:4: key_file: $3: $4"
	want_no_key "$T/err" "$T/out"
	[ ! -e "$W/rk" ] || bad "the output root was made"
	end
}
run_key missing 78 "$K/none" "cannot open the key file"
run_key "a directory" 78 "$K/dir" "is not a regular file"
run_key empty 78 "$K/empty" "$NOTKEY"
run_key garbage 78 "$K/garbage" "$NOTKEY"
run_key "readable by its group" 77 "$K/group" "mode 0640 lets group"

# Truly unreadable: root reads any file, so these run as nobody.
NB=$W/nobody
if [ "$(id -u)" -eq 0 ] &&
    setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null
then
	as_nobody() {
		rc=0
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    "$@" >"$T/out" 2>"$T/err" || rc=$?
	}
	chmod 711 "$T" "$W"
	mkdir -p "$NB"
	cp "$W/valid.xml" "$NB/valid.xml"
	cp "$KEY" "$NB/root.key"
	cp "$KEY" "$NB/nobody.key"
	chmod 644 "$NB/valid.xml"
	chmod 600 "$NB/root.key"
	chown nobody "$NB" "$NB/nobody.key"
	conf "$NB/run.conf" "$NB/root.key" "$NB/out"
	chmod 644 "$NB/run.conf"

	begin "key: ndx-pseudonymise, owned by another user"
	as_nobody "$BIN/ndx-pseudonymise" --key-file "$NB/root.key" \
	    -o "$NB/p.xml" "$NB/valid.xml"
	want_rc 66
	want_one_line ndx-pseudonymise \
	    "$NB/root.key: cannot open the key file: Permission denied"
	want_no_key "$T/err"
	[ ! -e "$NB/p.xml" ] || bad "an output was written"
	end

	begin "key: ndx-pseudonymise, mode 0000"
	chmod 000 "$NB/nobody.key"
	as_nobody "$BIN/ndx-pseudonymise" --key-file "$NB/nobody.key" \
	    -o "$NB/p.xml" "$NB/valid.xml"
	want_rc 66
	want_one_line ndx-pseudonymise "Permission denied"
	[ ! -e "$NB/p.xml" ] || bad "an output was written"
	chmod 600 "$NB/nobody.key"
	end

	begin "key: ndx-pseudonymise as nobody, a key it can read"
	as_nobody "$BIN/ndx-pseudonymise" --key-file "$NB/nobody.key" \
	    -o "$NB/p.xml" "$NB/valid.xml"
	want_rc 0
	end

	begin "key: ndx-run, owned by another user"
	as_nobody "$BIN/ndx-run" --config "$NB/run.conf" --quarter 2026Q2
	want_rc 78
	want_fixed "$T/err" \
	    "ndx-run: $NB/run.conf:4: key_file: $NB/root.key: cannot open the key file"
	want_no_key "$T/err"
	[ ! -e "$NB/out" ] || bad "the output root was made"
	end
	chmod 700 "$T"
else
	skip "unreadable key" "needs root and setpriv to run as nobody"
fi

# ================================================== a corrupted archive

P=$DATA/pack
A=$W/archives
mkdir -p "$A"
PASS='correct horse battery'
printf '%s\n' "$PASS" >"$A/pass"
chmod 600 "$A/pass"
for fmt in zip tar.gz; do
	"$BIN/ndx-pack" -o "$A/a.$fmt" --period 2026-10 "$P/commissioner.csv" \
	    "$P/episodes.xml" "$P/rejects.csv"
done
"$BIN/ndx-pack" -o "$A/e.zip" --encrypt --passphrase-file "$A/pass" \
    "$P/commissioner.csv" "$P/episodes.xml" "$P/rejects.csv"

# cut IN OUT N: OUT is IN without its last N bytes (N ending in %: that
# share of IN).
cut_bytes() {
	_size=$(wc -c <"$1" | tr -d ' ')
	case $3 in
	*%) _keep=$((_size * (100 - ${3%\%}) / 100)) ;;
	*) _keep=$((_size - $3)) ;;
	esac
	head -c "$_keep" "$1" >"$2"
}

# damaged NAME RC ARCHIVE TEXT [PASSPHRASE-FILE]: verify and unpack exit
# RC with TEXT; unpack leaves nothing.
damaged() {
	_pf=
	[ -z "${5-}" ] || _pf="--passphrase-file $5"
	begin "archive: $1, verify"
	# shellcheck disable=SC2086 # no spaces in the passphrase file's path
	run ndx-pack verify $_pf "$3"
	want_rc "$2"
	want_prefixed "$T/err" ndx-pack
	want_fixed "$T/err" "$4"
	end
	begin "archive: $1, unpack"
	rm -rf "$A/u"
	# shellcheck disable=SC2086
	run ndx-pack unpack $_pf "$3" "$A/u"
	want_rc "$2"
	want_prefixed "$T/err" ndx-pack
	want_fixed "$T/err" "$4"
	[ ! -e "$A/u" ] || bad "unpack left $A/u"
	end
}

cut_bytes "$A/a.zip" "$A/half.zip" 50%
damaged "zip cut in half" 1 "$A/half.zip" "half.zip: damaged archive: "
# Every entry whole, the central directory cut short: libarchive streams
# the entries and never reads it, but 7-Zip and unzip need it.
cut_bytes "$A/a.zip" "$A/end.zip" 10
damaged "zip without the end of its central directory" 1 "$A/end.zip" \
    "end.zip: damaged archive: its central directory is missing or cut short"
cut_bytes "$A/e.zip" "$A/e-end.zip" 1
damaged "encrypted zip one byte short" 1 "$A/e-end.zip" \
    "e-end.zip: damaged archive: its central directory" "$A/pass"
cut_bytes "$A/a.tar.gz" "$A/half.tar.gz" 50%
damaged "tar.gz cut in half" 1 "$A/half.tar.gz" \
    "half.tar.gz: damaged archive: truncated gzip input"
cut_bytes "$A/a.tar.gz" "$A/end.tar.gz" 1
damaged "tar.gz one byte short" 1 "$A/end.tar.gz" \
    "end.tar.gz: damaged archive: "

# A byte of the compressed stream flipped (a zip entry's: test_pack.sh).
cp "$A/a.tar.gz" "$A/flip.tar.gz"
python3 - "$A/flip.tar.gz" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
data[len(data) // 2] ^= 0x55
open(path, 'wb').write(data)
PY
# gzip's CRC is at the end, after the tar's end: what is seen is garbage.
damaged "tar.gz with a flipped byte" 1 "$A/flip.tar.gz" "flip.tar.gz: "

# A MANIFEST changed: a checksum, or a line that is not a manifest's.
mkdir -p "$A/m"
bsdtar -xf "$A/a.tar.gz" -C "$A/m"
# remanifest ARCHIVE: the files and $A/m/MANIFEST as ARCHIVE; the
# original MANIFEST is put back.
remanifest() {
	(cd "$A/m" && bsdtar -czf "$1" MANIFEST commissioner.csv \
	    episodes.xml rejects.csv)
	bsdtar -xf "$A/a.tar.gz" -C "$A/m" MANIFEST
}
# The first digit of rejects.csv's checksum changed.
awk '/ rejects\.csv$/ { $2 = (substr($2, 1, 1) == "0" ? "1" : "0") \
    substr($2, 2) } { print }' "$A/m/MANIFEST" >"$A/m/M"
mv "$A/m/M" "$A/m/MANIFEST"
remanifest "$A/sum.tar.gz"
damaged "MANIFEST with another checksum" 1 "$A/sum.tar.gz" \
    "sum.tar.gz: rejects.csv: checksum differs"
printf 'colour blue\n' >>"$A/m/MANIFEST"
remanifest "$A/line.tar.gz"
damaged "MANIFEST with a strange line" 1 "$A/line.tar.gz" \
    "line.tar.gz: MANIFEST:"

begin "archive: wrong passphrase, unpack"
printf 'wrong\n' >"$A/wrong"
chmod 600 "$A/wrong"
rm -rf "$A/u"
run ndx-pack unpack --passphrase-file "$A/wrong" "$A/e.zip" "$A/u"
want_rc 1
want_fixed "$T/err" \
    "e.zip: commissioner.csv: wrong passphrase or damaged archive"
want_prefixed "$T/err" ndx-pack
[ ! -e "$A/u" ] || bad "unpack left $A/u"
grep -F wrong "$T/err" | grep -v 'wrong passphrase' >/dev/null &&
    bad "the passphrase was shown"
end

for fmt in zip tar.gz; do
	: >"$A/zero.$fmt"
	damaged "zero-byte $fmt" 65 "$A/zero.$fmt" \
	    "zero.$fmt: not an archive: "
done

# ================================================ SIGTERM during a run

# ndx-run runs the programs beside it: a copy in $TB, beside scripts that
# exec the real ones.  When $TB/stop names a stage, that stage's script
# stops the real program (SIGSTOP) $TB/delay seconds after its exec and
# writes its pid to $T/stopped, so SIGTERM lands while it runs.  Files,
# not variables: ndx-run gives a stage only the variables it knows.
TB=$W/bin
mkdir -p "$TB"
cp "$BIN/ndx-run" "$TB/"
# ndx-run reads areas.csv itself, from beside its executable, and its
# in-process stages the schema and the stylesheets.
[ -e "$BIN/../schemas" ] && ln -s "$(cd "$BIN/.." && pwd)/schemas" "$W/schemas"
[ -e "$BIN/../transform" ] &&
    ln -s "$(cd "$BIN/.." && pwd)/transform" "$W/transform"
for s in extract transform pack; do
	cat >"$TB/ndx-$s" <<SH
#!/bin/sh
# mkdir: once, even when stages run side by side; never the source check.
if [ "\${1-}" != --check ] && [ -f "$TB/stop" ] &&
    [ "\$(cat "$TB/stop")" = $s ] && mkdir "$T/stopped.once" 2>/dev/null
then
	(
		# From the exec on: the delay counts from the real program's
		# start, however long the shell took to get there.
		# A stage that has already ended ends this too: it would
		# otherwise linger with the wrapper's command line, naming
		# the output root, long after the run.
		_i=0
		while [ -d /proc/\$\$ ] &&
		    [ "\$(readlink /proc/\$\$/exe)" != "$BIN/ndx-$s" ] &&
		    [ \$_i -lt 2000 ]; do
			_i=\$((_i + 1))
		done
		sleep "\$(cat "$TB/delay")"
		[ -d /proc/\$\$ ] || exit 0
		kill -STOP \$\$
		echo \$\$ >"$T/stopped.tmp"
		mv "$T/stopped.tmp" "$T/stopped"
	) </dev/null >/dev/null 2>&1 &
fi
exec "$BIN/ndx-$s" "\$@"
SH
	chmod +x "$TB/ndx-$s"
done
OUT=$W/runs
conf "$W/big.conf" "$KEY" "$OUT"
sed -i "s|^source = .*|source = csv:$W/big.csv|" "$W/big.conf"
sed -i "s|^passphrase_file = .*|passphrase_file = $A/pass|" "$W/big.conf"
conf "$W/small.conf" "$KEY" "$OUT"

# term STAGE DELAY: a run for 2026Q2 whose STAGE is stopped DELAY seconds
# in, then SIGTERM to the run, then the stage let go.  rc is the run's
# status; child the stage's pid, empty when it was not caught running.
term() {
	rm -rf "$T/stopped" "$T/stopped.once"
	echo "$1" >"$TB/stop"
	echo "$2" >"$TB/delay"
	"$TB/ndx-run" --config "$W/big.conf" --quarter 2026Q2 \
	    >"$T/out" 2>"$T/err" &
	_run=$!
	_n=0
	while [ ! -e "$T/stopped" ] && kill -0 "$_run" 2>/dev/null &&
	    [ "$_n" -lt 600 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
	child=
	_stopped=
	if [ -e "$T/stopped" ]; then
		_stopped=$(cat "$T/stopped")
		child=$_stopped
		# Caught while the real program ran, not after it ended.
		if [ "$(readlink "/proc/$child/exe" 2>/dev/null)" != \
		    "$BIN/ndx-$1" ] ||
		    [ "$(ps -o stat= -p "$child" | tr -d ' ' | cut -c 1)" != \
		    T ]; then
			child=
		fi
	fi
	kill -TERM "$_run" 2>/dev/null || :
	# Let the run pass SIGTERM on before the stage goes on.
	sleep 0.2
	[ -z "$_stopped" ] || kill -CONT "$_stopped" 2>/dev/null || :
	rc=0
	wait "$_run" || rc=$?
	rm -f "$TB/stop"
	# The stopper of a stage that ended first may still be finishing.
	_n=0
	while pgrep -f -- "$TB/ndx-" >/dev/null && [ "$_n" -lt 100 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
}

# after_term: what a run stopped by SIGTERM must leave: 143, nothing on
# the output root, no process, the lock free, and a next run completes.
after_term() {
	want_rc 143
	want_root "$OUT"
	pgrep -f -- "$OUT" >"$T/procs" || :
	want_empty "$T/procs" "processes on the output root"
	flock -n "$OUT/.ndx-run.lock" true || bad "the lock is held"
	rc=0
	"$TB/ndx-run" --config "$W/small.conf" --quarter 2026Q2 \
	    >"$T/out" 2>"$T/err" || rc=$?
	want_rc 1
	want_root "$OUT" 2026Q2
	rm -rf "${OUT:?}/2026Q2"
}

for s in extract transform pack; do
	begin "SIGTERM while $s runs"
	for d in 0.03 0.01 0.003 0 0; do
		term "$s" "$d"
		[ -z "$child" ] || break
		# Too late: the stage had ended.  Start again, sooner.
		rm -rf "${OUT:?}/2026Q2"
	done
	if [ -z "$child" ]; then
		bad "never caught ndx-$s running"
	else
		# The stage is gone, and nothing else works on the run.
		[ ! -d "/proc/$child" ] || bad "ndx-$s ($child) still runs"
		after_term
	fi
	end
done

# Validation and the products run inside ndx-run, in one pass: ndx-run is
# stopped (SIGSTOP) once run.log says extract has ended and before it says
# validate has, sent SIGTERM, and let go; the pass stops at its next
# client.
begin "SIGTERM during the one pass"
caught=
for try in 1 2 3 4 5 6 7 8; do
	rm -rf "${OUT:?}/2026Q2"
	"$TB/ndx-run" --config "$W/big.conf" --quarter 2026Q2 \
	    >"$T/out" 2>"$T/err" &
	_run=$!
	while kill -0 "$_run" 2>/dev/null &&
	    ! cat "$OUT"/.2026Q2.tmp-*/run.log 2>/dev/null |
	    grep -q 'stage=extract '; do
		:
	done
	kill -STOP "$_run" 2>/dev/null || :
	if cat "$OUT"/.2026Q2.tmp-*/run.log 2>/dev/null |
	    grep -q 'stage=extract exit=0 ' &&
	    ! cat "$OUT"/.2026Q2.tmp-*/run.log | grep -q 'stage=validate '
	then
		caught=1
	fi
	kill -TERM "$_run" 2>/dev/null || :
	kill -CONT "$_run" 2>/dev/null || :
	rc=0
	wait "$_run" || rc=$?
	[ -z "$caught" ] || break
done
if [ -z "$caught" ]; then
	skip "SIGTERM during the one pass" "the pass ended before it was caught"
else
	after_term
fi
end

finish
