/*
 * ndx-pseudonymise: replaces the identifiers of an episodes file with
 * keyed pseudonyms (dataset.md §6), streaming one <client> at a time.
 *
 * The input is normally ndx-validate's valid output; it is checked against
 * the XSD as it streams, and anything not valid stops the run (65) before
 * a pseudonym could be derived from a wrong value.  The output is the
 * pseudonymised form, written atomically.  `keygen FILE` makes a key;
 * `keyid FILE` prints a key's id (exchange.md §4), which names it in a
 * MANIFEST without revealing it.
 *
 * The key comes only from --key-file, never from argv or the environment.
 * It is read into locked memory (lib/secret.c), turned into a keyed HMAC
 * state and wiped at once; the process cannot dump core.  No message names
 * an identifying value: records are named by line, agency and episode id.
 *
 * Exit status: 0; 64 usage (also a key given where its file name goes, or
 * the key file named as input or output); 65 input not valid, too young
 * for the adult dataset, or already pseudonymised; 66 input or key file
 * missing; 71 no locked memory; 73 output, or keygen's file, cannot be
 * created (keygen: it exists); 74 write error; 77 key file open to group
 * or others; 78 key file a symbolic link, not a regular file, or not 64
 * hexadecimal digits and a newline.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "ndx/arena.h"
#include "ndx/dataset.h"
#include "ndx/diag.h"
#include "ndx/epxml.h"
#include "ndx/keyid.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"
#include "ndx/secret.h"
#include "pseudonymise.h"

struct pseudonymise {
	const char *key_path;		/* --key-file */
	const char *out_path;		/* -o */
	const char *input;		/* operand, "-" for stdin */
	const char *input_name;		/* for messages */

	struct ndx_mac *mac;		/* keyed with --key-file */
	struct ndx_dataset *ds;
	struct epxml_reader *reader;
	struct ndx_outfile *out;
	struct pseudo_filter pf;
	int open;			/* pf is */
};

static const char usage_text[] =
    "usage: ndx-pseudonymise --key-file KEYFILE [-o OUT.xml] [FILE | -]\n"
    "       ndx-pseudonymise keygen KEYFILE\n"
    "       ndx-pseudonymise keyid KEYFILE\n";

static const char help_text[] =
    "\nReplaces the identifiers of valid episodes with keyed pseudonyms "
    "(HMAC-SHA-256):\nPSEUDO_CLIENT from initials, date of birth and sex, "
    "PSEUDO_EPISODE from AGNCY\nand EPISODID; drops CLIENTID, initials, DOB "
    "and postcode, and keeps the\npostcode's district and the age at "
    "triage.\n\n"
    "  --key-file FILE    the 256-bit key, a file readable by its owner "
    "only (77\n"
    "                     otherwise); never the key itself on the command "
    "line\n"
    "  -o, --output FILE  the pseudonymised episodes XML (default: standard "
    "output)\n"
    "  -h, --help         print this help\n"
    "  --version          print the version\n\n"
    "  keygen FILE        make a new key file, mode 0600\n"
    "  keyid FILE         print the key's id, which names it in "
    "manifests\n\n"
    "Exit status: 0; 64 usage; 65 input not valid episodes; 66 no input; "
    "73, 74\noutput; 77 a key file others can read. See "
    "ndx-pseudonymise(1).\n";

static int
usage(void)
{
	fputs(usage_text, stderr);
	return NDX_EX_USAGE;
}

/* 64 hexadecimal digits: a key, not the name of its file. */
static int
looks_like_key(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdefABCDEF") == 64;
}

/* Returns -1 to go on, or the exit code (0 for --help and --version). */
static int
parse_options(struct pseudonymise *p, int argc, char **argv)
{
	enum { OPT_KEY_FILE = 256, OPT_VERSION };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "key-file", required_argument, NULL, OPT_KEY_FILE },
		{ "output", required_argument, NULL, 'o' },
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
			p->out_path = optarg;
			break;
		case OPT_KEY_FILE:
			p->key_path = optarg;
			break;
		case OPT_VERSION:
			printf("ndx-pseudonymise %s\n", NDX_VERSION);
			return NDX_EX_OK;
		default:
			return usage();
		}
	}
	if (argc - optind > 1) {
		diag_one_input(argc - optind, argv + optind);
		return usage();
	}
	if (p->key_path == NULL) {
		diag_warnx("--key-file is required (make a key with: "
		    "ndx-pseudonymise keygen KEYFILE)");
		return NDX_EX_USAGE;
	}
	/* A key pasted in place of its file name must not be echoed back in
	 * a "cannot open" message, into a terminal or a log. */
	if (looks_like_key(p->key_path)) {
		diag_warnx("--key-file takes the name of a key file, not a "
		    "key: a key never goes on the command line");
		return NDX_EX_USAGE;
	}
	p->input = argc - optind == 1 ? argv[optind] : "-";
	return -1;
}

/* keygen KEYFILE: argv[0] is "keygen". */
static int
keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ndx_error err;
	int ch;

	optind = 0;	/* glibc: start afresh when run in-process again */
	if ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch != 'h')
			return usage();
		fputs(usage_text, stdout);
		return NDX_EX_OK;
	}
	if (argc - optind != 1)
		return usage();
	/* A key on standard output would end up in a terminal or a log. */
	if (strcmp(argv[optind], "-") == 0) {
		diag_warnx("keygen writes a key only to a file");
		return NDX_EX_USAGE;
	}
	if (ndx_key_generate(argv[optind], &err) != 0)
		return diag_error(&err);
	return NDX_EX_OK;
}

/*
 * keyid KEYFILE: argv[0] is "keyid".  The key file is read as --key-file
 * reads it, with the same refusals (77 open to others, 78 a link or not a
 * key), so a key that ndx-pseudonymise would refuse has no id either.
 */
static int
keyid(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char id[NDX_KEY_ID_HEX + 1];
	struct ndx_secret *key;
	struct ndx_error err;
	int ch, rc;

	optind = 0;	/* glibc: start afresh when run in-process again */
	if ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch != 'h')
			return usage();
		fputs(usage_text, stdout);
		return NDX_EX_OK;
	}
	if (argc - optind != 1)
		return usage();
	/* A key is a file of its own, never a pipe or an operand. */
	if (strcmp(argv[optind], "-") == 0) {
		diag_warnx("keyid reads a key only from a file");
		return NDX_EX_USAGE;
	}
	if (looks_like_key(argv[optind])) {
		diag_warnx("keyid takes the name of a key file, not a key: a "
		    "key never goes on the command line");
		return NDX_EX_USAGE;
	}
	if ((key = ndx_key_read(argv[optind], &err)) == NULL)
		return diag_error(&err);
	rc = ndx_key_id(key, id, &err);
	ndx_secret_free(key);
	if (rc != 0)
		return diag_error(&err);
	if (printf("%s\n", id) < 0 || fflush(stdout) != 0 || ferror(stdout)) {
		diag_warn("standard output");
		return NDX_EX_IOERR;
	}
	return NDX_EX_OK;
}

/*
 * Refuses to read the key file as input or to replace it with the output:
 * the first could echo it in a parse error, the second would lose it and
 * with it every link between this run's pseudonyms and the next.
 */
static int
check_not_key(const struct pseudonymise *p, struct ndx_error *err)
{
	struct stat key, st;

	if (stat(p->key_path, &key) != 0)
		return 0;
	if ((strcmp(p->input, "-") == 0 ? fstat(STDIN_FILENO, &st) :
	    stat(p->input, &st)) == 0 && st.st_dev == key.st_dev &&
	    st.st_ino == key.st_ino) {
		ndx_error_set(err, NDX_EX_USAGE, p->input_name, 0,
		    "is the key file, not an episodes file");
		return -1;
	}
	if (p->out_path != NULL && strcmp(p->out_path, "-") != 0 &&
	    stat(p->out_path, &st) == 0 && st.st_dev == key.st_dev &&
	    st.st_ino == key.st_ino) {
		ndx_error_set(err, NDX_EX_USAGE, p->out_path, 0,
		    "is the key file; ndx never overwrites a key");
		return -1;
	}
	return 0;
}

/* Loads the key and keys the HMAC; the key itself is wiped on return. */
static int
load_key(struct pseudonymise *p, struct ndx_error *err)
{
	struct ndx_secret *key;

	if ((key = ndx_key_read(p->key_path, err)) == NULL)
		return -1;
	p->mac = ndx_mac_new(key, err);
	ndx_secret_free(key);
	return p->mac != NULL ? 0 : -1;
}

static long
rows_of(const struct ndx_client *c)
{
	long n = 0;

	for (size_t i = 0; i < c->nep; i++)
		n += (long)c->ep[i].niv;
	return n;
}

static int
filter_client(struct ndx_filter *f, struct ndx_client *c,
    struct ndx_error *err)
{
	struct pseudo_filter *pf = (struct pseudo_filter *)f;
	int rc = -1;

	if (pseudonymise_client(&pf->ctx, c, err) != 0)
		goto out;
	if (epxml_write_client(pf->writer, c, err) != 0) {
		snprintf(err->file, sizeof(err->file), "%s", pf->out_name);
		goto out;
	}
	if (!(c->part & NDX_PART_CONT))
		pf->clients++;
	pf->episodes += (long)c->nep;
	pf->rows += rows_of(c);
	rc = pf->next != NULL ? pf->next->client(pf->next, c, err) : 0;
out:
	arena_reset(pf->ctx.arena);
	return rc;
}

/* Ends the document; the output's owner publishes it. */
static int
filter_end(struct ndx_filter *f, struct ndx_error *err)
{
	struct pseudo_filter *pf = (struct pseudo_filter *)f;
	int rc = epxml_writer_close(pf->writer, err);

	pf->writer = NULL;
	if (rc != 0)
		snprintf(err->file, sizeof(err->file), "%s", pf->out_name);
	return rc;
}

int
pseudo_filter_open(struct pseudo_filter *pf, struct ndx_mac *mac,
    const struct ndx_dataset *ds, const char *input,
    const struct ndx_header *h, FILE *out, const char *out_name,
    struct ndx_filter *next, struct ndx_error *err)
{
	struct ndx_header ph = *h;

	memset(pf, 0, sizeof(*pf));
	if (h->pseudonymised) {
		ndx_error_set(err, NDX_EX_DATAERR, input, 0,
		    "is already pseudonymised; ndx-pseudonymise takes the "
		    "identifiable episodes (ndx-validate's output)");
		return -1;
	}
	ph.pseudonymised = 1;
	if ((pf->writer = epxml_writer_open(out, &ph, err)) == NULL)
		return -1;
	pf->filter.client = filter_client;
	pf->filter.end = filter_end;
	pf->ctx.mac = mac;
	pf->ctx.ds = ds;
	pf->ctx.input = input;
	pf->ctx.arena = arena_new();
	pf->out_name = out_name;
	pf->next = next;
	return 0;
}

void
pseudo_filter_free(struct pseudo_filter *pf)
{
	/*
	 * A writer still open is aborted: ending the document would make
	 * output cut short look whole to the next program in a pipe.
	 */
	epxml_writer_abort(pf->writer);
	pf->writer = NULL;
	arena_free(pf->ctx.arena);
	pf->ctx.arena = NULL;
}

static int
open_files(struct pseudonymise *p, struct ndx_error *err)
{
	if ((p->ds = ndx_dataset_load(err)) == NULL ||
	    (p->reader = epxml_reader_open(p->input, p->ds, EPXML_PARTS,
	    err)) == NULL)
		return -1;
	if (ndx_outputs_distinct(p->input_name, &p->out_path, 1, err) != 0 ||
	    (p->out = ndx_outfile_open(p->out_path, err)) == NULL ||
	    pseudo_filter_open(&p->pf, p->mac, p->ds, p->input_name,
	    epxml_reader_header(p->reader), ndx_outfile_fp(p->out),
	    ndx_outfile_name(p->out), NULL, err) != 0)
		return -1;
	p->open = 1;
	return 0;
}

/* The judge's message names the item and never quotes its value. */
static int
not_valid(const struct pseudonymise *p, const struct epxml_problem *xp,
    struct ndx_error *err)
{
	ndx_error_set(err, NDX_EX_DATAERR, p->input_name, xp->xml_line,
	    "not valid episodes (%s); run ndx-validate first and "
	    "pseudonymise its valid output", xp->message);
	return -1;
}

static int
stream(struct pseudonymise *p, struct ndx_error *err)
{
	struct ndx_arena *arena = arena_new();
	const struct epxml_problem *probs;
	struct epxml_problem bad;
	struct ndx_client *c;
	size_t nprobs;
	int rc;

	while ((rc = epxml_reader_next(p->reader, arena, &c, &probs,
	    &nprobs, err)) == 1) {
		if (nprobs > 0)
			rc = not_valid(p, &probs[0], err);
		else if (epxml_check_values(p->ds, c, &bad) > 0)
			rc = not_valid(p, &bad, err);
		else
			rc = p->pf.filter.client(&p->pf.filter, c, err);
		if (rc != 0)
			break;
		arena_reset(arena);
	}
	arena_free(arena);
	return rc;
}

static int
close_output(struct pseudonymise *p, struct ndx_error *err)
{
	int rc;

	if (p->pf.filter.end(&p->pf.filter, err) != 0)
		return -1;
	rc = ndx_outfile_commit(p->out, err);
	p->out = NULL;
	return rc;
}

int
pseudonymise_main(int argc, char **argv)
{
	struct pseudonymise p;
	struct ndx_error err;
	int rc;

	memset(&p, 0, sizeof(p));
	diag_setprogname("ndx-pseudonymise");
	signal(SIGPIPE, SIG_IGN);
	/* A write error is told once, by us, not also by libxml2. */
	epxml_quiet();
	if (ndx_secret_nodump(&err) != 0)
		return diag_error(&err);
	if (argc > 1 && strcmp(argv[1], "keygen") == 0)
		return keygen(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "keyid") == 0)
		return keyid(argc - 1, argv + 1);
	if ((rc = parse_options(&p, argc, argv)) >= 0)
		return rc;
	p.input_name = strcmp(p.input, "-") == 0 ? "standard input" : p.input;

	if (check_not_key(&p, &err) != 0 || load_key(&p, &err) != 0 ||
	    open_files(&p, &err) != 0)
		goto fail;
	if (stream(&p, &err) != 0 || close_output(&p, &err) != 0)
		goto fail;
	diag_warnx("%ld clients, %ld episodes, %ld rows pseudonymised",
	    p.pf.clients, p.pf.episodes, p.pf.rows);
	rc = NDX_EX_OK;
	goto out;
fail:
	rc = diag_error(&err);
out:
	ndx_mac_free(p.mac);	/* the keyed state is wiped first */
	if (p.open)
		pseudo_filter_free(&p.pf);
	ndx_outfile_abort(p.out);
	epxml_reader_close(p.reader);
	ndx_dataset_free(p.ds);
	xmlCleanupParser();
	return rc;
}
