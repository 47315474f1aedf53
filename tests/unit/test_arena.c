/*
 * Unit tests for lib/arena.c: alignment, copies, big allocations, and
 * memory that stays flat across resets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ndx/arena.h"
#include "ndx/ndx.h"

static int
setup(void **state)
{
	*state = arena_new();
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	arena_free(*state);
	return 0;
}

static void
test_arena_alignment(void **state)
{
	struct ndx_arena *a = *state;
	unsigned char *prev = NULL;
	size_t prevn = 0;

	for (size_t n = 1; n < 3000; n += n < 40 ? 1 : 37) {
		unsigned char *p = arena_alloc(a, n);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		memset(p, (int)(n & 0xff), n);
		/* The previous allocation was not overwritten. */
		if (prev != NULL)
			for (size_t i = 0; i < prevn; i++)
				assert_int_equal(prev[i], prevn & 0xff);
		prev = p;
		prevn = n;
	}
	/* Also right after a reset and across new blocks. */
	arena_reset(a);
	for (int i = 0; i < 5000; i++) {
		void *p = arena_alloc(a, (size_t)(i % 97) + 1);

		assert_int_equal((uintptr_t)p % 16, 0);
	}
	assert_int_equal((uintptr_t)arena_alloc(a, 100000) % 16, 0);
	/* A packed string does not unalign what follows it. */
	(void)arena_strdup(a, "x");
	assert_int_equal((uintptr_t)arena_alloc(a, 1) % 16, 0);
}

static void
test_arena_strdup(void **state)
{
	struct ndx_arena *a = *state;
	char src[] = "N0852";
	char *s = arena_strdup(a, src), *t, *e;

	assert_string_equal(s, "N0852");
	assert_ptr_not_equal(s, src);
	src[0] = 'X';
	assert_string_equal(s, "N0852");
	t = arena_strndup(a, "abcdef", 3);
	assert_string_equal(t, "abc");
	/* strndup copies n bytes as they are. */
	t = arena_strndup(a, "a\0b", 3);
	assert_int_equal(t[1], '\0');
	assert_int_equal(t[2], 'b');
	assert_int_equal(t[3], '\0');
	e = arena_strdup(a, "");
	assert_string_equal(e, "");
}

/* Strings are packed: a value of a few bytes costs a few bytes. */
static void
test_arena_strings_packed(void **state)
{
	struct ndx_arena *a = *state;
	char *s = arena_strdup(a, "M1"), *t = arena_strdup(a, "94"), *u;

	assert_ptr_equal(t, s + 3);
	assert_string_equal(s, "M1");
	assert_string_equal(t, "94");
	/* Past the end of a block they go on in the next. */
	for (int i = 0; i < 100000; i++) {
		u = arena_strdup(a, "2026-07-03");
		assert_string_equal(u, "2026-07-03");
	}
	assert_string_equal(s, "M1");
	assert_true(arena_size(a) < 100000 * 16);
}

/*
 * Growing arrays keep their contents, are counted in arena_size and
 * freed by a reset; a grown array leaves nothing behind in the blocks.
 */
static void
test_arena_realloc(void **state)
{
	struct ndx_arena *a = *state;
	size_t base = arena_size(a);
	uint32_t *v = NULL, *w = NULL;

	for (uint32_t n = 1; n <= 100000; n++) {
		v = arena_realloc(a, v, n * sizeof(*v));
		assert_int_equal((uintptr_t)v % 16, 0);
		v[n - 1] = n;
		if (n % 1000 == 0)
			w = arena_realloc(a, w, n / 1000 * sizeof(*w));
		if (w != NULL)
			w[0] = 7;
	}
	for (uint32_t n = 1; n <= 100000; n++)
		assert_int_equal(v[n - 1], n);
	assert_int_equal(w[0], 7);
	assert_int_equal(arena_size(a), base + 100000 * sizeof(*v) +
	    100 * sizeof(*w));
	(void)arena_strdup(a, "x");
	arena_reset(a);
	assert_int_equal(arena_size(a), base);
	v = arena_realloc(a, NULL, 10);
	assert_non_null(v);
}

/* An allocation larger than a block gets a block of its own. */
static void
test_arena_big_allocation(void **state)
{
	struct ndx_arena *a = *state;
	size_t before = arena_size(a);
	size_t big = 5u << 20;
	unsigned char *small = arena_alloc(a, 10);
	unsigned char *p = arena_alloc(a, big);

	memset(small, 0x5a, 10);
	memset(p, 0xa5, big);
	assert_true(arena_size(a) >= before + big);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(small[i], 0x5a);
	assert_int_equal(p[0], 0xa5);
	assert_int_equal(p[big - 1], 0xa5);
	/* Small allocations go on working after it. */
	small = arena_alloc(a, 16);
	memset(small, 1, 16);
	arena_reset(a);
	assert_int_equal(arena_size(a), before);
}

/*
 * One client after another, each with many small strings and a few big
 * allocations: after a reset the arena is back to its first block, and
 * the peak of each round is the same, round after round.
 */
static void
test_arena_reset_keeps_memory_flat(void **state)
{
	struct ndx_arena *a = *state;
	size_t base = arena_size(a), peak = 0;

	for (int round = 0; round < 1000; round++) {
		unsigned char *big1, *big2;

		for (int i = 0; i < 300; i++)
			(void)arena_strdup(a, "E06000002 TS1 3QY 03/07/2026");
		big1 = arena_alloc(a, 256 * 1024);
		big2 = arena_alloc(a, 1024 * 1024 + 3);
		big1[0] = big1[256 * 1024 - 1] = 1;
		big2[0] = big2[1024 * 1024 + 2] = 2;
		for (int i = 0; i < 300; i++)
			(void)arena_alloc(a, 100);
		if (round == 0)
			peak = arena_size(a);
		else
			assert_int_equal(arena_size(a), peak);
		arena_reset(a);
		assert_int_equal(arena_size(a), base);
	}
	assert_true(peak > base);
	/* Resetting an unused arena changes nothing. */
	arena_reset(a);
	arena_reset(a);
	assert_int_equal(arena_size(a), base);
}

/*
 * A rewind gives back what came after its mark, blocks and growing arrays
 * alike, and keeps what came before, however it has grown since.
 */
static void
test_arena_mark_rewind(void **state)
{
	struct ndx_arena *a = *state;
	struct ndx_arena_mark m;
	char *before = arena_strdup(a, "kept");
	size_t n = 4, size;
	int *old = arena_realloc(a, NULL, n * sizeof(*old));

	old[0] = 42;
	for (int round = 0; round < 3; round++) {
		m = arena_mark(a);
		size = arena_size(a) - n * sizeof(*old);
		for (int i = 0; i < 20000; i++)
			(void)arena_strdup(a, "2026-07-03 TS1 3QY");
		(void)arena_alloc(a, 300000);
		(void)arena_realloc(a, NULL, 100000);
		n *= 10;
		old = arena_realloc(a, old, n * sizeof(*old));
		arena_rewind(a, &m);
		/* The array made before the mark stays, at its new size. */
		assert_int_equal(arena_size(a), size + n * sizeof(*old));
		assert_string_equal(before, "kept");
		assert_int_equal(old[0], 42);
	}
	/* Allocation goes on from the mark. */
	assert_string_equal(arena_strdup(a, "next"), "next");
}

static void
test_arena_free_null(void **state)
{
	(void)state;
	arena_free(NULL);
}

/*
 * A size that cannot be served exits 71 with a message, as xmalloc does,
 * instead of wrapping around to a tiny block.  Run in a child; skipped
 * under AddressSanitizer and valgrind, which report such sizes themselves.
 */
static int
under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

static void
test_arena_huge_size_exits(void **state)
{
	static const size_t sizes[] = { SIZE_MAX, SIZE_MAX - 8,
		SIZE_MAX - 40, SIZE_MAX / 2 + 1 };
	struct ndx_arena *a = *state;

#if defined(__SANITIZE_ADDRESS__)
	skip();
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	skip();
#endif
#endif
	if (under_valgrind())
		skip();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		pid_t pid;
		int status;

		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			/* Keep the expected "out of memory" out of the log. */
			if (freopen("/dev/null", "w", stderr) == NULL)
				_exit(3);
			(void)arena_alloc(a, sizes[i]);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), NDX_EX_OSERR);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_arena_alignment),
		T(test_arena_strdup),
		T(test_arena_strings_packed),
		T(test_arena_realloc),
		T(test_arena_mark_rewind),
		T(test_arena_big_allocation),
		T(test_arena_reset_keeps_memory_flat),
		T(test_arena_free_null),
		T(test_arena_huge_size_exits),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
