/*
 * ndx-run: the whole pipeline for one period.  It runs the sibling
 * programs (extract, validate, pseudonymise, transform, pack) as child
 * processes, never through a shell, into OUTPUT_ROOT/.LABEL.tmp-PID, and
 * renames that directory to OUTPUT_ROOT/LABEL only once every stage has
 * succeeded, so a run directory is complete or absent.  A lock on
 * OUTPUT_ROOT/.ndx-run.lock keeps two runs apart (75); temporary
 * directories left by a killed run are removed under that lock.  Secrets
 * reach the children only as file names.
 */
#include <sys/file.h>
#include <sys/poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ndx/config.h"
#include "ndx/date.h"
#include "ndx/diag.h"
#include "ndx/ndx.h"
#include "ndx/period.h"
#include "run.h"

#define RUN_MAXARGS 32
#define RUN_KEEP_STDERR (1 << 20)	/* bytes of a stage's stderr parsed */

#define RUN_MAXJOBS 8	/* stages running at once, at most */

/*
 * The signal handler needs these, and a handler can reach nothing else:
 * the signal that stops the run, and the stages to pass it on to.
 */
static volatile sig_atomic_t run_signal;
static volatile pid_t run_children[RUN_MAXJOBS];

/*
 * A stage: one child process.  Stages whose inputs are ready run side by
 * side, as many as there are processors; their standard error reaches
 * ours and the log a whole line at a time, so lines never interleave.
 */
struct job {
	const char *name;
	const char *av[RUN_MAXARGS];
	const char *cwd;	/* NULL: ours */
	int after;		/* the job whose output it reads, or -1 */
	const char *product;	/* file it makes for the archive, or NULL */
	enum { JOB_WAITING, JOB_RUNNING, JOB_DONE } state;
	int rc, number, slot, fd;
	pid_t pid;
	double t0;
	char *err;		/* its standard error, up to RUN_KEEP_STDERR */
	size_t errlen, errcap;
	char pend[4096];	/* a line not yet complete */
	size_t npend;
};

struct run {
	struct ndx_config cfg;	/* --config */
	struct ndx_period period; /* --month or --quarter */
	int quarterly;		/* --quarter */
	int force;		/* --force */
	int progress;		/* standard error is a terminal */
	const char *config;	/* --config FILE */
	char bindir[PATH_MAX];	/* where ndx-run and its siblings are */
	char *passphrase;	/* absolute: pack runs in the run directory */
	char *tmp;		/* OUTPUT_ROOT/.LABEL.tmp-PID */
	char *final;		/* OUTPUT_ROOT/LABEL */
	int lockfd;
	FILE *log;		/* tmp/run.log */
	int nstages, stage;	/* progress: [stage/nstages] */
	int maxjobs;		/* stages at once: the processors */
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: ndx-run --config FILE "
	    "(--month YYYY-MM|previous | --quarter YYYYQn|previous)\n"
	    "               [--force]\n"
	    "       ndx-run --version\n");
}

static void
on_signal(int sig)
{
	run_signal = sig;
	for (int i = 0; i < RUN_MAXJOBS; i++)
		if (run_children[i] > 0)
			kill(run_children[i], SIGTERM);
}

static char *
xasprintf_path(const char *dir, const char *name)
{
	char *p = xmalloc(strlen(dir) + strlen(name) + 2);

	sprintf(p, "%s/%s", dir, name);
	return p;
}

/* The exit code for a failed write or create: disk full is 74. */
static int
errno_code(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EIO ? NDX_EX_IOERR :
	    NDX_EX_CANTCREAT;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) == -1 && errno != ENOENT)
		diag_warn("%s", path);
	return 0;
}

static void
rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
logf_line(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
logf_line(struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->log == NULL)
		return;
	fputs("ndx-run: ", r->log);
	va_start(ap, fmt);
	vfprintf(r->log, fmt, ap);
	va_end(ap);
	fputc('\n', r->log);
	fflush(r->log);
}

static void
copy_out(struct run *r, const char *buf, size_t n)
{
	fwrite(buf, 1, n, stderr);
	if (r->log != NULL) {
		fwrite(buf, 1, n, r->log);
		fflush(r->log);
	}
}

/* Takes n bytes of a stage's standard error: whole lines go out. */
static void
job_output(struct run *r, struct job *j, const char *buf, size_t n)
{
	if (j->errlen + n <= RUN_KEEP_STDERR) {
		if (j->errlen + n + 1 > j->errcap) {
			j->errcap = j->errlen + n + 4096;
			j->err = xrealloc(j->err, j->errcap);
		}
		memcpy(j->err + j->errlen, buf, n);
		j->errlen += n;
		j->err[j->errlen] = '\0';
	}
	while (n > 0) {
		size_t take = sizeof(j->pend) - j->npend, end;

		if (take > n)
			take = n;
		memcpy(j->pend + j->npend, buf, take);
		j->npend += take;
		buf += take;
		n -= take;
		for (end = j->npend; end > 0 && j->pend[end - 1] != '\n';
		    end--)
			continue;
		/* A line longer than the buffer goes out in pieces. */
		if (end == 0 && j->npend == sizeof(j->pend))
			end = j->npend;
		copy_out(r, j->pend, end);
		memmove(j->pend, j->pend + end, j->npend - end);
		j->npend -= end;
	}
}

/*
 * Starts bindir/av[0] with av in cwd, its standard error on a pipe;
 * returns 0, or the exit code when it could not start.
 */
static int
job_start(struct run *r, struct job *j)
{
	char *path;
	int fds[2], devnull, slot;
	pid_t pid, parent = getpid();

	for (slot = 0; run_children[slot] != 0; slot++)
		continue;
	if (pipe2(fds, O_CLOEXEC) == -1) {
		diag_warn("pipe");
		return NDX_EX_OSERR;
	}
	path = xasprintf_path(r->bindir, j->av[0]);
	r->stage++;
	j->number = r->stage;
	if (r->progress)
		fprintf(stderr, "ndx-run: [%d/%d] %s\n", j->number, r->nstages,
		    j->name);
	fflush(NULL);
	j->t0 = now();
	if ((pid = fork()) == -1) {
		diag_warn("fork");
		close(fds[0]);
		close(fds[1]);
		free(path);
		return NDX_EX_OSERR;
	}
	if (pid == 0) {
		/* A stage must not outlive a run killed with SIGKILL. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(NDX_EX_SOFTWARE);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if ((devnull = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(devnull, 0) == -1 || dup2(devnull, 1) == -1 ||
		    dup2(fds[1], 2) == -1)
			_exit(NDX_EX_OSERR);
		if (devnull > 2)
			close(devnull);
		if (j->cwd != NULL && chdir(j->cwd) == -1)
			_exit(NDX_EX_CANTCREAT);
		/*
		 * Secrets reach a stage only as file names: the passphrase
		 * variable never (ndx-run passes passphrase files), and
		 * libpq's password only to the one stage that connects.
		 */
		unsetenv("NDX_PASSPHRASE");
		if (strcmp(j->av[0], "ndx-extract") != 0)
			unsetenv("PGPASSWORD");
		execv(path, (char *const *)j->av);
		dprintf(2, "ndx-run: %s: %s\n", path, strerror(errno));
		_exit(NDX_EX_SOFTWARE);
	}
	run_children[slot] = pid;
	/* A signal that came before the slot was set has missed it. */
	if (run_signal)
		kill(pid, SIGTERM);
	close(fds[1]);
	free(path);
	j->pid = pid;
	j->slot = slot;
	j->fd = fds[0];
	j->state = JOB_RUNNING;
	return 0;
}

/* After its standard error closed: reaps the stage and logs it. */
static void
job_finish(struct run *r, struct job *j)
{
	long er = 0, ev = 0, ej = 0, rr = 0, rw = 0, rj = 0;
	const char *p;
	double secs;
	int st;

	close(j->fd);
	if (j->npend > 0)
		copy_out(r, j->pend, j->npend);
	j->npend = 0;
	while (waitpid(j->pid, &st, 0) == -1 && errno == EINTR)
		continue;
	run_children[j->slot] = 0;
	secs = now() - j->t0;
	j->rc = WIFEXITED(st) ? WEXITSTATUS(st) : NDX_EX_SOFTWARE;
	if (run_signal)
		j->rc = 128 + run_signal;
	j->state = JOB_DONE;
	if (j->err != NULL &&
	    (p = strstr(j->err, "episodes: ")) != NULL &&
	    sscanf(p, "episodes: %ld read, %ld valid, %ld rejected",
	    &er, &ev, &ej) == 3 &&
	    (p = strstr(j->err, "rows: ")) != NULL &&
	    sscanf(p, "rows: %ld read, %ld written, %ld rejected",
	    &rr, &rw, &rj) == 3)
		logf_line(r, "stage=%s exit=%d seconds=%.3f episodes_read=%ld "
		    "episodes_valid=%ld episodes_rejected=%ld rows_read=%ld "
		    "rows_written=%ld rows_rejected=%ld", j->name, j->rc, secs,
		    er, ev, ej, rr, rw, rj);
	else
		logf_line(r, "stage=%s exit=%d seconds=%.3f", j->name, j->rc,
		    secs);
	if (r->progress)
		fprintf(stderr, "ndx-run: [%d/%d] %s: exit %d, %.2f s\n",
		    j->number, r->nstages, j->name, j->rc, secs);
	free(j->err);
	j->err = NULL;
}

/*
 * Runs jobs, each once the job it reads from has succeeded, up to
 * r->maxjobs at once.  After a failure nothing new starts and the
 * running ones finish.  Returns 0, or the exit code of the first stage
 * to fail (128 + signal when the run was stopped).
 */
static int
run_jobs(struct run *r, struct job *jobs, int n)
{
	struct pollfd pfd[RUN_MAXJOBS];
	int who[RUN_MAXJOBS], running = 0, failed = 0, i, k, np;
	char buf[4096];
	ssize_t got;

	for (;;) {
		for (i = 0; i < n && !run_signal && !failed &&
		    running < r->maxjobs; i++) {
			if (jobs[i].state != JOB_WAITING ||
			    (jobs[i].after >= 0 &&
			    jobs[jobs[i].after].state != JOB_DONE))
				continue;
			if ((failed = job_start(r, &jobs[i])) != 0)
				break;
			running++;
		}
		if (running == 0)
			break;
		for (i = np = 0; i < n; i++)
			if (jobs[i].state == JOB_RUNNING) {
				pfd[np].fd = jobs[i].fd;
				pfd[np].events = POLLIN;
				who[np++] = i;
			}
		if (poll(pfd, (nfds_t)np, -1) == -1) {
			if (errno == EINTR)
				continue;
			diag_warn("poll");
			failed = NDX_EX_OSERR;
			/* Without poll, read each to its end in turn. */
			for (k = 0; k < np; k++)
				pfd[k].revents = POLLIN;
		}
		for (k = 0; k < np; k++) {
			struct job *j = &jobs[who[k]];

			if (pfd[k].revents == 0)
				continue;
			got = read(j->fd, buf, sizeof(buf));
			if (got == -1 && errno == EINTR)
				continue;
			if (got > 0) {
				job_output(r, j, buf, (size_t)got);
				continue;
			}
			job_finish(r, j);
			running--;
			if (j->rc != 0 && !failed)
				failed = j->rc;
		}
	}
	if (run_signal)
		return 128 + run_signal;
	return failed;
}

/* One stage on its own. */
static int
stage(struct run *r, const char *name, const char **av, const char *cwd)
{
	struct job j;
	size_t n;

	memset(&j, 0, sizeof(j));
	j.name = name;
	j.cwd = cwd;
	j.after = -1;
	for (n = 0; av[n] != NULL; n++)
		j.av[n] = av[n];
	if (run_signal)
		return 128 + run_signal;
	return run_jobs(r, &j, 1);
}

/* Takes the lock and removes what killed runs left behind. */
static int
lock_root(struct run *r)
{
	struct stat st;
	char *path;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (mkdir(r->cfg.output_root, 0700) == -1 && errno != EEXIST) {
		diag_warn("%s", r->cfg.output_root);
		return errno_code(errno);
	}
	/*
	 * Whoever can write the output root can swap a run directory or the
	 * lock under us, and whoever owns the lock can hold it for ever or
	 * point it elsewhere: both must be ours alone.
	 */
	if (lstat(r->cfg.output_root, &st) == -1) {
		diag_warn("%s", r->cfg.output_root);
		return errno_code(errno);
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		diag_warnx("%s: %s", r->cfg.output_root, !S_ISDIR(st.st_mode) ?
		    "not a directory" : st.st_uid != geteuid() ?
		    "owned by another user" :
		    "writable by group or others; chmod go-w it");
		return NDX_EX_NOPERM;
	}
	path = xasprintf_path(r->cfg.output_root, ".ndx-run.lock");
	if ((r->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		diag_warn("%s", path);
		rc = errno == ELOOP ? NDX_EX_NOPERM : errno_code(errno);
		goto out;
	}
	if (fstat(r->lockfd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid()) {
		diag_warnx("%s: not a regular file of ours; remove it", path);
		rc = NDX_EX_NOPERM;
		goto out;
	}
	if (flock(r->lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK) {
			diag_warnx("another ndx-run holds %s; try again later",
			    r->cfg.output_root);
			rc = NDX_EX_TEMPFAIL;
		} else {
			diag_warn("%s", path);
			rc = NDX_EX_CANTCREAT;
		}
		goto out;
	}
	if ((d = opendir(r->cfg.output_root)) == NULL) {
		diag_warn("%s", r->cfg.output_root);
		rc = NDX_EX_CANTCREAT;
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		char *stale;

		if (de->d_name[0] != '.' || (strstr(de->d_name, ".tmp-") ==
		    NULL && strstr(de->d_name, ".old-") == NULL))
			continue;
		stale = xasprintf_path(r->cfg.output_root, de->d_name);
		rm_tree(stale);
		free(stale);
	}
	closedir(d);
out:
	free(path);
	return rc;
}

/* Writes MANIFEST: the SHA-256, size and name of every file. */
static int
write_manifest(struct run *r, const char *archive)
{
	struct dirent **names = NULL;
	crypto_hash_sha256_state h;
	unsigned char md[crypto_hash_sha256_BYTES], buf[65536];
	char hex[2 * crypto_hash_sha256_BYTES + 1], *path = NULL, scheme[32];
	FILE *out = NULL, *in;
	size_t n;
	long long size;
	int i, count, rc = 0;

	if ((count = scandir(r->tmp, &names, NULL, alphasort)) == -1) {
		diag_warn("%s", r->tmp);
		return NDX_EX_IOERR;
	}
	path = xasprintf_path(r->tmp, "MANIFEST");
	if ((out = fopen(path, "w")) == NULL) {
		diag_warn("%s", path);
		rc = errno_code(errno);
		goto out;
	}
	fprintf(out, "# ndx-run %s\nperiod %s\nsource %s\narea %s\n"
	    "agency %s\narchive %s\n", NDX_VERSION, r->period.label,
	    ndx_config_scheme(r->cfg.source, scheme, sizeof(scheme)),
	    r->cfg.area, r->cfg.agency != NULL ? r->cfg.agency : "-",
	    archive);
	for (i = 0; i < count; i++) {
		const char *name = names[i]->d_name;
		char *f;

		if (name[0] == '.' || strcmp(name, "MANIFEST") == 0 ||
		    strcmp(name, "run.log") == 0)
			continue;
		f = xasprintf_path(r->tmp, name);
		in = fopen(f, "rb");
		free(f);
		if (in == NULL) {
			diag_warn("%s", name);
			rc = NDX_EX_IOERR;
			goto out;
		}
		crypto_hash_sha256_init(&h);
		size = 0;
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
			crypto_hash_sha256_update(&h, buf, n);
			size += (long long)n;
		}
		if (ferror(in))
			rc = NDX_EX_IOERR;
		fclose(in);
		if (rc != 0) {
			diag_warnx("%s: read error", name);
			goto out;
		}
		crypto_hash_sha256_final(&h, md);
		sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
		fprintf(out, "%s  %lld  %s\n", hex, size, name);
	}
	if (fflush(out) == EOF || fsync(fileno(out)) == -1) {
		diag_warn("%s", path);
		rc = NDX_EX_IOERR;
	}
out:
	if (out != NULL && fclose(out) == EOF && rc == 0) {
		diag_warn("%s", path);
		rc = NDX_EX_IOERR;
	}
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	free(path);
	return rc;
}

/* fsync(2) of a directory, so a rename in it survives a crash. */
static int
sync_dir(const char *dir)
{
	int fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fsync(fd) == -1)
		rc = -1;
	close(fd);
	return rc;
}

/* Puts the finished directory in place, atomically replacing (--force). */
static int
publish(struct run *r)
{
	struct stat st;
	char *old = NULL;
	int rc = 0;

	if (lstat(r->final, &st) == -1) {
		if (renameat2(AT_FDCWD, r->tmp, AT_FDCWD, r->final,
		    RENAME_NOREPLACE) == -1)
			goto fail;
		goto out;
	}
	if (!r->force) {
		diag_warnx("%s exists; --force replaces it", r->final);
		return NDX_EX_CANTCREAT;
	}
	/* The exchange leaves the old directory under the temporary name. */
	if (renameat2(AT_FDCWD, r->tmp, AT_FDCWD, r->final,
	    RENAME_EXCHANGE) == 0) {
		rm_tree(r->tmp);
		goto out;
	}
	if (errno != EINVAL && errno != ENOSYS)
		goto fail;
	/* No exchange on this file system: two renames, a short gap. */
	old = xstrdup(r->tmp);
	memcpy(strstr(old, ".tmp-"), ".old-", 5);
	if (rename(r->final, old) == -1 || rename(r->tmp, r->final) == -1)
		goto fail;
	rm_tree(old);
	goto out;
fail:
	diag_warn("%s", r->final);
	rc = errno_code(errno);
out:
	if (rc == 0)
		sync_dir(r->cfg.output_root);
	free(old);
	return rc;
}

/* Runs the stages in order; the worst exit code. */
static int
pipeline(struct run *r)
{
	const char *av[RUN_MAXARGS];
	const char *f[16];
	struct job jobs[8];
	char *archive = NULL, scheme[32], asof[11];
	const char *lab = r->period.label, *per = r->quarterly ? "--quarter" :
	    "--month";
	unsigned p = r->cfg.products;
	int i, n, nf = 0, nj = 0, rc, worst = 0;

	static const char *const names[] = { "episodes.xml", "valid.xml",
	    "rejects.csv", "report.csv", "report.xml", "pseudonymised.xml",
	    "commissioner.csv", "public-health.csv", "pcc-return.csv",
	    "pcc-return.html", "validation-report.html" };
	enum { EPI, VALID, REJ, REPCSV, REPXML, PSEUDO, COMM, PH, PCC,
	    PCCHTML, VREP, NFILES };
	static const int packed[] = { COMM, PH, PCC, PCCHTML, VREP };
	char *path[NFILES];

	for (i = 0; i < NFILES; i++)
		path[i] = xasprintf_path(r->tmp, names[i]);
	r->nstages = 4 + !!(p & NDX_PRODUCT_COMMISSIONER) +
	    2 * !!(p & NDX_PRODUCT_PUBLIC_HEALTH) +
	    2 * !!(p & NDX_PRODUCT_PCC_RETURN) +
	    !!(p & NDX_PRODUCT_VALIDATION_REPORT);
	if (r->cfg.as_of != NULL)
		snprintf(asof, sizeof(asof), "%s", r->cfg.as_of);
	else
		ndx_date_format_iso(ndx_date_today(), asof);
	logf_line(r, "period=%s as_of=%s source=%s area=%s agency=%s "
	    "encrypt=%s", lab, asof,
	    ndx_config_scheme(r->cfg.source, scheme, sizeof(scheme)),
	    r->cfg.area, r->cfg.agency != NULL ? r->cfg.agency : "-",
	    r->passphrase != NULL ? "yes" : "no");

#define ARGV(...) do {							\
	const char *a_[] = { __VA_ARGS__, NULL };			\
	memcpy(av, a_, sizeof(a_));					\
} while (0)

	ARGV("ndx-extract", "--source", r->cfg.source, "--as-of", asof, per,
	    lab, "-o", path[EPI]);
	rc = stage(r, "extract", av, NULL);
	if (rc != 0)
		goto out;
	ARGV("ndx-validate", "--area", r->cfg.area, "-o", path[VALID],
	    "--rejects", path[REJ], "--report", path[REPCSV], "--report",
	    path[REPXML], path[EPI]);
	rc = stage(r, "validate", av, NULL);
	/* Rejected records are the run's result, not its failure. */
	if (rc == NDX_EX_REJECTED)
		worst = rc;
	else if (rc != 0)
		goto out;

	/* The products read valid.xml (public-health its pseudonymised
	 * form) and report.xml: independent, so they run side by side. */
#define JOB(name_, after_, product_, ...) do {				\
	const char *a_[] = { __VA_ARGS__, NULL };			\
	memset(&jobs[nj], 0, sizeof(jobs[nj]));				\
	jobs[nj].name = (name_);					\
	jobs[nj].after = (after_);					\
	jobs[nj].product = (product_);					\
	memcpy(jobs[nj].av, a_, sizeof(a_));				\
	nj++;								\
} while (0)
	if (p & NDX_PRODUCT_PUBLIC_HEALTH) {
		JOB("pseudonymise", -1, NULL, "ndx-pseudonymise",
		    "--key-file", r->cfg.key_file, "-o", path[PSEUDO],
		    path[VALID]);
		JOB("transform-public-health", nj - 1, names[PH],
		    "ndx-transform", "--product", "public-health", "-o",
		    path[PH], path[PSEUDO]);
	}
	if (p & NDX_PRODUCT_COMMISSIONER)
		JOB("transform-commissioner", -1, names[COMM], "ndx-transform",
		    "--product", "commissioner", "-o", path[COMM],
		    path[VALID]);
	if (p & NDX_PRODUCT_PCC_RETURN) {
		for (i = 0; i < 2; i++) {
			JOB(i == 0 ? "transform-pcc-return" :
			    "transform-pcc-return-html", -1,
			    names[i == 0 ? PCC : PCCHTML], "ndx-transform",
			    "--product", "pcc-return", "--format",
			    i == 0 ? "csv" : "html", "--area", r->cfg.area,
			    per, lab, "-o", path[i == 0 ? PCC : PCCHTML]);
			/* Optional --disclosure, then the input. */
			for (n = 0; jobs[nj - 1].av[n] != NULL; n++)
				continue;
			if (r->cfg.disclosure != NULL) {
				jobs[nj - 1].av[n++] = "--disclosure";
				jobs[nj - 1].av[n++] = r->cfg.disclosure;
			}
			jobs[nj - 1].av[n++] = path[VALID];
			jobs[nj - 1].av[n] = NULL;
		}
	}
	if (p & NDX_PRODUCT_VALIDATION_REPORT)
		JOB("transform-validation-report", -1, names[VREP],
		    "ndx-transform", "--product", "validation-report", "-o",
		    path[VREP], path[REPXML]);
#undef JOB
	if ((rc = run_jobs(r, jobs, nj)) != 0)
		goto out;
	/* The archive's order is fixed, whatever finished first. */
	for (i = 0; i < (int)(sizeof(packed) / sizeof(packed[0])); i++)
		for (n = 0; n < nj; n++)
			if (jobs[n].product == names[packed[i]])
				f[nf++] = names[packed[i]];

	archive = xmalloc(strlen(lab) + 9);
	sprintf(archive, "ndx-%s.zip", lab);
	n = 0;
	av[n++] = "ndx-pack";
	av[n++] = "-o";
	av[n++] = archive;
	if (r->passphrase != NULL) {
		av[n++] = "--encrypt";
		av[n++] = "--passphrase-file";
		av[n++] = r->passphrase;
	}
	av[n++] = "--period";
	av[n++] = lab;
	for (i = 0; i < nf; i++)
		av[n++] = f[i];
	av[n] = NULL;
	rc = stage(r, "pack", av, r->tmp);
	if (rc != 0)
		goto out;
	n = 0;
	av[n++] = "ndx-pack";
	av[n++] = "verify";
	if (r->passphrase != NULL) {
		av[n++] = "--passphrase-file";
		av[n++] = r->passphrase;
	}
	av[n++] = archive;
	av[n] = NULL;
	rc = stage(r, "verify", av, r->tmp);
	/* What we have just written does not verify: a write went wrong. */
	if (rc == NDX_EX_REJECTED)
		rc = NDX_EX_IOERR;
	if (rc != 0)
		goto out;
	if (run_signal) {
		rc = 128 + run_signal;
		goto out;
	}
	rc = write_manifest(r, archive);
#undef ARGV
out:
	for (i = 0; i < NFILES; i++)
		free(path[i]);
	free(archive);
	return rc != 0 ? rc : worst;
}

static int
period_arg(struct run *r, const char *arg, int quarterly)
{
	if (r->period.label[0] != '\0') {
		diag_warnx("one of --month and --quarter");
		return -1;
	}
	r->quarterly = quarterly;
	if (strcmp(arg, "previous") == 0) {
		if (quarterly)
			ndx_period_previous_quarter(ndx_date_today(),
			    &r->period);
		else
			ndx_period_previous_month(ndx_date_today(),
			    &r->period);
		return 0;
	}
	if ((quarterly ? ndx_period_quarter(arg, &r->period) :
	    ndx_period_month(arg, &r->period)) == -1) {
		diag_warnx("%s: not a %s", arg, quarterly ?
		    "quarter (YYYYQn)" : "month (YYYY-MM)");
		return -1;
	}
	return 0;
}

int
run_main(int argc, char **argv)
{
	enum { OPT_CONFIG = 256, OPT_FORCE, OPT_MONTH, OPT_QUARTER,
	    OPT_VERSION };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{ "month", required_argument, NULL, OPT_MONTH },
		{ "quarter", required_argument, NULL, OPT_QUARTER },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct run r;
	struct ndx_error err;
	struct sigaction sa;
	char cwd[PATH_MAX], *logpath = NULL;
	ssize_t len;
	int c, rc = 0, made = 0;

	/* Whatever ndx-run and its children make is the owner's alone. */
	umask(077);
	memset(&r, 0, sizeof(r));
	r.lockfd = -1;
	diag_setprogname("ndx-run");
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG:
			r.config = optarg;
			break;
		case OPT_FORCE:
			r.force = 1;
			break;
		case 'h':
			usage(stdout);
			return NDX_EX_OK;
		case OPT_MONTH:
		case OPT_QUARTER:
			if (period_arg(&r, optarg, c == OPT_QUARTER) == -1)
				return NDX_EX_USAGE;
			break;
		case OPT_VERSION:
			printf("ndx-run %s\n", NDX_VERSION);
			return NDX_EX_OK;
		default:
			usage(stderr);
			return NDX_EX_USAGE;
		}
	}
	if (optind != argc || r.config == NULL ||
	    r.period.label[0] == '\0') {
		usage(stderr);
		return NDX_EX_USAGE;
	}
	if (ndx_config_read(r.config, &r.cfg, &err) != 0)
		return diag_error(&err);
	/*
	 * The grammar of [recipient] sections is read and checked, but this
	 * run still makes one archive with the default layout: refuse
	 * rather than ignore what the sections ask for.
	 */
	if (r.cfg.sections) {
		diag_warnx("%s:%ld: [recipient] sections are not yet carried "
		    "out by this ndx-run", r.config, r.cfg.recipients[0].line);
		rc = NDX_EX_CONFIG;
		goto out;
	}
	if (sodium_init() == -1) {
		diag_warnx("libsodium cannot start");
		rc = NDX_EX_SOFTWARE;
		goto out;
	}
	if ((len = readlink("/proc/self/exe", r.bindir,
	    sizeof(r.bindir) - 1)) == -1) {
		diag_warn("/proc/self/exe");
		rc = NDX_EX_SOFTWARE;
		goto out;
	}
	r.bindir[len] = '\0';
	*strrchr(r.bindir, '/') = '\0';
	if (r.cfg.passphrase_file != NULL) {
		if (r.cfg.passphrase_file[0] == '/' ||
		    getcwd(cwd, sizeof(cwd)) == NULL)
			r.passphrase = xstrdup(r.cfg.passphrase_file);
		else
			r.passphrase = xasprintf_path(cwd,
			    r.cfg.passphrase_file);
	}
	r.progress = isatty(2);
	r.maxjobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (r.maxjobs < 1)
		r.maxjobs = 1;
	if (r.maxjobs > RUN_MAXJOBS)
		r.maxjobs = RUN_MAXJOBS;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if ((rc = lock_root(&r)) != 0)
		goto out;
	r.final = xasprintf_path(r.cfg.output_root, r.period.label);
	if (!r.force && access(r.final, F_OK) == 0) {
		diag_warnx("%s exists; --force replaces it", r.final);
		rc = NDX_EX_CANTCREAT;
		goto out;
	}
	r.tmp = xmalloc(strlen(r.cfg.output_root) + strlen(r.period.label) +
	    32);
	sprintf(r.tmp, "%s/.%s.tmp-%ld", r.cfg.output_root, r.period.label,
	    (long)getpid());
	/* The run directory holds personal data: the owner's alone. */
	if (mkdir(r.tmp, 0700) == -1) {
		diag_warn("%s", r.tmp);
		rc = errno_code(errno);
		goto out;
	}
	made = 1;
	logpath = xasprintf_path(r.tmp, "run.log");
	if ((r.log = fopen(logpath, "w")) == NULL) {
		diag_warn("%s", logpath);
		rc = errno_code(errno);
		goto out;
	}
	rc = pipeline(&r);
	logf_line(&r, "exit=%d", rc);
	if (fflush(r.log) == EOF || fsync(fileno(r.log)) == -1 ||
	    ferror(r.log)) {
		diag_warn("%s", logpath);
		if (rc <= NDX_EX_REJECTED)
			rc = NDX_EX_IOERR;
	}
	if (fclose(r.log) == EOF && rc <= NDX_EX_REJECTED) {
		diag_warn("%s", logpath);
		rc = NDX_EX_IOERR;
	}
	r.log = NULL;
	if (rc > NDX_EX_REJECTED)
		goto out;
	if (run_signal) {
		rc = 128 + run_signal;
		goto out;
	}
	if (sync_dir(r.tmp) == -1) {
		diag_warn("%s", r.tmp);
		rc = NDX_EX_IOERR;
		goto out;
	}
	c = publish(&r);
	if (c != 0)
		rc = c;
	else
		made = 0;
out:
	if (r.log != NULL)
		fclose(r.log);
	if (made)
		rm_tree(r.tmp);
	if (r.lockfd != -1)
		close(r.lockfd);
	if (run_signal && rc <= NDX_EX_REJECTED)
		rc = 128 + run_signal;
	ndx_config_free(&r.cfg);
	free(r.passphrase);
	free(r.tmp);
	free(r.final);
	free(logpath);
	return rc;
}
