/*
 * Which EPISODIDs are used at one agency under two or more CLIENTIDs
 * (rule R126).  The grouper sees rows client by client, so two clients
 * sharing an episode id are far apart in its order; this index sees every
 * row as it goes into the sort, before any client is written, and keeps
 * 24 bytes an episode: a SipHash of AGNCY and EPISODID and one of the
 * first CLIENTID, the episode's first source line under that CLIENTID and
 * its first under another, so that each client's R126 message can name a
 * line of the other's (dataset.md §5, both sides).  1M episodes: 48 MiB
 * at most, at a load of one half to one quarter.  The
 * hash key is random per run, so no input can be made to collide, and a
 * chance collision of 64-bit hashes (about 1 in 10^7 at a million
 * episodes) could only mark an episode shared that is not, never the
 * reverse: the validator's R126 message names the episode for a person
 * to check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ndx/diag.h"
#include "extract.h"

struct slot {
	uint64_t key;		/* 0: empty */
	uint64_t client;	/* the first CLIENTID seen with it */
	uint32_t line;		/* its first row's line under that one */
	uint32_t other;		/* bit 31: seen under another CLIENTID;
				   the rest, that row's line (0: none) */
};

#define SHARED UINT32_C(0x80000000)

/* Lines past 2^31 are not lines of any real export; 0 says "no line". */
static uint32_t
line32(long line)
{
	return line > 0 && line < (long)SHARED ? (uint32_t)line : 0;
}

struct epindex {
	unsigned char k[crypto_shorthash_KEYBYTES];
	struct slot *slot;
	size_t cap, used;	/* cap a power of two */
};

static uint64_t
hash2(const struct epindex *x, const char *a, const char *b)
{
	unsigned char out[crypto_shorthash_BYTES], small[256], *buf = small;
	size_t na = strlen(a), nb = b != NULL ? strlen(b) : 0;
	uint64_t h;

	/* Every row passes here: no allocation for ids of ordinary length. */
	if (na + nb + 2 > sizeof(small))
		buf = xmalloc(na + nb + 2);
	/* AGNCY, NUL, EPISODID: no two pairs give one message. */
	memcpy(buf, a, na + 1);
	if (b != NULL)
		memcpy(buf + na + 1, b, nb);
	crypto_shorthash(out, buf, na + 1 + nb, x->k);
	if (buf != small)
		free(buf);
	memcpy(&h, out, sizeof(h));
	return h != 0 ? h : 1;
}

struct epindex *
epindex_new(void)
{
	struct epindex *x = xcalloc(1, sizeof(*x));

	/* Without a random key (libsodium cannot start) the hash is still a
	 * hash: only crafted input could then make two episodes collide. */
	if (sodium_init() >= 0)
		crypto_shorthash_keygen(x->k);
	x->cap = 1024;
	x->slot = xcalloc(x->cap, sizeof(*x->slot));
	return x;
}

static struct slot *
find(const struct epindex *x, uint64_t key)
{
	size_t i = (size_t)key & (x->cap - 1);

	while (x->slot[i].key != 0 && x->slot[i].key != key)
		i = (i + 1) & (x->cap - 1);
	return &x->slot[i];
}

static void
grow(struct epindex *x)
{
	struct slot *old = x->slot;
	size_t n = x->cap;

	x->cap *= 2;
	x->slot = xcalloc(x->cap, sizeof(*x->slot));
	for (size_t i = 0; i < n; i++)
		if (old[i].key != 0)
			*find(x, old[i].key) = old[i];
	free(old);
}

void
epindex_add(struct epindex *x, const struct extract_row *row)
{
	const char *ag = row->v[NDX_AGNCY], *ep = row->v[NDX_EPISODID];
	const char *cl = row->v[NDX_CLIENTID];
	uint64_t key, client;
	struct slot *s;

	if (ag == NULL || ep == NULL)
		return;
	key = hash2(x, ag, ep);
	client = hash2(x, cl != NULL ? cl : "", NULL);
	s = find(x, key);
	if (s->key == 0) {
		s->key = key;
		s->client = client;
		s->line = line32(row->line);
		if (++x->used * 2 > x->cap)
			grow(x);
		return;
	}
	/* Rows come in any order: keep the smallest line of each side. */
	if (s->client == client) {
		if (line32(row->line) != 0 &&
		    (s->line == 0 || line32(row->line) < s->line))
			s->line = line32(row->line);
	} else if (line32(row->line) != 0 && ((s->other & ~SHARED) == 0 ||
	    line32(row->line) < (s->other & ~SHARED)))
		s->other = SHARED | line32(row->line);
	else
		s->other |= SHARED;
}

int
epindex_shared(const struct epindex *x, const char *agncy,
    const char *episodid, const char *clientid, long *other_line)
{
	const struct slot *s;

	*other_line = 0;
	if (agncy == NULL || episodid == NULL)
		return 0;
	s = find(x, hash2(x, agncy, episodid));
	if (s->key == 0 || !(s->other & SHARED))
		return 0;
	/* The first CLIENTID's episode is told of another's row, and every
	 * other's of the first CLIENTID's. */
	if (hash2(x, clientid != NULL ? clientid : "", NULL) == s->client)
		*other_line = (long)(s->other & ~SHARED);
	else
		*other_line = (long)s->line;
	return 1;
}

void
epindex_free(struct epindex *x)
{
	if (x == NULL)
		return;
	free(x->slot);
	free(x);
}
