/*
 * The dataset's machine-readable form, loaded from the data directory:
 * episodes.xsd (types, code lists with their meanings and properties),
 * rules.csv (rule id, severity, what it checks, what to do) and areas.csv
 * (local authorities and police force areas).  C code takes code lists
 * from here and never repeats them.
 */
#ifndef NDX_DATASET_H
#define NDX_DATASET_H

#include <stddef.h>

#include "ndx/model.h"

struct ndx_error;
struct ndx_dataset;

enum ndx_severity { NDX_SEV_NONE, NDX_SEV_WARNING, NDX_SEV_ERROR };

struct ndx_rule {
	const char *id;		/* "R001" */
	enum ndx_severity severity;
	const char *title;	/* what the rule checks */
	const char *action;	/* what the data officer should do */
};

struct ndx_area_la {
	const char *code;	/* E06000001 */
	const char *name;	/* Hartlepool */
	const char *area;	/* Cleveland */
};

/*
 * Loads from ndx_datafile(): episodes.xsd (version 1) and episodes-2.xsd
 * (version 2, which must give every item of version 1 the same type);
 * failures are exit 78 in err.  An item's checker, code list and title are
 * one for both versions.
 */
struct ndx_dataset *ndx_dataset_load(struct ndx_error *);
void ndx_dataset_free(struct ndx_dataset *);

/* A version's compiled XSD (xmlSchemaPtr), for streaming validation. */
void *ndx_dataset_xsd(const struct ndx_dataset *, int version);

/* The outcome of checking one value against its item's type. */
struct ndx_check {
	const char *rule;	/* "R001", "R002", "R070" ... */
	char msg[256];		/* for the data officer; never holds the value */
};

/* 0 when value is valid for item, else -1 and *out filled. */
int ndx_dataset_check(const struct ndx_dataset *, enum ndx_item,
    const char *value, struct ndx_check *out);
/* 1 when the item is mandatory (M in dataset.md §2). */
int ndx_dataset_mandatory(const struct ndx_dataset *, enum ndx_item);
/* The meaning of a code ("prison" for RFLS 13), or NULL. */
const char *ndx_dataset_meaning(const struct ndx_dataset *, enum ndx_item,
    const char *code);
/*
 * A property of a code, from the XSD's appinfo: for RFLS "cj" ("yes")
 * and "breakdown"; for DRUG1-3 "group" ("opiate", "alcohol",
 * "non_opiate"); for DISRSN "class" ("completed", "transfer",
 * "unplanned", "died"); for CJORDER "breakdown".  NULL when not set.
 */
const char *ndx_dataset_code_prop(const struct ndx_dataset *, enum ndx_item,
    const char *code, const char *prop);
/* The codes of an item's list, in XSD order; NULL when not a code list. */
const char *const *ndx_dataset_codes(const struct ndx_dataset *,
    enum ndx_item, size_t *n);
/* What the item is ("referral source"): its declaration's documentation. */
const char *ndx_dataset_title(const struct ndx_dataset *, enum ndx_item);

/* An item's type as the XSD states it, for the data dictionary. */
struct ndx_type_info {
	const char *name;		/* "ReferralSource" */
	const char *doc;		/* completes "ITEM must be ...", or NULL */
	const char *const *pattern;	/* XSD patterns, alternatives */
	size_t npattern;
	long minlen, maxlen;		/* in characters; -1 when unset */
};
void ndx_dataset_type(const struct ndx_dataset *, enum ndx_item,
    struct ndx_type_info *);

/*
 * ETHNIC's broad groups (EthnicGroup: WH, MX, AS, BL, OT, Z), which the
 * generalised extract publishes instead (exchange.md section 8); a code's
 * group is its "group" property, none for Z.
 */
const char *const *ndx_dataset_ethnic_groups(const struct ndx_dataset *,
    size_t *n);
const char *ndx_dataset_ethnic_group_meaning(const struct ndx_dataset *,
    const char *group);

/*
 * A record's form, compiled from the XSD: the elements its content may
 * hold, in order (a sequence of particles, each an item or the record
 * below), and the attributes its start tag may carry.  This is the judge
 * of a file's structure (lib/epxml.c); libxml2's XSD validator only
 * checks it in tests and under ndx-validate --xsd.
 */
enum ndx_record {
	NDX_REC_ROOT, NDX_REC_CLIENT, NDX_REC_EPISODE, NDX_REC_INTERVENTION,
	NDX_REC_TOP,		/* version 2, beside the interventions */
	NDX_NRECORDS
};

enum ndx_attr_type {
	NDX_ATTR_STRING, NDX_ATTR_BOOLEAN, NDX_ATTR_POSITIVE_INTEGER,
	NDX_ATTR_DATE
};

struct ndx_attr_decl {
	char *name;
	enum ndx_attr_type type;
	int required;
	char *fixed;		/* the one value allowed, or NULL */
	const void *date_type;	/* NDX_ATTR_DATE: lib/dataset.c's type */
};

struct ndx_particle {
	char *name;		/* element name, in the dataset's namespace */
	int item;		/* enum ndx_item, or -1: a record below */
	int record;		/* with item -1, that record's enum ndx_record */
	int min;		/* 0 or 1 */
	int unbounded;		/* else at most once */
};

/* Attributes a form may declare, at most (the loader refuses more). */
#define NDX_FORM_ATTRS_MAX 32

struct ndx_form {
	struct ndx_particle *particle;
	size_t nparticle;
	struct ndx_attr_decl *attr;
	size_t nattr;
};

/* A record's form in a dataset version (NDX_DATASET_MIN..MAX). */
const struct ndx_form *ndx_dataset_form(const struct ndx_dataset *,
    int version, int pseudonymised, enum ndx_record);
/* The attributes an item's element may carry (a date item's raw). */
const struct ndx_form *ndx_dataset_item_form(const struct ndx_dataset *,
    enum ndx_item);
/*
 * XSD's whiteSpace="collapse": n bytes of in, each run of blanks (space,
 * tab, CR, LF) made one space and the ends trimmed, into out (which may be
 * in: the result is never longer), terminated.  Its length, or -1 when it
 * does not fit in size.
 */
long ndx_xsd_collapse(const char *in, size_t n, char *out, size_t size);
/*
 * 0 when value is valid for the attribute as XSD judges it (white space
 * collapsed for every type but xs:string), else -1.
 */
int ndx_dataset_check_attr(const struct ndx_dataset *,
    const struct ndx_attr_decl *, const char *value);

const struct ndx_rule *ndx_dataset_rule(const struct ndx_dataset *,
    const char *id);
const struct ndx_rule *ndx_dataset_rules(const struct ndx_dataset *,
    size_t *n);

/* The LAs of a police force area (case-insensitive name), or NULL. */
const struct ndx_area_la *ndx_dataset_area(const struct ndx_dataset *,
    const char *name, size_t *n);
const struct ndx_area_la *ndx_dataset_la(const struct ndx_dataset *,
    const char *code);
/* The canonical spelling of an area's name, or NULL. */
const char *ndx_dataset_area_name(const struct ndx_dataset *,
    const char *name);

#endif
