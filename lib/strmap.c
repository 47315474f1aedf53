/* String-keyed map (strmap.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/diag.h"
#include "ndx/strmap.h"

struct slot {
	char *key;		/* NULL: empty */
	uint64_t hash;
	void *value;
};

struct ndx_strmap {
	struct slot *slot;
	size_t cap, used;	/* cap a power of two */
};

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static struct slot *
find(const struct ndx_strmap *m, const char *key, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	while (m->slot[i].key != NULL && (m->slot[i].hash != h ||
	    strcmp(m->slot[i].key, key) != 0))
		i = (i + 1) & (m->cap - 1);
	return &m->slot[i];
}

static void
grow(struct ndx_strmap *m)
{
	struct slot *old = m->slot;
	size_t n = m->cap;

	m->cap = n ? 2 * n : 64;
	m->slot = xcalloc(m->cap, sizeof(*m->slot));
	for (size_t i = 0; i < n; i++)
		if (old[i].key != NULL)
			*find(m, old[i].key, old[i].hash) = old[i];
	free(old);
}

struct ndx_strmap *
ndx_strmap_new(void)
{
	struct ndx_strmap *m = xcalloc(1, sizeof(*m));

	grow(m);
	return m;
}

void
ndx_strmap_free(struct ndx_strmap *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->slot[i].key);
	free(m->slot);
	free(m);
}

void **
ndx_strmap_get(const struct ndx_strmap *m, const char *key)
{
	struct slot *s = find(m, key, fnv1a(key));

	return s->key != NULL ? &s->value : NULL;
}

void **
ndx_strmap_put(struct ndx_strmap *m, const char *key)
{
	uint64_t h = fnv1a(key);
	struct slot *s = find(m, key, h);

	if (s->key != NULL)
		return &s->value;
	if (2 * (m->used + 1) > m->cap) {
		grow(m);
		s = find(m, key, h);
	}
	s->key = xstrdup(key);
	s->hash = h;
	s->value = NULL;
	m->used++;
	return &s->value;
}

size_t
ndx_strmap_size(const struct ndx_strmap *m)
{
	return m->used;
}

int
ndx_strmap_next(const struct ndx_strmap *m, size_t *it, const char **key,
    void **value)
{
	for (; *it < m->cap; ++*it)
		if (m->slot[*it].key != NULL) {
			*key = m->slot[*it].key;
			*value = m->slot[*it].value;
			++*it;
			return 1;
		}
	return 0;
}
