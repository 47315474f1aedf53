/*
 * ndx-pack internals shared by pack.c (options, writing) and verify.c
 * (verify, unpack).
 */
#ifndef NDX_PACK_H
#define NDX_PACK_H

#include <stddef.h>
#include <stdio.h>

#include "ndx/manifest.h"

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
};

struct pack {
	enum pack_mode mode;
	const char *out_path;		/* -o */
	int encrypt;			/* --encrypt */
	int force;			/* --force (unpack) */
	const char *pass_path;		/* --passphrase-file */
	const char *period;		/* --period */
	char **operands;
	int noperands;

	char *passphrase;		/* sodium_malloc()ed, or NULL */

	struct pack_item *item;		/* pack: sorted by name */
	size_t nitem;

	struct pack_seen *seen;		/* verify: in archive order */
	size_t nseen;
	struct ndx_manifest *manifest;	/* verify: the archive's */
	char manifest_sha256[NDX_SHA256_HEX + 1];
};

/* verify.c */
int pack_verify(struct pack *, const char *archive);
int pack_unpack(struct pack *, const char *archive, const char *dir);
void pack_verify_free(struct pack *);

/* pack.c */
void pack_hex(const unsigned char *, char out[NDX_SHA256_HEX + 1]);

#endif
