/*
 * One client from the identifiable form to the pseudonymised one.
 *
 * The pseudonyms are keyed hashes (dataset.md §6), so the same person gets
 * the same PSEUDO_CLIENT at every provider holding the same key and nobody
 * without the key can recompute or test one.  The identifying items are
 * removed here, not only left out by the writer, so that nothing after
 * this point can put them back by mistake.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ndx/arena.h"
#include "ndx/date.h"
#include "ndx/derive.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "ndx/secret.h"
#include "pseudonymise.h"

#define PSEUDONYM_BYTES 16

static void
update_str(struct ndx_mac *mac, const char *s)
{
	ndx_mac_update(mac, s, strlen(s));
}

/* ASCII only: the C library's toupper() would follow the locale. */
static void
update_upper(struct ndx_mac *mac, const char *s)
{
	for (; *s != '\0'; s++) {
		char ch = *s >= 'a' && *s <= 'z' ? (char)(*s - 'a' + 'A') : *s;

		ndx_mac_update(mac, &ch, 1);
	}
}

static void
finish(struct ndx_mac *mac, char out[PSEUDONYM_SIZE])
{
	unsigned char h[NDX_MAC_BYTES];

	ndx_mac_final(mac, h);
	sodium_bin2hex(out, PSEUDONYM_SIZE, h, PSEUDONYM_BYTES);
	sodium_memzero(h, sizeof(h));
}

int
pseudonym_client(struct ndx_mac *mac, const char *finitial,
    const char *sinitial, const char *dob, const char *sex,
    char out[PSEUDONYM_SIZE])
{
	char ymd[16];
	ndx_day day;
	int y, m, d;

	if (finitial == NULL || sinitial == NULL || dob == NULL ||
	    sex == NULL || ndx_date_parse_iso(dob, &day) != NDX_DATE_OK)
		return -1;
	ndx_date_to_ymd(day, &y, &m, &d);
	snprintf(ymd, sizeof(ymd), "%04d%02d%02d", y, m, d);
	/* Fed piece by piece: the identifying message is never assembled. */
	ndx_mac_start(mac);
	update_str(mac, "client:");
	update_upper(mac, finitial);
	update_upper(mac, sinitial);
	update_str(mac, ymd);
	update_str(mac, sex);
	finish(mac, out);
	sodium_memzero(ymd, sizeof(ymd));
	return 0;
}

int
pseudonym_episode(struct ndx_mac *mac, const char *agncy,
    const char *episodid, char out[PSEUDONYM_SIZE])
{
	if (agncy == NULL || episodid == NULL)
		return -1;
	ndx_mac_start(mac);
	update_str(mac, "episode:");
	update_str(mac, agncy);
	update_str(mac, ":");
	update_str(mac, episodid);
	finish(mac, out);
	return 0;
}

static int
bad_client(const struct pseudo_ctx *x, const struct ndx_client *c,
    const char *what, struct ndx_error *err)
{
	const char *agncy = NDX_C(c, NDX_AGNCY);

	ndx_error_set(err, NDX_EX_DATAERR, x->input, c->xml_line,
	    "client at agency %s: %s; run ndx-validate first",
	    agncy ? agncy : "(none)", what);
	return -1;
}

static int
bad_episode(const struct pseudo_ctx *x, const struct ndx_client *c,
    const struct ndx_episode *e, const char *what, struct ndx_error *err)
{
	const char *agncy = NDX_C(c, NDX_AGNCY);
	const char *id = NDX_E(e, NDX_EPISODID);

	ndx_error_set(err, NDX_EX_DATAERR, x->input, e->xml_line,
	    "episode %s/%s: %s; run ndx-validate first",
	    agncy ? agncy : "(none)", id ? id : "(none)", what);
	return -1;
}

static int
episode(const struct pseudo_ctx *x, struct ndx_client *c,
    struct ndx_episode *e, struct ndx_error *err)
{
	char pseudo[PSEUDONYM_SIZE], age[16];
	const char *band, *group;
	unsigned seen = 0;
	int years;

	for (size_t j = 0; j < e->niv; j++)
		if (e->iv[j].raw != 0 || (e->iv[j].top != NULL &&
		    e->iv[j].top->raw != 0))
			return bad_episode(x, c, e, e->iv[j].raw != 0 ? "an "
			    "intervention date is not a date" : "a TOP date "
			    "is not a date", err);
	if (e->raw != 0)
		return bad_episode(x, c, e, "an episode date is not a date",
		    err);
	if (pseudonym_episode(x->mac, NDX_C(c, NDX_AGNCY),
	    NDX_E(e, NDX_EPISODID), pseudo) != 0)
		return bad_episode(x, c, e, "AGNCY or EPISODID is missing",
		    err);
	/* DOB is known to be a date by now (pseudonymise_client). */
	if (ndx_age_at_triage(c, e, &years) != 0)
		return bad_episode(x, c, e, "TRIAGED is missing or not a date",
		    err);
	/* Also under 18 at triage, or triaged before birth (rule R010). */
	if ((band = ndx_age_band(x->ds, years)) == NULL)
		return bad_episode(x, c, e, "the age at triage is outside "
		    "the adult dataset (rule R010)", err);
	if (ndx_substances_add(x->ds, e, &seen) != 0 ||
	    (group = ndx_substance_group(seen)) == NULL)
		return bad_episode(x, c, e, "DRUG1, DRUG2 or DRUG3 is missing "
		    "or not a substance of the dataset", err);
	snprintf(age, sizeof(age), "%d", years);
	NDX_E(e, NDX_PSEUDO_EPISODE) = arena_strdup(x->arena, pseudo);
	NDX_E(e, NDX_AGE_AT_TRIAGE) = arena_strdup(x->arena, age);
	NDX_E(e, NDX_AGE_BAND) = band;
	NDX_E(e, NDX_SUBSTANCE_GROUP) = group;
	NDX_E(e, NDX_EPISODID) = NULL;
	return 0;
}

int
pseudonymise_client(const struct pseudo_ctx *x, struct ndx_client *c,
    struct ndx_error *err)
{
	char pseudo[PSEUDONYM_SIZE], district[NDX_PC_DISTRICT_SIZE];
	int rc;

	/* DOB's validity is checked first, so messages about episodes can
	 * blame TRIAGED alone. */
	if (c->raw != 0 || pseudonym_client(x->mac, NDX_C(c, NDX_FINITIAL),
	    NDX_C(c, NDX_SINITIAL), NDX_C(c, NDX_DOB), NDX_C(c, NDX_SEX),
	    pseudo) != 0)
		return bad_client(x, c, "FINITIAL, SINITIAL, DOB or SEX is "
		    "missing, or DOB is not a date", err);
	if ((rc = ndx_pc_district(NDX_C(c, NDX_PC), district)) < 0)
		return bad_client(x, c, "PC is not a postcode", err);
	for (size_t i = 0; i < c->nep; i++)
		if (episode(x, c, &c->ep[i], err) != 0)
			return -1;
	NDX_C(c, NDX_PSEUDO_CLIENT) = arena_strdup(x->arena, pseudo);
	NDX_C(c, NDX_PC_DISTRICT) = rc > 0 ?
	    arena_strdup(x->arena, district) : NULL;
	for (int k = NDX_CLIENT_FIRST; k < NDX_EPISODE_FIRST; k++)
		if (ndx_items[k].identifying)
			c->v[k - NDX_CLIENT_FIRST] = NULL;
	return 0;
}

struct ndx_client *
pseudonymise_copy(struct ndx_arena *a, const struct ndx_client *src)
{
	struct ndx_client *c = arena_alloc(a, sizeof(*c));

	*c = *src;
	c->ep = arena_alloc(a, (src->nep ? src->nep : 1) * sizeof(*c->ep));
	memcpy(c->ep, src->ep, src->nep * sizeof(*c->ep));
	c->epcap = src->nep;
	return c;
}
