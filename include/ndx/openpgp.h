/*
 * OpenPGP through GPGME: what the recipients of ndx archives already run
 * (stock gpg, Kleopatra).  Keys live in the keyring of GNUPGHOME (or
 * ~/.gnupg) and are named by full fingerprint (40 hex digits for v4
 * keys), never by user id, so no other key can stand in for one.  A
 * fingerprint given by the caller is trusted as given: ndx does not ask
 * the web of trust (the caller typed the fingerprint; that is the trust
 * decision).  Passphrases come from a file (loopback pinentry), never
 * from a prompt: cron has no terminal.
 *
 * Every function returns 0, or an exit code set in *err: 78 a key that is
 * missing, expired, revoked or not usable for the purpose; 77 a
 * passphrase file readable by group or others; 66 unreadable input; 74 a
 * read or write failure; 1 (NDX_EX_REJECTED) a bad or missing signature
 * or a message that cannot be decrypted with the keys at hand; 70 GPGME
 * cannot start.
 *
 * Ownership: buffers returned through char ** belong to the caller, freed
 * with free().
 */
#ifndef NDX_OPENPGP_H
#define NDX_OPENPGP_H

#include <stddef.h>

struct ndx_error;

#define NDX_FPR_MAX 64	/* hex digits of a fingerprint, with room */

enum ndx_openpgp_use {
	NDX_OPENPGP_ENCRYPT,	/* a recipient's public key */
	NDX_OPENPGP_SIGN	/* our own secret key */
};

/* 1 when s is a full fingerprint: 40 (v4) or 64 (v5) hex digits. */
int ndx_openpgp_fpr_valid(const char *s);

/* Checks that the key is in the keyring and usable for use. */
int ndx_openpgp_check_key(const char *fpr, enum ndx_openpgp_use use,
    struct ndx_error *err);

/*
 * Encrypts everything read from in_fd to the n keys (binary OpenPGP, not
 * armoured), writing to out_fd.  Streams: memory does not grow with the
 * input.
 */
int ndx_openpgp_encrypt(int in_fd, int out_fd, const char *const *fprs,
    size_t n, struct ndx_error *err);

/*
 * Decrypts in_fd to out_fd with a secret key from the keyring.  A message
 * that is also signed is accepted; its signature is not judged here.
 */
int ndx_openpgp_decrypt(int in_fd, int out_fd, struct ndx_error *err);

/*
 * A detached, ASCII-armoured signature of len bytes of data by the key
 * fpr; the passphrase (first line of passphrase_file, or NULL for a key
 * without one) is handed to gpg-agent through loopback pinentry.
 * *sig (NUL-terminated) and *siglen are set on success.
 */
int ndx_openpgp_sign(const void *data, size_t len, const char *fpr,
    const char *passphrase_file, char **sig, size_t *siglen,
    struct ndx_error *err);

/*
 * Checks a detached signature of data.  With n > 0 the signature must be
 * good and made by one of the n keys (primary or subkey fingerprint);
 * with n == 0 any good signature by a key in the keyring is accepted.
 * signer receives the primary key's fingerprint of the good signature.
 * A bad signature, one by another key, an unknown key or an expired or
 * revoked one: 1 with the reason in err->msg.
 */
int ndx_openpgp_verify(const void *data, size_t len, const void *sig,
    size_t siglen, const char *const *signers, size_t n,
    char signer[NDX_FPR_MAX + 1], struct ndx_error *err);

#endif
