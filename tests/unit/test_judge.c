/*
 * The differential test (tests/judge_diff.h): the dataset's judge and
 * libxml2's XSD validator give the same verdict on every record of the
 * hand-made fixtures and of thousands of their mutations: items reordered,
 * repeated, dropped or unknown; attributes undeclared, misspelt or of a
 * bad value; values of the wrong type, empty, padded; text and elements
 * where none belong.  The mutations are drawn from a fixed seed, so a
 * failure names a mutant that can be made again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "../judge_diff.h"

#define MUTANTS 3000
#define LINES_MAX 4096

struct fixture {
	struct ndx_dataset *ds;
	char path[64];
	char *line[LINES_MAX];
	size_t nline;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ndx_error err;
	int fd;

	if (f == NULL || (f->ds = ndx_dataset_load(&err)) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s", "/tmp/ndx-judge.XXXXXX");
	if ((fd = mkstemp(f->path)) < 0)
		return -1;
	close(fd);
	*state = f;
	return 0;
}

static void
free_lines(struct fixture *f)
{
	for (size_t i = 0; i < f->nline; i++)
		free(f->line[i]);
	f->nline = 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	free_lines(f);
	unlink(f->path);
	ndx_dataset_free(f->ds);
	free(f);
	xmlCleanupParser();
	return 0;
}

static void
load(struct fixture *f, const char *name)
{
	char path[512], buf[4096];
	const char *src = getenv("NDX_SRCDIR");
	FILE *fp;

	snprintf(path, sizeof(path), "%s/tests/data/transform/%s",
	    src ? src : ".", name);
	assert_non_null(fp = fopen(path, "r"));
	free_lines(f);
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		assert_true(f->nline < LINES_MAX);
		f->line[f->nline++] = strdup(buf);
	}
	fclose(fp);
}

/* xorshift64*: the same mutants on every machine. */
static uint64_t rng = 88172645463325252ull;

static size_t
pick(size_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (size_t)((rng * 2685821657736338717ull) >> 33) % n;
}

/* Lines of the body: those inside the root, where mutations make sense. */
static int
in_body(const char *l)
{
	return strstr(l, "<?xml") == NULL && strstr(l, "<!--") == NULL &&
	    strstr(l, "episodes") == NULL && strchr(l, '<') != NULL;
}

static const char *const values[] = {
	"", " 4", "4 ", "ZZZZ", "2026-02-30", "1899-12-31", "2026-13-01",
	"2026-1-01", "+1", "a b", "99999999999999999999999", "x&amp;y", "Y",
	"N", "1", "12", "0", "-1", "2026-01-01Z", " 2026-01-01 ",
	"2024-02-29", "2023-02-29", "1900-01-01", "A", "E06000002", "TS1 3QY",
	"0123456789abcdef0123456789abcdef", "40-44", "opiate", "M", "&#9;1",
	"\xc3\xa9", "C1", "N0852", "EP-1", "3200",
};

static const char *const attrs[] = {
	" foo=\"1\"", " raw=\"true\"", " raw=\"maybe\"", " raw=\" 1 \"",
	" raw=\"false\"", " line=\"0\"", " line=\"+7\"", " line=\" 07 \"",
	" line=\"x\"", " line=\"-1\"", " xml:lang=\"en\"",
	" xmlns:o=\"urn:other\" o:a=\"1\"", " line=\"3\"",
};

static char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	assert_non_null(s);
	return s;
}

/* One mutation of line i of lines[0..*n); lines owns its strings. */
static void
mutate(char **lines, size_t *n, size_t i)
{
	char *l = lines[i], *lt = strchr(l, '<'), *gt, *close;
	char name[64] = "";
	size_t k;

	if (lt != NULL && sscanf(lt + 1, "%63[A-Za-z_:-]", name) != 1)
		name[0] = '\0';
	gt = lt ? strchr(lt, '>') : NULL;
	close = gt ? strstr(gt, "</") : NULL;
	switch (pick(12)) {
	case 0:		/* swap with the next line */
		if (i + 1 < *n && in_body(lines[i + 1])) {
			lines[i] = lines[i + 1];
			lines[i + 1] = l;
		}
		break;
	case 1:		/* delete */
		free(l);
		memmove(lines + i, lines + i + 1, (*n - i - 1) *
		    sizeof(*lines));
		(*n)--;
		break;
	case 2:		/* repeat */
		if (*n < LINES_MAX) {
			memmove(lines + i + 1, lines + i, (*n - i) *
			    sizeof(*lines));
			lines[i + 1] = strdup(l);
			(*n)++;
		}
		break;
	case 3:		/* an unknown element, text, or an element elsewhere */
		if (*n < LINES_MAX) {
			static const char *const ins[] = { "<FOO>1</FOO>\n",
			    "junk\n", "<episode/>\n", "<intervention/>\n",
			    "<client/>\n", "<!-- a comment -->\n",
			    "<MODAL>94</MODAL>\n", "<o:X xmlns:o=\"urn:o\"/>\n" };

			memmove(lines + i + 1, lines + i, (*n - i) *
			    sizeof(*lines));
			lines[i] = strdup(ins[pick(sizeof(ins) /
			    sizeof(ins[0]))]);
			(*n)++;
		}
		break;
	case 4:
	case 5:		/* another value */
		if (close != NULL) {
			*gt = '\0';
			lines[i] = xasprintf("%s>%s%s", l, values[pick(
			    sizeof(values) / sizeof(values[0]))], close);
			free(l);
		}
		break;
	case 6:
	case 7:		/* an attribute */
		if (gt != NULL && name[0] != '\0' && lt[1] != '/') {
			k = (size_t)(lt - l) + 1 + strlen(name);
			lines[i] = xasprintf("%.*s%s%s", (int)k, l,
			    attrs[pick(sizeof(attrs) / sizeof(attrs[0]))],
			    l + k);
			free(l);
		}
		break;
	case 8:		/* an element inside an item */
		if (close != NULL) {
			*close = '\0';
			lines[i] = xasprintf("%s<X/></%s", l, close + 2);
			free(l);
		}
		break;
	case 9:		/* empty */
		if (close != NULL && name[0] != '\0') {
			lines[i] = xasprintf("%.*s<%s/>\n", (int)(lt - l), l,
			    name);
			free(l);
		}
		break;
	case 11:	/* another value for the tag's first attribute */
		if (gt != NULL && (k = strcspn(lt, "=>")) < (size_t)(gt - lt) &&
		    lt[k + 1] == '"' && strchr(lt + k + 2, '"') != NULL) {
			static const char *const av[] = { "0", "-1", "+7",
			    " 07 ", "x", "", "1e3", "true", "1", " true ",
			    "false", "maybe", "2", "00", "-0", "+0",
			    "99999999999999999999999" };
			size_t at = (size_t)(lt - l) + k + 2;

			lines[i] = xasprintf("%.*s%s%s", (int)at, l,
			    av[pick(sizeof(av) / sizeof(av[0]))],
			    strchr(l + at, '"'));
			free(l);
		}
		break;
	case 10:	/* another namespace */
		if (close != NULL && name[0] != '\0') {
			*gt = '\0';
			lines[i] = xasprintf("%s xmlns=\"urn:other\">%s", l,
			    gt + 1);
			free(l);
		}
		break;
	}
}

static void
write_lines(const char *path, char *const *lines, size_t n)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	for (size_t i = 0; i < n; i++)
		fputs(lines[i], fp);
	assert_int_equal(fclose(fp), 0);
}

static void
run_mutants(struct fixture *f, const char *base)
{
	static char *lines[LINES_MAX];
	struct judge_diff d;
	long refused = 0, flawed = 0;

	load(f, base);
	/* The fixture itself: every record good for both. */
	write_lines(f->path, f->line, f->nline);
	assert_int_equal(judge_diff_file(f->ds, f->path, &d), 0);
	assert_int_equal(d.refused, 0);
	for (int m = 0; m < MUTANTS; m++) {
		size_t n = f->nline;
		int times = 1 + (int)pick(3);

		for (size_t i = 0; i < n; i++)
			lines[i] = strdup(f->line[i]);
		for (int t = 0; t < times; t++) {
			size_t at;

			do
				at = pick(n);
			while (!in_body(lines[at]));
			mutate(lines, &n, at);
		}
		write_lines(f->path, lines, n);
		if (judge_diff_file(f->ds, f->path, &d) != 0) {
			fprintf(stderr, "%s, mutant %d: %s\n--- the mutant:\n",
			    base, m, d.why);
			for (size_t i = 0; i < n; i++)
				fputs(lines[i], stderr);
			fail();
		}
		refused += d.refused;
		flawed += !d.refused && d.bad > 0;
		for (size_t i = 0; i < n; i++)
			free(lines[i]);
	}
	/* The mutations reach both verdicts and the refusals. */
	print_message("%s: %d mutants: %ld refused as a whole, %ld with bad "
	    "records, the rest all good\n", base, MUTANTS, refused, flawed);
	assert_true(refused > 0 && refused < MUTANTS / 2);
	assert_true(flawed > MUTANTS / 4 && refused + flawed < MUTANTS);
}

static void
test_judge_identifiable(void **state)
{
	run_mutants(*state, "episodes.xml");
}

static void
test_judge_pseudonymised(void **state)
{
	run_mutants(*state, "pseudo.xml");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge_identifiable),
		cmocka_unit_test(test_judge_pseudonymised),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
