/*
 * Bump allocation in chained blocks.  Per-client state is built here and
 * dropped in one arena_reset() per client, which keeps memory flat and
 * makes the million small strings of a large file cheap to allocate.
 *
 * Strings are packed (they need no alignment): most values are a few
 * bytes, and a 16-byte slot each would double a large client's size.
 * Arrays that grow (arena_realloc) live on the heap, each owned by the
 * arena: grown by realloc, they leave no abandoned copies behind, as
 * doubling inside the blocks would.
 */
#include <stddef.h>
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

/* The header of an array grown with arena_realloc(). */
struct owned {
	size_t slot;		/* its index in ndx_arena.own */
	size_t size;
	/* data follows, aligned */
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct ndx_arena {
	struct block *head;	/* current block; the first block is last */
	size_t total;		/* bytes in blocks and owned arrays */
	struct owned **own;	/* arrays from arena_realloc() */
	size_t nown, owncap;
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
	a->own = NULL;
	a->nown = a->owncap = 0;
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
	for (size_t i = 0; i < a->nown; i++)
		free(a->own[i]);
	free(a->own);
	free(a);
}

/* Frees the blocks newer than b (NULL: all but the first block), sets
 * the used bytes of b, and frees the arrays from slot nown on. */
static void
rewind_to(struct ndx_arena *a, const struct block *b, size_t used,
    size_t nown)
{
	struct block *h = a->head, *next;

	while (h != b && h->next != NULL) {
		next = h->next;
		a->total -= h->size;
		free(h);
		h = next;
	}
	h->used = used;
	a->head = h;
	while (a->nown > nown) {
		struct owned *o = a->own[--a->nown];

		a->total -= o->size;
		free(o);
	}
}

void
arena_reset(struct ndx_arena *a)
{
	rewind_to(a, NULL, 0, 0);
}

struct ndx_arena_mark
arena_mark(const struct ndx_arena *a)
{
	struct ndx_arena_mark m = { a->head, a->head->used, a->nown };

	return m;
}

void
arena_rewind(struct ndx_arena *a, const struct ndx_arena_mark *m)
{
	rewind_to(a, m->block, m->used, m->nown);
}

/* n bytes at an offset of the head block aligned to align. */
static void *
bump(struct ndx_arena *a, size_t n, size_t align)
{
	struct block *b = a->head;
	size_t at = (b->used + align - 1) & ~(align - 1);
	void *p;

	if (at > b->size || b->size - at < n) {
		size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;

		/* Grow geometrically so a huge client costs few blocks. */
		if (a->total / 2 > size && a->total / 2 < (64u << 20))
			size = a->total / 2;
		b = block_new(size);
		b->next = a->head;
		a->head = b;
		a->total += size;
		at = 0;
	}
	p = b->data + at;
	b->used = at + n;
	return p;
}

void *
arena_alloc(struct ndx_arena *a, size_t n)
{
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

	if (need < n)
		need = SIZE_MAX;	/* xmalloc below fails loudly */
	return bump(a, need, ARENA_ALIGN);
}

void *
arena_realloc(struct ndx_arena *a, void *p, size_t n)
{
	struct owned *o;
	size_t slot;

	if (n > SIZE_MAX - sizeof(*o))
		n = SIZE_MAX - sizeof(*o);	/* xrealloc fails loudly */
	if (p == NULL) {
		if (a->nown == a->owncap) {
			a->owncap = a->owncap ? a->owncap * 2 : 16;
			a->own = xreallocarray(a->own, a->owncap,
			    sizeof(*a->own));
		}
		slot = a->nown++;
		o = xmalloc(sizeof(*o) + n);
		o->slot = slot;
		o->size = 0;
	} else {
		o = (struct owned *)((unsigned char *)p -
		    offsetof(struct owned, data));
		o = xrealloc(o, sizeof(*o) + n);
	}
	a->own[o->slot] = o;
	a->total = a->total - o->size + n;
	o->size = n;
	return o->data;
}

char *
arena_strndup(struct ndx_arena *a, const char *s, size_t n)
{
	char *p = bump(a, n < SIZE_MAX ? n + 1 : SIZE_MAX, 1);

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
