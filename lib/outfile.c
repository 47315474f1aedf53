/*
 * Atomic outputs.  Data is written to an unnamed O_TMPFILE in the target's
 * directory and given a name only when complete, so even SIGKILL leaves
 * nothing behind; where the file system lacks O_TMPFILE, a hidden
 * temporary name is used and renamed.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ndx/diag.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"

struct ndx_outfile {
	FILE *fp;
	char *path;		/* NULL for standard output */
	char *tmpname;		/* hidden name in the fallback, else NULL */
	int fd;
	int special;		/* a device or FIFO, written in place */
};

static int
is_stdout(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0;
}

/*
 * The descriptor a path names (/dev/stdout, /dev/fd/N, /proc/self/fd/N),
 * or -1.  Such an output is written to that descriptor: replacing the
 * file behind it by renaming would leave the shell's redirection writing
 * to an unlinked file, and renaming over /dev/stdout replaces the link.
 */
static int
fd_named(const char *path)
{
	static const char *const prefix[] = { "/dev/fd/", "/proc/self/fd/" };
	const char *errstr;
	long long n;

	if (strcmp(path, "/dev/stdout") == 0)
		return 1;
	if (strcmp(path, "/dev/stderr") == 0)
		return 2;
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (strncmp(path, prefix[i], strlen(prefix[i])) == 0) {
			n = ndx_strtonum(path + strlen(prefix[i]), 0, 1 << 20,
			    &errstr);
			return errstr == NULL ? (int)n : -1;
		}
	return -1;
}

static char *
dir_of(const char *path)
{
	char *copy = xstrdup(path), *d = xstrdup(dirname(copy));

	free(copy);
	return d;
}

static const char *
last_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

int
ndx_outfile_same(const char *a, const char *b)
{
	struct stat sa, sb;
	char *ra, *rb, *da, *db;
	int same;

	if (is_stdout(a) || is_stdout(b))
		return is_stdout(a) && is_stdout(b);
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino &&
		    !S_ISCHR(sa.st_mode);
	/* One is yet to be made: the same directory and name. */
	da = dir_of(a);
	db = dir_of(b);
	ra = realpath(da, NULL);
	rb = realpath(db, NULL);
	same = ra != NULL && rb != NULL && strcmp(ra, rb) == 0 &&
	    strcmp(last_name(a), last_name(b)) == 0;
	free(ra);
	free(rb);
	free(da);
	free(db);
	return same;
}

int
ndx_outputs_distinct(const char *input, const char *const *outputs,
    size_t n, struct ndx_error *err)
{
	int stdin_input = is_stdout(input);

	for (size_t i = 0; i < n; i++) {
		if (outputs[i] == NULL)
			continue;
		if (!stdin_input && ndx_outfile_same(input, outputs[i])) {
			ndx_error_set(err, NDX_EX_USAGE, outputs[i], 0,
			    "is the input too; write the output elsewhere");
			return NDX_EX_USAGE;
		}
		for (size_t j = 0; j < i; j++)
			if (outputs[j] != NULL &&
			    ndx_outfile_same(outputs[j], outputs[i])) {
				ndx_error_set(err, NDX_EX_USAGE, outputs[i], 0,
				    "is also the output %s; give each output "
				    "its own file", outputs[j]);
				return NDX_EX_USAGE;
			}
	}
	return 0;
}

/*
 * Where a symbolic link leads: its final target, or for a link to a file
 * not made yet (as a shell's > would make it) the name it holds, taken
 * from the link's directory.  NULL for a chain that leads nowhere.
 */
static char *
link_target(const char *path)
{
	char buf[PATH_MAX], *dir, *t;
	struct stat st;
	ssize_t n;

	if ((t = realpath(path, NULL)) != NULL || errno != ENOENT)
		return t;
	if ((n = readlink(path, buf, sizeof(buf) - 1)) < 0)
		return NULL;
	buf[n] = '\0';
	if (buf[0] == '/')
		t = xstrdup(buf);
	else {
		dir = dir_of(path);
		t = xmalloc(strlen(dir) + (size_t)n + 2);
		sprintf(t, "%s/%s", dir, buf);
		free(dir);
	}
	if (lstat(t, &st) == 0) {	/* another dangling link */
		free(t);
		return NULL;
	}
	return t;
}

static char *
hidden_name(const char *path)
{
	char *dcopy = xstrdup(path), *bcopy = xstrdup(path);
	const char *dir = dirname(dcopy), *name = basename(bcopy);
	size_t n = strlen(dir) + strlen(name) + 16;
	char *t = xmalloc(n);

	snprintf(t, n, "%s/.%s.XXXXXX", dir, name);
	free(dcopy);
	free(bcopy);
	return t;
}

/*
 * Devices and FIFOs (/dev/null, /dev/full, a named pipe) cannot be
 * replaced by renaming, and must not be: they are written in place.
 */
static int
is_special(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISDIR(st.st_mode);
}

/*
 * 0600 for a new file; a replaced one keeps its owner bits within 0600,
 * so it never becomes more readable than it was (see outfile.h).
 */
static mode_t
new_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return st.st_mode & 0600;
	return 0600;
}

struct ndx_outfile *
ndx_outfile_open(const char *path, struct ndx_error *err)
{
	struct ndx_outfile *o = xcalloc(1, sizeof(*o));
	char *dir = NULL, *target;
	struct stat st;
	int fd;

	if (is_stdout(path)) {
		o->fp = stdout;
		o->fd = -1;
		return o;
	}
	o->path = xstrdup(path);
	if ((fd = fd_named(path)) >= 0) {
		o->special = 1;
		o->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	} else if (is_special(path)) {
		o->special = 1;
		o->fd = open(path, O_WRONLY | O_CLOEXEC);
	} else {
		/* A link stays a link: the file it names is the output. */
		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
			if ((target = link_target(path)) == NULL) {
				ndx_error_set(err, NDX_EX_CANTCREAT, path, 0,
				    "cannot create: a link to a link to "
				    "nothing");
				goto fail;
			}
			free(o->path);
			o->path = target;
			path = target;
		}
		dir = dir_of(path);
		o->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	}
	if (o->fd < 0 && !o->special && (errno == EOPNOTSUPP || errno == EISDIR ||
	    errno == EINVAL)) {
		o->tmpname = hidden_name(path);
		o->fd = mkostemp(o->tmpname, O_CLOEXEC);
	}
	if (o->fd < 0) {
		ndx_error_set(err, NDX_EX_CANTCREAT, path, 0,
		    "cannot create: %s", strerror(errno));
		goto fail;
	}
	/* Set on the descriptor before the file has a name: the umask
	 * never decides who can read identifiable data. */
	if (!o->special && fchmod(o->fd, new_mode(path)) != 0) {
		ndx_error_set(err, NDX_EX_CANTCREAT, path, 0,
		    "cannot create: %s", strerror(errno));
		close(o->fd);
		goto fail;
	}
	if ((o->fp = fdopen(o->fd, "w")) == NULL) {
		ndx_error_set(err, NDX_EX_CANTCREAT, path, 0,
		    "cannot create: %s", strerror(errno));
		close(o->fd);
		goto fail;
	}
	free(dir);
	return o;
fail:
	if (o->tmpname != NULL)
		unlink(o->tmpname);
	free(o->tmpname);
	free(o->path);
	free(o);
	free(dir);
	return NULL;
}

FILE *
ndx_outfile_fp(struct ndx_outfile *o)
{
	return o->fp;
}

const char *
ndx_outfile_name(const struct ndx_outfile *o)
{
	return o->path ? o->path : "standard output";
}

static void
outfile_release(struct ndx_outfile *o)
{
	free(o->tmpname);
	free(o->path);
	free(o);
}

int
ndx_outfile_flush(struct ndx_outfile *o, struct ndx_error *err)
{
	if (fflush(o->fp) != 0 || ferror(o->fp) ||
	    (o->path != NULL && !o->special && fsync(o->fd) != 0)) {
		ndx_error_set(err, NDX_EX_IOERR, ndx_outfile_name(o), 0,
		    "write error: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Gives the unnamed file a temporary name, then renames it into place. */
static int
publish(struct ndx_outfile *o)
{
	char proc[64];
	char *tmp;
	int fd;

	if (o->tmpname != NULL)
		return rename(o->tmpname, o->path);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o->fd);
	tmp = hidden_name(o->path);
	/* mkstemp only to choose a free name; linkat needs it absent. */
	if ((fd = mkstemp(tmp)) < 0) {
		free(tmp);
		return -1;
	}
	close(fd);
	unlink(tmp);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) != 0 ||
	    rename(tmp, o->path) != 0) {
		int saved = errno;

		unlink(tmp);
		free(tmp);
		errno = saved;
		return -1;
	}
	free(tmp);
	return 0;
}

int
ndx_outfile_commit(struct ndx_outfile *o, struct ndx_error *err)
{
	int rc = 0;

	if (o->path == NULL) {
		if (fflush(o->fp) != 0 || ferror(o->fp)) {
			ndx_error_set(err, NDX_EX_IOERR, "standard output", 0,
			    "write error: %s", strerror(errno));
			rc = -1;
		}
		outfile_release(o);
		return rc;
	}
	if (fflush(o->fp) != 0 || ferror(o->fp) ||
	    (!o->special && fsync(o->fd) != 0)) {
		ndx_error_set(err, NDX_EX_IOERR, o->path, 0,
		    "write error: %s", strerror(errno));
		rc = -1;
	} else if (!o->special && publish(o) != 0) {
		ndx_error_set(err, NDX_EX_CANTCREAT, o->path, 0,
		    "cannot create: %s", strerror(errno));
		rc = -1;
	}
	if (fclose(o->fp) != 0 && rc == 0) {
		ndx_error_set(err, NDX_EX_IOERR, o->path, 0,
		    "write error: %s", strerror(errno));
		rc = -1;
	}
	if (rc != 0 && o->tmpname != NULL)
		unlink(o->tmpname);
	outfile_release(o);
	return rc;
}

void
ndx_outfile_abort(struct ndx_outfile *o)
{
	if (o == NULL)
		return;
	if (o->path != NULL) {
		fclose(o->fp);
		if (o->tmpname != NULL)
			unlink(o->tmpname);
	}
	outfile_release(o);
}

int
ndx_tmpfd(const char *what, struct ndx_error *err)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR ||
	    errno == EINVAL)) {
		if ((size_t)snprintf(path, sizeof(path), "%s/.ndx.XXXXXX",
		    dir) >= sizeof(path))
			errno = ENAMETOOLONG;
		else if ((fd = mkostemp(path, O_CLOEXEC)) >= 0)
			unlink(path);
	}
	if (fd < 0)
		ndx_error_set(err, NDX_EX_CANTCREAT, dir, 0, "cannot create "
		    "a temporary file for %s: %s", what, strerror(errno));
	return fd;
}
