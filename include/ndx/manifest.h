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

struct ndx_error;

#define NDX_MANIFEST_NAME "MANIFEST"
#define NDX_MANIFEST_MAX (1024 * 1024)	/* bytes: larger is not ours */
#define NDX_SHA256_HEX 64

struct ndx_manifest_file {
	char *name;
	unsigned long long bytes;
	long long rows;			/* data rows of a CSV, -1 if not CSV */
	char sha256[NDX_SHA256_HEX + 1];	/* lower-case hex */
};

struct ndx_manifest {
	char *ndx_version;
	char *dataset_version;
	char *period;			/* "-" when none was given */
	char xsd_sha256[NDX_SHA256_HEX + 1];
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
 * NULL when an archive entry may be unpacked, else why not: "an absolute
 * path", "a '..' component", "a link", "a device", "a FIFO", "not a
 * regular file" or "not a plain file name".  type holds the entry's
 * S_IFMT bits; linked is nonzero for a hard link.
 */
const char *ndx_entry_refusal(const char *name, unsigned type, int linked);

#endif
