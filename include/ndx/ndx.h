/*
 * ndx: common definitions shared by every program and by libndx.
 *
 * Exit codes are those of ../shared/spec/interfaces.md (named after
 * <sysexits.h>).  Programs return these and only these; lib/ returns
 * them inside struct ndx_error so the program can decide.
 *
 * Nothing below a program's main exits: lib/ and a program's helpers
 * return an error (an exit code, or -1 with a struct ndx_error filled),
 * and <prog>_main prints it and returns the code, releasing what it
 * opened on the way (outputs discarded, never published).  So every
 * <prog>_main can be called in-process, again and again, by tests and
 * fuzzers.
 *
 * The one exception is running out of memory in xmalloc(), xcalloc(),
 * xrealloc(), xreallocarray() and xstrdup() (diag.h), and so in the
 * arena (arena.h), which allocates through them: they print
 * "<prog>: out of memory" and exit 71 (NDX_EX_OSERR) on the spot.  An
 * allocation fails deep in a stream, in the middle of a record, where
 * no caller could do anything useful but stop; exiting at once keeps
 * every caller free of a check it could not act on.  An output not yet
 * committed is then never published (lib/outfile.c); a test or fuzzer
 * that calls a <prog>_main in-process ends there too.  Memory from the
 * other libraries (libxml2, libarchive, libsodium's locked memory) and
 * from the few plain malloc() calls in lib/ (config.c, manifest.c) is
 * not theirs: running out of it is an ordinary error, 71 in struct
 * ndx_error, returned.
 */
#ifndef NDX_NDX_H
#define NDX_NDX_H

#include <stddef.h>

#define NDX_VERSION "0.1.0"
#define NDX_DATASET_VERSION "1"

enum ndx_exit {
	NDX_EX_OK = 0,
	NDX_EX_REJECTED = 1,	/* records rejected / archive does not verify */
	NDX_EX_USAGE = 64,	/* bad option, bad period */
	NDX_EX_DATAERR = 65,	/* input cannot be processed at all */
	NDX_EX_NOINPUT = 66,	/* input missing or unreadable */
	NDX_EX_SOFTWARE = 70,	/* internal error (a bug) */
	NDX_EX_OSERR = 71,	/* out of memory */
	NDX_EX_CANTCREAT = 73,	/* output cannot be created */
	NDX_EX_IOERR = 74,	/* read or write failure */
	NDX_EX_TEMPFAIL = 75,	/* lock held, database unreachable */
	NDX_EX_NOPERM = 77,	/* key/passphrase file readable by others */
	NDX_EX_CONFIG = 78	/* bad configuration, schema or stylesheet */
};

/*
 * How lib/ reports a failure: an exit code the program may use as is,
 * a position, and a message without the program name.  lib/ fills it;
 * programs print it with diag_error().
 */
struct ndx_error {
	int code;		/* enum ndx_exit */
	char file[256];		/* input name, or "" */
	long line;		/* 1-based line, or 0 when unknown */
	char msg[768];
};

void ndx_error_set(struct ndx_error *, int code, const char *file,
    long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
