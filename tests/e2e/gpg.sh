# tests/e2e/gpg.sh: OpenPGP keys for tests, in a private keyring.  Sourced
# (after lib.sh, or on its own) by e2e scripts and run by unit tests:
#
#	. "$E2E/gpg.sh"
#	gpg_setup "$T/gpg"	# or: gpg_setup (files go into $GNUPGHOME)
#	... ndx-pack --openpgp "$RECIPIENT_FPR" --sign "$PROVIDER_FPR" \
#	    --signing-passphrase-file "$PROVIDER_PASS_FILE" ...
#	gpg_teardown		# also done by an EXIT trap it installs
#
# gpg_setup [DIR] makes a fresh keyring and exports:
#   GNUPGHOME           the keyring, mktemp -d /tmp/ndxgpg.XXXXXX, mode
#                       0700 (short: gpg-agent's socket path must fit in
#                       108 bytes).  gpg-agent.conf allows loopback
#                       pinentry and caches no passphrase, so a wrong one
#                       is always refused.
#   PROVIDER_FPR        ed25519, sign only, protected by a passphrase: the
#                       provider's signing key (it cannot encrypt).
#   PROVIDER_PASS_FILE  that passphrase, one line, mode 0600.
#   PROVIDER_PASS       the passphrase itself (tests only).
#   RECIPIENT_FPR       ed25519 certify-only primary + cv25519 encryption
#                       subkey, no passphrase: a recipient whose secret
#                       key is here, so archives encrypted to it decrypt.
#                       It cannot sign.
#   STRANGER_FPR        ed25519 sign + cv25519 encrypt, no passphrase:
#                       a key nobody expects (forged signatures, archives
#                       for someone else).
#   GPG_DIR             DIR (default $GNUPGHOME), which also receives
#                       provider.fpr, recipient.fpr, stranger.fpr (the
#                       fingerprint and a newline) and provider.pass
#                       (= PROVIDER_PASS_FILE) and gnupghome (the path of
#                       GNUPGHOME and a newline).
# gpg_setup replaces the EXIT trap with one that runs gpg_teardown and
# removes $T (lib.sh's temporary directory); a script that sets its own
# EXIT trap afterwards must call gpg_teardown in it.  With GPG_NO_TRAP
# set it installs none (the unit tests, which run it in a child shell).
# Fingerprints are 40 upper-case hex digits.  gpg_gpg ARGS... runs gpg
# in batch mode with loopback pinentry on that keyring (stock gpg, as a
# recipient would).  gpg_teardown kills the keyring's gpg-agent and
# removes GNUPGHOME (not DIR when it is elsewhere).  Returns non-zero
# and says why on stderr when gpg fails.

gpg_gpg() {
	gpg --batch --no-tty --pinentry-mode loopback "$@"
}

# The fingerprint of the primary key of the only key matching $1.
gpg_fpr() {
	gpg --batch --with-colons --list-keys -- "$1" 2>/dev/null |
	    awk -F: '$1 == "fpr" { print $10; exit }'
}

# gpg_newkey UID PASSPHRASE PRIMARY-USAGE [SUBKEY-USAGE]: prints the fpr.
gpg_newkey() {
	gpg_gpg --passphrase "$2" --quick-gen-key "$1" ed25519 "$3" 0 \
	    >/dev/null 2>&1 || { echo "gpg.sh: cannot make key $1" >&2; return 1; }
	_f=$(gpg_fpr "$1")
	[ -n "$_f" ] || { echo "gpg.sh: no fingerprint for $1" >&2; return 1; }
	if [ -n "${4-}" ]; then
		gpg_gpg --passphrase "$2" --quick-add-key "$_f" cv25519 "$4" 0 \
		    >/dev/null 2>&1 ||
		    { echo "gpg.sh: cannot add subkey to $1" >&2; return 1; }
	fi
	printf '%s\n' "$_f"
}

gpg_setup() {
	GNUPGHOME=$(mktemp -d /tmp/ndxgpg.XXXXXX) || return 1
	export GNUPGHOME
	chmod 700 "$GNUPGHOME"
	[ -n "${GPG_NO_TRAP-}" ] ||
	    trap 'gpg_teardown; rm -rf "${T-/nonexistent}"' EXIT
	GPG_DIR=${1:-$GNUPGHOME}
	mkdir -p "$GPG_DIR"
	cat >"$GNUPGHOME/gpg-agent.conf" <<-EOF
	allow-loopback-pinentry
	default-cache-ttl 0
	max-cache-ttl 0
	EOF
	PROVIDER_PASS="provider pass phrase $$"
	PROVIDER_FPR=$(gpg_newkey 'Provider <provider@ndx.test>' \
	    "$PROVIDER_PASS" sign) || return 1
	RECIPIENT_FPR=$(gpg_newkey 'Recipient <recipient@ndx.test>' '' \
	    cert encr) || return 1
	STRANGER_FPR=$(gpg_newkey 'Stranger <stranger@ndx.test>' '' \
	    sign encr) || return 1
	PROVIDER_PASS_FILE=$GPG_DIR/provider.pass
	(umask 077 && printf '%s\n' "$PROVIDER_PASS" >"$PROVIDER_PASS_FILE")
	printf '%s\n' "$PROVIDER_FPR" >"$GPG_DIR/provider.fpr"
	printf '%s\n' "$RECIPIENT_FPR" >"$GPG_DIR/recipient.fpr"
	printf '%s\n' "$STRANGER_FPR" >"$GPG_DIR/stranger.fpr"
	printf '%s\n' "$GNUPGHOME" >"$GPG_DIR/gnupghome"
	export GPG_DIR PROVIDER_FPR PROVIDER_PASS PROVIDER_PASS_FILE \
	    RECIPIENT_FPR STRANGER_FPR
}

gpg_teardown() {
	[ -n "${GNUPGHOME-}" ] && [ -d "$GNUPGHOME" ] || return 0
	gpgconf --kill gpg-agent >/dev/null 2>&1 || :
	case $GNUPGHOME in
	/tmp/ndxgpg.*) rm -rf "$GNUPGHOME" ;;
	esac
}
