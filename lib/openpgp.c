/*
 * OpenPGP through GPGME (include/ndx/openpgp.h): keys named by full
 * fingerprint, encryption and decryption streamed between file
 * descriptors, detached armoured signatures and their checking.  gpg
 * itself does the work, found on PATH, on the keyring of GNUPGHOME (or
 * ~/.gnupg) as GPGME does by default, so what ndx makes is what stock gpg
 * reads and the other way round.
 *
 * gpg never prompts: every context uses loopback pinentry, and the
 * passphrase callback either hands over the passphrase read from a file
 * or refuses, so no terminal and no pinentry program is ever needed (cron
 * has neither).  Contexts are offline: no key server, no dirmngr.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gpgme.h>

#include "ndx/ndx.h"
#include "ndx/openpgp.h"
#include "ndx/secret.h"

#define PASS_FILE_MAX 4096	/* a passphrase file, bytes */

/* What the passphrase callback hands gpg-agent, and what happened. */
struct pgp_pass {
	const unsigned char *p;	/* first line of the file, or NULL */
	size_t len;
	int asked;		/* times gpg-agent asked */
	int bad;		/* it said the previous one was wrong */
};

/* One end of a streamed operation: a file descriptor and its errno. */
struct pgp_fd {
	int fd;
	int err;		/* errno of a failed read or write, or 0 */
};

static int pgp_ready;

/*
 * GPGME needs gpgme_check_version() once before anything else.  No
 * gpgme_set_locale(): ndx calls no setlocale(), and the messages gpg
 * writes are parsed by GPGME, not shown.  A missing or too old gpg is
 * found here rather than halfway through an operation.
 */
static int
pgp_init(struct ndx_error *err)
{
	gpgme_error_t e;

	if (pgp_ready)
		return 0;
	gpgme_check_version(NULL);
	if ((e = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP)) != 0) {
		ndx_error_set(err, NDX_EX_SOFTWARE, NULL, 0, "GnuPG (gpg) "
		    "cannot be used through GPGME: %s; is gnupg installed "
		    "and on PATH?", gpgme_strerror(e));
		return -1;
	}
	pgp_ready = 1;
	return 0;
}

/* An error of GPGME itself, not of the data or the keys. */
static int
pgp_fail(struct ndx_error *err, gpgme_error_t e, const char *what)
{
	if (gpgme_err_code(e) == GPG_ERR_ENOMEM)
		ndx_error_set(err, NDX_EX_OSERR, NULL, 0, "%s: out of memory",
		    what);
	else
		ndx_error_set(err, NDX_EX_SOFTWARE, NULL, 0, "%s: %s", what,
		    gpgme_strerror(e));
	return -1;
}

/*
 * Called by GPGME when gpg-agent wants a passphrase (loopback pinentry).
 * It writes the passphrase and a newline to fd.  A second request means
 * the first passphrase was wrong: it refuses rather than send the same
 * one again, so a wrong passphrase file ends the operation at once
 * instead of looping.  Without a passphrase it refuses too: nothing may
 * prompt.
 */
static gpgme_error_t
pgp_pass_cb(void *hook, const char *uid_hint, const char *info,
    int prev_was_bad, int fd)
{
	struct pgp_pass *pw = hook;

	(void)uid_hint;
	(void)info;
	if (prev_was_bad || pw->asked > 0)
		pw->bad = 1;
	pw->asked++;
	if (pw->bad || pw->p == NULL)
		return gpg_error(GPG_ERR_CANCELED);
	if (gpgme_io_writen(fd, pw->p, pw->len) != 0 ||
	    gpgme_io_writen(fd, "\n", 1) != 0)
		return gpg_error_from_syserror();
	return 0;
}

static gpgme_error_t
pgp_ctx(gpgme_ctx_t *ctx, struct pgp_pass *pw)
{
	gpgme_error_t e;

	*ctx = NULL;
	if ((e = gpgme_new(ctx)) != 0)
		return e;
	if ((e = gpgme_set_protocol(*ctx, GPGME_PROTOCOL_OpenPGP)) != 0 ||
	    (e = gpgme_set_pinentry_mode(*ctx,
	    GPGME_PINENTRY_MODE_LOOPBACK)) != 0 ||
	    (e = gpgme_set_keylist_mode(*ctx, GPGME_KEYLIST_MODE_LOCAL)) != 0) {
		gpgme_release(*ctx);
		*ctx = NULL;
		return e;
	}
	gpgme_set_offline(*ctx, 1);
	gpgme_set_passphrase_cb(*ctx, pgp_pass_cb, pw);
	return 0;
}

static ssize_t
pgp_read_cb(void *handle, void *buf, size_t size)
{
	struct pgp_fd *f = handle;
	ssize_t n;

	do
		n = read(f->fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		f->err = errno;
	return n;
}

static ssize_t
pgp_write_cb(void *handle, const void *buf, size_t size)
{
	struct pgp_fd *f = handle;
	const char *p = buf;
	size_t left = size;
	ssize_t n;

	while (left > 0) {
		if ((n = write(f->fd, p, left)) < 0) {
			if (errno == EINTR)
				continue;
			f->err = errno;
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	return (ssize_t)size;
}

/*
 * Data objects over callbacks rather than gpgme_data_new_from_fd(): they
 * stream just the same, and a failed read or write keeps its errno, so
 * the message can say which side failed and why.
 */
static struct gpgme_data_cbs pgp_read_cbs = { pgp_read_cb, NULL, NULL, NULL };
static struct gpgme_data_cbs pgp_write_cbs = { NULL, pgp_write_cb, NULL,
    NULL };

int
ndx_openpgp_fpr_valid(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strspn(s, "0123456789ABCDEFabcdef");
	return s[n] == '\0' && (n == 40 || n == 64);
}

/* Copies fpr upper-cased into out (NDX_FPR_MAX + 1 bytes). */
static void
pgp_fpr_copy(char *out, const char *fpr)
{
	size_t i;

	for (i = 0; fpr != NULL && fpr[i] != '\0' && i < NDX_FPR_MAX; i++)
		out[i] = fpr[i] >= 'a' && fpr[i] <= 'f' ?
		    (char)(fpr[i] - 'a' + 'A') : fpr[i];
	out[i] = '\0';
}

/*
 * 1 when fpr (any case) is the fingerprint of key or of one of its
 * subkeys, or their 16-digit key id: what an old signature without the
 * issuer fingerprint names.
 */
static int
pgp_key_has(gpgme_key_t key, const char *fpr)
{
	gpgme_subkey_t sk;

	for (sk = key->subkeys; sk != NULL; sk = sk->next)
		if ((sk->fpr != NULL && strcasecmp(sk->fpr, fpr) == 0) ||
		    (strlen(fpr) == 16 && sk->keyid != NULL &&
		    strcasecmp(sk->keyid, fpr) == 0))
			return 1;
	return 0;
}

static int
pgp_key_bad(struct ndx_error *err, const char *fpr, const char *what)
{
	ndx_error_set(err, NDX_EX_CONFIG, NULL, 0, "OpenPGP key %s: %s", fpr,
	    what);
	return -1;
}

/*
 * Looks fpr up (its secret key too, for signing) and checks it is fit
 * for use: not revoked, expired, disabled or invalid, with a subkey that
 * is itself usable for the purpose.  *keyp is set on success.
 */
static int
pgp_key(gpgme_ctx_t ctx, const char *fpr, enum ndx_openpgp_use use,
    gpgme_key_t *keyp, struct ndx_error *err)
{
	gpgme_key_t key = NULL;
	gpgme_subkey_t sk;
	gpgme_error_t e;
	int able = 0, usable = 0, sign = use == NDX_OPENPGP_SIGN;

	*keyp = NULL;
	if (!ndx_openpgp_fpr_valid(fpr)) {
		ndx_error_set(err, NDX_EX_CONFIG, NULL, 0, "OpenPGP key "
		    "\"%.80s\": not a full fingerprint (40 or 64 hexadecimal "
		    "digits); ndx names keys by fingerprint only",
		    fpr ? fpr : "");
		return -1;
	}
	e = gpgme_get_key(ctx, fpr, &key, 0);
	if (gpgme_err_code(e) == GPG_ERR_EOF)
		return pgp_key_bad(err, fpr, "not in the keyring");
	if (gpgme_err_code(e) == GPG_ERR_AMBIGUOUS_NAME)
		return pgp_key_bad(err, fpr, "more than one key in the "
		    "keyring has it");
	if (e != 0)
		return pgp_fail(err, e, "cannot list OpenPGP keys");
	/* gpg matched the fingerprint, not anything else it might take. */
	if (!pgp_key_has(key, fpr)) {
		gpgme_key_unref(key);
		return pgp_key_bad(err, fpr, "not in the keyring");
	}
	if (sign) {
		gpgme_key_unref(key);
		key = NULL;
		e = gpgme_get_key(ctx, fpr, &key, 1);
		if (gpgme_err_code(e) == GPG_ERR_EOF)
			return pgp_key_bad(err, fpr, "its secret key is not "
			    "in the keyring, so it cannot sign");
		if (e != 0)
			return pgp_fail(err, e, "cannot list OpenPGP keys");
	}
	if (key->revoked) {
		pgp_key_bad(err, fpr, "revoked");
		goto bad;
	}
	if (key->expired) {
		pgp_key_bad(err, fpr, "expired");
		goto bad;
	}
	if (key->disabled) {
		pgp_key_bad(err, fpr, "disabled");
		goto bad;
	}
	if (key->invalid) {
		pgp_key_bad(err, fpr, "invalid");
		goto bad;
	}
	for (sk = key->subkeys; sk != NULL; sk = sk->next) {
		if (sign ? !sk->can_sign : !sk->can_encrypt)
			continue;
		able = 1;
		if (!sk->revoked && !sk->expired && !sk->disabled &&
		    !sk->invalid && (!sign || sk->secret))
			usable = 1;
	}
	if (!usable) {
		if (!able)
			pgp_key_bad(err, fpr, sign ? "cannot sign" :
			    "cannot encrypt");
		else if (sign)
			pgp_key_bad(err, fpr, "cannot sign: its signing "
			    "subkeys are expired or revoked, or their secret "
			    "part is not in the keyring");
		else
			pgp_key_bad(err, fpr, "cannot encrypt: its "
			    "encryption subkeys are expired or revoked");
		goto bad;
	}
	*keyp = key;
	return 0;
bad:
	gpgme_key_unref(key);
	return -1;
}

int
ndx_openpgp_check_key(const char *fpr, enum ndx_openpgp_use use,
    struct ndx_error *err)
{
	struct pgp_pass pw = { NULL, 0, 0, 0 };
	gpgme_ctx_t ctx = NULL;
	gpgme_key_t key = NULL;
	gpgme_error_t e;
	int rc = -1;

	if (pgp_init(err) != 0)
		goto out;
	if ((e = pgp_ctx(&ctx, &pw)) != 0) {
		pgp_fail(err, e, "cannot start GPGME");
		goto out;
	}
	if (pgp_key(ctx, fpr, use, &key, err) != 0)
		goto out;
	rc = 0;
out:
	gpgme_key_unref(key);
	gpgme_release(ctx);
	return rc == 0 ? 0 : err->code;
}

int
ndx_openpgp_encrypt(int in_fd, int out_fd, const char *const *fprs,
    size_t n, struct ndx_error *err)
{
	struct pgp_pass pw = { NULL, 0, 0, 0 };
	struct pgp_fd in = { in_fd, 0 }, out = { out_fd, 0 };
	gpgme_ctx_t ctx = NULL;
	gpgme_key_t *keys = NULL;
	gpgme_data_t plain = NULL, cipher = NULL;
	gpgme_encrypt_result_t res;
	gpgme_error_t e;
	size_t i;
	int rc = -1;

	if (pgp_init(err) != 0)
		goto out;
	if (n == 0) {
		ndx_error_set(err, NDX_EX_CONFIG, NULL, 0,
		    "no OpenPGP key to encrypt to");
		goto out;
	}
	if (n > SIZE_MAX / sizeof(*keys) - 1 ||
	    (keys = calloc(n + 1, sizeof(*keys))) == NULL) {
		ndx_error_set(err, NDX_EX_OSERR, NULL, 0, "out of memory");
		goto out;
	}
	if ((e = pgp_ctx(&ctx, &pw)) != 0) {
		pgp_fail(err, e, "cannot start GPGME");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (pgp_key(ctx, fprs[i], NDX_OPENPGP_ENCRYPT, &keys[i],
		    err) != 0)
			goto out;
	if ((e = gpgme_data_new_from_cbs(&plain, &pgp_read_cbs, &in)) != 0 ||
	    (e = gpgme_data_new_from_cbs(&cipher, &pgp_write_cbs, &out)) != 0) {
		pgp_fail(err, e, "cannot encrypt");
		goto out;
	}
	gpgme_set_armor(ctx, 0);
	/*
	 * ALWAYS_TRUST: the caller named each key by its full fingerprint,
	 * which is the trust decision; the web of trust of this keyring
	 * (who signed whose key, ownertrust) has nothing to add, and without
	 * the flag gpg would refuse a recipient's key that was imported but
	 * never certified.  pgp_key() has already refused revoked, expired
	 * and unusable keys.  The keyring's own encrypt-to settings are left
	 * alone: an operator who adds their own key there wants it.
	 */
	e = gpgme_op_encrypt(ctx, keys, GPGME_ENCRYPT_ALWAYS_TRUST, plain,
	    cipher);
	if (in.err != 0) {
		ndx_error_set(err, NDX_EX_IOERR, NULL, 0, "cannot read the "
		    "data to encrypt: %s", strerror(in.err));
		goto out;
	}
	if (out.err != 0) {
		ndx_error_set(err, NDX_EX_IOERR, NULL, 0, "cannot write the "
		    "encrypted data: %s", strerror(out.err));
		goto out;
	}
	if (e != 0) {
		res = gpgme_op_encrypt_result(ctx);
		if (res != NULL && res->invalid_recipients != NULL)
			ndx_error_set(err, NDX_EX_CONFIG, NULL, 0, "OpenPGP "
			    "key %s: gpg refuses to encrypt to it: %s",
			    res->invalid_recipients->fpr ?
			    res->invalid_recipients->fpr : "?",
			    gpgme_strerror(res->invalid_recipients->reason));
		else
			pgp_fail(err, e, "cannot encrypt");
		goto out;
	}
	rc = 0;
out:
	gpgme_data_release(plain);
	gpgme_data_release(cipher);
	for (i = 0; keys != NULL && i < n; i++)
		gpgme_key_unref(keys[i]);
	free(keys);
	gpgme_release(ctx);
	return rc == 0 ? 0 : err->code;
}

/*
 * gpg says "no data" both for a file that is not OpenPGP at all and for
 * one damaged past its first packet.  The first byte tells them apart: a
 * binary packet tag has its top bit set, armour starts with '-'.  start is
 * where the message began, or -1 when the input cannot be re-read (a
 * pipe), when only the vaguer message can be given.
 */
static const char *
pgp_no_data_reason(int fd, off_t start)
{
	unsigned char b;

	if (start == -1 || pread(fd, &b, 1, start) != 1)
		return "not an OpenPGP message, or a damaged one";
	if ((b & 0x80) != 0 || b == '-')
		return "damaged: the OpenPGP message breaks off or is altered";
	return "not an OpenPGP message";
}

int
ndx_openpgp_decrypt(int in_fd, int out_fd, struct ndx_error *err)
{
	struct pgp_pass pw = { NULL, 0, 0, 0 };
	struct pgp_fd in = { in_fd, 0 }, out = { out_fd, 0 };
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t plain = NULL, cipher = NULL;
	gpgme_decrypt_result_t res;
	gpgme_recipient_t r;
	gpgme_error_t e;
	char ids[160];
	size_t len;
	off_t start = lseek(in_fd, 0, SEEK_CUR);
	int rc = -1;

	if (pgp_init(err) != 0)
		goto out;
	if ((e = pgp_ctx(&ctx, &pw)) != 0) {
		pgp_fail(err, e, "cannot start GPGME");
		goto out;
	}
	if ((e = gpgme_data_new_from_cbs(&cipher, &pgp_read_cbs, &in)) != 0 ||
	    (e = gpgme_data_new_from_cbs(&plain, &pgp_write_cbs, &out)) != 0) {
		pgp_fail(err, e, "cannot decrypt");
		goto out;
	}
	e = gpgme_op_decrypt(ctx, cipher, plain);
	if (in.err != 0) {
		ndx_error_set(err, NDX_EX_IOERR, NULL, 0, "cannot read the "
		    "encrypted data: %s", strerror(in.err));
		goto out;
	}
	if (out.err != 0) {
		ndx_error_set(err, NDX_EX_IOERR, NULL, 0, "cannot write the "
		    "decrypted data: %s", strerror(out.err));
		goto out;
	}
	if (e == 0) {
		rc = 0;
		goto out;
	}
	switch (gpgme_err_code(e)) {
	case GPG_ERR_ENOMEM:
		pgp_fail(err, e, "cannot decrypt");
		break;
	case GPG_ERR_NO_DATA:
		ndx_error_set(err, NDX_EX_REJECTED, NULL, 0, "%s",
		    pgp_no_data_reason(in_fd, start));
		break;
	case GPG_ERR_NO_SECKEY:
		/* Name the keys it is for: the reader can tell whose. */
		ids[0] = '\0';
		res = gpgme_op_decrypt_result(ctx);
		for (r = res ? res->recipients : NULL; r != NULL;
		    r = r->next) {
			len = strlen(ids);
			if (r->keyid != NULL && len + 20 < sizeof(ids))
				snprintf(ids + len, sizeof(ids) - len, "%s%s",
				    len ? ", " : " (encrypted to key ",
				    r->keyid);
		}
		if (ids[0] != '\0')
			strncat(ids, ")", sizeof(ids) - strlen(ids) - 1);
		ndx_error_set(err, NDX_EX_REJECTED, NULL, 0,
		    "no secret key for this archive in the keyring%s", ids);
		break;
	default:
		if (pw.asked)
			ndx_error_set(err, NDX_EX_REJECTED, NULL, 0,
			    "the secret key for this archive is protected by "
			    "a passphrase, which ndx does not ask for; "
			    "decrypt it with gpg");
		else
			ndx_error_set(err, NDX_EX_REJECTED, NULL, 0,
			    "damaged: %s", gpgme_strerror(e));
		break;
	}
out:
	gpgme_data_release(plain);
	gpgme_data_release(cipher);
	gpgme_release(ctx);
	return rc == 0 ? 0 : err->code;
}

int
ndx_openpgp_sign(const void *data, size_t len, const char *fpr,
    const char *passphrase_file, char **sig, size_t *siglen,
    struct ndx_error *err)
{
	struct pgp_pass pw = { NULL, 0, 0, 0 };
	struct ndx_secret *pass = NULL;
	const unsigned char *p, *nl;
	gpgme_ctx_t ctx = NULL;
	gpgme_key_t key = NULL;
	gpgme_data_t in = NULL, out = NULL;
	gpgme_sign_result_t res;
	gpgme_error_t e;
	char *buf = NULL;
	size_t n;
	int rc = -1;

	*sig = NULL;
	*siglen = 0;
	if (pgp_init(err) != 0)
		goto out;
	if (passphrase_file != NULL) {
		if ((pass = ndx_secret_read(passphrase_file, "passphrase",
		    PASS_FILE_MAX, err)) == NULL)
			goto out;
		/*
		 * The first line, without its newline (nor a CR left by a
		 * Windows editor): what `gpg --passphrase-file` takes.
		 * gpgme_io_writen() reads it straight from the locked,
		 * wiped-on-free memory of lib/secret.c; no copy is made.
		 */
		p = ndx_secret_bytes(pass, &n);
		if ((nl = memchr(p, '\n', n)) != NULL)
			n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			ndx_error_set(err, NDX_EX_CONFIG, passphrase_file, 0,
			    "no passphrase on the first line");
			goto out;
		}
		pw.p = p;
		pw.len = n;
	}
	if ((e = pgp_ctx(&ctx, &pw)) != 0) {
		pgp_fail(err, e, "cannot start GPGME");
		goto out;
	}
	if (pgp_key(ctx, fpr, NDX_OPENPGP_SIGN, &key, err) != 0)
		goto out;
	gpgme_set_armor(ctx, 1);
	gpgme_signers_clear(ctx);
	if ((e = gpgme_signers_add(ctx, key)) != 0 ||
	    (e = gpgme_data_new_from_mem(&in, data, len, 0)) != 0 ||
	    (e = gpgme_data_new(&out)) != 0) {
		pgp_fail(err, e, "cannot sign");
		goto out;
	}
	e = gpgme_op_sign(ctx, in, out, GPGME_SIG_MODE_DETACH);
	if (pw.bad) {
		ndx_error_set(err, NDX_EX_CONFIG, passphrase_file, 0,
		    "wrong passphrase for signing key %s", fpr);
		goto out;
	}
	if (pw.asked && pw.p == NULL) {
		ndx_error_set(err, NDX_EX_CONFIG, NULL, 0, "signing key %s "
		    "is protected by a passphrase, and no passphrase file "
		    "was given", fpr);
		goto out;
	}
	if (e != 0) {
		switch (gpgme_err_code(e)) {
		case GPG_ERR_BAD_PASSPHRASE:
			ndx_error_set(err, NDX_EX_CONFIG, passphrase_file, 0,
			    "wrong passphrase for signing key %s", fpr);
			break;
		case GPG_ERR_NO_SECKEY:
		case GPG_ERR_UNUSABLE_SECKEY:
			pgp_key_bad(err, fpr, gpgme_strerror(e));
			break;
		default:
			pgp_fail(err, e, "cannot sign");
			break;
		}
		goto out;
	}
	res = gpgme_op_sign_result(ctx);
	if (res == NULL || res->invalid_signers != NULL ||
	    res->signatures == NULL || res->signatures->next != NULL) {
		ndx_error_set(err, NDX_EX_SOFTWARE, NULL, 0, "OpenPGP key %s: "
		    "gpg did not make exactly one signature", fpr);
		goto out;
	}
	buf = gpgme_data_release_and_get_mem(out, &n);
	out = NULL;
	if (buf == NULL || n == SIZE_MAX || (*sig = malloc(n + 1)) == NULL) {
		ndx_error_set(err, NDX_EX_OSERR, NULL, 0, "out of memory");
		goto out;
	}
	memcpy(*sig, buf, n);
	(*sig)[n] = '\0';
	*siglen = n;
	rc = 0;
out:
	gpgme_free(buf);
	gpgme_data_release(in);
	gpgme_data_release(out);
	gpgme_key_unref(key);
	gpgme_release(ctx);
	ndx_secret_free(pass);
	return rc == 0 ? 0 : err->code;
}

static int
pgp_reject(struct ndx_error *err, const char *fmt, const char *fpr)
{
	ndx_error_set(err, NDX_EX_REJECTED, NULL, 0, fmt, fpr ? fpr : "?");
	return -1;
}

/*
 * Judges one signature: it must be good and made by a usable key of the
 * keyring, and with n > 0 by one of the signers.  signer gets the primary
 * fingerprint.
 */
static int
pgp_judge(gpgme_ctx_t ctx, gpgme_signature_t s, const char *const *signers,
    size_t n, char *signer, struct ndx_error *err)
{
	const gpgme_sigsum_t bad = GPGME_SIGSUM_RED | GPGME_SIGSUM_KEY_REVOKED |
	    GPGME_SIGSUM_KEY_EXPIRED | GPGME_SIGSUM_SIG_EXPIRED |
	    GPGME_SIGSUM_KEY_MISSING;
	gpgme_key_t key = NULL;
	gpgme_subkey_t sk;
	gpgme_error_t e;
	char fpr[NDX_FPR_MAX + 1];
	size_t i;
	int rc = -1;

	switch (gpgme_err_code(s->status)) {
	case GPG_ERR_NO_ERROR:
		break;
	case GPG_ERR_NO_PUBKEY:
		return pgp_reject(err, "signed by a key not in the keyring "
		    "(%s)", s->fpr);
	case GPG_ERR_BAD_SIGNATURE:
		return pgp_reject(err, "bad signature", NULL);
	case GPG_ERR_KEY_EXPIRED:
		return pgp_reject(err, "signed by an expired key (%s)", s->fpr);
	case GPG_ERR_CERT_REVOKED:
		return pgp_reject(err, "signed by a revoked key (%s)", s->fpr);
	case GPG_ERR_SIG_EXPIRED:
		return pgp_reject(err, "the signature has expired", NULL);
	default:
		ndx_error_set(err, NDX_EX_REJECTED, NULL, 0, "the signature "
		    "cannot be checked: %s", gpgme_strerror(s->status));
		return -1;
	}
	/*
	 * GPGME_SIGSUM_VALID is not required: it says the web of trust vouches
	 * for the key, and ndx asks no web of trust.  The caller lists the
	 * fingerprints it accepts, and that list is the trust decision
	 * (openpgp.h), checked below.  What is refused is anything that says
	 * the signature or its key is no good.
	 */
	if (s->summary & GPGME_SIGSUM_RED)
		return pgp_reject(err, "bad signature", NULL);
	if (s->summary & bad)
		return pgp_reject(err, "signed by a key that is revoked, "
		    "expired or not in the keyring, or the signature has "
		    "expired (%s)", s->fpr);
	if (s->wrong_key_usage)
		return pgp_reject(err, "signed by a key not meant for "
		    "signing (%s)", s->fpr);
	if (s->fpr == NULL)
		return pgp_reject(err, "signed by a key not in the keyring "
		    "(%s)", s->fpr);
	/* s->fpr may be a signing subkey's: find the whole key. */
	e = gpgme_get_key(ctx, s->fpr, &key, 0);
	if (gpgme_err_code(e) == GPG_ERR_EOF || (e == 0 &&
	    !pgp_key_has(key, s->fpr))) {
		rc = pgp_reject(err, "signed by a key not in the keyring "
		    "(%s)", s->fpr);
		goto out;
	}
	if (e != 0) {
		pgp_fail(err, e, "cannot list OpenPGP keys");
		goto out;
	}
	pgp_fpr_copy(fpr, key->subkeys ? key->subkeys->fpr : s->fpr);
	if (key->revoked || key->expired || key->disabled || key->invalid) {
		rc = pgp_reject(err, "signed by %s, which is revoked, expired, "
		    "disabled or invalid", fpr);
		goto out;
	}
	for (sk = key->subkeys; sk != NULL; sk = sk->next)
		if (((sk->fpr != NULL && strcasecmp(sk->fpr, s->fpr) == 0) ||
		    (sk->keyid != NULL && strcasecmp(sk->keyid, s->fpr) == 0)) &&
		    (sk->revoked || sk->expired || sk->disabled ||
		    sk->invalid)) {
			rc = pgp_reject(err, "signed by a subkey of %s that "
			    "is revoked, expired, disabled or invalid", fpr);
			goto out;
		}
	for (i = 0; i < n; i++)
		if (pgp_key_has(key, signers[i]))
			break;
	if (n > 0 && i == n) {
		rc = pgp_reject(err, "signed by %s, not one of the expected "
		    "signers", fpr);
		goto out;
	}
	if (signer[0] == '\0')
		memcpy(signer, fpr, sizeof(fpr));
	rc = 0;
out:
	gpgme_key_unref(key);
	return rc;
}

int
ndx_openpgp_verify(const void *data, size_t len, const void *sig,
    size_t siglen, const char *const *signers, size_t n,
    char signer[NDX_FPR_MAX + 1], struct ndx_error *err)
{
	struct pgp_pass pw = { NULL, 0, 0, 0 };
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t text = NULL, sigd = NULL;
	gpgme_verify_result_t res;
	gpgme_signature_t s;
	gpgme_error_t e;
	size_t i;
	int rc = -1;

	signer[0] = '\0';
	if (pgp_init(err) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if (!ndx_openpgp_fpr_valid(signers[i])) {
			ndx_error_set(err, NDX_EX_CONFIG, NULL, 0, "OpenPGP key "
			    "\"%.80s\": not a full fingerprint (40 or 64 "
			    "hexadecimal digits); ndx names keys by "
			    "fingerprint only", signers[i] ? signers[i] : "");
			goto out;
		}
	if ((e = pgp_ctx(&ctx, &pw)) != 0) {
		pgp_fail(err, e, "cannot start GPGME");
		goto out;
	}
	if ((e = gpgme_data_new_from_mem(&text, data, len, 0)) != 0 ||
	    (e = gpgme_data_new_from_mem(&sigd, sig, siglen, 0)) != 0) {
		pgp_fail(err, e, "cannot verify");
		goto out;
	}
	e = gpgme_op_verify(ctx, sigd, text, NULL);
	if (gpgme_err_code(e) == GPG_ERR_ENOMEM) {
		pgp_fail(err, e, "cannot verify");
		goto out;
	}
	res = gpgme_op_verify_result(ctx);
	if (e != 0 || res == NULL || res->signatures == NULL) {
		/* Not a detached signature, or none at all. */
		ndx_error_set(err, NDX_EX_REJECTED, NULL, 0,
		    e != 0 && gpgme_err_code(e) != GPG_ERR_NO_DATA ?
		    "no signature (%s)" : "no signature%s",
		    e != 0 && gpgme_err_code(e) != GPG_ERR_NO_DATA ?
		    gpgme_strerror(e) : "");
		goto out;
	}
	/* Every signature must be good: one bad one spoils the lot. */
	for (s = res->signatures; s != NULL; s = s->next)
		if (pgp_judge(ctx, s, signers, n, signer, err) != 0)
			goto out;
	rc = 0;
out:
	if (rc != 0)
		signer[0] = '\0';
	gpgme_data_release(text);
	gpgme_data_release(sigd);
	gpgme_release(ctx);
	return rc == 0 ? 0 : err->code;
}
