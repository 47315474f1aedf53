/* Recording problems against records, and how records are shown. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ndx/arena.h"
#include "ndx/date.h"
#include "ndx/diag.h"
#include "validate.h"

#define MSG_SHARE 8	/* earlier problems whose message is reused */

int
same_value(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

const char *
postcode_shape(const char *v, char buf[POSTCODE_SHAPE_MAX])
{
	size_t n = 0;

	for (; *v != '\0' && n < POSTCODE_SHAPE_MAX - 4; v++)
		buf[n++] = *v >= 'A' && *v <= 'Z' ? 'A' :
		    *v >= 'a' && *v <= 'z' ? 'a' :
		    *v >= '0' && *v <= '9' ? '9' : *v == ' ' ? ' ' : '?';
	if (*v != '\0')
		buf[n++] = '.', buf[n++] = '.', buf[n++] = '.';
	buf[n] = '\0';
	return buf;
}

const char *
shown_or_masked(int item, const char *v, char buf[POSTCODE_SHAPE_MAX])
{
	if (item == NDX_PC)
		return postcode_shape(v, buf);
	if (item >= 0 && ndx_items[item].identifying && item != NDX_CLIENTID)
		return NULL;
	return v;
}

long
episode_line(const struct ndx_episode *e)
{
	long line = 0;

	for (size_t i = 0; i < e->niv; i++)
		if (e->iv[i].line > 0 && (line == 0 || e->iv[i].line < line))
			line = e->iv[i].line;
	return line;
}

long
client_line(const struct ndx_client *c)
{
	long line = 0, l;

	for (size_t i = 0; i < c->nep; i++)
		if ((l = episode_line(&c->ep[i])) > 0 && (line == 0 || l < line))
			line = l;
	return line;
}

const char *
csv_value(const struct ndx_client *c, const struct ndx_episode *e,
    const struct ndx_intervention *iv, int item, char buf[11])
{
	const char *v = ndx_row_value(c, e, iv, (enum ndx_item)item);

	if (v == NULL || !ndx_items[item].is_date ||
	    ndx_row_is_raw(c, e, iv, (enum ndx_item)item) ||
	    ndx_date_iso_to_dmy(v, buf) != 0)
		return v;
	return buf;
}

struct problem *
problem_add(struct rules_ctx *ctx, struct ndx_client *c, struct ndx_episode *e,
    struct ndx_intervention *iv, int field, const char *rule_id,
    const char *fmt, ...)
{
	const struct ndx_rule *rule = ndx_dataset_rule(ctx->ds, rule_id);
	struct problems *ps = ctx->out;
	struct problem *p;
	char msg[300], dmy[11];
	va_list ap;

	if (rule == NULL) {	/* rules.csv and the code disagree: a bug */
		if (ctx->unknown_rule == NULL)
			ctx->unknown_rule = rule_id;
		memset(&ctx->unrecorded, 0, sizeof(ctx->unrecorded));
		ctx->unrecorded.field_name = "";
		return &ctx->unrecorded;
	}
	/*
	 * One line per record, rule and field: a rule with several clauses
	 * (R010, R060) reports its first failure only.  A record's own
	 * problems are added together, so looking back while the record is
	 * the same is enough.
	 */
	for (size_t k = ps->n; k-- > 0;) {
		const struct problem *q = &ps->p[k];

		if (q->c != c || q->e != e || q->iv != iv)
			break;
		if (q->rule == rule && q->field == field)
			return (struct problem *)q;
	}
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 64;
		ps->p = xreallocarray(ps->p, ps->cap, sizeof(*ps->p));
	}
	p = &ps->p[ps->n];
	memset(p, 0, sizeof(*p));
	p->seq = (uint32_t)ps->n++;
	p->c = c;
	p->e = e;
	p->iv = iv;
	p->field = field;
	p->field_name = field >= 0 ? ndx_items[field].code : "";
	p->rule = rule;
	p->episodid = e != NULL ? NDX_E(e, NDX_EPISODID) : NULL;
	p->modid = iv != NULL ? NDX_I(iv, NDX_MODID) : NULL;
	if (iv != NULL) {
		p->line = iv->line;
		p->xml_line = iv->xml_line;
	} else if (e != NULL) {
		p->line = episode_line(e);
		p->xml_line = e->xml_line;
	} else {
		p->line = client_line(c);
		p->xml_line = c->xml_line;
	}
	if (field >= 0 && (p->value = csv_value(c, e, iv, field, dmy)) == dmy)
		p->value = arena_strdup(ctx->arena, dmy);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages repeat from row to row (they name items, not values), and
	 * a client of a million rows may have millions: share recent ones. */
	for (size_t k = ps->n - 1; k-- > 0 && k + MSG_SHARE >= ps->n;)
		if (strcmp(ps->p[k].msg, msg) == 0) {
			p->msg = ps->p[k].msg;
			break;
		}
	if (p->msg == NULL)
		p->msg = arena_strdup(ctx->arena, msg);

	if (rule->severity == NDX_SEV_ERROR) {
		if (e != NULL)
			e->mark |= MARK_REJECTED;
		else
			c->mark |= MARK_REJECTED;
		if (strcmp(rule_id, "R001") == 0 ||
		    strcmp(rule_id, "R002") == 0 ||
		    strcmp(rule_id, "R003") == 0 ||
		    strcmp(rule_id, "R070") == 0) {
			if (iv != NULL)
				iv->mark |= MARK_VALUE_ERR;
			else if (e != NULL)
				e->mark |= MARK_VALUE_ERR;
			else
				c->mark |= MARK_VALUE_ERR;
		}
	}
	return p;
}
