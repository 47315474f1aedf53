/*
 * Bump allocation in chained blocks.  Per-client state is built here and
 * dropped in one arena_reset() per client, which keeps memory flat and
 * makes the million small strings of a large file cheap to allocate.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/arena.h"
#include "ndx/diag.h"

#define ARENA_BLOCK (64 * 1024)
#define ARENA_ALIGN 16

struct block {
	struct block *next;
	size_t size, used;
	/* data follows, aligned */
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct ndx_arena {
	struct block *head;	/* current block; the first block is last */
	size_t total;
};

static struct block *
block_new(size_t size)
{
	/* A size near SIZE_MAX must fail in xmalloc, not wrap around. */
	struct block *b = xmalloc(size > SIZE_MAX - sizeof(*b) ? SIZE_MAX :
	    sizeof(*b) + size);

	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct ndx_arena *
arena_new(void)
{
	struct ndx_arena *a = xmalloc(sizeof(*a));

	a->head = block_new(ARENA_BLOCK);
	a->total = ARENA_BLOCK;
	return a;
}

void
arena_free(struct ndx_arena *a)
{
	struct block *b, *next;

	if (a == NULL)
		return;
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void
arena_reset(struct ndx_arena *a)
{
	struct block *b = a->head, *next;

	while (b->next != NULL) {
		next = b->next;
		a->total -= b->size;
		free(b);
		b = next;
	}
	b->used = 0;
	a->head = b;
}

void *
arena_alloc(struct ndx_arena *a, size_t n)
{
	struct block *b = a->head;
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	void *p;

	if (need < n)
		need = SIZE_MAX;	/* xmalloc below fails loudly */
	if (b->size - b->used < need) {
		size_t size = need > ARENA_BLOCK ? need : ARENA_BLOCK;

		/* Grow geometrically so a huge client costs few blocks. */
		if (a->total / 2 > size && a->total / 2 < (64u << 20))
			size = a->total / 2;
		b = block_new(size);
		b->next = a->head;
		a->head = b;
		a->total += size;
	}
	p = b->data + b->used;
	b->used += need;
	return p;
}

char *
arena_strndup(struct ndx_arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct ndx_arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

size_t
arena_size(const struct ndx_arena *a)
{
	return a->total;
}
