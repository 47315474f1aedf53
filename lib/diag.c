/*
 * Diagnostics for programs: every line on standard error, prefixed with
 * the program's name, as lafe_err.c does for bsdtar.  stdout carries data
 * only.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/clock.h"
#include "ndx/diag.h"
#include "ndx/ndx.h"

static const char *progname = "ndx";
static FILE *copy;		/* diag_copy_to() */

void
diag_setprogname(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

const char *
diag_progname(void)
{
	return progname;
}

void
diag_copy_to(FILE *fp)
{
	copy = fp;
}

void
diag_one_input(int n, char *const *operands)
{
	diag_warnx("one input file expected, got %d (%s, %s%s)", n,
	    operands[0], operands[1], n > 2 ? ", ..." : "");
}

/*
 * The line is made whole first and written with one call, so it reaches
 * standard error (and the copy) as a line, never in pieces.
 */
static void
emit(const char *file, long line, int with_errno, int saved, const char *fmt,
    va_list ap)
{
	char buf[4096];
	size_t n;
	int k;

	k = snprintf(buf, sizeof(buf), "%s: ", progname);
	n = k > 0 ? (size_t)k : 0;
	if (file != NULL && *file != '\0' && n < sizeof(buf)) {
		k = line > 0 ? snprintf(buf + n, sizeof(buf) - n, "%s:%ld: ",
		    file, line) : snprintf(buf + n, sizeof(buf) - n, "%s: ",
		    file);
		n += k > 0 ? (size_t)k : 0;
	}
	if (n < sizeof(buf)) {
		k = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
		n += k > 0 ? (size_t)k : 0;
	}
	if (with_errno && n < sizeof(buf)) {
		k = snprintf(buf + n, sizeof(buf) - n, ": %s",
		    strerror(saved));
		n += k > 0 ? (size_t)k : 0;
	}
	if (n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	fwrite(buf, 1, n, stderr);
	if (copy != NULL) {
		/* The copy is a log, read later: each line says when. */
		char when[21];

		ndx_utc_now(when);
		fprintf(copy, "%s ", when);
		fwrite(buf, 1, n, copy);
		fflush(copy);
	}
}

static void
vdiag(int with_errno, const char *fmt, va_list ap)
{
	emit(NULL, 0, with_errno, errno, fmt, ap);
}

void
diag_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(1, fmt, ap);
	va_end(ap);
}

void
diag_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(0, fmt, ap);
	va_end(ap);
}

void
diag_at(const char *file, long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(file, line, 0, 0, fmt, ap);
	va_end(ap);
}

int
diag_error(const struct ndx_error *err)
{
	diag_at(err->file, err->line, "%s", err->msg);
	return err->code;
}

/* The one exit below a program's main (ndx.h says why). */
static _Noreturn void
oom(void)
{
	fprintf(stderr, "%s: out of memory\n", progname);
	exit(NDX_EX_OSERR);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		oom();
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom();
	return p;
}

long long
ndx_strtonum(const char *s, long long min, long long max, const char **errstr)
{
	char *end;
	long long v;

	*errstr = NULL;
	if (s == NULL || *s == '\0' || min > max) {
		*errstr = "invalid";
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || end == s) {
		*errstr = "invalid";
		return 0;
	}
	if ((v == LLONG_MIN && errno == ERANGE) || v < min) {
		*errstr = "too small";
		return 0;
	}
	if ((v == LLONG_MAX && errno == ERANGE) || v > max) {
		*errstr = "too large";
		return 0;
	}
	return v;
}
