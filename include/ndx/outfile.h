/*
 * Outputs that appear whole or not at all.  The data goes to an unnamed
 * file (O_TMPFILE) in the target's directory, or to a hidden temporary
 * name where the file system lacks O_TMPFILE, and is linked into place by
 * ndx_outfile_commit() after flush and fsync.  A run killed at any point
 * leaves the old file, or none, never a partial one.
 * "-" or NULL means standard output, written directly.
 *
 * Modes, whatever the umask: a new file is 0600; a file that replaces an
 * existing one gets (old mode & 0600), so it is never more readable than
 * the file it replaces (a 0400 file stays 0400, a 0644 one becomes 0600).
 * Devices and FIFOs written in place keep their mode.
 *
 * /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N are written to
 * that descriptor as it is; a symbolic link stays, and the file it names
 * is replaced.
 */
#ifndef NDX_OUTFILE_H
#define NDX_OUTFILE_H

#include <stdio.h>

struct ndx_error;
struct ndx_outfile;

/*
 * 1 when the paths name one file (the same inode, or the same name in the
 * same directory for one not made yet; "-" only "-"): an output must not
 * be an input or another output.
 */
int ndx_outfile_same(const char *a, const char *b);
/*
 * 0 when none of the n outputs (NULL entries skipped) is the input (NULL
 * or "-": standard input, never the same as an output) or another
 * output; else 64 in err naming the two.  Checked before any output is
 * opened, so that writing one never destroys what is read or written.
 */
int ndx_outputs_distinct(const char *input, const char *const *outputs,
    size_t n, struct ndx_error *err);

/* err->code 73 when the file cannot be created. */
struct ndx_outfile *ndx_outfile_open(const char *path, struct ndx_error *);
FILE *ndx_outfile_fp(struct ndx_outfile *);
const char *ndx_outfile_name(const struct ndx_outfile *);
/*
 * Writes out and syncs what was written so far, publishing nothing; 74 on
 * a write failure.  A program with several outputs flushes them all before
 * it commits any, so a full disk or a closed pipe leaves none of them.
 */
int ndx_outfile_flush(struct ndx_outfile *, struct ndx_error *);
/* Publishes the file; 74 on a write failure (then nothing is published). */
int ndx_outfile_commit(struct ndx_outfile *, struct ndx_error *);
/* Discards; NULL is a no-op. */
void ndx_outfile_abort(struct ndx_outfile *);

/*
 * A temporary file for a program's own use (a sort's runs, a spool):
 * read-write, mode 0600, in $TMPDIR (else /tmp), where the user put the
 * space for it; unnamed (O_TMPFILE) where the file system allows, else
 * created and unlinked at once, so that nothing is left behind by a run
 * that is killed and no other process can open it by name.  what says
 * what it is for, in the message.  The descriptor, or -1 with err set
 * (73).
 */
int ndx_tmpfd(const char *what, struct ndx_error *err);

#endif
