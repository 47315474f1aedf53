/*
 * Secrets: key and passphrase files, and keyed hashing with a key.
 *
 * A secret file must be a regular file, not a symbolic link, that neither
 * group nor others may access (mode & 077 == 0), as ssh and signify
 * insist.  Its bytes go from read(2) straight into memory from
 * sodium_malloc(): locked so it is never swapped, fenced by guard pages,
 * left out of core dumps, read-only once loaded, and wiped when freed.  No
 * stdio buffer ever holds them, and no message ever shows them: messages
 * name the file only.  Secrets never come from argv or the environment.
 *
 * Exit codes in *err: 66 missing or unreadable; 77 group or others have
 * access; 78 a symbolic link, not a regular file, too long, or not in the
 * expected format; 71 out of (locked) memory; 73 keygen cannot create.
 *
 * Ownership: a returned struct ndx_secret / ndx_mac belongs to the caller,
 * who frees it with ndx_secret_free() / ndx_mac_free(), which wipe it.
 */
#ifndef NDX_SECRET_H
#define NDX_SECRET_H

#include <stddef.h>

struct ndx_error;
struct ndx_secret;
struct ndx_mac;

#define NDX_KEY_BYTES 32	/* a pseudonymisation key: 256 bits */
#define NDX_MAC_BYTES 32	/* HMAC-SHA-256 */

/*
 * Makes this process unable to leave a core dump or be traced (RLIMIT_CORE
 * 0 and, on Linux, PR_SET_DUMPABLE 0).  Call it before reading a secret.
 */
int ndx_secret_nodump(struct ndx_error *);

/*
 * The whole content of a secret file of at most max bytes.  what names the
 * secret in messages ("key", "passphrase").
 */
struct ndx_secret *ndx_secret_read(const char *path, const char *what,
    size_t max, struct ndx_error *);
const unsigned char *ndx_secret_bytes(const struct ndx_secret *,
    size_t *len);
/* Wipes and frees; NULL is a no-op. */
void ndx_secret_free(struct ndx_secret *);

/*
 * Key files (dataset.md §6): exactly 64 hexadecimal digits and a newline.
 * ndx_key_read() returns the NDX_KEY_BYTES bytes.  ndx_key_generate()
 * creates path exclusively (O_EXCL|O_NOFOLLOW, mode 0600), never replacing
 * anything already there, and writes a new random key to it.
 */
struct ndx_secret *ndx_key_read(const char *path, struct ndx_error *);
int ndx_key_generate(const char *path, struct ndx_error *);

/*
 * HMAC-SHA-256 under one key, keyed once: the keyed state lives in locked
 * memory, so the key itself can be freed as soon as ndx_mac_new() returns.
 * Each MAC is ndx_mac_start(), any number of ndx_mac_update(), then
 * ndx_mac_final().
 */
struct ndx_mac *ndx_mac_new(const struct ndx_secret *key, struct ndx_error *);
void ndx_mac_start(struct ndx_mac *);
void ndx_mac_update(struct ndx_mac *, const void *, size_t);
void ndx_mac_final(struct ndx_mac *, unsigned char out[NDX_MAC_BYTES]);
/* Wipes and frees; NULL is a no-op. */
void ndx_mac_free(struct ndx_mac *);

#endif
