/*
 * The data dictionary that goes with every CSV leaving the provider
 * (exchange.md §5): a Frictionless Data Package descriptor,
 * datapackage.json, with one resource per CSV and its Table Schema built
 * from the XSD (types, code lists as enum constraints with each code's
 * meaning), and the provenance of the archive as package properties.
 *
 * The columns of each CSV are read from its header line, so the schema
 * describes the file as it is (a generalised extract, a product with
 * fewer columns); a column the dataset does not know is an error (65),
 * never a field described by guesswork.
 *
 * Ownership: all arguments are borrowed.
 */
#ifndef NDX_DATAPACKAGE_H
#define NDX_DATAPACKAGE_H

#include <stddef.h>
#include <stdio.h>

struct ndx_dataset;
struct ndx_error;
struct ndx_provenance;

/*
 * Writes the descriptor for the n CSV files at paths (resources named by
 * their base names, in the order given) to out.  Returns 0, or an exit
 * code set in *err: 66 a CSV unreadable, 65 a header ndx cannot describe,
 * 74 a write error.
 */
int ndx_datapackage_write(FILE *out, const struct ndx_dataset *ds,
    const struct ndx_provenance *prov, const char *const *paths, size_t n,
    struct ndx_error *err);

#endif
