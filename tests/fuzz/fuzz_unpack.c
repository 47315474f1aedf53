/*
 * libFuzzer harness for what ndx-pack unpack trusts in a received
 * archive: bytes are read as an archive (zip or tar, gzip or not) with
 * libarchive, every entry goes through ndx_entry_refusal(), and the
 * MANIFEST entry through ndx_manifest_parse().  Checked: an entry that is
 * not refused has a plain name that cannot leave its directory; a parsed
 * manifest has safe, unique names and well-formed digests.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "ndx/manifest.h"
#include "ndx/ndx.h"
#include "fuzz.h"


static void
check_manifest(const char *buf, size_t len)
{
	struct ndx_error err;
	struct ndx_manifest *m = ndx_manifest_parse(buf, len, "MANIFEST",
	    &err);

	if (m == NULL) {
		CHECK(err.code == NDX_EX_DATAERR || err.code == NDX_EX_OSERR);
		return;
	}
	CHECK(strlen(m->xsd_sha256) == NDX_SHA256_HEX);
	CHECK(m->version == 1 || m->version == 2);
	CHECK(m->nfile <= NDX_MANIFEST_FILES_MAX);
	/* Version 2 has every provenance line, version 1 none. */
	CHECK((m->version == 2) == (m->agency != NULL && m->start != NULL &&
	    m->end != NULL && m->as_of != NULL && m->area != NULL &&
	    m->recipient != NULL && m->key_id != NULL &&
	    m->consent_excluded != NULL));
	for (size_t i = 0; i < m->nrisk; i++)
		CHECK(strchr(m->risk[i], '\n') == NULL);
	for (size_t i = 0; i < m->nfile; i++) {
		const struct ndx_manifest_file *f = &m->file[i];

		CHECK(ndx_entry_name_safe(f->name));
		CHECK(strcmp(f->name, NDX_MANIFEST_NAME) != 0);
		CHECK(strlen(f->sha256) == NDX_SHA256_HEX);
		CHECK(f->rows >= -1);
		CHECK(ndx_manifest_find(m, f->name) == f);
	}
	ndx_manifest_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	static char buf[NDX_MANIFEST_MAX + 1];

	/* The manifest parser alone, on the raw bytes. */
	if (size <= NDX_MANIFEST_MAX)
		check_manifest((const char *)data, size);

	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, data, size) != ARCHIVE_OK)
		goto out;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		la_ssize_t n;
		size_t len = 0;

		if (ndx_entry_refusal(name, archive_entry_filetype(e),
		    archive_entry_hardlink(e) != NULL) != NULL)
			continue;
		CHECK(name[0] != '/' && strchr(name, '/') == NULL);
		CHECK(strcmp(name, "..") != 0 && strcmp(name, ".") != 0);
		if (strcmp(name, NDX_MANIFEST_NAME) != 0)
			continue;
		while (len <= NDX_MANIFEST_MAX && (n = archive_read_data(a,
		    buf + len, sizeof(buf) - len)) > 0)
			len += (size_t)n;
		if (len <= NDX_MANIFEST_MAX)
			check_manifest(buf, len);
	}
out:
	archive_read_free(a);
	return 0;
}
