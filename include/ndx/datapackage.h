/*
 * The data dictionary that goes with every CSV leaving the provider
 * (exchange.md §5): a Frictionless Data Package descriptor,
 * datapackage.json, with one resource per CSV and its Table Schema built
 * from the XSD (types, code lists as enum constraints with each code's
 * meaning), and the provenance of the archive as package properties.
 *
 * The columns of each CSV are read from its header line, so the schema
 * describes the file as it is (a product with fewer columns); a column
 * that is neither a dataset item nor one of the PCC return's is an error
 * (65), never a field described by guesswork.  A CSV with a risk line of
 * min_k > 0 in the provenance is a generalised extract (exchange.md
 * section 8), and its fields say so.
 *
 * Ownership: all arguments are borrowed.
 */
#ifndef NDX_DATAPACKAGE_H
#define NDX_DATAPACKAGE_H

#include <stddef.h>
#include <stdio.h>

struct ndx_dataset;
struct ndx_error;
struct ndx_manifest_file;
struct ndx_provenance;

#define NDX_DATAPACKAGE_NAME "datapackage.json"

/*
 * Writes the descriptor for the n CSV files at paths to out, in the order
 * given: files[i] is what the archive records of paths[i] (its entry
 * name, bytes, SHA-256 and rows).  Returns 0, or an exit code set in
 * *err: 66 a CSV unreadable, 65 a header ndx cannot describe, 74 a write
 * error.
 */
int ndx_datapackage_write(FILE *out, const struct ndx_dataset *ds,
    const struct ndx_provenance *prov, const char *const *paths,
    const struct ndx_manifest_file *files, size_t n, struct ndx_error *err);

#endif
