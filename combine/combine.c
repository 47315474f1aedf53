/*
 * ndx-combine: joins the Public Health extracts of several providers into
 * one pseudonymised episodes file, so every measure counts each person
 * once (exchange.md §7).
 *
 * Each input is an archive ndx-run made for a recipient (zip, tar.gz,
 * passphrase or OpenPGP) or a directory unpacked from one.  It is
 * verified first, exactly as `ndx-pack verify` does (pack/verify.c), with
 * --passphrase-file and --signer: exit 1 when one does not verify.  An
 * archive is unpacked into a private temporary directory (0700) whose
 * files are opened and at once unlinked, so nothing of it stays on disk
 * past the moment it was verified.
 *
 * All inputs must agree on dataset version, period and key id, and no
 * agency may come from two of them (65, naming the input and what
 * differs); a generalised extract (min_k) cannot be combined, since its
 * values are not the dataset's codes any more (design.md).  The rows of
 * every public-health.csv go through the external sorter (extract/sort.c)
 * by PSEUDO_CLIENT, AGNCY, PSEUDO_EPISODE and arrival, and come out as
 * pseudonymised <client> elements, a person's clients at every agency
 * adjacent, memory bounded by the sorter's runs and one client.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <sodium.h>

#include "ndx/arena.h"
#include "ndx/csvrec.h"
#include "ndx/dataset.h"
#include "ndx/date.h"
#include "ndx/diag.h"
#include "ndx/epxml.h"
#include "ndx/manifest.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"
#include "../extract/extract.h"
#include "../pack/pack.h"
#include "combine.h"

#define PH_FILE "public-health.csv"
#define INPUTS_MAX 256

/* What the combined header needs of one input's MANIFEST. */
struct input {
	const char *arg;		/* as given */
	char *dataset, *period, *start, *end, *as_of, *key_id, *agency;
	long consent_excluded;
	FILE *csv;			/* its public-health.csv, open */
};

struct combine {
	const char *out_path;		/* -o */
	const char *pass_path;		/* --passphrase-file */
	const char *signer[PACK_MAX_SIGNERS];	/* --signer */
	size_t nsigner;
	struct input *in;
	size_t nin;
	char *passphrase;		/* sodium_malloc()ed, or NULL */
	char *tmp;			/* the private unpack directory */
	struct ndx_dataset *ds;
	struct sorter *sorter;
	unsigned long long rows;
	long clients, episodes;
};

static const char usage_text[] =
    "usage: ndx-combine [--passphrase-file FILE] [--signer FPR] ... "
    "[-o FILE] INPUT ...\n";

static const char help_text[] =
    "Joins the Public Health extracts of several providers into one "
    "pseudonymised\n"
    "episodes file, each person's episodes at every provider together, "
    "so that\n"
    "ndx-transform counts every person once.  Each INPUT is an archive "
    "ndx-run made\n"
    "for a recipient, or a directory unpacked from one; each is verified "
    "first.\n\n"
    "  --passphrase-file FILE  the archives' passphrase (or "
    "NDX_PASSPHRASE)\n"
    "  --signer FPR            each MANIFEST must be signed by this key "
    "(repeatable)\n"
    "  -o, --output FILE       the combined episodes (default: standard "
    "output)\n"
    "  --help, --version\n\n"
    "Exit status: 0; 1 an input does not verify; 64 usage; 65 the inputs "
    "cannot be\n"
    "combined (another period, key id or dataset version, an agency given "
    "twice, no\n"
    "Public Health extract, a generalised extract, a row that is not the "
    "dataset's);\n"
    "66 an input missing; 73 the output cannot be created; 74 a write "
    "error.\n";

static int
usage(void)
{
	fputs(usage_text, stderr);
	return NDX_EX_USAGE;
}

/* Returns -1 to go on, or the exit code (0 for --help and --version). */
static int
parse_options(struct combine *k, int argc, char **argv)
{
	enum { OPT_PASS = 256, OPT_SIGNER, OPT_VERSION };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "passphrase-file", required_argument, NULL, OPT_PASS },
		{ "signer", required_argument, NULL, OPT_SIGNER },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	optind = 0;	/* glibc: start afresh when run in-process again */
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			return NDX_EX_OK;
		case 'o':
			k->out_path = optarg;
			break;
		case OPT_PASS:
			k->pass_path = optarg;
			break;
		case OPT_SIGNER:
			if (k->nsigner == PACK_MAX_SIGNERS) {
				diag_warnx("--signer: at most %d",
				    PACK_MAX_SIGNERS);
				return NDX_EX_USAGE;
			}
			k->signer[k->nsigner++] = optarg;
			break;
		case OPT_VERSION:
			printf("ndx-combine %s\n", NDX_VERSION);
			return NDX_EX_OK;
		default:
			return usage();
		}
	}
	if (argc - optind < 1) {
		diag_warnx("no input: give the archives (or directories) to "
		    "combine");
		return usage();
	}
	if (argc - optind > INPUTS_MAX) {
		diag_warnx("at most %d inputs", INPUTS_MAX);
		return NDX_EX_USAGE;
	}
	k->nin = (size_t)(argc - optind);
	k->in = xcalloc(k->nin, sizeof(*k->in));
	for (size_t i = 0; i < k->nin; i++)
		k->in[i].arg = argv[optind + (int)i];
	return -1;
}

static char *
dup_field(const char *s)
{
	return xstrdup(s != NULL ? s : "-");
}

/* The public-health risk line's min_k, when the extract was generalised. */
static int
generalised(const struct ndx_manifest *m)
{
	for (size_t i = 0; i < m->nrisk; i++)
		if (strncmp(m->risk[i], PH_FILE " ", sizeof(PH_FILE)) == 0 &&
		    strstr(m->risk[i], " min_k=") != NULL)
			return 1;
	return 0;
}

/* Takes what the combined file needs from a verified MANIFEST: 0 or 65. */
static int
take_manifest(struct input *in, const struct ndx_manifest *m)
{
	const char *errstr = NULL;

	if (m->version < 2 || m->key_id == NULL ||
	    strcmp(m->key_id, "-") == 0) {
		diag_warnx("%s: its MANIFEST names no pseudonymisation key "
		    "id: not a Public Health archive of ndx-run", in->arg);
		return NDX_EX_DATAERR;
	}
	if (ndx_manifest_find(m, PH_FILE) == NULL) {
		diag_warnx("%s: holds no %s", in->arg, PH_FILE);
		return NDX_EX_DATAERR;
	}
	if (generalised(m)) {
		diag_warnx("%s: %s is generalised (min_k): its ages, "
		    "postcode districts and ethnic codes are no longer the "
		    "dataset's; combine the recipient's full extracts",
		    in->arg, PH_FILE);
		return NDX_EX_DATAERR;
	}
	in->dataset = dup_field(m->dataset_version);
	in->period = dup_field(m->period);
	in->start = dup_field(m->start);
	in->end = dup_field(m->end);
	in->as_of = dup_field(m->as_of);
	in->key_id = dup_field(m->key_id);
	in->agency = dup_field(m->agency);
	in->consent_excluded = 0;
	if (m->consent_excluded != NULL &&
	    strcmp(m->consent_excluded, "-") != 0)
		in->consent_excluded = (long)ndx_strtonum(
		    m->consent_excluded, 0, LONG_MAX, &errstr);
	if (errstr != NULL) {
		diag_warnx("%s: MANIFEST: consent-excluded is not a count",
		    in->arg);
		return NDX_EX_DATAERR;
	}
	return 0;
}

/* Removes what an unpack left in dir, and dir. */
static void
remove_dir(const char *dir)
{
	DIR *d;
	struct dirent *de;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				(void)unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	(void)rmdir(dir);
}

/*
 * Verifies one input (unpacking an archive first), takes its MANIFEST and
 * opens its extract: 0, or the exit code, told.
 */
static int
open_input(struct combine *k, struct input *in, size_t idx)
{
	struct pack p;
	struct stat st;
	char *dir = NULL, *path;
	int rc, isdir;

	if (stat(in->arg, &st) != 0) {
		diag_warn("%s", in->arg);
		return NDX_EX_NOINPUT;
	}
	isdir = S_ISDIR(st.st_mode);
	memset(&p, 0, sizeof(p));
	p.gpg_fd = -1;
	p.prov.consent_excluded = -1;
	/* Not MODE_VERIFY, which prints verify's line on standard output,
	 * where the combined file may be going. */
	p.mode = MODE_UNPACK;
	p.pass_path = k->pass_path;
	p.passphrase = k->passphrase;
	for (size_t i = 0; i < k->nsigner; i++)
		p.signer[i] = k->signer[i];
	p.nsigner = k->nsigner;
	if (isdir) {
		rc = pack_verify(&p, in->arg, NULL);
	} else {
		dir = xmalloc(strlen(k->tmp) + 32);
		snprintf(dir, strlen(k->tmp) + 32, "%s/%zu", k->tmp, idx);
		rc = pack_unpack(&p, in->arg, dir);
	}
	if (rc == NDX_EX_OK)
		rc = take_manifest(in, p.manifest);
	if (p.gpg_fd >= 0)
		close(p.gpg_fd);
	pack_verify_free(&p);
	if (rc == NDX_EX_OK) {
		path = xmalloc(strlen(isdir ? in->arg : dir) +
		    sizeof(PH_FILE) + 1);
		sprintf(path, "%s/%s", isdir ? in->arg : dir, PH_FILE);
		if ((in->csv = fopen(path, "re")) == NULL) {
			diag_warn("%s", path);
			rc = NDX_EX_NOINPUT;
		}
		free(path);
	}
	/* Open, the extract needs no name on disk any more. */
	if (dir != NULL)
		remove_dir(dir);
	free(dir);
	return rc;
}

static int
differs(const struct input *in, const struct input *first, const char *what,
    const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return 0;
	diag_warnx("%s: %s %s, but %s has %s", in->arg, what, a, first->arg,
	    b);
	return 1;
}

/* The inputs agree and no agency comes twice: 0 or 65, each told. */
static int
check_inputs(const struct combine *k)
{
	const struct input *f = &k->in[0];
	int bad = 0;

	for (size_t i = 1; i < k->nin; i++) {
		const struct input *in = &k->in[i];

		bad += differs(in, f, "dataset version", in->dataset,
		    f->dataset);
		bad += differs(in, f, "period", in->period, f->period);
		bad += differs(in, f, "period start", in->start, f->start);
		bad += differs(in, f, "period end", in->end, f->end);
		bad += differs(in, f, "key id", in->key_id, f->key_id);
	}
	for (size_t i = 0; i < k->nin; i++) {
		char *list = xstrdup(k->in[i].agency), *save = NULL, *a;

		for (a = strtok_r(list, ",", &save); a != NULL;
		    a = strtok_r(NULL, ",", &save))
			for (size_t j = 0; j < i; j++) {
				char *other = xstrdup(k->in[j].agency);
				char *s2 = NULL, *b;

				for (b = strtok_r(other, ",", &s2); b != NULL;
				    b = strtok_r(NULL, ",", &s2))
					if (strcmp(a, b) == 0) {
						diag_warnx("%s: agency %s is "
						    "in %s too: a provider's "
						    "extract given twice?",
						    k->in[i].arg, a,
						    k->in[j].arg);
						bad++;
					}
				free(other);
			}
		free(list);
	}
	return bad > 0 ? NDX_EX_DATAERR : 0;
}

/* One extract's rows into the sorter: 0 or the exit code, told. */
static int
read_extract(struct combine *k, struct input *in)
{
	struct csvrec_reader *r = csvrec_open(in->csv, PH_FILE);
	const struct csvrec *rec;
	struct extract_row row;
	struct ndx_check chk;
	struct ndx_error err;
	char iso[NDX_NITEMS][11];
	int rc, first = 1;
	/* All inputs are of one version (check_inputs). */
	size_t ncols = ndx_layout_public_len(strcmp(in->dataset, "2") == 0 ?
	    2 : 1);

	while ((rc = csvrec_next(r, &rec, &err)) == 1) {
		if (first) {
			first = 0;
			for (size_t i = 0; i < ncols; i++)
				if (rec->nfields != ncols ||
				    strcmp(rec->field[i],
				    ndx_items[ndx_layout_public[i]].code) !=
				    0) {
					diag_warnx("%s: %s:1: not the Public "
					    "Health extract's header",
					    in->arg, PH_FILE);
					csvrec_close(r);
					return NDX_EX_DATAERR;
				}
			continue;
		}
		if (rec->nfields != ncols) {
			diag_warnx("%s: %s:%ld: %zu fields, %zu expected",
			    in->arg, PH_FILE, rec->line, rec->nfields,
			    ncols);
			csvrec_close(r);
			return NDX_EX_DATAERR;
		}
		memset(&row, 0, sizeof(row));
		row.line = (long)++k->rows;
		for (size_t i = 0; i < ncols; i++) {
			enum ndx_item item = ndx_layout_public[i];
			const char *v = rec->field[i];

			if (*v == '\0') {
				if (!ndx_dataset_mandatory(k->ds, item))
					continue;
				diag_warnx("%s: %s:%ld: %s: empty, but the "
				    "dataset requires it", in->arg, PH_FILE,
				    rec->line, ndx_items[item].code);
				csvrec_close(r);
				return NDX_EX_DATAERR;
			}
			if (ndx_items[item].is_date) {
				if (ndx_date_dmy_to_iso(v, iso[item]) != 0)
					iso[item][0] = '\0';
				v = iso[item];
			}
			/* The value is never quoted: it is health data. */
			if (*v == '\0' ||
			    ndx_dataset_check(k->ds, item, v, &chk) != 0) {
				diag_warnx("%s: %s:%ld: %s: %s (%s)", in->arg,
				    PH_FILE, rec->line, ndx_items[item].code,
				    *v == '\0' ? "not a DD/MM/YYYY date" :
				    chk.msg, *v == '\0' ? "R001" : chk.rule);
				csvrec_close(r);
				return NDX_EX_DATAERR;
			}
			row.v[item] = v;
		}
		if (sorter_add(k->sorter, &row, &err) != 0) {
			csvrec_close(r);
			return diag_error(&err);
		}
	}
	csvrec_close(r);
	if (rc < 0) {
		diag_warnx("%s: %s:%ld: %s", in->arg, PH_FILE, err.line,
		    err.msg);
		return err.code;
	}
	if (first) {
		diag_warnx("%s: %s: empty, not even a header", in->arg,
		    PH_FILE);
		return NDX_EX_DATAERR;
	}
	return 0;
}

/* The header of the combined file: the inputs' common period and key id,
 * the latest data-cut date, each input's agencies and exclusions. */
static int
make_header(const struct combine *k, struct ndx_header *h)
{
	const struct input *f = &k->in[0];
	size_t *order = xcalloc(k->nin, sizeof(*order)), n = 0;
	int len;

	memset(h, 0, sizeof(*h));
	h->pseudonymised = 1;
	h->version = strcmp(f->dataset, "2") == 0 ? 2 : 1;
	snprintf(h->source, sizeof(h->source), "combined");
	snprintf(h->keyid, sizeof(h->keyid), "%s", f->key_id);
	if (strcmp(f->period, "-") != 0)
		snprintf(h->period, sizeof(h->period), "%s", f->period);
	if (strcmp(f->start, "-") != 0)
		snprintf(h->start, sizeof(h->start), "%s", f->start);
	if (strcmp(f->end, "-") != 0)
		snprintf(h->end, sizeof(h->end), "%s", f->end);
	for (size_t i = 0; i < k->nin; i++)
		if (strcmp(k->in[i].as_of, "-") != 0 &&
		    strcmp(k->in[i].as_of, h->asof) > 0)
			snprintf(h->asof, sizeof(h->asof), "%s",
			    k->in[i].as_of);
	/* By agency, so the inputs' order on the command line cannot
	 * change the file. */
	for (size_t i = 0; i < k->nin; i++) {
		size_t j = n++;

		while (j > 0 && strcmp(k->in[order[j - 1]].agency,
		    k->in[i].agency) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	for (size_t i = 0; i < n; i++) {
		size_t used = strlen(h->combined);

		len = snprintf(h->combined + used, sizeof(h->combined) - used,
		    "%s%s:%ld", i > 0 ? " " : "", k->in[order[i]].agency,
		    k->in[order[i]].consent_excluded);
		if (len < 0 || (size_t)len >= sizeof(h->combined) - used) {
			free(order);
			diag_warnx("too many providers for one combined "
			    "header (%zu bytes at most)",
			    sizeof(h->combined) - 1);
			return NDX_EX_DATAERR;
		}
	}
	free(order);
	if (h->asof[0] == '\0') {
		diag_warnx("no input's MANIFEST gives its data-cut date");
		return NDX_EX_DATAERR;
	}
	return 0;
}

static int
same_text(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static int
same_level(const struct extract_row *a, const struct extract_row *b,
    enum ndx_level level)
{
	for (int i = 0; i < NDX_NITEMS; i++)
		if (ndx_items[i].level == level && !same_text(a->v[i], b->v[i]))
			return 0;
	return 1;
}

/* The sorted rows as <client> elements: 0, or -1 with err. */
static int
write_clients(struct combine *k, struct epxml_writer *w,
    struct ndx_error *err)
{
	struct ndx_arena *a = arena_new(), *prev_a = arena_new();
	struct ndx_arena *spare = arena_new();
	struct extract_row row, prev;
	struct ndx_client *c = NULL;
	struct ndx_episode *e = NULL;
	int rc;

	memset(&prev, 0, sizeof(prev));
	while ((rc = sorter_next(k->sorter, &row, err)) == 1) {
		struct ndx_intervention *iv;

		if (c != NULL && !same_level(&row, &prev,
		    NDX_LEVEL_CLIENT)) {
			if (epxml_write_client(w, c, err) != 0) {
				rc = -1;
				break;
			}
			k->clients++;
			arena_reset(a);
			c = NULL;
		}
		if (c == NULL) {
			c = arena_alloc(a, sizeof(*c));
			memset(c, 0, sizeof(*c));
			for (int i = 0; i < NDX_NITEMS; i++)
				if (ndx_items[i].level == NDX_LEVEL_CLIENT &&
				    row.v[i] != NULL)
					ndx_row_put(c, NULL, NULL, i,
					    arena_strdup(a, row.v[i]), 0);
			/* The extract holds consenting episodes only. */
			ndx_row_put(c, NULL, NULL, NDX_CONSENT, "Y", 0);
			e = NULL;
		}
		if (e == NULL || !same_level(&row, &prev, NDX_LEVEL_EPISODE)) {
			/* A client of many episodes goes out a part at a
			 * time (lib/epxml.h): one of a million is not held. */
			if (c->nep >= EPXML_PART_EPISODES) {
				c->part |= NDX_PART_MORE;
				if (epxml_write_client(w, c, err) != 0) {
					rc = -1;
					break;
				}
				c = ndx_client_next_part(c, &a, &spare);
			}
			e = ndx_client_add_episode(a, c);
			for (int i = 0; i < NDX_NITEMS; i++)
				if (ndx_items[i].level == NDX_LEVEL_EPISODE &&
				    row.v[i] != NULL)
					ndx_row_put(NULL, e, NULL, i,
					    arena_strdup(a, row.v[i]), 0);
			k->episodes++;
		}
		iv = ndx_episode_add_intervention(a, e);
		for (int i = 0; i < NDX_NITEMS; i++) {
			if (row.v[i] == NULL)
				continue;
			if (ndx_items[i].level == NDX_LEVEL_TOP)
				ndx_row_make_top(a, iv);
			if (ndx_items[i].level >= NDX_LEVEL_INTERVENTION)
				ndx_row_put(NULL, NULL, iv, i,
				    arena_strdup(a, row.v[i]), 0);
		}
		/* The row's values live until the next sorter_next(): keep
		 * a copy of the ones compared with the next row. */
		arena_reset(prev_a);
		prev = row;
		for (int i = 0; i < NDX_NITEMS; i++)
			if (row.v[i] != NULL)
				prev.v[i] = arena_strdup(prev_a, row.v[i]);
	}
	if (rc == 0 && c != NULL) {
		if (epxml_write_client(w, c, err) != 0)
			rc = -1;
		else
			k->clients++;
	}
	arena_free(a);
	arena_free(spare);
	arena_free(prev_a);
	return rc;
}

static int
combine(struct combine *k)
{
	static const int key[SORTER_KEYS] = { NDX_PSEUDO_CLIENT, NDX_AGNCY,
	    NDX_PSEUDO_EPISODE };
	struct ndx_outfile *out = NULL;
	struct epxml_writer *w = NULL;
	struct ndx_header h;
	struct ndx_error err;
	int rc;

	for (size_t i = 0; i < k->nin; i++)
		if ((rc = open_input(k, &k->in[i], i)) != 0)
			return rc;
	if ((rc = check_inputs(k)) != 0 || (rc = make_header(k, &h)) != 0)
		return rc;
	k->sorter = sorter_new_by(SORTER_RUNMAX, key);
	for (size_t i = 0; i < k->nin; i++)
		if ((rc = read_extract(k, &k->in[i])) != 0)
			return rc;
	if (sorter_finish(k->sorter, &err) != 0)
		return diag_error(&err);
	if ((out = ndx_outfile_open(k->out_path, &err)) == NULL ||
	    (w = epxml_writer_open(ndx_outfile_fp(out), &h, &err)) == NULL ||
	    write_clients(k, w, &err) != 0) {
		if (err.code == NDX_EX_IOERR && err.file[0] == '\0' &&
		    out != NULL)
			snprintf(err.file, sizeof(err.file), "%s",
			    ndx_outfile_name(out));
		epxml_writer_abort(w);
		ndx_outfile_abort(out);
		return diag_error(&err);
	}
	rc = epxml_writer_close(w, &err);
	if (rc != 0 || (rc = ndx_outfile_commit(out, &err)) != 0) {
		if (rc != 0 && err.file[0] == '\0')
			snprintf(err.file, sizeof(err.file), "%s",
			    ndx_outfile_name(out));
		if (rc != 0)
			ndx_outfile_abort(out);
		return diag_error(&err);
	}
	diag_warnx("%zu extracts, %llu rows: %ld clients, %ld episodes; "
	    "agencies %s", k->nin, k->rows, k->clients, k->episodes,
	    h.combined);
	return 0;
}

/* A private directory for the archives' unpacking, 0700. */
static int
make_tmp(struct combine *k)
{
	const char *d = getenv("TMPDIR");
	size_t n;

	if (d == NULL || *d == '\0')
		d = "/tmp";
	n = strlen(d) + sizeof("/ndx-combine.XXXXXX");
	k->tmp = xmalloc(n);
	snprintf(k->tmp, n, "%s/ndx-combine.XXXXXX", d);
	if (mkdtemp(k->tmp) == NULL) {
		diag_warn("%s", k->tmp);
		free(k->tmp);
		k->tmp = NULL;
		return NDX_EX_CANTCREAT;
	}
	return 0;
}

int
combine_main(int argc, char **argv)
{
	struct combine k;
	struct pack p;
	int rc;

	memset(&k, 0, sizeof(k));
	diag_setprogname("ndx-combine");
	signal(SIGPIPE, SIG_IGN);
	epxml_quiet();
	if (sodium_init() < 0) {
		diag_warnx("libsodium cannot start");
		return NDX_EX_SOFTWARE;
	}
	if ((rc = parse_options(&k, argc, argv)) >= 0)
		goto out;
	{
		const char *outs[1] = { k.out_path };
		struct ndx_error err;

		for (size_t i = 0; i < k.nin; i++)
			if (ndx_outputs_distinct(k.in[i].arg, outs, 1,
			    &err) != 0) {
				rc = diag_error(&err);
				goto out;
			}
	}
	memset(&p, 0, sizeof(p));
	p.pass_path = k.pass_path;
	if ((rc = pack_load_passphrase(&p, 0)) != 0)
		goto out;
	k.passphrase = p.passphrase;
	{
		struct ndx_error err;

		if ((k.ds = ndx_dataset_load(&err)) == NULL) {
			rc = diag_error(&err);
			goto out;
		}
	}
	if ((rc = make_tmp(&k)) != 0)
		goto out;
	rc = combine(&k);
out:
	if (k.tmp != NULL) {
		remove_dir(k.tmp);
		free(k.tmp);
	}
	for (size_t i = 0; i < k.nin; i++) {
		struct input *in = &k.in[i];

		if (in->csv != NULL)
			fclose(in->csv);
		free(in->dataset);
		free(in->period);
		free(in->start);
		free(in->end);
		free(in->as_of);
		free(in->key_id);
		free(in->agency);
	}
	free(k.in);
	sorter_free(k.sorter);
	ndx_dataset_free(k.ds);
	sodium_free(k.passphrase);
	xmlCleanupParser();
	return rc;
}
