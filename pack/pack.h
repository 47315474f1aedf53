/*
 * ndx-pack internals shared by pack.c (options, writing) and verify.c
 * (verify, unpack).
 *
 * A function that returns an exit code has told why already, on standard
 * error, where the failure was found: verify reports each difference on
 * a line of its own and goes on, so its fatal failures are told the same
 * way.  Nothing here exits; the code goes back up to pack_main().
 */
#ifndef NDX_PACK_H
#define NDX_PACK_H

#include <stddef.h>
#include <stdio.h>

#include "ndx/manifest.h"
#include "ndx/openpgp.h"
#include "ndx/provenance.h"

#define PACK_MAX_SIGNERS 16
#define PACK_MAX_RISKS (PACK_MAX_SIGNERS * 4)
#define PACK_RISK_FILE 256	/* the FILE of a --risk, with its NUL */
/* An archive of more entries than this is not one of ours. */
#define PACK_MAX_ENTRIES 1000
/*
 * Nor is one whose data expands more than this many times its own size
 * (plus PACK_EXPAND_SLACK, for small archives of empty files): level-1
 * deflate of the products' CSV is about 6:1; a bomb is over 1000:1.
 */
#define PACK_MAX_RATIO 200
#define PACK_EXPAND_SLACK (16ULL * 1024 * 1024)

/* Every entry's modification time: 2000-01-01T00:00:00Z (reproducible). */
#define PACK_MTIME 946684800
#define PACK_BUFSIZE 65536

enum pack_mode { MODE_PACK, MODE_VERIFY, MODE_UNPACK };

/* One file to pack. */
struct pack_item {
	const char *path;		/* as given */
	const char *name;		/* its basename: the entry's name */
	FILE *fp;			/* kept open from hashing to writing */
	struct ndx_manifest_file mf;	/* what the manifest says of it */
};

/* What verify saw of one entry. */
struct pack_seen {
	char *name;
	unsigned long long bytes;
	char sha256[NDX_SHA256_HEX + 1];
	int damaged;			/* its data could not be read */
	long long rows;			/* CSV records less the header, or -1 */
};

struct pack {
	enum pack_mode mode;
	const char *out_path;		/* -o */
	int encrypt;			/* --encrypt */
	int force;			/* --force (unpack) */
	const char *pass_path;		/* --passphrase-file */
	const char *period;		/* --period */
	const char *open_path;		/* verify: opened instead of the name */
	int gpg_fd;			/* verify: the decrypted .gpg, or -1 */
	const char *manifest_dir;	/* --manifest-dir */
	int datapackage;		/* --datapackage */
	char *dp_text;			/* its datapackage.json, or NULL */
	size_t dp_len;
	struct ndx_provenance prov;	/* --as-of, --agency, ... */
	char start[11], end[11];	/* from --period */
	char xsd_sha256[NDX_SHA256_HEX + 1];	/* the installed XSD's */
	const char *dataset;		/* --dataset: "1" or "2" */
	struct ndx_risk *risk;		/* --risk */
	char risk_file[PACK_MAX_RISKS][PACK_RISK_FILE];	/* their FILEs */
	const char *openpgp[PACK_MAX_SIGNERS];	/* --openpgp */
	size_t nopenpgp;
	const char *sign;		/* --sign */
	const char *sign_pass_path;	/* --signing-passphrase-file */
	const char *signer[PACK_MAX_SIGNERS];	/* --signer */
	size_t nsigner;
	char **operands;
	int noperands;

	char *passphrase;		/* sodium_malloc()ed, or NULL */

	struct pack_item *item;		/* pack: sorted by name */
	size_t nitem;

	struct pack_seen *seen;		/* verify: in archive order */
	size_t nseen;
	struct ndx_manifest *manifest;	/* verify: the archive's */
	char manifest_sha256[NDX_SHA256_HEX + 1];
	char *manifest_text;		/* verify: its bytes */
	size_t manifest_len;
	char *sums_text;		/* verify: SHA256SUMS */
	size_t sums_len;
	char *sig_text;			/* verify: MANIFEST.sig */
	size_t sig_len;
	char signed_by[NDX_FPR_MAX + 1];	/* verify: "" when unsigned */
	unsigned long long archive_bytes;	/* verify: its size */
	unsigned long long expanded;	/* verify: data read so far */
};

/* verify.c */
/*
 * The archive's verdict, 0 or 1 (or the signature check's code), or the
 * code of a failure that stops the run (the archive missing or not one,
 * no memory, no installed schema): then *fatal (when not NULL) is 1.
 */
int pack_verify(struct pack *, const char *archive, int *fatal);
int pack_unpack(struct pack *, const char *archive, const char *dir);
void pack_verify_free(struct pack *);

/* pack.c */
/*
 * The passphrase, from --passphrase-file or NDX_PASSPHRASE, into locked
 * memory (p->passphrase); 0, or the exit code, told.  None at all is
 * fine unless required.
 */
int pack_load_passphrase(struct pack *, int required);
void pack_hex(const unsigned char *, char out[NDX_SHA256_HEX + 1]);
/*
 * SHA-256 of the installed XSD of a dataset version ("1": episodes.xsd,
 * "2": episodes-2.xsd) into out; 0 or an exit code, told (65 for a
 * version ndx does not have).
 */
int pack_xsd_sha256(const char *version, char out[NDX_SHA256_HEX + 1]);
/* Data rows of a CSV (records after the header); -1 with err set. */
long long pack_csv_rows(FILE *fp, const char *name, struct ndx_error *);
int pack_has_suffix(const char *s, const char *suffix);
/* An unnamed (O_TMPFILE) file in TMPDIR, read-write; -1 when none, told
 * (the caller's code is 73). */
int pack_tmpfile(const char *what);

#endif
