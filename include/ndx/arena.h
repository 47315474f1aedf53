/*
 * A bump allocator for per-client state: everything allocated for one
 * client group is released at once by arena_reset(), so memory stays flat
 * however many clients stream through.
 */
#ifndef NDX_ARENA_H
#define NDX_ARENA_H

#include <stddef.h>

struct ndx_arena;

struct ndx_arena *arena_new(void);
void arena_free(struct ndx_arena *);
/* Keeps the first block, releases the rest. */
void arena_reset(struct ndx_arena *);

/* Never fails: exhaustion exits 71 as xmalloc does. 16-byte aligned. */
void *arena_alloc(struct ndx_arena *, size_t);
/*
 * An array that grows: p is NULL (a new one) or an earlier result of
 * arena_realloc() on this arena since its last reset; the contents are
 * kept, as realloc(3) does.  Freed with the arena.  16-byte aligned.
 */
void *arena_realloc(struct ndx_arena *, void *p, size_t);
/* Copies, packed: strings are not aligned. */
char *arena_strdup(struct ndx_arena *, const char *);
char *arena_strndup(struct ndx_arena *, const char *, size_t);
/* Bytes currently held, for tests and benchmarks. */
size_t arena_size(const struct ndx_arena *);

/*
 * A point to come back to: arena_rewind() releases everything allocated
 * since arena_mark(), growing arrays included (those made before the mark
 * stay, at their current size).  A reset or an earlier rewind makes the
 * mark meaningless.
 */
struct ndx_arena_mark {
	const void *block;
	size_t used, nown;
};

struct ndx_arena_mark arena_mark(const struct ndx_arena *);
void arena_rewind(struct ndx_arena *, const struct ndx_arena_mark *);

#endif
