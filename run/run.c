/*
 * ndx-run: the whole pipeline for one period.  It checks the whole
 * configuration first (names, the files it names and their modes, the
 * OpenPGP keys, the group, the source: --check stops there), then runs
 * the stages into OUTPUT_ROOT/.LABEL.tmp-PID: ndx-extract as a child
 * process, validation and every product in one pass of this process
 * (pass.c), then the validation report's HTML and ndx-pack as children,
 * never through a shell; and it renames that directory to OUTPUT_ROOT/LABEL only once every
 * stage has succeeded, so a run directory is complete or absent.  The
 * directory (exchange.md §3) holds provider/ (what never leaves the
 * provider), one folder per recipient with what it receives, and one
 * archive per recipient.  A lock on OUTPUT_ROOT/.ndx-run.lock keeps two
 * runs apart (75); temporary directories left by a killed run are
 * removed under that lock.  Secrets reach the children only as file
 * names, and each child gets an environment built here, not ours; the
 * pseudonymisation keys are read here, for the pass.
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
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <libxml/xmlreader.h>
#include <sodium.h>

#include "ndx/clock.h"
#include "ndx/config.h"
#include "ndx/dataset.h"
#include "ndx/date.h"
#include "ndx/diag.h"
#include "ndx/epxml.h"
#include "ndx/keyid.h"
#include "ndx/manifest.h"
#include "ndx/ndx.h"
#include "ndx/openpgp.h"
#include "ndx/period.h"
#include "ndx/secret.h"
#include "changes.h"
#include "pass.h"
#include "run.h"

#define RUN_MAXJOBS 8	/* stages running at once, at most */
#define RUN_PASSPHRASE_MAX 1024	/* as ndx-pack reads one */
#define RUN_NS_REPORT "urn:ndx:report:1"

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
	const char **av;	/* NULL-terminated; strings borrowed */
	size_t nav, cap;
	int after;		/* the job whose output it reads, or -1 */
	enum { JOB_WAITING, JOB_RUNNING, JOB_DONE } state;
	int rc, number, slot, fd;
	pid_t pid;
	double t0;
	char pend[4096];	/* a line not yet complete */
	size_t npend;
};

/* What ndx-run reads of report.xml's <summary> (contract 4). */
struct summary {
	int have;
	long counts[6];		/* episodes read, valid, rejected; rows */
	char **agencies;	/* the data's AGNCY codes, byte order */
	size_t nagencies;
	int truncated;		/* agencies-truncated */
};

/* A pseudonymised episodes XML: one per distinct key. */
struct pseudo {
	char key_id[NDX_KEY_ID_HEX + 1];
	const char *key_file;
	const char *owner;	/* the first recipient with this key */
	char *xml;		/* TMP/provider/pseudonymised-OWNER.xml */
	int job;
};

/* A recipient of this run, and where its things go. */
struct rcpt {
	const struct ndx_recipient *cfg;
	char key_id[NDX_KEY_ID_HEX + 1];	/* public-health only */
	int pseudo;		/* its index in run.pseudo, or -1 */
	char *dir;		/* TMP/NAME */
	char *file;		/* ndx-AGNCY-LABEL-NAME.zip... */
	char *archive;		/* TMP/file */
	char *summary;		/* TMP/provider/public-health-NAME.summary */
	long consent_excluded;	/* from the summary, -1 none */
	char *risk;		/* "public-health.csv persons=...", or NULL */
};

struct run {
	struct ndx_config cfg;	/* --config */
	struct ndx_period period; /* --month or --quarter */
	int quarterly;		/* --quarter */
	int force;		/* --force */
	int check;		/* --check */
	int progress;		/* standard error is a terminal */
	int drawn;		/* a progress line is on it, unended */
	int dataset_version;	/* the extract's, from the pass */
	const char *config;	/* --config FILE */
	char bindir[PATH_MAX];	/* where ndx-run and its siblings are */
	const char *area;	/* the area as areas.csv spells it */
	gid_t gid;		/* group =, when set */
	int bad;		/* the first problem's exit code */
	struct rcpt *rcpt;	/* one a recipient of cfg */
	size_t nrcpt;
	struct pseudo *pseudo;	/* one a distinct key */
	size_t npseudo;
	char **env;		/* the stages' environment */
	char **env_extract;	/* ndx-extract's: with PGPASSWORD */
	char **pool;		/* strings the stages' argv borrow */
	size_t npool;
	struct summary sum;	/* report.xml's */
	char *repxml;		/* TMP/provider/report.xml */
	char *trend_dir;	/* TMP/provider/trend, with trend = N > 1 in a
				   quarterly run; else NULL */
	struct ndx_period trend_span;	/* the N quarters, the period last */
	char *tmp;		/* OUTPUT_ROOT/.LABEL.tmp-PID */
	char *final;		/* OUTPUT_ROOT/LABEL */
	int lockfd;
	FILE *log;		/* tmp/run.log */
	double started;		/* ndx_seconds() when the run began */
	char stamp[17];		/* its UTC time, 20261203T164001Z: names
				   the failed run's log and a replaced run */
	const char *failed_stage;	/* the first stage to fail, or NULL */
	char *kept_log;		/* OUTPUT_ROOT/failed/LABEL-STAMP.log */
	char *kept_run;		/* OUTPUT_ROOT/replaced/LABEL-STAMP */
	int nstages, stage;	/* progress: [stage/nstages] */
	int maxjobs;		/* stages at once: the processors */
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: ndx-run --config FILE "
	    "(--month YYYY-MM|previous | --quarter YYYYQn|previous)\n"
	    "               [--force]\n"
	    "       ndx-run --check --config FILE "
	    "[--month YYYY-MM|previous | --quarter YYYYQn|previous]\n"
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

static char *
xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* Keeps s until the run ends: the stages' argv borrow it. */
static const char *
pool(struct run *r, char *s)
{
	r->pool = xreallocarray(r->pool, r->npool + 1, sizeof(*r->pool));
	r->pool[r->npool++] = s;
	return s;
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

static void
logf_line(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
logf_line(struct run *r, const char *fmt, ...)
{
	char when[21];
	va_list ap;

	if (r->log == NULL)
		return;
	/* A timestamp first: the log is read the morning after. */
	ndx_utc_now(when);
	fprintf(r->log, "%s ndx-run: ", when);
	va_start(ap, fmt);
	vfprintf(r->log, fmt, ap);
	va_end(ap);
	fputc('\n', r->log);
	fflush(r->log);
}

/* ------------------------------------------------ the stages' environment */

/*
 * The environment a stage gets: built from ours by name, so nothing
 * reaches a stage that is not on this list.  NDX_PASSPHRASE never does
 * (ndx-run hands ndx-pack passphrase files), PGPASSWORD only ndx-extract,
 * the one stage that connects to a database.  The rest is what the
 * programs and the libraries under them read: locale and time zone,
 * temporary files, GnuPG's keyring, libpq's other settings, unixODBC's
 * odbc.ini and odbcinst.ini, ndx's data
 * directory, and the sanitisers' options of a test build.
 */
static char **
make_env(int extract)
{
	extern char **environ;
	static const char *const keep[] = { "ASAN_OPTIONS", "GNUPGHOME",
	    "HOME", "LANG", "LANGUAGE", "LD_LIBRARY_PATH", "LOGNAME",
	    "LSAN_OPTIONS", "NDX_DATADIR", "ODBCINI", "ODBCSYSINI", "PATH",
	    "TMPDIR", "TZ", "UBSAN_OPTIONS", "USER" };
	char **env = NULL;
	size_t n = 0, i, len;
	int take;

	for (char **e = environ; e != NULL && *e != NULL; e++) {
		len = strcspn(*e, "=");
		if ((*e)[len] != '=')
			continue;
		take = strncmp(*e, "LC_", 3) == 0 ||
		    (strncmp(*e, "PG", 2) == 0 &&
		    (extract || len != 10 || strncmp(*e, "PGPASSWORD", 10)));
		for (i = 0; !take && i < sizeof(keep) / sizeof(keep[0]); i++)
			take = strlen(keep[i]) == len &&
			    strncmp(*e, keep[i], len) == 0;
		if (!take)
			continue;
		env = xreallocarray(env, n + 2, sizeof(*env));
		env[n++] = *e;
	}
	env = xreallocarray(env, n + 1, sizeof(*env));
	env[n] = NULL;
	return env;
}

/* ------------------------------------------------------------- the stages */

/*
 * A stage's progress line ("ndx-extract: progress: ..."), asked for on a
 * terminal: redrawn in place there, never logged.  Returns whether line
 * (n bytes, its newline included) was one.
 */
static int
progress_line(struct run *r, const char *line, size_t n)
{
	static const char mark[] = "ndx-extract: progress: ";

	if (!r->progress || n < sizeof(mark) - 1 ||
	    memcmp(line, mark, sizeof(mark) - 1) != 0)
		return 0;
	fputc('\r', stderr);
	fwrite(line, 1, n - (line[n - 1] == '\n'), stderr);
	fflush(stderr);
	r->drawn = 1;
	return 1;
}

static void
copy_out(struct run *r, const char *buf, size_t n)
{
	char when[21];

	ndx_utc_now(when);
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t len = nl != NULL ? (size_t)(nl - buf) + 1 : n;

		if (!progress_line(r, buf, len)) {
			if (r->drawn) {
				fputc('\n', stderr);
				r->drawn = 0;
			}
			fwrite(buf, 1, len, stderr);
			/* Each line of the log says when, a stage's too. */
			if (r->log != NULL) {
				fprintf(r->log, "%s ", when);
				fwrite(buf, 1, len, r->log);
			}
		}
		buf += len;
		n -= len;
	}
	if (r->log != NULL)
		fflush(r->log);
}

/* Takes n bytes of a stage's standard error: whole lines go out. */
static void
job_output(struct run *r, struct job *j, const char *buf, size_t n)
{
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

static void
job_arg(struct job *j, const char *arg)
{
	if (j->nav + 2 > j->cap) {
		j->cap = j->cap ? 2 * j->cap : 32;
		j->av = xreallocarray(j->av, j->cap, sizeof(*j->av));
	}
	j->av[j->nav++] = arg;
	j->av[j->nav] = NULL;
}

/* job_args(j, a, b, ..., NULL) */
static void
job_args(struct job *j, ...)
{
	va_list ap;
	const char *a;

	va_start(ap, j);
	while ((a = va_arg(ap, const char *)) != NULL)
		job_arg(j, a);
	va_end(ap);
}

static void
job_init(struct job *j, const char *name, int after)
{
	memset(j, 0, sizeof(*j));
	j->name = name;
	j->after = after;
}

/*
 * Forks bindir/av[0] with av and env; its standard input and output are
 * /dev/null, its standard error errfd (-1: ours).  Returns the pid, or
 * -1 with a message.
 */
static pid_t
spawn(struct run *r, const char *const *av, char **env, int errfd)
{
	char *path = xasprintf_path(r->bindir, av[0]);
	pid_t pid, parent = getpid();
	int devnull;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		diag_warn("fork");
		free(path);
		return -1;
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
		    (errfd != -1 && dup2(errfd, 2) == -1))
			_exit(NDX_EX_OSERR);
		if (devnull > 2)
			close(devnull);
		execve(path, (char *const *)av, env);
		dprintf(2, "ndx-run: %s: %s\n", path, strerror(errno));
		_exit(NDX_EX_SOFTWARE);
	}
	free(path);
	return pid;
}

/* Starts a job, its standard error on a pipe; 0 or an exit code. */
static int
job_start(struct run *r, struct job *j)
{
	int fds[2], slot;
	pid_t pid;

	for (slot = 0; run_children[slot] != 0; slot++)
		continue;
	if (pipe2(fds, O_CLOEXEC) == -1) {
		diag_warn("pipe");
		return NDX_EX_OSERR;
	}
	r->stage++;
	j->number = r->stage;
	if (r->progress)
		fprintf(stderr, "ndx-run: [%d/%d] %s\n", j->number, r->nstages,
		    j->name);
	j->t0 = ndx_seconds();
	pid = spawn(r, j->av, strcmp(j->av[0], "ndx-extract") == 0 ?
	    r->env_extract : r->env, fds[1]);
	close(fds[1]);
	if (pid == -1) {
		close(fds[0]);
		return NDX_EX_OSERR;
	}
	run_children[slot] = pid;
	/* A signal that came before the slot was set has missed it. */
	if (run_signal)
		kill(pid, SIGTERM);
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
	double secs;
	int st;

	close(j->fd);
	if (j->npend > 0)
		copy_out(r, j->pend, j->npend);
	j->npend = 0;
	while (waitpid(j->pid, &st, 0) == -1 && errno == EINTR)
		continue;
	run_children[j->slot] = 0;
	secs = ndx_seconds() - j->t0;
	j->rc = WIFEXITED(st) ? WEXITSTATUS(st) : NDX_EX_SOFTWARE;
	if (run_signal)
		j->rc = 128 + run_signal;
	j->state = JOB_DONE;
	if (j->rc > NDX_EX_REJECTED && r->failed_stage == NULL)
		r->failed_stage = j->name;
	logf_line(r, "stage=%s exit=%d seconds=%.3f", j->name, j->rc, secs);
	if (r->drawn) {
		fputc('\n', stderr);
		r->drawn = 0;
	}
	if (r->progress)
		fprintf(stderr, "ndx-run: [%d/%d] %s: exit %d, %.2f s\n",
		    j->number, r->nstages, j->name, j->rc, secs);
}

/*
 * Runs jobs, each once the job it reads from has succeeded, up to
 * r->maxjobs at once.  After a failure nothing new starts and the
 * running ones finish.  Returns 0, or the exit code of the first stage
 * to fail (128 + signal when the run was stopped).  Validate's 1
 * (records rejected) is a result, not a failure: the caller sees it in
 * the job's rc.
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

static void
jobs_free(struct job *jobs, int n)
{
	for (int i = 0; i < n; i++)
		free(jobs[i].av);
}

/* ------------------------------------------------------------ report.xml */

static long
attr_long(xmlTextReaderPtr rd, const char *name)
{
	xmlChar *v = xmlTextReaderGetAttribute(rd, BAD_CAST name);
	const char *errstr = NULL;
	long n = -1;

	if (v != NULL) {
		n = (long)ndx_strtonum((const char *)v, 0, LONG_MAX, &errstr);
		if (errstr != NULL)
			n = -1;
		xmlFree(v);
	}
	return n;
}

static void
summary_free(struct summary *s)
{
	for (size_t i = 0; i < s->nagencies; i++)
		free(s->agencies[i]);
	free(s->agencies);
	memset(s, 0, sizeof(*s));
}

/*
 * Reads the counts and the data's agencies from report.xml's <summary>
 * with libxml2's reader (constant memory: the report holds a line per
 * problem).  Returns 0, or -1 with a message.
 */
static int
read_report(const char *path, struct summary *s)
{
	static const char *const names[] = { "episodes-read",
	    "episodes-valid", "episodes-rejected", "rows-read",
	    "rows-written", "rows-rejected" };
	xmlTextReaderPtr rd;
	const char *local, *ns;
	xmlChar *code;
	int ret, depth = -1, type;

	summary_free(s);
	if ((rd = xmlReaderForFile(path, NULL, XML_PARSE_NONET)) == NULL) {
		diag_warnx("%s: cannot read the validation report", path);
		return -1;
	}
	while ((ret = xmlTextReaderRead(rd)) == 1) {
		type = xmlTextReaderNodeType(rd);
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		local = (const char *)xmlTextReaderConstLocalName(rd);
		ns = (const char *)xmlTextReaderConstNamespaceUri(rd);
		if (ns == NULL || strcmp(ns, RUN_NS_REPORT) != 0)
			continue;
		if (strcmp(local, "summary") == 0) {
			depth = xmlTextReaderDepth(rd);
			s->have = 1;
			for (size_t i = 0; i < 6; i++)
				if ((s->counts[i] = attr_long(rd,
				    names[i])) < 0)
					s->have = 0;
			s->truncated = attr_long(rd, "agencies-truncated") > 0;
		} else if (strcmp(local, "agency") == 0 && depth >= 0 &&
		    xmlTextReaderDepth(rd) == depth + 1) {
			if ((code = xmlTextReaderGetAttribute(rd,
			    BAD_CAST "code")) == NULL)
				continue;
			s->agencies = xreallocarray(s->agencies,
			    s->nagencies + 1, sizeof(*s->agencies));
			s->agencies[s->nagencies++] = xstrdup((char *)code);
			xmlFree(code);
		}
	}
	xmlFreeTextReader(rd);
	if (ret != 0 || !s->have) {
		diag_warnx("%s: no summary of counts in the validation report",
		    path);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------ the checks first */

/* A problem of the configuration at line: said, and the first kept. */
static void
problem(struct run *r, int code, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
problem(struct run *r, int code, long line, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		diag_warnx("%s:%ld: %s", r->config, line, msg);
	else
		diag_warnx("%s: %s", r->config, msg);
	if (r->bad == 0)
		r->bad = code;
}

/* The code of a secret file's problem: modes 77, the rest 78. */
static int
secret_code(int code)
{
	return code == NDX_EX_NOPERM || code == NDX_EX_OSERR ? code :
	    NDX_EX_CONFIG;
}

/*
 * Reads a key file (id set) or a passphrase file (id NULL) as the stage
 * will, then forgets it: missing, unreadable, a link, the wrong format
 * or a mode that lets others in is said at its line.
 */
static void
check_secret(struct run *r, const char *key, const char *path, long line,
    char id[NDX_KEY_ID_HEX + 1])
{
	struct ndx_error err;
	struct ndx_secret *s;

	memset(&err, 0, sizeof(err));
	s = id != NULL ? ndx_key_read(path, &err) : ndx_secret_read(path,
	    "passphrase", RUN_PASSPHRASE_MAX, &err);
	if (s == NULL) {
		problem(r, secret_code(err.code), line, "%s: %s%s%s", key,
		    err.file, err.file[0] != '\0' ? ": " : "", err.msg);
		return;
	}
	if (id != NULL && ndx_key_id(s, id, &err) != 0)
		problem(r, err.code, line, "%s: %s", key, err.msg);
	ndx_secret_free(s);
}

static void
check_pgp(struct run *r, const char *key, const char *fpr, long line,
    enum ndx_openpgp_use use)
{
	struct ndx_error err;

	memset(&err, 0, sizeof(err));
	if (ndx_openpgp_check_key(fpr, use, &err) != 0)
		problem(r, err.code, line, "%s: %s", key, err.msg);
}

/* The output root and its lock, if there: ours alone, or 77. */
static void
check_root(struct run *r)
{
	const char *root = r->cfg.output_root;
	long line = r->cfg.output_root_line;
	struct stat st;
	char *lock;

	if (lstat(root, &st) == -1) {
		if (errno != ENOENT)
			problem(r, NDX_EX_CONFIG, line, "output_root: %s: %s",
			    root, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		problem(r, S_ISDIR(st.st_mode) ? NDX_EX_NOPERM : NDX_EX_CONFIG,
		    line, "output_root: %s: %s", root, !S_ISDIR(st.st_mode) ?
		    "not a directory" : st.st_uid != geteuid() ?
		    "owned by another user" :
		    "writable by group or others; chmod go-w it");
		return;
	}
	lock = xasprintf_path(root, ".ndx-run.lock");
	if (lstat(lock, &st) == 0 && (!S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid()))
		problem(r, NDX_EX_NOPERM, line, "output_root: %s: not a "
		    "regular file of ours; remove it", lock);
	free(lock);
}

static void
check_group(struct run *r)
{
	struct group *gr;
	gid_t groups[NGROUPS_MAX];
	int n, i;

	errno = 0;
	if ((gr = getgrnam(r->cfg.group)) == NULL) {
		problem(r, NDX_EX_CONFIG, r->cfg.group_line,
		    "group: '%s' is not a group", r->cfg.group);
		return;
	}
	r->gid = gr->gr_gid;
	if (geteuid() == 0 || getegid() == r->gid)
		return;
	n = getgroups(NGROUPS_MAX, groups);
	for (i = 0; i < n; i++)
		if (groups[i] == r->gid)
			return;
	problem(r, NDX_EX_CONFIG, r->cfg.group_line,
	    "group: this user is not in group '%s', so cannot give it the "
	    "run directory", r->cfg.group);
}

/*
 * ndx-extract --check --source URI: the source opens (and for SQL, the
 * mapping prepares) without reading a row.  Its one line says why not;
 * ndx-run adds the line of the source.
 */
static void
check_source(struct run *r)
{
	const char *av[] = { "ndx-extract", "--check", "--source",
	    r->cfg.source, NULL, NULL, NULL };
	char scheme[32];
	pid_t pid;
	int st, rc;

	if (r->cfg.dataset != NULL) {
		av[4] = "--dataset";
		av[5] = r->cfg.dataset;
	}

	if ((pid = spawn(r, av, r->env_extract, -1)) == -1) {
		if (r->bad == 0)
			r->bad = NDX_EX_OSERR;
		return;
	}
	run_children[0] = pid;
	if (run_signal)
		kill(pid, SIGTERM);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		continue;
	run_children[0] = 0;
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : NDX_EX_SOFTWARE;
	ndx_config_scheme(r->cfg.source, scheme, sizeof(scheme));
	if (run_signal) {
		if (r->bad == 0)
			r->bad = 128 + run_signal;
	} else if (rc == NDX_EX_TEMPFAIL)
		/* Down now, perhaps not in an hour: cron may try again. */
		problem(r, r->check ? NDX_EX_CONFIG : NDX_EX_TEMPFAIL,
		    r->cfg.source_line, "source: the %s source is unreachable "
		    "just now", scheme);
	else if (rc != 0)
		problem(r, rc == NDX_EX_USAGE || rc == NDX_EX_DATAERR ||
		    rc == NDX_EX_NOINPUT || rc == NDX_EX_CONFIG ?
		    NDX_EX_CONFIG : rc, r->cfg.source_line,
		    "source: the %s source cannot be used (ndx-extract "
		    "--check: exit %d)", scheme, rc);
}

/*
 * Every check of a configuration that reading it could not make: the
 * area, the files it names, the OpenPGP keys, the group, the output root
 * and the source.  Each problem is said at its line; the first one's
 * code is returned (0: sound).
 */
static int
check_all(struct run *r)
{
	struct ndx_config *c = &r->cfg;
	struct ndx_dataset *ds;
	struct ndx_error err;
	struct rcpt *rc;
	size_t i, k;

	memset(&err, 0, sizeof(err));
	if ((ds = ndx_dataset_load(&err)) == NULL)
		return diag_error(&err);
	if ((r->area = ndx_dataset_area_name(ds, c->area)) == NULL)
		problem(r, NDX_EX_CONFIG, c->area_line, "area: '%s' is not a "
		    "police force area in areas.csv", c->area);
	else
		r->area = pool(r, xstrdup(r->area));
	ndx_dataset_free(ds);
	check_root(r);
	for (i = 0; i < r->nrcpt; i++) {
		rc = &r->rcpt[i];
		if (rc->cfg->key_file != NULL)
			check_secret(r, "key_file", rc->cfg->key_file,
			    rc->cfg->key_file_line, rc->key_id);
		/* The defaults share the top-level file: said once. */
		if (rc->cfg->passphrase_file != NULL && (c->sections ||
		    i == 0))
			check_secret(r, "passphrase_file",
			    rc->cfg->passphrase_file,
			    rc->cfg->passphrase_file_line, NULL);
		for (k = 0; k < rc->cfg->nopenpgp; k++)
			check_pgp(r, "openpgp", rc->cfg->openpgp[k],
			    rc->cfg->openpgp_line, NDX_OPENPGP_ENCRYPT);
	}
	if (c->signing_key != NULL)
		check_pgp(r, "signing_key", c->signing_key,
		    c->signing_key_line, NDX_OPENPGP_SIGN);
	if (c->signing_passphrase_file != NULL)
		check_secret(r, "signing_passphrase_file",
		    c->signing_passphrase_file,
		    c->signing_passphrase_file_line, NULL);
	if (c->group != NULL)
		check_group(r);
	check_source(r);
	return r->bad;
}

/* The recipients of the configuration, and one XML a distinct key. */
static void
recipients(struct run *r)
{
	size_t i;

	r->nrcpt = r->cfg.nrecipients;
	r->rcpt = xcalloc(r->nrcpt, sizeof(*r->rcpt));
	for (i = 0; i < r->nrcpt; i++) {
		r->rcpt[i].cfg = &r->cfg.recipients[i];
		r->rcpt[i].pseudo = -1;
		r->rcpt[i].consent_excluded = -1;
	}
}

/*
 * Groups the public-health recipients by key id (known once the checks
 * have read the keys): recipients sharing a key share one pseudonymised
 * XML, since its pseudonyms are the same.
 */
static void
group_keys(struct run *r)
{
	struct rcpt *rc;
	size_t i, k;

	for (i = 0; i < r->nrcpt; i++) {
		rc = &r->rcpt[i];
		if (!(rc->cfg->products & NDX_PRODUCT_PUBLIC_HEALTH))
			continue;
		for (k = 0; k < r->npseudo; k++)
			if (strcmp(r->pseudo[k].key_id, rc->key_id) == 0)
				break;
		if (k == r->npseudo) {
			r->pseudo = xreallocarray(r->pseudo, r->npseudo + 1,
			    sizeof(*r->pseudo));
			memset(&r->pseudo[k], 0, sizeof(r->pseudo[k]));
			memcpy(r->pseudo[k].key_id, rc->key_id,
			    sizeof(rc->key_id));
			r->pseudo[k].key_file = rc->cfg->key_file;
			r->pseudo[k].owner = rc->cfg->name;
			r->npseudo++;
		}
		rc->pseudo = (int)k;
	}
}

/* ------------------------------------------------- the output root, lock */

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
	 * point it elsewhere: both must be ours alone.  Checked again here,
	 * after the checks: the root may have been made or changed since.
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
	/* A lock made under another umask by an older ndx-run. */
	if ((st.st_mode & 077) != 0 && fchmod(r->lockfd, 0600) == -1) {
		diag_warn("%s", path);
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

static const char *agency_list(struct run *);

/* ---------------------------------------------------- files of the tree */

/*
 * Copies a product made once into another recipient's folder: a copy,
 * never a hard link, so that `group =` or a recipient's own handling
 * can never change the other's file.  0 or an exit code.
 */
static int
copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n, w, off;
	int in, out = -1, rc = 0;

	if ((in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		diag_warn("%s", from);
		return NDX_EX_IOERR;
	}
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1 || fchmod(out, 0600) == -1) {
		diag_warn("%s", to);
		rc = errno_code(errno);
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			diag_warn("%s", from);
			rc = NDX_EX_IOERR;
			goto out;
		}
		for (off = 0; off < n; off += w)
			if ((w = write(out, buf + off, (size_t)(n - off))) ==
			    -1) {
				diag_warn("%s", to);
				rc = errno_code(errno);
				goto out;
			}
	}
	if (fsync(out) == -1) {
		diag_warn("%s", to);
		rc = NDX_EX_IOERR;
	}
out:
	if (out != -1 && close(out) == -1 && rc == 0) {
		diag_warn("%s", to);
		rc = NDX_EX_IOERR;
	}
	close(in);
	return rc;
}

/* Called for each entry of a walk: the path and its name under the top. */
typedef int walk_fn(void *, const char *path, const char *rel,
    const struct stat *);

/*
 * Walks dir (rel: its name under the top, "" for the top) in byte order,
 * directories after their entries, not following links.  Stops at the
 * first non-zero return of fn.
 */
static int
walk(const char *dir, const char *rel, walk_fn *fn, void *ctx)
{
	struct dirent **names = NULL;
	struct stat st;
	char *path, *sub;
	int i, count, rc = 0;

	if ((count = scandir(dir, &names, NULL, alphasort)) == -1) {
		diag_warn("%s", dir);
		return NDX_EX_IOERR;
	}
	for (i = 0; i < count; i++) {
		const char *name = names[i]->d_name;

		if (rc != 0 || strcmp(name, ".") == 0 ||
		    strcmp(name, "..") == 0)
			continue;
		path = xasprintf_path(dir, name);
		sub = *rel != '\0' ? xasprintf_path(rel, name) :
		    xstrdup(name);
		if (lstat(path, &st) == -1) {
			diag_warn("%s", path);
			rc = NDX_EX_IOERR;
		} else if (S_ISDIR(st.st_mode) &&
		    (rc = walk(path, sub, fn, ctx)) == 0)
			rc = fn(ctx, path, sub, &st);
		else if (!S_ISDIR(st.st_mode))
			rc = fn(ctx, path, sub, &st);
		free(path);
		free(sub);
	}
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* One "SHA256  BYTES  NAME" line of the run's MANIFEST. */
static int
manifest_file(void *ctx, const char *path, const char *rel,
    const struct stat *st)
{
	char hex[NDX_SHA256_HEX + 1];
	FILE *out = ctx, *in;
	unsigned long long size;
	int bad;

	if (S_ISDIR(st->st_mode) || strcmp(rel, "MANIFEST") == 0)
		return 0;
	if (!S_ISREG(st->st_mode)) {
		diag_warnx("%s: not a regular file", path);
		return NDX_EX_SOFTWARE;
	}
	if ((in = fopen(path, "rb")) == NULL) {
		diag_warn("%s", path);
		return NDX_EX_IOERR;
	}
	bad = ndx_sha256_stream(in, &size, hex);
	fclose(in);
	if (bad) {
		diag_warnx("%s: read error", path);
		return NDX_EX_IOERR;
	}
	fprintf(out, "%s  %llu  %s\n", hex, size, rel);
	return 0;
}

/*
 * Writes the run's MANIFEST: where the run came from, each recipient's
 * archive, then the SHA-256, size and path of every file in the tree
 * (run.log included: it is complete by now).
 */
static int
write_manifest(struct run *r)
{
	char *path = xasprintf_path(r->tmp, "MANIFEST"), scheme[32];
	FILE *out;
	size_t i;
	int rc;

	if ((out = fopen(path, "w")) == NULL) {
		diag_warn("%s", path);
		free(path);
		return errno_code(errno);
	}
	fprintf(out, "# ndx-run %s\nperiod %s\nsource %s\narea %s\n"
	    "agency %s\n", NDX_VERSION, r->period.label,
	    ndx_config_scheme(r->cfg.source, scheme, sizeof(scheme)),
	    r->area, agency_list(r));
	for (i = 0; i < r->nrcpt; i++)
		fprintf(out, "archive %s %s\n", r->rcpt[i].cfg->name,
		    r->rcpt[i].file);
	rc = walk(r->tmp, "", manifest_file, out);
	if (rc == 0 && (fflush(out) == EOF || fsync(fileno(out)) == -1)) {
		diag_warn("%s", path);
		rc = NDX_EX_IOERR;
	}
	if (fclose(out) == EOF && rc == 0) {
		diag_warn("%s", path);
		rc = NDX_EX_IOERR;
	}
	free(path);
	return rc;
}

/* group =: the entry goes to the group, 0750 or 0640. */
static int
group_file(void *ctx, const char *path, const char *rel,
    const struct stat *st)
{
	const gid_t *gid = ctx;

	(void)rel;
	if (lchown(path, (uid_t)-1, *gid) == -1 ||
	    chmod(path, S_ISDIR(st->st_mode) ? 0750 : 0640) == -1) {
		diag_warn("%s", path);
		return NDX_EX_NOPERM;
	}
	return 0;
}

static int
give_group(struct run *r)
{
	int rc;

	if ((rc = walk(r->tmp, "", group_file, &r->gid)) != 0)
		return rc;
	if (chown(r->tmp, (uid_t)-1, r->gid) == -1 ||
	    chmod(r->tmp, 0750) == -1) {
		diag_warn("%s", r->tmp);
		return NDX_EX_NOPERM;
	}
	return 0;
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

/*
 * OUTPUT_ROOT/SUB/NAME, SUB made (0700: what it keeps is personal data
 * like the runs themselves) when missing; NULL with a warning when it
 * cannot be.
 */
static char *
root_subpath(struct run *r, const char *sub, const char *name)
{
	char *dir = xasprintf_path(r->cfg.output_root, sub), *path;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		diag_warn("%s", dir);
		free(dir);
		return NULL;
	}
	path = xasprintf_path(dir, name);
	free(dir);
	return path;
}

/*
 * --force keeps what it replaces, as OUTPUT_ROOT/replaced/LABEL-STAMP:
 * a month resubmitted by mistake can be put back.  Should that fail the
 * old run stays under its temporary name, which the next run's clean-up
 * removes; the warning says so.
 */
static void
keep_replaced(struct run *r, const char *old)
{
	char *name = xasprintf("%s-%s", r->period.label, r->stamp);
	char *to = root_subpath(r, "replaced", name);

	if (to != NULL && rename(old, to) == 0) {
		r->kept_run = to;
		to = NULL;
	} else
		diag_warn("%s: the replaced run is not kept", old);
	free(to);
	free(name);
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
		keep_replaced(r, r->tmp);
		goto out;
	}
	if (errno != EINVAL && errno != ENOSYS)
		goto fail;
	/* No exchange on this file system: two renames, a short gap. */
	old = xstrdup(r->tmp);
	memcpy(strstr(old, ".tmp-"), ".old-", 5);
	if (rename(r->final, old) == -1 || rename(r->tmp, r->final) == -1)
		goto fail;
	keep_replaced(r, old);
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

/* ------------------------------------------------------------ the run */

/*
 * The data's agencies must be the configured ones (exchange.md §4): a
 * MANIFEST stamped with one agency over another's data would misstate
 * where the data came from.  0, or 65 with every stranger named.
 */
static int
check_agencies(struct run *r)
{
	size_t i, k;
	int rc = 0;

	if (r->sum.truncated) {
		diag_warnx("the data holds more agencies than the validation "
		    "report lists; nothing is packed");
		return NDX_EX_DATAERR;
	}
	for (i = 0; i < r->sum.nagencies; i++) {
		for (k = 0; k < r->cfg.nagencies; k++)
			if (strcmp(r->sum.agencies[i], r->cfg.agencies[k]) ==
			    0)
				break;
		if (k == r->cfg.nagencies) {
			diag_warnx("the data holds agency %s, which is not in "
			    "agency (%s:%ld); nothing is packed",
			    r->sum.agencies[i], r->config, r->cfg.agency_line);
			rc = NDX_EX_DATAERR;
		}
	}
	return rc;
}

/* The agencies for --agency: the data's, or the configured ones when
 * the period holds no data at all. */
static const char *
agency_list(struct run *r)
{
	char **v = r->sum.nagencies > 0 ? r->sum.agencies : r->cfg.agencies;
	size_t n = r->sum.nagencies > 0 ? r->sum.nagencies : r->cfg.nagencies;
	size_t i, len = 1;
	char *s;

	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	s = xmalloc(len);
	*s = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, ",");
		strcat(s, v[i]);
	}
	return pool(r, s);
}

/* The consent-excluded and risk lines of a transform's --summary. */
static int
read_summary(struct run *r, struct rcpt *rc)
{
	char line[512], *nl;
	const char *errstr = NULL;
	FILE *fp;

	if ((fp = fopen(rc->summary, "r")) == NULL) {
		diag_warn("%s", rc->summary);
		return NDX_EX_SOFTWARE;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (strncmp(line, "consent-excluded ", 17) == 0)
			rc->consent_excluded = (long)ndx_strtonum(line + 17,
			    0, LONG_MAX, &errstr);
		else if (strncmp(line, "risk ", 5) == 0 && rc->risk == NULL)
			rc->risk = (char *)pool(r, xasprintf(
			    "public-health.csv %s", line + 5));
	}
	fclose(fp);
	if (errstr != NULL || rc->consent_excluded < 0 || rc->risk == NULL) {
		diag_warnx("%s: no consent-excluded or risk line from "
		    "ndx-transform", rc->summary);
		return NDX_EX_SOFTWARE;
	}
	return 0;
}

static int
make_dir(const char *path)
{
	if (mkdir(path, 0700) == -1) {
		diag_warn("%s", path);
		return errno_code(errno);
	}
	return 0;
}

static const char *
product_names(unsigned bits)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s%s%s%s%s",
	    bits & NDX_PRODUCT_COMMISSIONER ? "commissioner" : "",
	    (bits & NDX_PRODUCT_COMMISSIONER) &&
	    (bits & ~NDX_PRODUCT_COMMISSIONER) ? "," : "",
	    bits & NDX_PRODUCT_PUBLIC_HEALTH ? "public-health" : "",
	    (bits & NDX_PRODUCT_PUBLIC_HEALTH) &&
	    (bits & NDX_PRODUCT_PCC_RETURN) ? "," : "",
	    bits & NDX_PRODUCT_PCC_RETURN ? "pcc-return" : "");
	return buf;
}

/* The recipients' folders and file names. */
static int
layout(struct run *r, const char *prov)
{
	const struct ndx_recipient *c;
	struct rcpt *rc;
	size_t i;
	int e;

	if ((e = make_dir(prov)) != 0)
		return e;
	for (i = 0; i < r->nrcpt; i++) {
		rc = &r->rcpt[i];
		c = rc->cfg;
		rc->dir = (char *)pool(r, xasprintf_path(r->tmp, c->name));
		rc->file = (char *)pool(r, xasprintf("ndx-%s-%s-%s.%s%s",
		    r->cfg.agencies[0], r->period.label, c->name,
		    c->format == NDX_FORMAT_TAR_GZ ? "tar.gz" : "zip",
		    c->nopenpgp > 0 ? ".gpg" : ""));
		rc->archive = (char *)pool(r, xasprintf_path(r->tmp,
		    rc->file));
		rc->summary = (char *)pool(r, xasprintf(
		    "%s/public-health-%s.summary", prov, c->name));
		if ((e = make_dir(rc->dir)) != 0)
			return e;
	}
	for (i = 0; i < r->npseudo; i++)
		r->pseudo[i].xml = (char *)pool(r, xasprintf(
		    "%s/pseudonymised-%s.xml", prov, r->pseudo[i].owner));
	return 0;
}

/*
 * The identifiable and aggregate products are made into the first folder
 * that receives them and copied to the others afterwards: first[0] for
 * the commissioner file, first[1] for the PCC return, -1 for none.
 */
static void
first_recipients(struct run *r, int *first)
{
	for (int f = 0; f < 2; f++) {
		unsigned bit = f == 0 ? NDX_PRODUCT_COMMISSIONER :
		    NDX_PRODUCT_PCC_RETURN;

		first[f] = -1;
		for (size_t k = 0; k < r->nrcpt && first[f] < 0; k++)
			if (r->rcpt[k].cfg->products & bit)
				first[f] = (int)k;
	}
}

/* The stage lines of the pass in run.log, and on a terminal. */
static void
log_stage(struct run *r, const char *name, int rc, double secs, int counts)
{
	const long *c = r->sum.counts;

	r->stage++;
	if (rc > NDX_EX_REJECTED && r->failed_stage == NULL)
		r->failed_stage = name;
	if (counts)
		logf_line(r, "stage=%s exit=%d seconds=%.3f episodes_read=%ld "
		    "episodes_valid=%ld episodes_rejected=%ld rows_read=%ld "
		    "rows_written=%ld rows_rejected=%ld", name, rc, secs,
		    c[0], c[1], c[2], c[3], c[4], c[5]);
	else
		logf_line(r, "stage=%s exit=%d seconds=%.3f", name, rc, secs);
	if (r->progress)
		fprintf(stderr, "ndx-run: [%d/%d] %s: exit %d, %.2f s\n",
		    r->stage, r->nstages, name, rc, secs);
}

/*
 * Validation and every product of the episodes, in one pass of this
 * process (pass.c): returns 0 or the failing stage's exit code; *rejected
 * says whether the validator rejected records.
 */
static int
one_pass(struct run *r, const char *epi, const char *valid, const char *rej,
    const char *repcsv, const int *first, int trend_pass, int *rejected)
{
	struct pass_spec sp;
	struct pass_result res;
	struct pass_key *keys;
	struct pass_ph *ph;
	double t0 = ndx_seconds();
	int rc;

	memset(&sp, 0, sizeof(sp));
	sp.episodes = epi;
	sp.area = r->area;
	sp.valid = valid;
	sp.rejects = rej;
	sp.report_csv = repcsv;
	sp.validate_stage = trend_pass ? "validate-trend" : "validate";
	sp.report_xml = trend_pass ? pool(r, xasprintf_path(r->trend_dir,
	    "report.xml")) : r->repxml;
	if (first[0] >= 0 && !trend_pass)
		sp.commissioner = pool(r, xasprintf_path(
		    r->rcpt[first[0]].dir, "commissioner.csv"));
	/* With trend = N the PCC return comes from a pass of its own, over
	 * the N quarters' episodes. */
	if (first[1] >= 0 && (trend_pass || r->trend_dir == NULL)) {
		sp.pcc_csv = pool(r, xasprintf_path(r->rcpt[first[1]].dir,
		    "pcc-return.csv"));
		sp.pcc_html = pool(r, xasprintf_path(r->rcpt[first[1]].dir,
		    "pcc-return.html"));
	}
	sp.disclosure = r->cfg.disclosure;
	sp.period = r->period;
	sp.trend = trend_pass ? r->cfg.trend : 0;
	sp.stop = &run_signal;
	sp.progress = r->progress;
	keys = xcalloc(r->npseudo + 1, sizeof(*keys));
	for (size_t k = 0; k < r->npseudo && !trend_pass; k++) {
		keys[k].stage = pool(r, xasprintf("pseudonymise-%s",
		    r->pseudo[k].owner));
		keys[k].key_file = r->pseudo[k].key_file;
		keys[k].xml = r->pseudo[k].xml;
	}
	ph = xcalloc(r->nrcpt + 1, sizeof(*ph));
	for (size_t k = 0; k < r->nrcpt && !trend_pass; k++) {
		struct rcpt *rc_ = &r->rcpt[k];

		if (rc_->pseudo < 0)
			continue;
		ph[sp.nph].stage = pool(r, xasprintf(
		    "transform-public-health-%s", rc_->cfg->name));
		ph[sp.nph].csv = pool(r, xasprintf_path(rc_->dir,
		    "public-health.csv"));
		ph[sp.nph].summary = rc_->summary;
		ph[sp.nph].min_k = rc_->cfg->min_k;
		ph[sp.nph].cohort = rc_->cfg->cohort;
		ph[sp.nph++].key = (size_t)rc_->pseudo;
	}
	sp.keys = keys;
	sp.nkeys = trend_pass ? 0 : r->npseudo;
	sp.ph = ph;

	if (r->progress)
		fprintf(stderr, "ndx-run: [%d/%d] validate and the products, "
		    "in one pass\n", r->stage + 1, r->nstages);
	fflush(stderr);
	diag_copy_to(r->log);
	rc = run_pass(&sp, &res);
	diag_copy_to(NULL);
	if (rc != 0) {
		log_stage(r, res.failed != NULL ? res.failed : "validate",
		    rc, ndx_seconds() - t0, 0);
		goto out;
	}
	/* The counts come from the report, not from parsing messages. */
	if (!trend_pass && read_report(r->repxml, &r->sum) != 0) {
		log_stage(r, "validate", NDX_EX_DATAERR, res.stage[0].seconds,
		    0);
		rc = NDX_EX_DATAERR;
		goto out;
	}
	for (size_t i = 0; i < res.nstage; i++)
		log_stage(r, res.stage[i].name, res.stage[i].rc,
		    res.stage[i].seconds, i == 0 && !trend_pass);
	*rejected = res.rejected;
	if (!trend_pass)
		r->dataset_version = res.version;
out:
	free(res.stage);
	free(keys);
	free(ph);
	return rc;
}

/*
 * provider/changes.csv against the previous run of the financial year
 * (changes.c), with its counts in run.log: the data officer's view of
 * what moved since the last submission.
 */
static int
month_on_month(struct run *r, const char *valid, const char *rej,
    const char *prov)
{
	struct changes_counts cc;
	struct ndx_error err = { 0 };
	char *out = xasprintf_path(prov, "changes.csv");
	double t0 = ndx_seconds();
	int rc;

	rc = changes_write(r->cfg.output_root, &r->period, r->quarterly,
	    valid, rej, out, &cc, &err);
	free(out);
	if (rc != 0) {
		rc = diag_error(&err);
		log_stage(r, "changes", rc, ndx_seconds() - t0, 0);
		return rc;
	}
	logf_line(r, "changes since=%s added=%ld changed=%ld gone=%ld "
	    "rejected=%ld rejected_before=%ld", cc.since[0] ? cc.since :
	    "(none: the first run of the financial year)", cc.added,
	    cc.changed, cc.gone, cc.rejected, cc.still_rejected);
	return 0;
}

/* The validation report's HTML and workbook, from report.xml. */
static int
report_job(struct run *r, struct job *j, const char *prov)
{
	if (!(r->cfg.products & NDX_PRODUCT_VALIDATION_REPORT))
		return 0;
	job_init(j, "transform-validation-report", -1);
	job_args(j, "ndx-transform", "--product", "validation-report",
	    "--changes", pool(r, xasprintf_path(prov, "changes.csv")),
	    "-o", pool(r, xasprintf_path(prov, "validation-report.html")),
	    r->repxml, NULL);
	/* The data officer's workbook: each rejected row with its problems
	 * beside it, to correct and send back with --corrections. */
	job_init(j + 1, "transform-validation-report-xlsx", -1);
	job_args(j + 1, "ndx-transform", "--product", "validation-report",
	    "--format", "xlsx", "--rejects",
	    pool(r, xasprintf_path(prov, "rejects.csv")),
	    "-o", pool(r, xasprintf_path(prov, "validation-report.xlsx")),
	    r->repxml, NULL);
	return 2;
}

/* Copies what was made once into the other recipients' folders. */
static int
copy_products(struct run *r, const int *first)
{
	static const char *const files[] = { "commissioner.csv",
	    "pcc-return.csv", "pcc-return.html" };
	static const unsigned bits[] = { NDX_PRODUCT_COMMISSIONER,
	    NDX_PRODUCT_PCC_RETURN, NDX_PRODUCT_PCC_RETURN };
	char *from, *to;
	size_t i, k;
	int rc = 0, f;

	for (i = 0; i < 3 && rc == 0; i++) {
		f = first[i == 0 ? 0 : 1];
		for (k = f + 1; f >= 0 && k < r->nrcpt && rc == 0; k++) {
			if (!(r->rcpt[k].cfg->products & bits[i]))
				continue;
			from = xasprintf_path(r->rcpt[f].dir, files[i]);
			to = xasprintf_path(r->rcpt[k].dir, files[i]);
			rc = copy_file(from, to);
			free(from);
			free(to);
		}
	}
	return rc;
}

/* ndx-pack for each recipient, and ndx-pack verify after it. */
static int
pack_jobs(struct run *r, struct job *jobs, const char *asof)
{
	static const char *const files[] = { "commissioner.csv",
	    "public-health.csv", "pcc-return.csv", "pcc-return.html" };
	static const unsigned bits[] = { NDX_PRODUCT_COMMISSIONER,
	    NDX_PRODUCT_PUBLIC_HEALTH, NDX_PRODUCT_PCC_RETURN,
	    NDX_PRODUCT_PCC_RETURN };
	const char *agency = agency_list(r), *sk = r->cfg.signing_key;
	const struct ndx_recipient *c;
	struct rcpt *rc;
	struct job *j;
	size_t i, k;
	int nj = 0;

	for (i = 0; i < r->nrcpt; i++) {
		rc = &r->rcpt[i];
		c = rc->cfg;
		j = &jobs[nj++];
		job_init(j, pool(r, xasprintf("pack-%s", c->name)), -1);
		job_args(j, "ndx-pack", "-o", rc->archive, NULL);
		if (c->passphrase_file != NULL)
			job_args(j, "--encrypt", "--passphrase-file",
			    c->passphrase_file, NULL);
		for (k = 0; k < c->nopenpgp; k++)
			job_args(j, "--openpgp", c->openpgp[k], NULL);
		if (sk != NULL)
			job_args(j, "--sign", sk, NULL);
		if (sk != NULL && r->cfg.signing_passphrase_file != NULL)
			job_args(j, "--signing-passphrase-file",
			    r->cfg.signing_passphrase_file, NULL);
		job_args(j, "--period", r->period.label, "--as-of", asof,
		    "--agency", agency, "--area", r->area, "--recipient",
		    c->name, "--dataset", r->dataset_version >= 2 ? "2" : "1",
		    NULL);
		if (c->products & NDX_PRODUCT_PCC_RETURN)
			job_args(j, "--disclosure", r->cfg.disclosure != NULL ?
			    r->cfg.disclosure : "suppress", NULL);
		if (rc->pseudo >= 0)
			job_args(j, "--key-id", rc->key_id,
			    "--consent-excluded", pool(r, xasprintf("%ld",
			    rc->consent_excluded)), "--risk", rc->risk, NULL);
		job_args(j, "--datapackage", "--manifest-dir", rc->dir, NULL);
		for (k = 0; k < sizeof(files) / sizeof(files[0]); k++)
			if (c->products & bits[k])
				job_arg(j, pool(r, xasprintf_path(rc->dir,
				    files[k])));
		/* ndx-pack verifies an OpenPGP archive before encrypting:
		 * only the recipient's secret key opens it afterwards. */
		if (c->nopenpgp > 0)
			continue;
		j = &jobs[nj++];
		job_init(j, pool(r, xasprintf("verify-%s", c->name)), nj - 2);
		job_args(j, "ndx-pack", "verify", NULL);
		if (c->passphrase_file != NULL)
			job_args(j, "--passphrase-file", c->passphrase_file,
			    NULL);
		if (sk != NULL)
			job_args(j, "--signer", sk, NULL);
		job_arg(j, rc->archive);
	}
	return nj;
}

/*
 * trend = N: the PCC return's episodes span N quarters (metrics.md,
 * Trend), the other products keep the period.  A second extract of the
 * span, validated on its own (its outputs kept in provider/trend/), feeds
 * the PCC return: 0 or the failing stage's code.
 */
static int
trend_stages(struct run *r, const char *asof, const int *first)
{
	struct job one;
	char from[11], to[11];
	const char *epi = pool(r, xasprintf_path(r->trend_dir,
	    "episodes.xml"));
	int rc, rejected;

	if ((rc = make_dir(r->trend_dir)) != 0)
		return rc;
	ndx_date_format_iso(r->trend_span.start, from);
	ndx_date_format_iso(r->trend_span.end, to);
	job_init(&one, "extract-trend", -1);
	job_args(&one, "ndx-extract", "--source", r->cfg.source, "--as-of",
	    asof, "--from", pool(r, xstrdup(from)), "--to",
	    pool(r, xstrdup(to)), "-o", epi, NULL);
	rc = run_jobs(r, &one, 1);
	jobs_free(&one, 1);
	if (rc != 0)
		return rc;
	return one_pass(r, epi, pool(r, xasprintf_path(r->trend_dir,
	    "valid.xml")), pool(r, xasprintf_path(r->trend_dir,
	    "rejects.csv")), pool(r, xasprintf_path(r->trend_dir,
	    "report.csv")), first, 1, &rejected);
}

/* Runs the stages in order; the worst exit code. */
static int
pipeline(struct run *r)
{
	struct job one, *jobs = NULL;
	char asof[11], scheme[32], *prov;
	const char *lab = r->period.label, *per = r->quarterly ? "--quarter" :
	    "--month", *epi, *valid, *rej, *repcsv;
	const struct ndx_recipient *c;
	int nj = 0, rc, worst = 0, first[2], i;
	size_t k, n;

	prov = (char *)pool(r, xasprintf_path(r->tmp, "provider"));
	if ((rc = layout(r, prov)) != 0)
		return rc;
	epi = pool(r, xasprintf_path(prov, "episodes.xml"));
	valid = pool(r, xasprintf_path(prov, "valid.xml"));
	rej = pool(r, xasprintf_path(prov, "rejects.csv"));
	repcsv = pool(r, xasprintf_path(prov, "report.csv"));
	r->repxml = (char *)pool(r, xasprintf_path(prov, "report.xml"));
	if (r->cfg.trend > 1 && r->quarterly &&
	    (r->cfg.products & NDX_PRODUCT_PCC_RETURN)) {
		struct ndx_period q = r->period;

		r->trend_dir = (char *)pool(r, xasprintf_path(prov, "trend"));
		r->trend_span = r->period;
		for (long qn = 1; qn < r->cfg.trend; qn++) {
			ndx_period_previous_quarter(q.start, &q);
			r->trend_span.start = q.start;
		}
	}
	n = 0;
	for (k = 0; k < r->nrcpt; k++)
		n += 1 + (r->rcpt[k].cfg->nopenpgp == 0) +
		    (r->rcpt[k].pseudo >= 0);
	r->nstages = 2 + 2 * (r->trend_dir != NULL) + (int)n +
	    (int)r->npseudo +
	    2 * !!(r->cfg.products & NDX_PRODUCT_VALIDATION_REPORT) +
	    !!(r->cfg.products & NDX_PRODUCT_COMMISSIONER) +
	    !!(r->cfg.products & NDX_PRODUCT_PCC_RETURN);
	if (r->cfg.as_of != NULL)
		snprintf(asof, sizeof(asof), "%s", r->cfg.as_of);
	else
		ndx_date_format_iso(ndx_date_today(), asof);
	logf_line(r, "period=%s as_of=%s source=%s area=%s agency=%s "
	    "recipients=%zu", lab, asof,
	    ndx_config_scheme(r->cfg.source, scheme, sizeof(scheme)),
	    r->area, r->cfg.agency, r->nrcpt);
	if (r->trend_dir != NULL) {
		char from[11];

		ndx_date_format_iso(r->trend_span.start, from);
		logf_line(r, "trend=%ld pcc-return from %s", r->cfg.trend,
		    from);
	} else if (r->cfg.trend > 1)
		logf_line(r, "trend=%ld not applied: the PCC return's trend "
		    "is of quarters, and this run is %s", r->cfg.trend,
		    r->quarterly ? "without a pcc-return" : "monthly");
	for (k = 0; k < r->nrcpt; k++) {
		c = r->rcpt[k].cfg;
		logf_line(r, "recipient=%s products=%s protection=%s%s%s "
		    "archive=%s", c->name, product_names(c->products),
		    c->nopenpgp > 0 ? "openpgp" : c->passphrase_file != NULL ?
		    "passphrase" : "none", r->rcpt[k].pseudo >= 0 ?
		    " key_id=" : "", r->rcpt[k].pseudo >= 0 ?
		    r->rcpt[k].key_id : "", r->rcpt[k].file);
	}

	job_init(&one, "extract", -1);
	job_args(&one, "ndx-extract", "--source", r->cfg.source, "--as-of",
	    asof, per, lab, "-o", epi, NULL);
	if (r->cfg.dataset != NULL)
		job_args(&one, "--dataset", r->cfg.dataset, NULL);
	if (r->progress)
		job_arg(&one, "--progress");
	rc = run_jobs(r, &one, 1);
	jobs_free(&one, 1);
	if (rc != 0)
		return rc;
	first_recipients(r, first);
	if ((rc = one_pass(r, epi, valid, rej, repcsv, first, 0, &worst)) != 0)
		return rc;
	if (r->trend_dir != NULL && (rc = trend_stages(r, asof, first)) != 0)
		return rc;
	/* Rejected records are the run's result, not its failure. */
	if (worst)
		worst = NDX_EX_REJECTED;
	if ((rc = check_agencies(r)) != 0)
		return rc;
	if ((rc = month_on_month(r, valid, rej, prov)) != 0)
		return rc;

	jobs = xcalloc(3 * r->nrcpt + r->npseudo + 8, sizeof(*jobs));
	nj = report_job(r, jobs, prov);
	rc = run_jobs(r, jobs, nj);
	jobs_free(jobs, nj);
	if (rc != 0)
		goto out;
	if ((rc = copy_products(r, first)) != 0)
		goto out;
	for (k = 0; k < r->nrcpt; k++)
		if (r->rcpt[k].pseudo >= 0 &&
		    (rc = read_summary(r, &r->rcpt[k])) != 0)
			goto out;
	memset(jobs, 0, (3 * r->nrcpt + r->npseudo + 8) * sizeof(*jobs));
	nj = pack_jobs(r, jobs, asof);
	rc = run_jobs(r, jobs, nj);
	/* What we have just written does not verify: a write went wrong. */
	for (i = 0; i < nj; i++)
		if (jobs[i].state == JOB_DONE && jobs[i].rc ==
		    NDX_EX_REJECTED && rc == NDX_EX_REJECTED)
			rc = NDX_EX_IOERR;
	jobs_free(jobs, nj);
	if (rc == 0 && run_signal)
		rc = 128 + run_signal;
out:
	free(jobs);
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

/*
 * A failed run's log outlives its directory: OUTPUT_ROOT/failed/
 * LABEL-STAMP.log, for whoever looks the next morning.
 */
static void
keep_failed_log(struct run *r, const char *logpath)
{
	char *name = xasprintf("%s-%s.log", r->period.label, r->stamp);
	char *to = root_subpath(r, "failed", name);

	if (to != NULL && access(logpath, F_OK) == 0 &&
	    rename(logpath, to) == 0) {
		r->kept_log = to;
		to = NULL;
	}
	free(to);
	free(name);
}

/*
 * One line per run in OUTPUT_ROOT/history.csv, under the run's lock, in
 * one write(2) to a file opened O_APPEND, so a line is whole or absent.
 */
static void
append_history(struct run *r, int rc)
{
	static const char header[] = "time,period,exit,stage,episodes_read,"
	    "episodes_valid,episodes_rejected,rows_read,rows_written,"
	    "rows_rejected,seconds,where\n";
	char when[21], line[PATH_MAX + 512];
	const long *c = r->sum.counts;
	char *path = xasprintf_path(r->cfg.output_root, "history.csv");
	struct stat st;
	int fd, n = 0;

	ndx_utc_now(when);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		diag_warn("%s", path);
		free(path);
		return;
	}
	if (fstat(fd, &st) == 0 && st.st_size == 0)
		n = snprintf(line, sizeof(line), "%s", header);
	n += snprintf(line + n, sizeof(line) - (size_t)n,
	    "%s,%s,%d,%s,%ld,%ld,%ld,%ld,%ld,%ld,%.1f,%s\n", when,
	    r->period.label, rc, rc > NDX_EX_REJECTED && r->failed_stage ?
	    r->failed_stage : "", c[0], c[1], c[2], c[3], c[4], c[5],
	    ndx_seconds() - r->started, rc > NDX_EX_REJECTED ?
	    (r->kept_log ? r->kept_log : "") : r->final);
	if (n > 0 && (size_t)n < sizeof(line) &&
	    write(fd, line, (size_t)n) != n)
		diag_warn("%s", path);
	close(fd);
	free(path);
}

/*
 * What cron's mail, the journal and syslog get: one line on standard
 * error saying where the products are or what failed, and the same to
 * syslog (LOG_USER; LOG_ERR for a failure), with no personal data.  A
 * failed run's kept log gets the syslog line too.
 */
static void
closing_line(struct run *r, int rc)
{
	char msg[PATH_MAX + 256];
	FILE *fp;

	if (rc <= NDX_EX_REJECTED)
		snprintf(msg, sizeof(msg), "period=%s exit=%d: done%s; "
		    "products in %s%s%s", r->period.label, rc, rc == 1 ?
		    ", records rejected (see provider/report.csv)" : "",
		    r->final, r->kept_run ? "; the run it replaced is in " :
		    "", r->kept_run ? r->kept_run : "");
	else
		snprintf(msg, sizeof(msg), "period=%s exit=%d: failed%s%s; "
		    "%s%s", r->period.label, rc, r->failed_stage ?
		    " in stage " : "", r->failed_stage ? r->failed_stage : "",
		    r->kept_log ? "log kept in " : "no run log (see the "
		    "message above)", r->kept_log ? r->kept_log : "");
	diag_warnx("%s", msg);
	openlog("ndx-run", LOG_PID, LOG_USER);
	syslog(rc <= NDX_EX_REJECTED ? LOG_INFO : LOG_ERR, "%s", msg);
	closelog();
	if (r->kept_log != NULL && (fp = fopen(r->kept_log, "a")) != NULL) {
		fprintf(fp, "syslog: %s\n", msg);
		fclose(fp);
	}
}

/* The run proper, once the checks have passed: 0, 1 or an exit code. */
static int
run_period(struct run *r)
{
	char *logpath = NULL;
	int rc, c, made = 0;

	if ((rc = lock_root(r)) != 0)
		return rc;
	r->final = xasprintf_path(r->cfg.output_root, r->period.label);
	if (!r->force && access(r->final, F_OK) == 0) {
		diag_warnx("%s exists; --force replaces it", r->final);
		return NDX_EX_CANTCREAT;
	}
	r->tmp = xasprintf("%s/.%s.tmp-%ld", r->cfg.output_root,
	    r->period.label, (long)getpid());
	/* The run directory holds personal data: the owner's alone. */
	if ((rc = make_dir(r->tmp)) != 0)
		return rc;
	made = 1;
	logpath = xasprintf_path(r->tmp, "run.log");
	if ((r->log = fopen(logpath, "w")) == NULL) {
		diag_warn("%s", logpath);
		rc = errno_code(errno);
		goto out;
	}
	{
		char host[256] = "", conf[PATH_MAX];

		gethostname(host, sizeof(host) - 1);
		logf_line(r, "ndx-run %s host=%s config=%s period=%s",
		    NDX_VERSION, host, realpath(r->config, conf) != NULL ?
		    conf : r->config, r->period.label);
	}
	rc = pipeline(r);
	logf_line(r, "exit=%d", rc);
	if (fflush(r->log) == EOF || fsync(fileno(r->log)) == -1 ||
	    ferror(r->log)) {
		diag_warn("%s", logpath);
		if (rc <= NDX_EX_REJECTED)
			rc = NDX_EX_IOERR;
	}
	if (fclose(r->log) == EOF && rc <= NDX_EX_REJECTED) {
		diag_warn("%s", logpath);
		rc = NDX_EX_IOERR;
	}
	r->log = NULL;
	if (rc > NDX_EX_REJECTED)
		goto out;
	if (run_signal) {
		rc = 128 + run_signal;
		goto out;
	}
	/* The log is complete: the MANIFEST covers it too. */
	if ((c = write_manifest(r)) != 0 ||
	    (r->cfg.group != NULL && (c = give_group(r)) != 0)) {
		rc = c;
		goto out;
	}
	if (sync_dir(r->tmp) == -1) {
		diag_warn("%s", r->tmp);
		rc = NDX_EX_IOERR;
		goto out;
	}
	if ((c = publish(r)) != 0)
		rc = c;
	else
		made = 0;
out:
	if (r->log != NULL)
		fclose(r->log);
	r->log = NULL;
	if (made && rc > NDX_EX_REJECTED)
		keep_failed_log(r, logpath);
	if (made)
		rm_tree(r->tmp);
	append_history(r, rc);
	free(logpath);
	return rc;
}

int
run_main(int argc, char **argv)
{
	enum { OPT_CHECK = 256, OPT_CONFIG, OPT_FORCE, OPT_MONTH,
	    OPT_QUARTER, OPT_VERSION };
	static const struct option longopts[] = {
		{ "check", no_argument, NULL, OPT_CHECK },
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
	ssize_t len;
	size_t i;
	int c, rc = 0;

	/* Whatever ndx-run and its children make is the owner's alone. */
	umask(077);
	memset(&r, 0, sizeof(r));
	memset(&err, 0, sizeof(err));
	r.lockfd = -1;
	diag_setprogname("ndx-run");
	epxml_quiet();
	run_signal = 0;		/* a signal that stopped an earlier run */
	optind = 0;	/* glibc: start afresh when run in-process again */
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CHECK:
			r.check = 1;
			break;
		case OPT_CONFIG:
			r.config = optarg;
			break;
		case OPT_FORCE:
			r.force = 1;
			break;
		case 'h':
			usage(stdout);
			fputs("\nRuns the whole pipeline for one period from cron: "
			    "extract, validate,\npseudonymise, every product, "
			    "pack and verify, into OUTPUT_ROOT/LABEL,\nwhich "
			    "appears only when complete.\n\n"
			    "  --config FILE      the configuration (ndx-run(1), "
			    "examples/ndx.conf)\n"
			    "  --month YYYY-MM    a monthly run (the financial year "
			    "to that month's end);\n"
			    "                     previous: the last complete "
			    "month\n"
			    "  --quarter YYYYQn   a quarterly run; previous: the "
			    "last complete quarter\n"
			    "  --force            replace the period's run, keeping "
			    "the old one in\n"
			    "                     OUTPUT_ROOT/replaced/\n"
			    "  --check            check the configuration, run "
			    "nothing\n"
			    "  -h, --help         print this help\n"
			    "  --version          print the version\n\n"
			    "Every run appends to OUTPUT_ROOT/history.csv; a "
			    "failed one keeps its log in\nOUTPUT_ROOT/failed/. "
			    "Exit status: 0; 1 records rejected (every output "
			    "complete);\n64 usage; 65 data; 73 the run exists "
			    "(--force); 75 another run holds the\nlock or the "
			    "database is unreachable; 77 a secret others can "
			    "read; 78 the\nconfiguration. See ndx-run(1).\n",
			    stdout);
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
	if (optind != argc || r.config == NULL || (r.check ? r.force :
	    r.period.label[0] == '\0')) {
		usage(stderr);
		return NDX_EX_USAGE;
	}
	if (ndx_config_read(r.config, &r.cfg, &err) != 0)
		return diag_error(&err);
	recipients(&r);
	if (sodium_init() == -1) {
		diag_warnx("libsodium cannot start");
		rc = NDX_EX_SOFTWARE;
		goto out;
	}
	/* The checks read key and passphrase files. */
	if (ndx_secret_nodump(&err) != 0) {
		rc = diag_error(&err);
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
	r.env = make_env(0);
	r.env_extract = make_env(1);
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

	/* A configuration mistake is 78 before any stage starts. */
	if ((rc = check_all(&r)) != 0)
		goto out;
	if (r.check) {
		diag_warnx("%s: configuration is sound", r.config);
		goto out;
	}
	group_keys(&r);
	r.started = ndx_seconds();
	{
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(r.stamp, sizeof(r.stamp), "%Y%m%dT%H%M%SZ", &tm);
	}
	rc = run_period(&r);
	if (run_signal && rc <= NDX_EX_REJECTED)
		rc = 128 + run_signal;
	if (r.final != NULL)
		closing_line(&r, rc);
out:
	if (r.lockfd != -1)
		close(r.lockfd);
	if (run_signal && rc <= NDX_EX_REJECTED)
		rc = 128 + run_signal;
	ndx_config_free(&r.cfg);
	summary_free(&r.sum);
	for (i = 0; i < r.npool; i++)
		free(r.pool[i]);
	free(r.pool);
	free(r.rcpt);
	free(r.pseudo);
	free(r.env);
	free(r.env_extract);
	free(r.tmp);
	free(r.final);
	free(r.kept_log);
	free(r.kept_run);
	xmlCleanupParser();
	return rc;
}
