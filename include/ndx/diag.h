/*
 * Diagnostics for programs (never called from the rest of lib/).
 * Every line goes to standard error and starts with "ndx-<stage>: ".
 * Formats: "prog: file:line: message" or "prog: message: strerror".
 */
#ifndef NDX_DIAG_H
#define NDX_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct ndx_error;

void diag_setprogname(const char *);
const char *diag_progname(void);
/* Every line from now on also to fp (NULL: no longer), after the time
 * in UTC: ndx-run's log. */
void diag_copy_to(FILE *fp);

/*
 * A program that reads one input was given n > 1: "one input file
 * expected, got N (A, B, ...)", for the usage message to follow.
 */
void diag_one_input(int n, char *const *operands);

/*
 * Print one line and return: the program returns its exit code itself,
 * from its <prog>_main.  Only the allocators below ever exit.
 */
void diag_warn(const char *fmt, ...)	/* appends strerror(errno) */
    __attribute__((format(printf, 1, 2)));
void diag_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: file:line: msg"; file may be NULL, line 0 = unknown. */
void diag_at(const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Print a struct ndx_error as one line; returns its code. */
int diag_error(const struct ndx_error *);

/*
 * Allocation that cannot fail: on exhaustion, "prog: out of memory" and
 * exit 71 (see ndx.h).
 */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);

/*
 * Range-checked number parsing in the manner of strtonum(3): returns the
 * value, or sets *errstr ("invalid", "too small", "too large").
 */
long long ndx_strtonum(const char *, long long min, long long max,
    const char **errstr);

#endif
