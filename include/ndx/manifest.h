/*
 * The MANIFEST of an ndx-pack archive, and the safety of archive entries.
 *
 * A manifest is text, one item per line, LF-terminated (docs/design.md,
 * "Pack"):
 *
 *	ndx-manifest 1
 *	ndx-version 0.1.0
 *	dataset-version 1
 *	period 2026-10			("-" when not given)
 *	xsd-sha256 <64 hex digits>
 *	file <sha256> <bytes> <rows or -> <name>
 *	...
 *
 * Version 2 (exchange.md section 4) has these lines, in this order:
 *
 *	ndx-manifest 2
 *	ndx-version 0.1.0
 *	dataset-version 1
 *	xsd-sha256 <64 hex digits>
 *	period 2026Q2			start, end: the period's range
 *	start 2026-07-01
 *	end 2026-09-30
 *	as-of 2026-10-05		the data-cut date
 *	agency N0852,N0853
 *	area Greater Manchester		(area and recipient: printable text)
 *	recipient public-health
 *	key-id e59ed32368831696
 *	consent-excluded 3
 *	risk public-health.csv persons=2466 k_min=1 below_5=2370   (0..n)
 *	file <sha256> <bytes> <rows or -> <name>
 *
 * each value "-" when not given.  Version 1 archives still verify.
 *
 * Names come last so that nothing after them needs splitting; they are
 * plain basenames (see ndx_entry_name_safe()) and unique.
 *
 * Ownership: ndx_manifest_parse() returns a manifest that belongs to the
 * caller, freed with ndx_manifest_free(); every string in it is owned by
 * the manifest.
 */
#ifndef NDX_MANIFEST_H
#define NDX_MANIFEST_H

#include <stddef.h>
#include <stdio.h>

struct ndx_error;
struct ndx_provenance;

#define NDX_MANIFEST_NAME "MANIFEST"
#define NDX_MANIFEST_MAX (1024 * 1024)	/* bytes: larger is not ours */
#define NDX_SHA256_HEX 64
#define NDX_MANIFEST_FILES_MAX 1000	/* file lines: far more than we pack */
#define NDX_SHA256SUMS_NAME "SHA256SUMS"
#define NDX_SIGNATURE_NAME "MANIFEST.sig"

struct ndx_manifest_file {
	char *name;
	unsigned long long bytes;
	long long rows;			/* data rows of a CSV, -1 if not CSV */
	char sha256[NDX_SHA256_HEX + 1];	/* lower-case hex */
};

struct ndx_manifest {
	int version;			/* 1 or 2 */
	char *ndx_version;
	char *dataset_version;
	char *period;			/* "-" when none was given */
	char xsd_sha256[NDX_SHA256_HEX + 1];
	/* Version 2 only (NULL in version 1); "-" when not given. */
	char *start, *end, *as_of, *agency, *area, *recipient, *key_id;
	char *consent_excluded;
	char **risk;			/* the text after "risk " */
	size_t nrisk;
	struct ndx_manifest_file *file;
	size_t nfile;
};

/*
 * Parses len bytes (no NUL needed).  NULL with err->code 65 and the line
 * when malformed (unknown line, bad digest, unsafe or duplicate name), 71
 * when out of memory.  name is used in messages.
 */
struct ndx_manifest *ndx_manifest_parse(const char *buf, size_t len,
    const char *name, struct ndx_error *err);
/*
 * Writes a version 2 manifest of prov and the n files to out (NULL
 * strings of prov as "-", consent_excluded < 0 as "-").  Returns 0, or
 * 65 with err set when a value cannot be written as a manifest line
 * (holds a newline, control character; a word holds a space), 74 on a
 * write error.
 */
int ndx_manifest_write(FILE *out, const struct ndx_provenance *prov,
    const struct ndx_manifest_file *files, size_t n, struct ndx_error *err);
/* NULL is a no-op. */
void ndx_manifest_free(struct ndx_manifest *);
/* The file named name, or NULL. */
const struct ndx_manifest_file *ndx_manifest_find(
    const struct ndx_manifest *, const char *name);

/*
 * 1 when name may be an entry of an ndx archive: a plain file name of at
 * most 255 bytes, not "." or "..", holding no '/', '\\', control
 * character or DEL, so it can neither leave the directory it is unpacked
 * into nor break a manifest line.
 */
int ndx_entry_name_safe(const char *name);

/*
 * The SHA-256 (lower-case hex) and size of what is left to read of fp, as
 * a MANIFEST or SHA256SUMS records a file.  -1 on a read error.
 */
int ndx_sha256_stream(FILE *fp, unsigned long long *bytes,
    char hex[NDX_SHA256_HEX + 1]);

/*
 * NULL when an archive entry may be unpacked, else why not: "an absolute
 * path", "a '..' component", "a link", "a device", "a FIFO", "not a
 * regular file" or "not a plain file name".  type holds the entry's
 * S_IFMT bits; linked is nonzero for a hard link.
 */
const char *ndx_entry_refusal(const char *name, unsigned type, int linked);

#endif
