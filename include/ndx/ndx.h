/*
 * ndx: common definitions shared by every program and by libndx.
 *
 * Exit codes are those of ../shared/spec/interfaces.md (named after
 * <sysexits.h>).  Programs return these and only these; lib/ returns
 * them inside struct ndx_error so the program can decide.
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
