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
char *arena_strdup(struct ndx_arena *, const char *);
char *arena_strndup(struct ndx_arena *, const char *, size_t);
/* Bytes currently held, for tests and benchmarks. */
size_t arena_size(const struct ndx_arena *);

#endif
