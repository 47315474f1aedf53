/*
 * Secrets in guarded memory: key and passphrase files, key generation,
 * keyed hashing.  Everything in ndx that touches key material is in this
 * file, so that it can be audited in one read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <sodium.h>

#include "ndx/ndx.h"
#include "ndx/secret.h"

#define KEY_HEX (2 * NDX_KEY_BYTES)
/* Room for near misses (CRLF, two keys), so they get the format message. */
#define KEY_FILE_MAX 256

struct ndx_secret {
	unsigned char *p;	/* from sodium_malloc() */
	size_t len;
};

struct ndx_mac {
	crypto_auth_hmacsha256_state *keyed;	/* after init; read-only */
	crypto_auth_hmacsha256_state *work;	/* the MAC in progress */
};

/*
 * sodium_malloc() places an allocation against the guard page after it, so
 * it is aligned only as far as its size is; the state needs 8 bytes.
 */
_Static_assert(sizeof(crypto_auth_hmacsha256_state) % 8 == 0,
    "HMAC state size breaks sodium_malloc alignment");

static int
sodium_ready(struct ndx_error *err)
{
	if (sodium_init() < 0) {
		ndx_error_set(err, NDX_EX_OSERR, "", 0,
		    "libsodium cannot be initialised");
		return -1;
	}
	return 0;
}

static struct ndx_secret *
secret_new(size_t cap, struct ndx_error *err)
{
	struct ndx_secret *s;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->p = sodium_malloc(cap)) == NULL) {
		free(s);
		ndx_error_set(err, NDX_EX_OSERR, "", 0,
		    "out of locked memory for a secret");
		return NULL;
	}
	return s;
}

int
ndx_secret_nodump(struct ndx_error *err)
{
	const struct rlimit none = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &none) != 0) {
		ndx_error_set(err, NDX_EX_OSERR, "", 0,
		    "cannot disable core dumps: %s", strerror(errno));
		return -1;
	}
#ifdef PR_SET_DUMPABLE
	/* Also stops ptrace by other processes of the same user. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		ndx_error_set(err, NDX_EX_OSERR, "", 0,
		    "cannot make the process undumpable: %s", strerror(errno));
		return -1;
	}
#endif
	return 0;
}

struct ndx_secret *
ndx_secret_read(const char *path, const char *what, size_t max,
    struct ndx_error *err)
{
	struct ndx_secret *s = NULL;
	struct stat st;
	ssize_t n;
	int fd, ok = 0;

	if (sodium_ready(err) != 0)
		return NULL;
	/* O_NONBLOCK: a FIFO is to be refused, not waited on. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP)
			ndx_error_set(err, NDX_EX_CONFIG, path, 0,
			    "is a symbolic link; ndx reads a %s only from "
			    "the file itself", what);
		else
			ndx_error_set(err, NDX_EX_NOINPUT, path, 0,
			    "cannot open the %s file: %s", what,
			    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		ndx_error_set(err, NDX_EX_NOINPUT, path, 0,
		    "cannot read the %s file: %s", what, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ndx_error_set(err, NDX_EX_CONFIG, path, 0,
		    "is not a regular file; ndx reads a %s only from one",
		    what);
		goto out;
	}
	if (st.st_mode & 077) {
		ndx_error_set(err, NDX_EX_NOPERM, path, 0,
		    "mode %04o lets group or others at the %s; ndx refuses "
		    "it until you run: chmod 600 %s",
		    (unsigned)(st.st_mode & 07777), what, path);
		goto out;
	}
	if ((s = secret_new(max + 1, err)) == NULL)
		goto out;
	/* One byte more than allowed tells a long file from a full one. */
	while (s->len <= max) {
		n = read(fd, s->p + s->len, max + 1 - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ndx_error_set(err, NDX_EX_IOERR, path, 0,
			    "cannot read the %s file: %s", what,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		s->len += (size_t)n;
	}
	if (s->len > max) {
		ndx_error_set(err, NDX_EX_CONFIG, path, 0,
		    "too long for a %s file", what);
		goto out;
	}
	sodium_mprotect_readonly(s->p);
	ok = 1;
out:
	close(fd);
	if (!ok) {
		ndx_secret_free(s);
		return NULL;
	}
	return s;
}

const unsigned char *
ndx_secret_bytes(const struct ndx_secret *s, size_t *len)
{
	*len = s->len;
	return s->p;
}

void
ndx_secret_free(struct ndx_secret *s)
{
	if (s == NULL)
		return;
	sodium_free(s->p);	/* wipes, unlocks and unmaps */
	free(s);
}

struct ndx_secret *
ndx_key_read(const char *path, struct ndx_error *err)
{
	struct ndx_secret *hex, *key = NULL;
	const char *end;
	size_t n;

	if ((hex = ndx_secret_read(path, "key", KEY_FILE_MAX, err)) == NULL)
		return NULL;
	if (hex->len != KEY_HEX + 1 || hex->p[KEY_HEX] != '\n')
		goto bad;
	if ((key = secret_new(NDX_KEY_BYTES, err)) == NULL)
		goto out;
	/* libsodium's decoder runs in constant time: no timing leak. */
	if (sodium_hex2bin(key->p, NDX_KEY_BYTES, (const char *)hex->p,
	    KEY_HEX, NULL, &n, &end) != 0 || n != NDX_KEY_BYTES ||
	    end != (const char *)hex->p + KEY_HEX)
		goto bad;
	key->len = NDX_KEY_BYTES;
	sodium_mprotect_readonly(key->p);
	goto out;
bad:
	ndx_secret_free(key);
	key = NULL;
	/* Says what a key file is, never what this one holds. */
	ndx_error_set(err, NDX_EX_CONFIG, path, 0, "not a key file: it must "
	    "hold exactly %d hexadecimal digits and a newline, nothing else "
	    "(ndx-pseudonymise keygen makes one)", KEY_HEX);
out:
	ndx_secret_free(hex);
	return key;
}

static int
write_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
ndx_key_generate(const char *path, struct ndx_error *err)
{
	struct ndx_secret *key = NULL, *hex = NULL;
	int fd = -1, rc = -1, saved;

	if (sodium_ready(err) != 0)
		return -1;
	if ((key = secret_new(NDX_KEY_BYTES, err)) == NULL ||
	    (hex = secret_new(KEY_HEX + 1, err)) == NULL)
		goto out;
	/*
	 * As signify does: never follow a link, never replace anything, and
	 * let no other user see the file between creation and write.
	 */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		if (errno == EEXIST)
			ndx_error_set(err, NDX_EX_CANTCREAT, path, 0,
			    "exists; ndx never overwrites a key");
		else
			ndx_error_set(err, NDX_EX_CANTCREAT, path, 0,
			    "cannot create the key file: %s", strerror(errno));
		goto out;
	}
	randombytes_buf(key->p, NDX_KEY_BYTES);
	sodium_bin2hex((char *)hex->p, KEY_HEX + 1, key->p, NDX_KEY_BYTES);
	hex->p[KEY_HEX] = '\n';	/* in place of bin2hex's NUL */
	if (write_all(fd, hex->p, KEY_HEX + 1) != 0 || fsync(fd) != 0 ||
	    close(fd) != 0) {
		saved = errno;
		fd = -1;
		/* A partial key would block the next keygen: remove it. */
		unlink(path);
		ndx_error_set(err, NDX_EX_IOERR, path, 0,
		    "cannot write the key file: %s", strerror(saved));
		goto out;
	}
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	ndx_secret_free(key);
	ndx_secret_free(hex);
	return rc;
}

struct ndx_mac *
ndx_mac_new(const struct ndx_secret *key, struct ndx_error *err)
{
	struct ndx_mac *m;

	if (sodium_ready(err) != 0)
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->keyed = sodium_malloc(sizeof(*m->keyed))) == NULL ||
	    (m->work = sodium_malloc(sizeof(*m->work))) == NULL) {
		ndx_mac_free(m);
		ndx_error_set(err, NDX_EX_OSERR, "", 0,
		    "out of locked memory for the keyed hash");
		return NULL;
	}
	crypto_auth_hmacsha256_init(m->keyed, key->p, key->len);
	sodium_mprotect_readonly(m->keyed);
	return m;
}

void
ndx_mac_start(struct ndx_mac *m)
{
	memcpy(m->work, m->keyed, sizeof(*m->work));
}

void
ndx_mac_update(struct ndx_mac *m, const void *p, size_t n)
{
	crypto_auth_hmacsha256_update(m->work, p, n);
}

void
ndx_mac_final(struct ndx_mac *m, unsigned char out[NDX_MAC_BYTES])
{
	/* Also wipes the work state. */
	crypto_auth_hmacsha256_final(m->work, out);
}

void
ndx_mac_free(struct ndx_mac *m)
{
	if (m == NULL)
		return;
	sodium_free(m->keyed);
	sodium_free(m->work);
	free(m);
}
