/*
 * A map from strings to pointers: open addressing, FNV-1a, at most half
 * full.  The keys are copied; the values are the caller's.  Keys are kept
 * whole and compared whole, so two keys never share a value: where a
 * collision would drop or merge someone's record, a hash of the key alone
 * would not do.  Inputs are the provider's own files, not an attacker's,
 * so FNV's predictability costs nothing here.
 */
#ifndef NDX_STRMAP_H
#define NDX_STRMAP_H

#include <stddef.h>

struct ndx_strmap;

struct ndx_strmap *ndx_strmap_new(void);
/* Frees the map and its keys, not the values. */
void ndx_strmap_free(struct ndx_strmap *);
/* The value's slot for key, or NULL when key is not in the map. */
void **ndx_strmap_get(const struct ndx_strmap *, const char *key);
/* The value's slot for key, made (holding NULL) when key is new. */
void **ndx_strmap_put(struct ndx_strmap *, const char *key);
size_t ndx_strmap_size(const struct ndx_strmap *);
/* Every entry, in no order: *it starts at 0; 0 at the end. */
int ndx_strmap_next(const struct ndx_strmap *, size_t *it, const char **key,
    void **value);

#endif
