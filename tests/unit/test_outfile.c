/*
 * Unit tests for lib/outfile.c: an output appears whole on commit, or not
 * at all, and nothing else is left in its directory.  Each test works in
 * a fresh temporary directory made by the group setup.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ndx/ndx.h"
#include "ndx/outfile.h"

/*
 * When set, open() refuses O_TMPFILE as file systems without it do, so
 * the fallback through a hidden temporary name is tested too.  This
 * definition takes the place of libc's for the whole test program.
 */
static int refuse_tmpfile;

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (refuse_tmpfile && (flags & O_TMPFILE) == O_TMPFILE) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

struct fixture {
	char dir[PATH_MAX / 2];
	char path[PATH_MAX];	/* dir/out.csv */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/ndx-outfile.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/out.csv", f->dir);
	refuse_tmpfile = 0;
	umask(022);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;

	refuse_tmpfile = 0;
	chmod(f->dir, 0700);
	if ((d = opendir(f->dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
			if (unlink(p) != 0)
				rmdir(p);
		}
		closedir(d);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The names in dir, sorted and joined by spaces ("" when empty). */
static char *
listing(const char *dir)
{
	struct dirent **names;
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);
	int n = scandir(dir, &names, NULL, alphasort);

	assert_non_null(mem);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		const char *s = names[i]->d_name;

		if (strcmp(s, ".") != 0 && strcmp(s, "..") != 0)
			fprintf(mem, "%s%s", len || ftell(mem) ? " " : "", s);
		free(names[i]);
	}
	free(names);
	fclose(mem);
	return out;
}

#define LISTING(dir, want) do {						\
	char *l_ = listing(dir);					\
	assert_string_equal(l_, (want));				\
	free(l_);							\
} while (0)

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = calloc(1, 4096);

	assert_non_null(fp);
	assert_non_null(buf);
	(void)fread(buf, 1, 4095, fp);
	fclose(fp);
	return buf;
}

#define CONTENT(path, want) do {					\
	char *c_ = slurp(path);						\
	assert_string_equal(c_, (want));				\
	free(c_);							\
} while (0)

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void
commit_appears_whole(struct fixture *f)
{
	struct ndx_error err;
	struct ndx_outfile *o = ndx_outfile_open(f->path, &err);
	struct stat st;

	assert_non_null(o);
	assert_string_equal(ndx_outfile_name(o), f->path);
	for (int i = 0; i < 20000; i++)
		fprintf(ndx_outfile_fp(o), "row %d\n", i);
	fflush(ndx_outfile_fp(o));
	/* Written but not committed: nothing under the name. */
	assert_int_equal(stat(f->path, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(ndx_outfile_commit(o, &err), 0);
	LISTING(f->dir, "out.csv");
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);	/* never the umask's */
	assert_int_equal(st.st_size, 188890);
}

static void
test_outfile_commit_appears_whole(void **state)
{
	struct fixture *f = *state;

	commit_appears_whole(f);
	/* The temporary file is never visible, not even hidden. */
	LISTING(f->dir, "out.csv");
}

static void
test_outfile_commit_fallback(void **state)
{
	struct fixture *f = *state;

	refuse_tmpfile = 1;
	commit_appears_whole(f);
}

static void
abort_leaves_nothing(struct fixture *f)
{
	struct ndx_error err;
	struct ndx_outfile *o = ndx_outfile_open(f->path, &err);

	assert_non_null(o);
	fputs("partial\n", ndx_outfile_fp(o));
	fflush(ndx_outfile_fp(o));
	ndx_outfile_abort(o);
	LISTING(f->dir, "");
	ndx_outfile_abort(NULL);
}

static void
test_outfile_abort_leaves_nothing(void **state)
{
	abort_leaves_nothing(*state);
}

static void
test_outfile_abort_fallback(void **state)
{
	refuse_tmpfile = 1;
	abort_leaves_nothing(*state);
}

static void
replace_on_commit_only(struct fixture *f)
{
	struct ndx_error err;
	struct ndx_outfile *o;

	put(f->path, "old\n");
	o = ndx_outfile_open(f->path, &err);
	assert_non_null(o);
	fputs("new\n", ndx_outfile_fp(o));
	fflush(ndx_outfile_fp(o));
	CONTENT(f->path, "old\n");
	ndx_outfile_abort(o);
	CONTENT(f->path, "old\n");
	LISTING(f->dir, "out.csv");

	o = ndx_outfile_open(f->path, &err);
	assert_non_null(o);
	fputs("newer\n", ndx_outfile_fp(o));
	fflush(ndx_outfile_fp(o));
	CONTENT(f->path, "old\n");
	assert_int_equal(ndx_outfile_commit(o, &err), 0);
	CONTENT(f->path, "newer\n");
	LISTING(f->dir, "out.csv");
}

static void
test_outfile_replace_on_commit_only(void **state)
{
	replace_on_commit_only(*state);
}

static void
test_outfile_replace_fallback(void **state)
{
	refuse_tmpfile = 1;
	replace_on_commit_only(*state);
}

/* An empty output is still a file. */
static void
test_outfile_empty_commit(void **state)
{
	struct fixture *f = *state;
	struct ndx_error err;
	struct ndx_outfile *o = ndx_outfile_open(f->path, &err);

	assert_non_null(o);
	assert_int_equal(ndx_outfile_commit(o, &err), 0);
	CONTENT(f->path, "");
}

static void
test_outfile_dev_full(void **state)
{
	struct ndx_error err;
	struct ndx_outfile *o;
	struct stat st;

	(void)state;
	if (stat("/dev/full", &st) != 0 || !S_ISCHR(st.st_mode))
		skip();
	memset(&err, 0, sizeof(err));
	o = ndx_outfile_open("/dev/full", &err);
	assert_non_null(o);
	fputs("no room\n", ndx_outfile_fp(o));
	assert_int_equal(ndx_outfile_commit(o, &err), -1);
	assert_int_equal(err.code, NDX_EX_IOERR);
	assert_string_equal(err.file, "/dev/full");
	assert_int_equal(stat("/dev/full", &st), 0);
	assert_true(S_ISCHR(st.st_mode));

	/* A write large enough to fail before the commit. */
	o = ndx_outfile_open("/dev/full", &err);
	assert_non_null(o);
	for (int i = 0; i < 100000; i++)
		fputs("0123456789", ndx_outfile_fp(o));
	assert_int_equal(ndx_outfile_commit(o, &err), -1);
	assert_int_equal(err.code, NDX_EX_IOERR);
	assert_int_equal(stat("/dev/full", &st), 0);
	assert_true(S_ISCHR(st.st_mode));

	/* Aborting a device does not remove it. */
	o = ndx_outfile_open("/dev/full", &err);
	assert_non_null(o);
	ndx_outfile_abort(o);
	assert_int_equal(stat("/dev/full", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
}

/* /dev/null is written in place and the commit succeeds. */
static void
test_outfile_dev_null(void **state)
{
	struct ndx_error err;
	struct ndx_outfile *o;
	struct stat st;

	(void)state;
	o = ndx_outfile_open("/dev/null", &err);
	assert_non_null(o);
	fputs("gone\n", ndx_outfile_fp(o));
	assert_int_equal(ndx_outfile_commit(o, &err), 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
}

static void
test_outfile_missing_dir(void **state)
{
	struct fixture *f = *state;
	struct ndx_error err;
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/no/such/out.csv", f->dir);
	memset(&err, 0, sizeof(err));
	assert_null(ndx_outfile_open(path, &err));
	assert_int_equal(err.code, NDX_EX_CANTCREAT);
	assert_string_equal(err.file, path);

	/* A file where a directory should be. */
	put(f->path, "x");
	snprintf(path, sizeof(path), "%s/out.csv/inner.csv", f->dir);
	assert_null(ndx_outfile_open(path, &err));
	assert_int_equal(err.code, NDX_EX_CANTCREAT);
	LISTING(f->dir, "out.csv");

	refuse_tmpfile = 1;
	snprintf(path, sizeof(path), "%s/no/such/out.csv", f->dir);
	assert_null(ndx_outfile_open(path, &err));
	assert_int_equal(err.code, NDX_EX_CANTCREAT);
}

/*
 * What must fail in a directory the process may not write; returns 0 when
 * it all did.  Plain checks, since it may run in a child process.
 */
static int
unwritable_fails(const char *path)
{
	struct ndx_error err;

	memset(&err, 0, sizeof(err));
	refuse_tmpfile = 0;
	if (ndx_outfile_open(path, &err) != NULL ||
	    err.code != NDX_EX_CANTCREAT || strcmp(err.file, path) != 0 ||
	    strstr(err.msg, "ermission") == NULL)
		return 1;
	refuse_tmpfile = 1;
	memset(&err, 0, sizeof(err));
	if (ndx_outfile_open(path, &err) != NULL ||
	    err.code != NDX_EX_CANTCREAT)
		return 2;
	return 0;
}

/* Root writes anywhere, so as root the check runs as nobody in a child. */
static void
test_outfile_unwritable_dir(void **state)
{
	struct fixture *f = *state;
	const uid_t nobody = 65534;
	pid_t pid;
	int status;

	assert_int_equal(chmod(f->dir, 0500), 0);
	if (geteuid() != 0) {
		assert_int_equal(unwritable_fails(f->path), 0);
	} else {
		assert_int_equal(chown(f->dir, nobody, nobody), 0);
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgroups(0, NULL) != 0 || setgid(nobody) != 0 ||
			    setuid(nobody) != 0)
				_exit(3);
			_exit(unwritable_fails(f->path));
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(chmod(f->dir, 0700), 0);
	LISTING(f->dir, "");
}

static void
test_outfile_stdout(void **state)
{
	struct ndx_error err;
	struct ndx_outfile *o;

	(void)state;
	o = ndx_outfile_open("-", &err);
	assert_non_null(o);
	assert_ptr_equal(ndx_outfile_fp(o), stdout);
	assert_string_equal(ndx_outfile_name(o), "standard output");
	ndx_outfile_abort(o);
	o = ndx_outfile_open(NULL, &err);
	assert_non_null(o);
	assert_ptr_equal(ndx_outfile_fp(o), stdout);
	assert_int_equal(ndx_outfile_commit(o, &err), 0);
	/* Standard output stays open for the program. */
	assert_int_equal(fflush(stdout), 0);
	assert_true(fcntl(STDOUT_FILENO, F_GETFD) >= 0);
}

/* umask 0 still gives 0600, with O_TMPFILE and with the fallback name. */
static void
test_outfile_mode_umask0(void **state)
{
	struct fixture *f = *state;
	struct ndx_error err;
	struct ndx_outfile *o;
	struct stat st;

	for (int fallback = 0; fallback < 2; fallback++) {
		refuse_tmpfile = fallback;
		umask(0);
		unlink(f->path);
		assert_non_null(o = ndx_outfile_open(f->path, &err));
		fputs("x\n", ndx_outfile_fp(o));
		assert_int_equal(ndx_outfile_commit(o, &err), 0);
		assert_int_equal(stat(f->path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
	}
}

/* A replaced 0400 file stays 0400; a 0644 one becomes 0600. */
static void
test_outfile_mode_replace(void **state)
{
	struct fixture *f = *state;
	static const mode_t was[] = { 0400, 0644 }, want[] = { 0400, 0600 };
	struct ndx_error err;
	struct ndx_outfile *o;
	struct stat st;

	umask(0);
	for (size_t i = 0; i < 2; i++) {
		unlink(f->path);
		put(f->path, "old\n");
		assert_int_equal(chmod(f->path, was[i]), 0);
		assert_non_null(o = ndx_outfile_open(f->path, &err));
		fputs("new\n", ndx_outfile_fp(o));
		assert_int_equal(ndx_outfile_commit(o, &err), 0);
		assert_int_equal(stat(f->path, &st), 0);
		assert_int_equal(st.st_mode & 07777, want[i]);
		assert_int_equal(st.st_size, 4);
	}
}

/* dir/name as a path in buf. */
static const char *
in_dir(const struct fixture *f, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", f->dir, name);
	return buf;
}

/* Same file: one inode, or one name in one directory for a new file. */
static void
test_outfile_same(void **state)
{
	struct fixture *f = *state;
	char a[PATH_MAX * 2], b[PATH_MAX * 2], dotted[PATH_MAX * 2];
	FILE *fp;

	in_dir(f, "a.xml", a, sizeof(a));
	in_dir(f, "b.xml", b, sizeof(b));
	assert_non_null(fp = fopen(a, "w"));
	fclose(fp);
	snprintf(dotted, sizeof(dotted), "%s/./a.xml", f->dir);
	assert_true(ndx_outfile_same(a, dotted));
	assert_false(ndx_outfile_same(a, b));
	assert_int_equal(link(a, b), 0);	/* a hard link is the file */
	assert_true(ndx_outfile_same(a, b));
	unlink(b);
	/* Neither exists yet. */
	in_dir(f, "new.csv", a, sizeof(a));
	snprintf(dotted, sizeof(dotted), "%s/../%s/new.csv", f->dir,
	    strrchr(f->dir, '/') + 1);
	assert_true(ndx_outfile_same(a, dotted));
	assert_false(ndx_outfile_same(a, b));
	assert_true(ndx_outfile_same("-", "-"));
	assert_true(ndx_outfile_same(NULL, "-"));
	assert_false(ndx_outfile_same("-", a));
	/* Devices take many outputs at once. */
	assert_false(ndx_outfile_same("/dev/null", "/dev/null"));
}

static void
test_outfile_distinct(void **state)
{
	struct fixture *f = *state;
	char in[PATH_MAX * 2], o1[PATH_MAX * 2], o2[PATH_MAX * 2];
	const char *outs[3];
	struct ndx_error err;
	FILE *fp;

	in_dir(f, "in.xml", in, sizeof(in));
	assert_non_null(fp = fopen(in, "w"));
	fclose(fp);
	outs[0] = in_dir(f, "v.xml", o1, sizeof(o1));
	outs[1] = NULL;
	outs[2] = in_dir(f, "r.csv", o2, sizeof(o2));
	assert_int_equal(ndx_outputs_distinct(in, outs, 3, &err), 0);
	assert_int_equal(ndx_outputs_distinct("-", outs, 3, &err), 0);
	outs[1] = o2;
	assert_int_equal(ndx_outputs_distinct(in, outs, 3, &err),
	    NDX_EX_USAGE);
	assert_non_null(strstr(err.msg, "is also the output"));
	outs[1] = in;
	assert_int_equal(ndx_outputs_distinct(in, outs, 3, &err),
	    NDX_EX_USAGE);
	assert_string_equal(err.file, in);
	assert_non_null(strstr(err.msg, "is the input too"));
}

/* /dev/fd/N is written through N: the file behind it keeps its inode. */
static void
test_outfile_fd_path(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX * 2], fdpath[64], buf[16] = "";
	struct ndx_error err;
	struct ndx_outfile *o;
	struct stat before, after;
	int fd;

	in_dir(f, "redirected", path, sizeof(path));
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(fstat(fd, &before), 0);
	snprintf(fdpath, sizeof(fdpath), "/dev/fd/%d", fd);
	assert_non_null(o = ndx_outfile_open(fdpath, &err));
	fputs("through\n", ndx_outfile_fp(o));
	assert_int_equal(ndx_outfile_commit(o, &err), 0);
	close(fd);
	assert_int_equal(stat(path, &after), 0);
	assert_true(before.st_ino == after.st_ino);
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 8);
	close(fd);
	assert_string_equal(buf, "through\n");
}

/* A link stays a link; the file it names is replaced, whole. */
static void
test_outfile_symlink(void **state)
{
	struct fixture *f = *state;
	char target[PATH_MAX * 2], link_path[PATH_MAX * 2];
	struct ndx_error err;
	struct ndx_outfile *o;
	struct stat st;

	in_dir(f, "target.csv", target, sizeof(target));
	in_dir(f, "link.csv", link_path, sizeof(link_path));
	assert_int_equal(symlink("target.csv", link_path), 0);
	assert_non_null(o = ndx_outfile_open(link_path, &err));
	fputs("x\n", ndx_outfile_fp(o));
	assert_int_equal(ndx_outfile_commit(o, &err), 0);
	assert_int_equal(lstat(link_path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 2);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A link to a dangling link leads nowhere: refused, left alone. */
	unlink(link_path);
	in_dir(f, "dangling", target, sizeof(target));
	assert_int_equal(symlink("nowhere", target), 0);
	assert_int_equal(symlink("dangling", link_path), 0);
	assert_null(ndx_outfile_open(link_path, &err));
	assert_int_equal(err.code, NDX_EX_CANTCREAT);
	assert_int_equal(lstat(link_path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_outfile_commit_appears_whole),
		T(test_outfile_commit_fallback),
		T(test_outfile_abort_leaves_nothing),
		T(test_outfile_abort_fallback),
		T(test_outfile_replace_on_commit_only),
		T(test_outfile_replace_fallback),
		T(test_outfile_empty_commit),
		T(test_outfile_dev_full),
		T(test_outfile_dev_null),
		T(test_outfile_missing_dir),
		T(test_outfile_unwritable_dir),
		T(test_outfile_stdout),
		T(test_outfile_mode_umask0),
		T(test_outfile_mode_replace),
		T(test_outfile_same),
		T(test_outfile_distinct),
		T(test_outfile_fd_path),
		T(test_outfile_symlink),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
