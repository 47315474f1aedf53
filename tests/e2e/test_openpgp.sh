#!/bin/sh
# ndx-pack with OpenPGP, against a real GnuPG in a private keyring
# (tests/e2e/gpg.sh): archives encrypted to a recipient that stock gpg
# decrypts, MANIFEST.sig that stock gpg --verify accepts, verify and
# unpack of .gpg archives, and --signer refusing what it must.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/gpg.sh
. "$E2E/gpg.sh"

if ! command -v gpg >/dev/null 2>&1 || ! gpg_setup "$T/gpg"; then
	skip "openpgp" "no working gpg"
	finish
fi

P=$DATA/pack
W=$T/openpgp
mkdir -p "$W"
FILES="$P/commissioner.csv $P/episodes.xml $P/rejects.csv"

# pack ARG...: ndx-pack with FILES appended.
pack() {
	# shellcheck disable=SC2086 # FILES is a list of paths without spaces
	run ndx-pack "$@" $FILES
}

begin "AES inside OpenPGP"
pack -o "$W/aes.zip.gpg" --openpgp "$RECIPIENT_FPR" --encrypt \
    --passphrase-file "$PROVIDER_PASS_FILE"
want_rc 0
want_empty "$T/err" stderr
run ndx-pack verify --passphrase-file "$PROVIDER_PASS_FILE" "$W/aes.zip.gpg"
want_rc 0
run ndx-pack verify "$W/aes.zip.gpg"
want_rc 64
end

begin "encrypted and signed"
pack -o "$W/a.zip.gpg" --openpgp "$RECIPIENT_FPR" --sign "$PROVIDER_FPR" \
    --signing-passphrase-file "$PROVIDER_PASS_FILE" --period 2026Q2 \
    --agency N0852 --recipient public-health --manifest-dir "$W/md"
want_rc 0
want_empty "$T/err" stderr
[ -f "$W/md/MANIFEST.sig" ] || bad "--manifest-dir: no MANIFEST.sig"
end

begin "stock gpg decrypts it; bsdtar lists it; gpg --verify accepts it"
gpg_gpg --decrypt "$W/a.zip.gpg" >"$W/a.zip" 2>"$W/gpgerr" ||
    { bad "gpg --decrypt fails"; show "$W/gpgerr"; }
bsdtar -tf "$W/a.zip" >"$W/list" 2>&1 || bad "bsdtar cannot list it"
unzip -tq "$W/a.zip" >/dev/null 2>&1 || bad "not a zip: unzip -t fails"
printf 'MANIFEST\nMANIFEST.sig\nSHA256SUMS\ncommissioner.csv\nepisodes.xml\nrejects.csv\n' \
    >"$W/want"
want_same "$W/list" "$W/want" "entries"
rm -rf "$W/u" && mkdir -p "$W/u"
bsdtar -xf "$W/a.zip" -C "$W/u"
gpg_gpg --verify "$W/u/MANIFEST.sig" "$W/u/MANIFEST" >"$W/v" 2>&1 ||
    { bad "gpg --verify refuses MANIFEST.sig"; show "$W/v"; }
if ! (cd "$W/u" && sha256sum -c --quiet SHA256SUMS) >"$W/sc" 2>&1; then
	bad "sha256sum -c fails"
	show "$W/sc"
fi
cmp -s "$W/u/MANIFEST.sig" "$W/md/MANIFEST.sig" ||
    bad "--manifest-dir's MANIFEST.sig differs"
end

begin "verify the .gpg with --signer"
run ndx-pack verify --signer "$PROVIDER_FPR" "$W/a.zip.gpg"
want_rc 0
want_empty "$T/err" stderr
want_fixed "$T/out" "a.zip.gpg: verified 3 files; period 2026Q2; agency N0852; recipient public-health; signed by $PROVIDER_FPR"
end

begin "verify without --signer names the signer"
run ndx-pack verify "$W/a.zip"
want_rc 0
want_fixed "$T/out" "signed by $PROVIDER_FPR"
end

begin "unpack the .gpg"
run ndx-pack unpack --signer "$PROVIDER_FPR" "$W/a.zip.gpg" "$W/un"
want_rc 0
for f in $FILES; do
	cmp -s "$f" "$W/un/${f##*/}" || bad "${f##*/} differs"
done
end

begin "signer is another key"
run ndx-pack verify --signer "$STRANGER_FPR" "$W/a.zip"
want_rc 1
want_fixed "$T/err" "MANIFEST.sig"
end

begin "signed by the stranger, --signer PROVIDER"
pack -o "$W/s.zip" --sign "$STRANGER_FPR"
want_rc 0
run ndx-pack verify --signer "$PROVIDER_FPR" "$W/s.zip"
want_rc 1
want_fixed "$T/err" "s.zip: MANIFEST.sig: "
end

begin "no signature, --signer"
pack -o "$W/n.zip"
run ndx-pack verify --signer "$PROVIDER_FPR" "$W/n.zip"
want_rc 1
want_fixed "$T/err" "n.zip: MANIFEST.sig: missing, and --signer needs it"
end

begin "tampered MANIFEST with the original signature"
sed 's/^period 2026Q2$/period 2026Q3/' "$W/u/MANIFEST" >"$W/u/M2"
mv "$W/u/M2" "$W/u/MANIFEST"
(cd "$W/u" && sha256sum MANIFEST MANIFEST.sig commissioner.csv \
    episodes.xml rejects.csv >SHA256SUMS &&
    bsdtar -cf "$W/t.zip" --format zip MANIFEST MANIFEST.sig SHA256SUMS \
    commissioner.csv episodes.xml rejects.csv)
run ndx-pack verify --signer "$PROVIDER_FPR" "$W/t.zip"
want_rc 1
want_fixed "$T/err" "t.zip: MANIFEST.sig: bad signature"
run ndx-pack verify "$W/t.zip"
want_rc 1
end

begin "--openpgp needs .zip.gpg or .tar.gz.gpg"
pack -o "$W/x.zip" --openpgp "$RECIPIENT_FPR"
want_rc 64
[ -e "$W/x.zip" ] && bad "archive written"
end

begin "--openpgp to a key not in the keyring"
pack -o "$W/x.zip.gpg" --openpgp 0123456789ABCDEF0123456789ABCDEF01234567
want_rc 78
[ -e "$W/x.zip.gpg" ] && bad "archive written"
end

begin "tar.gz.gpg for someone else is not ours to read"
pack -o "$W/o.tar.gz.gpg" --openpgp "$STRANGER_FPR"
want_rc 0
gpg_gpg --decrypt "$W/o.tar.gz.gpg" 2>/dev/null | gzip -t 2>/dev/null ||
    bad "not a tar.gz inside"
gpg_gpg --batch --yes --delete-secret-keys "$STRANGER_FPR" >/dev/null 2>&1
run ndx-pack verify "$W/o.tar.gz.gpg"
want_rc 1
want_prefixed "$T/err" ndx-pack
end

begin "signed by a key not in the keyring, no --signer: not checked"
gpg_gpg --batch --yes --delete-keys "$STRANGER_FPR" >/dev/null 2>&1
run ndx-pack verify "$W/s.zip"
want_rc 0
want_fixed "$T/err" "s.zip: signature not checked: signed by a key not in the keyring"
grep -F 'signed by' "$T/out" >/dev/null && bad "a signer was named"
run ndx-pack verify --signer "$PROVIDER_FPR" "$W/s.zip"
want_rc 1
end

finish
