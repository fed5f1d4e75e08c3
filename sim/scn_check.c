/* scn_check.c — a tree checked against a key schema: types, ranges, enum
 * values, unknown keys (with "did you mean"), sections of another model,
 * required keys, distinct names; what is absent is filled from its default.
 * The result is a fresh tree in schema order, so scn_to_json is canonical.
 */
#include "scn_int.h"

#include <stdio.h>

#include <limits.h>
#include <math.h>
#include <string.h>

#include "csv.h"

/* ------------------------------------------------------------------------
 * Key schemas: their type and enum values (the schema's loader reads them too) */

const char *const scn_ktype_names[] = {
	"?", "number", "integer", "string", "boolean", "enum", "object", "array"
};

enum scn_ktype scn_ktype_of(const cJSON *ks)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(ks, "type");
	if (!cJSON_IsString(t))
		return KT_BAD;
	for (int k = KT_NUMBER; k <= KT_ARRAY; k++)
		if (!strcmp(t->valuestring, scn_ktype_names[k]))
			return (enum scn_ktype)k;
	return KT_BAD;
}

int scn_enum_has(const cJSON *ks, const char *s)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, scn_kget(ks, "values"))
		if (cJSON_IsString(v) && !strcmp(v->valuestring, s))
			return 1;
	return 0;
}

/* "'a', 'b', 'c'" */
void scn_enum_list(scn_sb *b, const cJSON *ks, const char *quote)
{
	const cJSON *v;
	int first = 1;
	cJSON_ArrayForEach(v, scn_kget(ks, "values")) {
		if (cJSON_IsString(v))
			scn_sb_addf(b, "%s%s%s%s", first ? "" : ", ", quote, v->valuestring, quote);
		first = 0;
	}
}


static cJSON *oom(struct scn_ld *L)
{
	L->oom = 1;
	return NULL;
}

static int check_number(struct scn_ld *L, const cJSON *ks, const cJSON *v, const char *path,
                        const char *file, int integer)
{
	char got[40], lim[40];
	double x = v->valuedouble;
	const char *tn = integer ? "integer" : "number";
	scn_fmt_num(got, sizeof got, x);
	if (!isfinite(x)) {
		scn_ld_err(L, file, path, "expected finite %s, got %s", tn, got);
		return 0;
	}
	/* a subnormal (below 2.2e-308) loses precision and its reciprocal is
	 * infinite: an arrival rate of 1e-320 gave NaN results */
	if (fpclassify(x) == FP_SUBNORMAL) {
		scn_ld_err(L, file, path, "expected 0 or a %s of magnitude at least 2.2e-308, got %s",
		           tn, got);
		return 0;
	}
	if (integer && x != floor(x)) {
		scn_ld_err(L, file, path, "expected integer, got %s", got);
		return 0;
	}
	const cJSON *mn = scn_kget(ks, "min"), *mx = scn_kget(ks, "max");
	int exmin = cJSON_IsTrue(scn_kget(ks, "exclusive_min"));
	int exmax = cJSON_IsTrue(scn_kget(ks, "exclusive_max"));
	if (cJSON_IsNumber(mn) && (exmin ? !(x > mn->valuedouble) : !(x >= mn->valuedouble))) {
		scn_fmt_num(lim, sizeof lim, mn->valuedouble);
		scn_ld_err(L, file, path, "expected %s %s %s, got %s", tn, exmin ? ">" : ">=", lim,
		           got);
		return 0;
	}
	if (cJSON_IsNumber(mx) && (exmax ? !(x < mx->valuedouble) : !(x <= mx->valuedouble))) {
		scn_fmt_num(lim, sizeof lim, mx->valuedouble);
		scn_ld_err(L, file, path, "expected %s %s %s, got %s", tn, exmax ? "<" : "<=", lim,
		           got);
		return 0;
	}
	return 1;
}

/* About formats: a string key may say what its text must be.  "date" is a
 * calendar day YYYY-MM-DD (2024-02-30 is not one); "identifier" is 1 to 48 of
 * [a-z0-9_], because such a name becomes part of a results file's dataset
 * names (exhaustion_day_<chain>). */
#define SCN_MAX_IDENTIFIER 48

static int check_format(struct scn_ld *L, const cJSON *ks, const char *s, const char *path,
                        const char *file)
{
	const cJSON *fmt = scn_kget(ks, "format");
	if (!fmt)
		return 1;
	char shown[DIAG_CUT + 4];
	diag_cut(shown, s);
	if (!strcmp(fmt->valuestring, "date")) {
		int y, m, d;
		if (csv_date(s, &y, &m, &d))
			return 1;
		scn_ld_err(L, file, path, "expected a date YYYY-MM-DD, "
		           "got '%s'", shown);
		return 0;
	}
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");
	if (n >= 1 && n <= SCN_MAX_IDENTIFIER && !s[n])
		return 1;
	scn_ld_err(L, file, path, "expected a name of 1 to %d characters a-z, 0-9 or _, got '%s'",
	           SCN_MAX_IDENTIFIER, shown);
	return 0;
}

/* The default of a key that is absent, itself checked and filled. */
static cJSON *make_default(struct scn_ld *L, const cJSON *ks, scn_sb *p, const char *file)
{
	const cJSON *def = scn_kget(ks, "default");
	if (def)
		return scn_check_value(L, ks, def, p, file, 0);
	if (scn_ktype_of(ks) == KT_OBJECT) {
		cJSON *empty = cJSON_CreateObject();
		if (!empty)
			return oom(L);
		cJSON *r = scn_check_value(L, ks, empty, p, file, 0);
		cJSON_Delete(empty);
		return r;
	}
	SIM_ASSERT(!"schema check guarantees a default for every optional key");
	return NULL;
}

static const char *root_model(const cJSON *keys, const cJSON *v)
{
	const cJSON *mks = cJSON_GetObjectItemCaseSensitive(keys, "model");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(v, "model");
	if (mks && scn_ktype_of(mks) == KT_ENUM && cJSON_IsString(m) &&
	    scn_enum_has(mks, m->valuestring))
		return m->valuestring;
	return NULL;
}

static int models_has(const cJSON *models, const char *model)
{
	const cJSON *m;
	cJSON_ArrayForEach(m, models)
		if (cJSON_IsString(m) && !strcmp(m->valuestring, model))
			return 1;
	return 0;
}

static cJSON *check_object(struct scn_ld *L, const cJSON *ks, const cJSON *v, scn_sb *p,
                           const char *file, int root)
{
	const cJSON *keys = scn_kget(ks, "keys");
	int ok = 1;
	/* unknown keys; duplicates were reported by the parser */
	for (const cJSON *c = v->child; c; c = c->next) {
		const char *k = c->string ? c->string : "";
		if (cJSON_GetObjectItemCaseSensitive(keys, k))
			continue;
		struct sim_near nr = { k, NULL, INT_MAX };
		for (const cJSON *s = keys ? keys->child : NULL; s; s = s->next)
			sim_near_try(&nr, s->string);
		char dym[160];
		size_t mark = scn_path_key(p, k);
		scn_ld_err(L, scn_ld_origin(L, c, file), scn_sb_str(p), "unknown key%s",
		           sim_did_you_mean(dym, sizeof dym, &nr));
		scn_sb_setlen(p, mark);
		ok = 0;
	}
	const char *model = root ? root_model(keys, v) : NULL;
	cJSON *out = cJSON_CreateObject();
	if (!out)
		return oom(L);
	for (const cJSON *kk = keys ? keys->child : NULL; kk; kk = kk->next) {
		const cJSON *item = cJSON_GetObjectItemCaseSensitive(v, kk->string);
		const cJSON *models = root ? scn_kget(kk, "models") : NULL;
		size_t mark = scn_path_key(p, kk->string);
		cJSON *r = NULL;
		int used = !models ? 1 : model ? models_has(models, model) : -1;
		if (used == 0) {
			/* a section of another model: not allowed, not filled */
			if (item) {
				scn_ld_err(L, scn_ld_origin(L, item, file), scn_sb_str(p),
				           "section '%s' is not used by model '%s'", kk->string, model);
				ok = 0;
			}
		} else if (item) {
			if (!(r = scn_check_value(L, kk, item, p, file, 0)))
				ok = 0;
		} else if (used < 0) {
			/* model unknown (already reported): cannot tell whether to fill */
		} else if (cJSON_IsTrue(scn_kget(kk, "required"))) {
			scn_ld_err(L, file, scn_sb_str(p), "missing required key");
			ok = 0;
		} else if (!(r = make_default(L, kk, p, file))) {
			ok = 0;
		}
		if (r && !cJSON_AddItemToObject(out, kk->string, r)) {
			cJSON_Delete(r);
			ok = 0;
			L->oom = 1;
		}
		scn_sb_setlen(p, mark);
	}
	if (!ok) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

static cJSON *check_array(struct scn_ld *L, const cJSON *ks, const cJSON *v, scn_sb *p,
                          const char *file)
{
	int n = cJSON_GetArraySize(v), ok = 1;
	const cJSON *mn = scn_kget(ks, "min_items"), *mx = scn_kget(ks, "max_items");
	if (cJSON_IsNumber(mn) && n < mn->valuedouble) {
		scn_ld_err(L, file, scn_sb_str(p), "expected at least %d item%s, got %d",
		           mn->valueint, mn->valueint == 1 ? "" : "s", n);
		ok = 0;
	}
	if (cJSON_IsNumber(mx) && n > mx->valuedouble) {
		scn_ld_err(L, file, scn_sb_str(p), "expected at most %d item%s, got %d",
		           mx->valueint, mx->valueint == 1 ? "" : "s", n);
		ok = 0;
	}
	const cJSON *items = scn_kget(ks, "items");
	cJSON *out = cJSON_CreateArray();
	if (!out)
		return oom(L);
	int i = 0;
	for (const cJSON *c = v->child; c; c = c->next, i++) {
		size_t mark = scn_path_index(p, i);
		cJSON *r = scn_check_value(L, items, c, p, file, 0);
		if (!r)
			ok = 0;
		else if (!cJSON_AddItemToArray(out, r)) {
			cJSON_Delete(r);
			ok = 0;
			L->oom = 1;
		}
		scn_sb_setlen(p, mark);
	}
	/* items addressed by name ("chains[sui]") must have distinct names */
	const cJSON *nks = scn_ktype_of(items) == KT_OBJECT
		? cJSON_GetObjectItemCaseSensitive(scn_kget(items, "keys"), "name") : NULL;
	if (nks && n <= 4096) {
		i = 0;
		for (const cJSON *c = v->child; c; c = c->next, i++) {
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
			if (!cJSON_IsString(nm))
				continue;
			int j = 0;
			for (const cJSON *e = v->child; e != c; e = e->next, j++) {
				const cJSON *en = cJSON_GetObjectItemCaseSensitive(e, "name");
				if (cJSON_IsString(en) && !strcmp(en->valuestring, nm->valuestring)) {
					size_t mark = scn_path_index(p, i);
					scn_path_key(p, "name");
					char cut[DIAG_CUT + 4];
					scn_ld_err(L, scn_ld_origin(L, c, file), scn_sb_str(p),
					           "duplicate name '%s' (also at index %d)",
					           diag_cut(cut, nm->valuestring), j);
					scn_sb_setlen(p, mark);
					ok = 0;
					break;
				}
			}
		}
	}
	if (!ok) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

/* Checks v against key schema ks and returns a resolved copy (defaults filled,
 * schema order), or NULL after reporting every problem under v. */
cJSON *scn_check_value(struct scn_ld *L, const cJSON *ks, const cJSON *v, scn_sb *p,
                       const char *file, int root)
{
	file = scn_ld_origin(L, v, file);
	const char *path = scn_sb_str(p);
	enum scn_ktype t = scn_ktype_of(ks);
	cJSON *r;
	switch (t) {
	case KT_NUMBER:
	case KT_INTEGER:
		if (!cJSON_IsNumber(v)) {
			scn_ld_err(L, file, path, "expected %s, got %s", scn_ktype_names[t],
			           scn_json_type(v));
			return NULL;
		}
		if (!check_number(L, ks, v, path, file, t == KT_INTEGER))
			return NULL;
		return (r = cJSON_CreateNumber(v->valuedouble)) ? r : oom(L);
	case KT_STRING:
		if (!cJSON_IsString(v)) {
			scn_ld_err(L, file, path, "expected string, got %s", scn_json_type(v));
			return NULL;
		}
		if (!check_format(L, ks, v->valuestring, path, file))
			return NULL;
		return (r = cJSON_CreateString(v->valuestring)) ? r : oom(L);
	case KT_BOOLEAN:
		if (!cJSON_IsBool(v)) {
			scn_ld_err(L, file, path, "expected boolean, got %s", scn_json_type(v));
			return NULL;
		}
		return (r = cJSON_CreateBool(cJSON_IsTrue(v))) ? r : oom(L);
	case KT_ENUM:
		if (!cJSON_IsString(v) || !scn_enum_has(ks, v->valuestring)) {
			scn_sb b = { 0 };
			scn_enum_list(&b, ks, "'");
			if (!cJSON_IsString(v)) {
				scn_ld_err(L, file, path, "expected one of %s, got %s", scn_sb_str(&b),
				           scn_json_type(v));
			} else {
				struct sim_near nr = { v->valuestring, NULL, INT_MAX };
				const cJSON *e;
				cJSON_ArrayForEach(e, scn_kget(ks, "values"))
					sim_near_try(&nr, cJSON_IsString(e) ? e->valuestring : NULL);
				char dym[160], cut[DIAG_CUT + 4];
				scn_ld_err(L, file, path, "expected one of %s, got '%s'%s", scn_sb_str(&b),
				           diag_cut(cut, v->valuestring), sim_did_you_mean(dym, sizeof dym, &nr));
			}
			scn_sb_release(&b);
			return NULL;
		}
		return (r = cJSON_CreateString(v->valuestring)) ? r : oom(L);
	case KT_OBJECT:
		if (!cJSON_IsObject(v)) {
			scn_ld_err(L, file, path, "expected object, got %s", scn_json_type(v));
			return NULL;
		}
		return check_object(L, ks, v, p, file, root);
	case KT_ARRAY:
		if (!cJSON_IsArray(v)) {
			scn_ld_err(L, file, path, "expected array, got %s", scn_json_type(v));
			return NULL;
		}
		return check_array(L, ks, v, p, file);
	case KT_BAD:
		break;
	}
	SIM_ASSERT(!"schema check guarantees a valid type");
	return NULL;
}
