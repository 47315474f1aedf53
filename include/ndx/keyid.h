/*
 * A pseudonymisation key's id (exchange.md §4): lower-case hex of the
 * first 8 bytes of HMAC-SHA-256(key, the 10 bytes "ndx key id").  It names
 * a key in a MANIFEST, a header or a log without revealing it.
 */
#ifndef NDX_KEYID_H
#define NDX_KEYID_H

struct ndx_error;
struct ndx_secret;

#define NDX_KEY_ID_HEX 16

/* Returns 0, or an exit code set in *err (71 out of locked memory). */
int ndx_key_id(const struct ndx_secret *key, char out[NDX_KEY_ID_HEX + 1],
    struct ndx_error *err);

#endif
