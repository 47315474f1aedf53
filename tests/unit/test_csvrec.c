/*
 * Unit tests for lib/csvrec.c: records and their line numbers, the strict
 * errors with the line they name, writing with quotes, and UTF-8 checks.
 * Inputs come from fmemopen(); partial reads from fopencookie().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "ndx/csvrec.h"
#include "ndx/ndx.h"

/*
 * Reads every record of fp and describes them as text, one record as
 * "LINE:f1|f2|...;", then "!CODE@LINE" on an error (the message goes to
 * *msg when asked).  Field values are printed as they are, so tests
 * choose inputs without '|' or ';' when that matters.
 */
static char *
describe_fp(FILE *fp, char *msg, size_t msgsize)
{
	struct csvrec_reader *r;
	const struct csvrec *rec;
	struct ndx_error err;
	char *out = NULL;
	size_t outlen = 0;
	FILE *mem = open_memstream(&out, &outlen);
	int rc;

	assert_non_null(mem);
	r = csvrec_open(fp, "in.csv");
	assert_non_null(r);
	while ((rc = csvrec_next(r, &rec, &err)) == 1) {
		fprintf(mem, "%ld:", rec->line);
		for (size_t i = 0; i < rec->nfields; i++) {
			assert_int_equal(strlen(rec->field[i]), rec->len[i]);
			fprintf(mem, "%s%s", i ? "|" : "", rec->field[i]);
		}
		fputc(';', mem);
	}
	if (rc == -1) {
		fprintf(mem, "!%d@%ld", err.code, err.line);
		assert_string_equal(err.file, "in.csv");
		if (msg != NULL)
			snprintf(msg, msgsize, "%s", err.msg);
		/* The error sticks. */
		assert_int_equal(csvrec_next(r, &rec, &err), -1);
	} else {
		assert_int_equal(rc, 0);
		assert_int_equal(csvrec_next(r, &rec, &err), 0);
	}
	csvrec_close(r);
	fclose(mem);
	return out;
}

static char *
describe_n(const char *data, size_t n, char *msg, size_t msgsize)
{
	FILE *fp;
	char *out;

	if (n == 0)	/* fmemopen refuses size 0 */
		fp = fopen("/dev/null", "r");
	else
		fp = fmemopen((void *)(uintptr_t)data, n, "r");
	assert_non_null(fp);
	out = describe_fp(fp, msg, msgsize);
	fclose(fp);
	return out;
}

/* Compares the description of a NUL-free input with want. */
static void
check(const char *data, const char *want)
{
	char *got = describe_n(data, strlen(data), NULL, 0);

	if (strcmp(got, want) != 0) {
		free(got);
		fail_msg("input \"%s\": got something other than \"%s\"",
		    data, want);
	}
	free(got);
}

/* Same, printing what was read on a mismatch. */
#define CHECK(data, want) do {						\
	char *got_ = describe_n((data), strlen(data), NULL, 0);		\
	assert_string_equal(got_, (want));				\
	free(got_);							\
} while (0)

static void
test_csvrec_simple_lf(void **state)
{
	(void)state;
	CHECK("a,b,c\nd,e,f\n", "1:a|b|c;2:d|e|f;");
	CHECK("a,b\nc,d", "1:a|b;2:c|d;");	/* no final newline */
	CHECK("a", "1:a;");
	CHECK("", "");
	check("x\n", "1:x;");
}

static void
test_csvrec_crlf(void **state)
{
	(void)state;
	CHECK("a,b\r\nc,d\r\n", "1:a|b;2:c|d;");
	CHECK("a,b\r\nc,d", "1:a|b;2:c|d;");
	CHECK("a,\r\n,b\r\n", "1:a|;2:|b;");
	CHECK("\"a\"\r\n\"b\"\r\n", "1:a;2:b;");
	CHECK("a\r\n\r\n\r\nb\r\n", "1:a;4:b;");
	/* Mixed endings in one file still count one line each. */
	CHECK("a\nb\r\nc\nd\r\n", "1:a;2:b;3:c;4:d;");
}

/* A lone CR (old Mac files) ends a record and counts as a line. */
static void
test_csvrec_lone_cr(void **state)
{
	(void)state;
	CHECK("a,b\rc,d\r", "1:a|b;2:c|d;");
	CHECK("a\r\rb", "1:a;3:b;");
}

static void
test_csvrec_blank_lines_counted(void **state)
{
	(void)state;
	CHECK("\n\na\n\nb\n\n\n", "3:a;5:b;");
	CHECK("a\n\n", "1:a;");
	CHECK("\n", "");
	CHECK("\r\n\r\n", "");
}

static void
test_csvrec_empty_fields(void **state)
{
	(void)state;
	CHECK(",\n", "1:|;");
	CHECK(",,,\n", "1:|||;");
	CHECK("a,,c\n", "1:a||c;");
	CHECK("\"\"\n", "1:;");
	CHECK("\"\",\"\"\n", "1:|;");
	CHECK("a,\n", "1:a|;");
	CHECK(",a", "1:|a;");
}

static void
test_csvrec_blanks_preserved(void **state)
{
	(void)state;
	CHECK(" a , b \n", "1: a | b ;");
	CHECK("\t a\t\n", "1:\t a\t;");
	CHECK("   \n", "1:   ;");
	CHECK("\" a \",b\n", "1: a |b;");
	CHECK("a b c,d\n", "1:a b c|d;");
}

static void
test_csvrec_quoted_fields(void **state)
{
	(void)state;
	CHECK("\"a,b\",c\n", "1:a,b|c;");
	CHECK("\"say \"\"hi\"\"\",x\n", "1:say \"hi\"|x;");
	CHECK("\"\"\"\"\n", "1:\";");
	CHECK("\",\",\",\"\n", "1:,|,;");
}

/* A newline inside quotes belongs to the field; later lines still count. */
static void
test_csvrec_quoted_newlines_lines(void **state)
{
	(void)state;
	CHECK("\"a\nb\",c\nd,e\n", "1:a\nb|c;3:d|e;");
	CHECK("x\n\"1\n2\n3\",\"4\n5\"\ny\n", "1:x;2:1\n2\n3|4\n5;6:y;");
	CHECK("\"a\r\nb\"\r\nc\r\n", "1:a\r\nb;3:c;");
	CHECK("\"\n\"\n\n\"\n\"\nz\n", "1:\n;4:\n;6:z;");
}

static void
test_csvrec_bom(void **state)
{
	(void)state;
	CHECK("\xEF\xBB\xBF" "a,b\nc\n", "1:a|b;2:c;");
	CHECK("\xEF\xBB\xBF\"a,b\"\n", "1:a,b;");
	CHECK("\xEF\xBB\xBF", "");
	CHECK("\xEF\xBB\xBF\n\nx", "3:x;");
	/* Only at the very start: elsewhere it is data. */
	CHECK("a\n\xEF\xBB\xBF" "b\n", "1:a;2:\xEF\xBB\xBF" "b;");
	/* A truncated BOM is data too. */
	CHECK("\xEF\xBB", "1:\xEF\xBB;");
	CHECK("\xEF\xBB\n", "1:\xEF\xBB;");
}

/* Inputs shorter than a BOM go through the same checks as any other. */
static void
test_csvrec_tiny_inputs(void **state)
{
	(void)state;
	CHECK("a", "1:a;");
	CHECK("ab", "1:ab;");
	CHECK("\n", "");
	CHECK("\"\"", "1:;");
	CHECK(",", "1:|;");
	CHECK("a\"", "!65@1");
	CHECK("\"", "!65@1");
	CHECK("\"a", "!65@1");
	CHECK("\"\"x", "!65@1");
}

/* A FILE whose reads return at most one byte, like a slow pipe. */
struct trickle {
	const char *data;
	size_t len, pos;
};

static ssize_t
trickle_read(void *cookie, char *buf, size_t size)
{
	struct trickle *t = cookie;

	if (t->pos == t->len || size == 0)
		return 0;
	buf[0] = t->data[t->pos++];
	return 1;
}

static char *
describe_trickle(const char *data)
{
	struct trickle t = { data, strlen(data), 0 };
	cookie_io_functions_t io = { trickle_read, NULL, NULL, NULL };
	FILE *fp = fopencookie(&t, "r", io);
	char *out;

	assert_non_null(fp);
	setvbuf(fp, NULL, _IONBF, 0);
	out = describe_fp(fp, NULL, 0);
	fclose(fp);
	return out;
}

static void
test_csvrec_bom_partial_reads(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "\xEF\xBB\xBF" "a,b\r\nc\n", "1:a|b;2:c;" },
		{ "a,b\r\nc\n", "1:a|b;2:c;" },
		{ "\xEF\xBB\xBF\"x\ny\"\nz", "1:x\ny;3:z;" },
		{ "\xEF", "1:\xEF;" },
		{ "a\"", "!65@1" },
	};
	char *got;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = describe_trickle(cases[i].in);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

/*
 * Records crossing the reader's 64 KiB chunks: every alignment of CR/LF
 * and of a quoted newline against the boundary keeps the count right.
 */
static void
test_csvrec_chunk_boundaries(void **state)
{
	(void)state;
	for (size_t shift = 0; shift < 12; shift++) {
		size_t cap = 200000, n = 0;
		char *in = malloc(cap), *got, *p;
		long lines = 1, recs = 0;

		assert_non_null(in);
		memset(in, 'p', shift);
		n = shift;
		if (shift > 0) {
			in[n++] = '\r';
			in[n++] = '\n';
			lines++;
			recs++;
		}
		while (n < 140000) {
			n += (size_t)sprintf(in + n, "%ld,\"q\nq\"\r\n\r\n",
			    lines);
			lines += 3;
			recs++;
		}
		in[n] = '\0';
		got = describe_n(in, n, NULL, 0);
		/* Count records and check each one's line. */
		p = got;
		if (shift > 0) {
			assert_memory_equal(p, "1:", 2);
			p = strchr(p, ';') + 1;
			recs--;
		}
		while (*p != '\0') {
			long line = strtol(p, &p, 10), field;

			assert_int_equal(*p, ':');
			field = strtol(p + 1, &p, 10);
			assert_int_equal(line, field);
			assert_string_equal(strncmp(p, "|q\nq;", 5) == 0 ?
			    "ok" : p, "ok");
			p += 5;
			recs--;
		}
		assert_int_equal(recs, 0);
		free(got);
		free(in);
	}
}

static void
test_csvrec_field_4096_ok(void **state)
{
	char *in = malloc(2 * CSVREC_FIELD_MAX + 64), *got;
	size_t n = 0;

	(void)state;
	assert_non_null(in);
	memcpy(in, "a\n", 2);
	n = 2;
	memset(in + n, 'x', CSVREC_FIELD_MAX);
	n += CSVREC_FIELD_MAX;
	memcpy(in + n, ",b\n\"", 4);
	n += 4;
	/* Quoted, with doubled quotes: the unquoted length counts. */
	memset(in + n, '"', 2 * 10);
	n += 20;
	memset(in + n, 'y', CSVREC_FIELD_MAX - 10);
	n += CSVREC_FIELD_MAX - 10;
	memcpy(in + n, "\"\nc\n", 4);
	n += 4;
	got = describe_n(in, n, NULL, 0);
	assert_int_equal(strlen(got), 4 + 2 + CSVREC_FIELD_MAX + 3 +
	    2 + CSVREC_FIELD_MAX + 1 + 4);
	assert_memory_equal(got + strlen(got) - 4, "4:c;", 4);
	free(got);
	free(in);
}

static void
test_csvrec_field_4097_error(void **state)
{
	char *in = malloc(CSVREC_FIELD_MAX + 64), *got, msg[768];
	size_t n;

	(void)state;
	assert_non_null(in);
	memcpy(in, "a\n\n", 3);
	memset(in + 3, 'x', CSVREC_FIELD_MAX + 1);
	n = 3 + CSVREC_FIELD_MAX + 1;
	memcpy(in + n, "\nz\n", 3);
	n += 3;
	got = describe_n(in, n, msg, sizeof(msg));
	assert_string_equal(got, "1:a;!65@3");
	assert_non_null(strstr(msg, "4096"));
	free(got);

	/* Quoted and never closed: still an error naming its line. */
	in[3] = '"';
	memset(in + 4, 'x', CSVREC_FIELD_MAX + 59);
	got = describe_n(in, CSVREC_FIELD_MAX + 63, msg, sizeof(msg));
	assert_string_equal(got, "1:a;!65@3");
	free(got);
	free(in);
}

/* A long field far beyond the limit, spanning several chunks. */
static void
test_csvrec_huge_field_error(void **state)
{
	size_t n = 300000;
	char *in = malloc(n), *got;

	(void)state;
	assert_non_null(in);
	memset(in, 'h', n);
	in[0] = '"';
	got = describe_n(in, n, NULL, 0);
	assert_string_equal(got, "!65@1");
	free(got);
	in[0] = 'h';
	got = describe_n(in, n, NULL, 0);
	assert_string_equal(got, "!65@1");
	free(got);
	free(in);
}

static void
test_csvrec_nul_byte_error(void **state)
{
	static const char in1[] = "a,b\nc,d\0e\nf\n";
	static const char in2[] = "\"x\ny\",\"\0\"\n";
	static const char in3[] = "\0";
	char msg[768], *got;

	(void)state;
	got = describe_n(in1, sizeof(in1) - 1, msg, sizeof(msg));
	assert_string_equal(got, "1:a|b;!65@2");
	assert_non_null(strstr(msg, "NUL"));
	free(got);
	got = describe_n(in2, sizeof(in2) - 1, NULL, 0);
	assert_string_equal(got, "!65@1");
	free(got);
	got = describe_n(in3, sizeof(in3) - 1, NULL, 0);
	assert_string_equal(got, "!65@1");
	free(got);
}

static void
test_csvrec_unterminated_quote(void **state)
{
	char msg[768], *got;

	(void)state;
	got = describe_n("a\n\n\"b,c\nd\n", 10, msg, sizeof(msg));
	assert_string_equal(got, "1:a;!65@3");
	assert_non_null(strstr(msg, "unterminated"));
	free(got);
	CHECK("\"", "!65@1");
	CHECK("a,b\r\nc,\"d", "1:a|b;!65@2");
	CHECK("\"x\ny\"\n\"open", "1:x\ny;!65@3");
}

/*
 * Malformed quoting: the records before the error are returned, then
 * the error names the line where it is.
 */
static void
test_csvrec_quote_in_unquoted_field(void **state)
{
	char msg[768], *got;

	(void)state;
	got = describe_n("a,b\nc,d\"e\nf\n", 12, msg, sizeof(msg));
	assert_string_equal(got, "1:a|b;!65@2");
	assert_non_null(strstr(msg, "quot"));
	free(got);
	CHECK("ab\"c\n", "!65@1");
	/* Text, or a blank, after a closing quote. */
	CHECK("x\n\"a\"b\n", "1:x;!65@2");
	CHECK("x\n\"a\" ,b\n", "1:x;!65@2");
	/* The line of the error, after a multi-line field of its record. */
	CHECK("\"1\n2\",x\"y\n", "!65@2");
}

static char *
many_fields(size_t n)
{
	char *s = malloc(2 * n + 2);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = 'f';
		s[2 * i + 1] = i + 1 < n ? ',' : '\n';
	}
	s[2 * n] = '\0';
	return s;
}

static void
test_csvrec_field_count_limit(void **state)
{
	struct csvrec_reader *r;
	const struct csvrec *rec;
	struct ndx_error err;
	char *ok = many_fields(1024), *bad = many_fields(1025), msg[768];
	char *in = malloc(strlen(ok) + strlen(bad) + 1), *got;
	FILE *fp;

	(void)state;
	assert_non_null(in);
	strcpy(in, ok);
	strcat(in, bad);
	fp = fmemopen(in, strlen(in), "r");
	assert_non_null(fp);
	r = csvrec_open(fp, "in.csv");
	assert_int_equal(csvrec_next(r, &rec, &err), 1);
	assert_int_equal(rec->nfields, 1024);
	assert_int_equal(rec->line, 1);
	assert_int_equal(csvrec_next(r, &rec, &err), -1);
	assert_int_equal(err.code, NDX_EX_DATAERR);
	assert_int_equal(err.line, 2);
	csvrec_close(r);
	fclose(fp);

	got = describe_n(bad, strlen(bad), msg, sizeof(msg));
	assert_string_equal(got, "!65@1");
	assert_non_null(strstr(msg, "1024"));
	free(got);
	free(in);
	free(ok);
	free(bad);
}

/* The record and its arrays stay valid until the next call. */
static void
test_csvrec_record_lifetime(void **state)
{
	static const char in[] = "one,two\nthree,four,five\n";
	FILE *fp = fmemopen((void *)(uintptr_t)in, sizeof(in) - 1, "r");
	struct csvrec_reader *r;
	const struct csvrec *rec;
	struct ndx_error err;

	(void)state;
	assert_non_null(fp);
	r = csvrec_open(fp, "in.csv");
	assert_non_null(r);
	assert_int_equal(csvrec_next(r, &rec, &err), 1);
	assert_int_equal(rec->nfields, 2);
	assert_string_equal(rec->field[1], "two");
	assert_int_equal(rec->len[1], 3);
	assert_int_equal(csvrec_next(r, &rec, &err), 1);
	assert_int_equal(rec->nfields, 3);
	assert_string_equal(rec->field[0], "three");
	assert_string_equal(rec->field[2], "five");
	assert_int_equal(rec->len[2], 4);
	assert_int_equal(csvrec_next(r, &rec, &err), 0);
	csvrec_close(r);
	csvrec_close(NULL);
	fclose(fp);
}

/* A stream that cannot be read gives 74. */
static void
test_csvrec_read_error(void **state)
{
	FILE *fp = fopen("/dev/null", "w");	/* write-only: reads fail */
	struct csvrec_reader *r;
	const struct csvrec *rec;
	struct ndx_error err;

	(void)state;
	assert_non_null(fp);
	r = csvrec_open(fp, "out.csv");
	assert_int_equal(csvrec_next(r, &rec, &err), -1);
	assert_int_equal(err.code, NDX_EX_IOERR);
	assert_string_equal(err.file, "out.csv");
	csvrec_close(r);
	fclose(fp);
}

static char *
written(const char *s, int quote_all)
{
	char *out = NULL;
	size_t n = 0;
	FILE *mem = open_memstream(&out, &n);

	assert_non_null(mem);
	assert_int_equal(csvrec_write_field(mem, s, quote_all), 0);
	fclose(mem);
	return out;
}

#define WRITES(s, q, want) do {						\
	char *w_ = written((s), (q));					\
	assert_string_equal(w_, (want));				\
	free(w_);							\
} while (0)

static void
test_csvrec_write_field_quoting(void **state)
{
	(void)state;
	WRITES("plain", 0, "plain");
	WRITES("", 0, "");
	WRITES(NULL, 0, "");
	WRITES(" lead and trail ", 0, " lead and trail ");
	WRITES("a,b", 0, "\"a,b\"");
	WRITES("say \"hi\"", 0, "\"say \"\"hi\"\"\"");
	WRITES("\"", 0, "\"\"\"\"");
	WRITES("two\nlines", 0, "\"two\nlines\"");
	WRITES("cr\rhere", 0, "\"cr\rhere\"");
	WRITES("plain", 1, "\"plain\"");
	WRITES("", 1, "\"\"");
	WRITES(NULL, 1, "\"\"");
	WRITES("a\"b", 1, "\"a\"\"b\"");
}

static void
test_csvrec_write_row_roundtrip(void **state)
{
	const char *const row[] = { "N0852", NULL, "a,b", "\"q\"", "x\r\ny",
		"", " s " };
	char *out = NULL, *got;
	size_t n = 0;
	FILE *mem = open_memstream(&out, &n);

	(void)state;
	assert_non_null(mem);
	assert_int_equal(csvrec_write_row(mem, row, 7, 0), 0);
	assert_int_equal(csvrec_write_row(mem, row, 2, 1), 0);
	assert_int_equal(csvrec_write_row(mem, row, 0, 0), 0);
	assert_int_equal(csvrec_write_row(mem, row, 1, 0), 0);
	fclose(mem);
	assert_string_equal(out,
	    "N0852,,\"a,b\",\"\"\"q\"\"\",\"x\r\ny\",, s \n"
	    "\"N0852\",\"\"\n"
	    "\n"
	    "N0852\n");
	got = describe_n(out, n, NULL, 0);
	assert_string_equal(got,
	    "1:N0852||a,b|\"q\"|x\r\ny|| s ;3:N0852|;5:N0852;");
	free(got);
	free(out);
}

/* For people: what Excel would run as a formula is made text; the rest,
 * and what programs read, is written as it is. */
static void
test_csvrec_write_row_for_people(void **state)
{
	const char *const row[] = { "=HYPERLINK(\"http://x\",\"y\")", "+1",
		"-2", "@SUM(A1)", "\tx", "\ry", "a=b", NULL, "", "ok,=" };
	char *out = NULL;
	size_t n = 0;
	FILE *mem = open_memstream(&out, &n);

	(void)state;
	assert_non_null(mem);
	assert_int_equal(csvrec_write_row_for_people(mem, row, 10), 0);
	assert_int_equal(csvrec_write_row(mem, row, 4, 0), 0);
	fclose(mem);
	assert_string_equal(out,
	    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'+1,'-2,'@SUM(A1),"
	    "'\tx,\"'\ry\",a=b,,,\"ok,=\"\n"
	    "\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",+1,-2,@SUM(A1)\n");
	free(out);
}

#define UTF8(s, want) assert_int_equal(ndx_utf8_valid((s), sizeof(s) - 1), \
	(want))

static void
test_csvrec_utf8_valid(void **state)
{
	(void)state;
	UTF8("", 1);
	UTF8("plain ASCII, with punctuation!~", 1);
	UTF8("tab\there\nand\r\n", 1);
	UTF8("\xC2\xA3" "5", 1);		/* £ */
	UTF8("Zo\xC3\xAB", 1);			/* ë */
	UTF8("\xC2\x80", 1);			/* U+0080, first 2-byte */
	UTF8("\xDF\xBF", 1);			/* U+07FF */
	UTF8("\xE0\xA0\x80", 1);		/* U+0800 */
	UTF8("\xE2\x82\xAC", 1);		/* € */
	UTF8("\xED\x9F\xBF", 1);		/* U+D7FF */
	UTF8("\xEE\x80\x80", 1);		/* U+E000 */
	UTF8("\xEF\xBF\xBD", 1);		/* U+FFFD */
	UTF8("\xEF\xBB\xBF", 1);		/* U+FEFF */
	UTF8("\xF0\x90\x80\x80", 1);		/* U+10000 */
	UTF8("\xF0\x9F\x98\x80", 1);		/* emoji */
	UTF8("\xF4\x8F\xBF\xBF", 1);		/* U+10FFFF */
	/* Length, not NUL, ends the string. */
	assert_int_equal(ndx_utf8_valid("ab\xC3", 2), 1);
}

static void
test_csvrec_utf8_invalid(void **state)
{
	(void)state;
	/* Overlong forms. */
	UTF8("\xC0\x80", 0);
	UTF8("\xC1\xBF", 0);
	UTF8("\xE0\x80\x80", 0);
	UTF8("\xE0\x9F\xBF", 0);
	UTF8("\xF0\x80\x80\x80", 0);
	UTF8("\xF0\x8F\xBF\xBF", 0);
	/* Surrogates. */
	UTF8("\xED\xA0\x80", 0);
	UTF8("\xED\xBF\xBF", 0);
	UTF8("\xED\xA0\xBD\xED\xB8\x80", 0);	/* CESU-8 pair */
	/* Beyond U+10FFFF, and bytes never used. */
	UTF8("\xF4\x90\x80\x80", 0);
	UTF8("\xF5\x80\x80\x80", 0);
	UTF8("\xF8\x88\x80\x80\x80", 0);
	UTF8("\xFE", 0);
	UTF8("\xFF", 0);
	/* Stray and truncated sequences. */
	UTF8("\x80", 0);
	UTF8("a\xBF" "b", 0);
	UTF8("\xC3", 0);
	UTF8("\xC3" "a", 0);
	UTF8("\xE2\x82", 0);
	UTF8("\xE2\x82" "a", 0);
	UTF8("\xF0\x9F\x98", 0);
	UTF8("x\xF0\x9F", 0);
	assert_int_equal(ndx_utf8_valid("\xE2\x82\xAC", 2), 0);
	/* Latin-1 text, the commonest real-world mistake. */
	UTF8("Zo\xEB", 0);
	UTF8("\xA3" "5", 0);
	/* C0 controls other than TAB, LF, CR; DEL; NUL. */
	UTF8("\x01", 0);
	UTF8("a\x1B[0m", 0);
	UTF8("\x0B", 0);
	UTF8("\x0C", 0);
	UTF8("\x1F", 0);
	UTF8("\x7F", 0);
	assert_int_equal(ndx_utf8_valid("a\0b", 3), 0);
	/* Not characters in XML 1.0. */
	UTF8("\xEF\xBF\xBE", 0);		/* U+FFFE */
	UTF8("\xEF\xBF\xBF", 0);		/* U+FFFF */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csvrec_simple_lf),
		cmocka_unit_test(test_csvrec_crlf),
		cmocka_unit_test(test_csvrec_lone_cr),
		cmocka_unit_test(test_csvrec_blank_lines_counted),
		cmocka_unit_test(test_csvrec_empty_fields),
		cmocka_unit_test(test_csvrec_blanks_preserved),
		cmocka_unit_test(test_csvrec_quoted_fields),
		cmocka_unit_test(test_csvrec_quoted_newlines_lines),
		cmocka_unit_test(test_csvrec_bom),
		cmocka_unit_test(test_csvrec_tiny_inputs),
		cmocka_unit_test(test_csvrec_bom_partial_reads),
		cmocka_unit_test(test_csvrec_chunk_boundaries),
		cmocka_unit_test(test_csvrec_field_4096_ok),
		cmocka_unit_test(test_csvrec_field_4097_error),
		cmocka_unit_test(test_csvrec_huge_field_error),
		cmocka_unit_test(test_csvrec_nul_byte_error),
		cmocka_unit_test(test_csvrec_unterminated_quote),
		cmocka_unit_test(test_csvrec_quote_in_unquoted_field),
		cmocka_unit_test(test_csvrec_field_count_limit),
		cmocka_unit_test(test_csvrec_record_lifetime),
		cmocka_unit_test(test_csvrec_read_error),
		cmocka_unit_test(test_csvrec_write_field_quoting),
		cmocka_unit_test(test_csvrec_write_row_roundtrip),
		cmocka_unit_test(test_csvrec_write_row_for_people),
		cmocka_unit_test(test_csvrec_utf8_valid),
		cmocka_unit_test(test_csvrec_utf8_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
