/*
 * A pseudonymisation key's id (exchange.md §4).  It is an HMAC under the
 * key, not a hash of it, so the id of one key says nothing about another
 * and the key cannot be found from it; 8 bytes tell keys apart without
 * inviting anyone to treat the id as a secret.
 */
#include <string.h>

#include <sodium.h>

#include "ndx/keyid.h"
#include "ndx/ndx.h"
#include "ndx/secret.h"

#define KEY_ID_TEXT "ndx key id"

int
ndx_key_id(const struct ndx_secret *key, char out[NDX_KEY_ID_HEX + 1],
    struct ndx_error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[NDX_MAC_BYTES];
	struct ndx_mac *m;

	if ((m = ndx_mac_new(key, err)) == NULL)
		return err->code;
	ndx_mac_start(m);
	ndx_mac_update(m, KEY_ID_TEXT, sizeof(KEY_ID_TEXT) - 1);
	ndx_mac_final(m, mac);
	ndx_mac_free(m);
	for (size_t i = 0; i < NDX_KEY_ID_HEX / 2; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 0xf];
	}
	out[NDX_KEY_ID_HEX] = '\0';
	/* The rest of the MAC is as much the key's as the id: wipe it. */
	sodium_memzero(mac, sizeof(mac));
	return 0;
}
