/* scn_schema.c — the schema: one JSON file per section under
 * scenarios/schema/, embedded as dais_schema[], parsed and checked once, on
 * first use (a malformed embedded schema is a bug and aborts), and merged into
 * one object key schema; also its renderings, Markdown for docs/scenarios.md
 * and JSON for tools.  What a key schema may say is in sim/scn.h.
 */
#include "scn_int.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Generated from scenarios/schema/<section>.json by scripts/embed.sh; NULL-terminated. */
extern const struct { const char *name; const char *text; } dais_schema[];

/* ------------------------------------------------------------------------
 * The schema: parse, check, merge into one root object schema */

static struct {
	cJSON *root;  /* {"type":"object","keys":{run keys..., section: {...,"models"}...}} */
	cJSON *files; /* the section files as written, "run" first */
} S;
static pthread_once_t schema_once = PTHREAD_ONCE_INIT;

static const char *const key_fields[] = {
	"type", "doc", "unit", "default", "required", "min", "max", "exclusive_min",
	"exclusive_max", "values", "keys", "items", "min_items", "max_items", "format", NULL
};

static int field_allowed(enum scn_ktype t, const char *f)
{
	static const char *const num[] = { "min", "max", "exclusive_min", "exclusive_max", NULL };
	static const char *const arr[] = { "items", "min_items", "max_items", NULL };
	int known = 0;
	for (int i = 0; key_fields[i]; i++)
		known |= !strcmp(key_fields[i], f);
	if (!known)
		return 0;
	for (int i = 0; num[i]; i++)
		if (!strcmp(num[i], f))
			return t == KT_NUMBER || t == KT_INTEGER;
	for (int i = 0; arr[i]; i++)
		if (!strcmp(arr[i], f))
			return t == KT_ARRAY;
	if (!strcmp(f, "values"))
		return t == KT_ENUM;
	if (!strcmp(f, "format"))
		return t == KT_STRING;
	if (!strcmp(f, "keys"))
		return t == KT_OBJECT;
	return 1;
}

static void check_keyschema(struct scn_ld *L, const cJSON *ks, scn_sb *p, const char *file,
                            int item);

static void check_keys(struct scn_ld *L, const cJSON *keys, scn_sb *p, const char *file)
{
	if (!cJSON_IsObject(keys)) {
		scn_ld_err(L, file, scn_sb_str(p), "expected object, got %s", scn_json_type(keys));
		return;
	}
	for (const cJSON *k = keys->child; k; k = k->next) {
		size_t mark = scn_path_key(p, k->string);
		if (!scn_is_ident(k->string))
			scn_ld_err(L, file, scn_sb_str(p),
			           "key name is not an identifier ([A-Za-z_][A-Za-z0-9_]*)");
		else if (!strcmp(k->string, "extends"))
			scn_ld_err(L, file, scn_sb_str(p), "'extends' is reserved");
		check_keyschema(L, k, p, file, 0);
		scn_sb_setlen(p, mark);
	}
}

static void check_count(struct scn_ld *L, const cJSON *v, scn_sb *p, const char *file,
                        const char *field)
{
	size_t mark = scn_path_key(p, field);
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
	    v->valuedouble < 0 || v->valuedouble > INT_MAX)
		scn_ld_err(L, file, scn_sb_str(p), "expected a count (integer >= 0)");
	scn_sb_setlen(p, mark);
}

/* The fields of key schema ks of type t: each allowed for t, "doc" and
 * "unit" strings, "required" and "default" consistent. */
static void check_ks_fields(struct scn_ld *L, const cJSON *ks, enum scn_ktype t, scn_sb *p,
                            const char *file, int item)
{
	for (const cJSON *f = ks->child; f; f = f->next) {
		if (!field_allowed(t, f->string)) {
			size_t mark = scn_path_key(p, f->string);
			scn_ld_err(L, file, scn_sb_str(p), "field not allowed for type '%s'",
			           scn_ktype_names[t]);
			scn_sb_setlen(p, mark);
		}
	}
	const char *strs[] = { "doc", "unit" };
	for (int i = 0; i < 2; i++) {
		const cJSON *s = scn_kget(ks, strs[i]);
		if (s && !cJSON_IsString(s)) {
			size_t mark = scn_path_key(p, strs[i]);
			scn_ld_err(L, file, scn_sb_str(p), "expected string, got %s", scn_json_type(s));
			scn_sb_setlen(p, mark);
		}
	}
	const cJSON *fmt = scn_kget(ks, "format");
	if (fmt && (!cJSON_IsString(fmt) || (strcmp(fmt->valuestring, "date") &&
	                                     strcmp(fmt->valuestring, "identifier")))) {
		size_t mark = scn_path_key(p, "format");
		scn_ld_err(L, file, scn_sb_str(p), "expected \"date\" or \"identifier\"");
		scn_sb_setlen(p, mark);
	}
	const char *at = scn_sb_str(p);
	if (!item && !cJSON_IsString(scn_kget(ks, "doc")))
		scn_ld_err(L, file, at, "missing \"doc\"");
	const cJSON *req = scn_kget(ks, "required"), *def = scn_kget(ks, "default");
	if (req && !cJSON_IsBool(req))
		scn_ld_err(L, file, at, "\"required\" must be true or false");
	if (item && (req || def))
		scn_ld_err(L, file, at, "array items take no \"required\" or \"default\"");
	if (!item && cJSON_IsTrue(req) && def)
		scn_ld_err(L, file, at, "a required key cannot have a default");
	if (!item && !cJSON_IsTrue(req) && !def && t != KT_OBJECT)
		scn_ld_err(L, file, at, "an optional key needs a \"default\"");
}

/* "min", "max" and their "exclusive_" flags of a number or integer key. */
static void check_ks_number(struct scn_ld *L, const cJSON *ks, enum scn_ktype t, scn_sb *p,
                            const char *file)
{
	const cJSON *mn = scn_kget(ks, "min"), *mx = scn_kget(ks, "max");
	const char *b[] = { "min", "max" };
	const cJSON *bv[] = { mn, mx };
	for (int i = 0; i < 2; i++) {
		if (!bv[i])
			continue;
		size_t mark = scn_path_key(p, b[i]);
		if (!cJSON_IsNumber(bv[i]) || !isfinite(bv[i]->valuedouble))
			scn_ld_err(L, file, scn_sb_str(p), "expected finite number, got %s",
			           scn_json_type(bv[i]));
		else if (t == KT_INTEGER && bv[i]->valuedouble != floor(bv[i]->valuedouble))
			scn_ld_err(L, file, scn_sb_str(p), "expected integer bound");
		scn_sb_setlen(p, mark);
	}
	if (cJSON_IsNumber(mn) && cJSON_IsNumber(mx) && mn->valuedouble > mx->valuedouble)
		scn_ld_err(L, file, scn_sb_str(p), "\"min\" is above \"max\"");
	const char *ex[] = { "exclusive_min", "exclusive_max" };
	for (int i = 0; i < 2; i++) {
		const cJSON *e = scn_kget(ks, ex[i]);
		if (!e)
			continue;
		size_t mark = scn_path_key(p, ex[i]);
		if (!cJSON_IsBool(e))
			scn_ld_err(L, file, scn_sb_str(p), "expected boolean, got %s", scn_json_type(e));
		else if (!bv[i])
			scn_ld_err(L, file, scn_sb_str(p), "needs \"%s\"", b[i]);
		scn_sb_setlen(p, mark);
	}
}

/* The "values" of an enum key: a non-empty array of distinct strings. */
static void check_ks_enum(struct scn_ld *L, const cJSON *ks, scn_sb *p, const char *file)
{
	const cJSON *vals = scn_kget(ks, "values");
	size_t mark = scn_path_key(p, "values");
	const char *at = scn_sb_str(p);
	if (!cJSON_IsArray(vals) || cJSON_GetArraySize(vals) == 0) {
		scn_ld_err(L, file, at, "expected a non-empty array of strings");
	} else {
		for (const cJSON *v = vals->child; v; v = v->next) {
			if (!cJSON_IsString(v))
				scn_ld_err(L, file, at, "expected strings, got %s", scn_json_type(v));
			else
				for (const cJSON *w = vals->child; w != v; w = w->next)
					if (cJSON_IsString(w) && !strcmp(w->valuestring, v->valuestring))
						scn_ld_err(L, file, at, "'%s' is listed twice", v->valuestring);
		}
	}
	scn_sb_setlen(p, mark);
}

/* The "items" of an array key and its item counts. */
static void check_ks_array(struct scn_ld *L, const cJSON *ks, scn_sb *p, const char *file)
{
	size_t mark = scn_path_key(p, "items");
	if (!scn_kget(ks, "items"))
		scn_ld_err(L, file, scn_sb_str(p), "missing: an array needs \"items\"");
	else
		check_keyschema(L, scn_kget(ks, "items"), p, file, 1);
	scn_sb_setlen(p, mark);
	const cJSON *mn = scn_kget(ks, "min_items"), *mx = scn_kget(ks, "max_items");
	if (mn)
		check_count(L, mn, p, file, "min_items");
	if (mx)
		check_count(L, mx, p, file, "max_items");
	if (cJSON_IsNumber(mn) && cJSON_IsNumber(mx) && mn->valuedouble > mx->valuedouble)
		scn_ld_err(L, file, scn_sb_str(p), "\"min_items\" is above \"max_items\"");
}

/* One key schema: known fields for its type, sane bounds, a default that
 * satisfies its own constraints.  item: the "items" of an array (no default). */
static void check_keyschema(struct scn_ld *L, const cJSON *ks, scn_sb *p, const char *file,
                            int item)
{
	if (!cJSON_IsObject(ks)) {
		scn_ld_err(L, file, scn_sb_str(p), "expected key schema (object), got %s",
		           scn_json_type(ks));
		return;
	}
	int before = L->nerr;
	enum scn_ktype t = scn_ktype_of(ks);
	if (t == KT_BAD) {
		size_t mark = scn_path_key(p, "type");
		scn_ld_err(L, file, scn_sb_str(p), "expected one of 'number', 'integer', 'string', "
		           "'boolean', 'enum', 'object', 'array'");
		scn_sb_setlen(p, mark);
		return;
	}
	check_ks_fields(L, ks, t, p, file, item);
	if (t == KT_NUMBER || t == KT_INTEGER) {
		check_ks_number(L, ks, t, p, file);
	} else if (t == KT_ENUM) {
		check_ks_enum(L, ks, p, file);
	} else if (t == KT_OBJECT) {
		size_t mark = scn_path_key(p, "keys");
		check_keys(L, scn_kget(ks, "keys"), p, file);
		scn_sb_setlen(p, mark);
	} else if (t == KT_ARRAY) {
		check_ks_array(L, ks, p, file);
	}
	const cJSON *def = scn_kget(ks, "default");
	if (L->nerr != before || item)
		return;
	/* Only a well-formed key schema can judge its default; an object without
	 * one takes its keys' defaults, each checked on its own. */
	size_t mark = scn_path_key(p, "default");
	if (def)
		cJSON_Delete(scn_check_value(L, ks, def, p, file, 0));
	scn_sb_setlen(p, mark);
}

/* Checks one section file.  A section file is a key schema ("type" defaults to
 * object) plus "section", its name, and optionally "models".  Returns the key
 * schema of the section, without those two fields, or NULL. */
static cJSON *check_section(struct scn_ld *L, const cJSON *sec, const char *file, const char **name)
{
	*name = NULL;
	if (!cJSON_IsObject(sec)) {
		scn_ld_err(L, file, "$", "expected object, got %s", scn_json_type(sec));
		return NULL;
	}
	const cJSON *s = scn_kget(sec, "section");
	if (!cJSON_IsString(s) || !scn_is_ident(s->valuestring))
		scn_ld_err(L, file, "$.section", "expected an identifier");
	else if (!strcmp(s->valuestring, "extends"))
		scn_ld_err(L, file, "$.section", "'extends' is reserved");
	else
		*name = s->valuestring;
	const cJSON *m = scn_kget(sec, "models");
	if (m) {
		if (!cJSON_IsArray(m) || cJSON_GetArraySize(m) == 0)
			scn_ld_err(L, file, "$.models", "expected a non-empty array of model names");
		else
			for (const cJSON *e = m->child; e; e = e->next)
				if (!cJSON_IsString(e))
					scn_ld_err(L, file, "$.models", "expected strings, got %s",
					           scn_json_type(e));
	}
	cJSON *ks = cJSON_Duplicate(sec, 1);
	if (!ks || (!scn_kget(ks, "type") && !cJSON_AddStringToObject(ks, "type", "object"))) {
		cJSON_Delete(ks);
		L->oom = 1;
		return NULL;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(ks, "section");
	cJSON_DeleteItemFromObjectCaseSensitive(ks, "models");
	if (*name && !strcmp(*name, "run")) {
		if (m)
			scn_ld_err(L, file, "$.models", "section 'run' applies to every model");
		if (scn_ktype_of(ks) != KT_OBJECT)
			scn_ld_err(L, file, "$.type", "section 'run' is an object");
	}
	scn_sb p = { 0 };
	scn_sb_adds(&p, "$");
	check_keyschema(L, ks, &p, file, 0);
	scn_sb_release(&p);
	return ks;
}

enum { MAX_SECTIONS = 64 };

/* The section files while the schema is built. */
struct sections {
	cJSON *file[MAX_SECTIONS];      /* as written */
	cJSON *ks[MAX_SECTIONS];        /* its key schema (check_section) */
	const char *name[MAX_SECTIONS]; /* its "section"; NULL when bad */
	const char *src[MAX_SECTIONS];  /* the file's name, for messages */
	int n;
	int run;                        /* the index of section "run", or -1 */
};

/* Parses and checks each file; a section defined twice is an error. */
static void sections_read(struct scn_ld *L, struct sections *sec, const char *const *names,
                          const char *const *texts, int n)
{
	for (int i = 0; i < n; i++) {
		cJSON *j = scn_parse_json(L, texts[i], strlen(texts[i]), names[i]);
		if (!j)
			continue;
		const char *name;
		cJSON *ks = check_section(L, j, names[i], &name);
		if (!ks || sec->n == MAX_SECTIONS) {
			if (ks)
				scn_ld_err(L, names[i], NULL, "more than %d schema sections", MAX_SECTIONS);
			cJSON_Delete(ks);
			cJSON_Delete(j);
			continue;
		}
		for (int k = 0; name && k < sec->n; k++)
			if (sec->name[k] && !strcmp(sec->name[k], name))
				scn_ld_err(L, names[i], "$.section", "section '%s' is also defined by %s",
				           name, sec->src[k]);
		if (name && !strcmp(name, "run"))
			sec->run = sec->n;
		sec->name[sec->n] = name;
		sec->src[sec->n] = names[i];
		sec->file[sec->n] = j;
		sec->ks[sec->n] = ks;
		sec->n++;
	}
}

/* No section is named as a key of "run", and "models" names values of $.model. */
static void sections_cross_check(struct scn_ld *L, const struct sections *sec)
{
	const cJSON *runkeys = scn_kget(sec->ks[sec->run], "keys");
	const cJSON *model = cJSON_GetObjectItemCaseSensitive(runkeys, "model");
	for (int k = 0; k < sec->n; k++) {
		if (k == sec->run)
			continue;
		if (cJSON_GetObjectItemCaseSensitive(runkeys, sec->name[k]))
			scn_ld_err(L, sec->src[k], "$.section", "'%s' is also a key of section 'run'",
			           sec->name[k]);
		const cJSON *m;
		cJSON_ArrayForEach(m, scn_kget(sec->file[k], "models"))
			if (cJSON_IsString(m) && (!model || scn_ktype_of(model) != KT_ENUM ||
			                          !scn_enum_has(model, m->valuestring)))
				scn_ld_err(L, sec->src[k], "$.models", "'%s' is not a value of $.model",
				           m->valuestring);
	}
}

/* Into root: run's keys at the top, then one key per section (with its
 * "models"), in file order; into files: the files, "run" first.  What moves
 * is taken out of sec.  0 when out of memory. */
static int sections_merge(struct sections *sec, cJSON *root, cJSON *files)
{
	cJSON *rkeys = cJSON_CreateObject();
	if (!rkeys)
		return 0;
	const cJSON *runkeys = scn_kget(sec->ks[sec->run], "keys");
	for (const cJSON *k = runkeys->child; k; k = k->next) {
		cJSON *c = cJSON_Duplicate(k, 1);
		if (!c || !cJSON_AddItemToObject(rkeys, k->string, c)) {
			cJSON_Delete(c);
			goto oom;
		}
	}
	for (int k = 0; k < sec->n; k++) {
		if (k == sec->run)
			continue;
		const cJSON *m = scn_kget(sec->file[k], "models");
		cJSON *md = m ? cJSON_Duplicate(m, 1) : NULL;
		if ((m && !md) || (md && !cJSON_AddItemToObject(sec->ks[k], "models", md))) {
			cJSON_Delete(md);
			goto oom;
		}
		if (!cJSON_AddItemToObject(rkeys, sec->name[k], sec->ks[k]))
			goto oom;
		sec->ks[k] = NULL;
	}
	if (!cJSON_AddStringToObject(root, "type", "object") ||
	    !cJSON_AddItemToObject(root, "keys", rkeys))
		goto oom;
	cJSON_AddItemToArray(files, sec->file[sec->run]);
	sec->file[sec->run] = NULL;
	for (int k = 0; k < sec->n; k++) {
		if (sec->file[k])
			cJSON_AddItemToArray(files, sec->file[k]);
		sec->file[k] = NULL;
	}
	return 1;
oom:
	cJSON_Delete(rkeys);
	return 0;
}

/* Builds the merged schema from section files; reports every problem. */
static sim_status schema_build(const char *const *names, const char *const *texts, int n,
                               sim_diag *d, cJSON **root_out, cJSON **files_out)
{
	struct scn_ld L;
	scn_ld_init(&L, d);
	*root_out = *files_out = NULL;
	struct sections sec = { .n = 0, .run = -1 };
	cJSON *files = cJSON_CreateArray(), *root = cJSON_CreateObject();
	if (!files || !root)
		L.oom = 1;
	else
		sections_read(&L, &sec, names, texts, n);
	if (!L.nerr && !L.oom && sec.run < 0)
		scn_ld_err(&L, "scenarios/schema", NULL, "no section 'run' (the top-level keys)");
	if (!L.nerr && !L.oom)
		sections_cross_check(&L, &sec);
	if (!L.nerr && !L.oom && !sections_merge(&sec, root, files))
		L.oom = 1;
	for (int k = 0; k < sec.n; k++) {
		cJSON_Delete(sec.file[k]);
		cJSON_Delete(sec.ks[k]);
	}
	sim_status st = L.oom ? SIM_ENOMEM : L.nerr ? SIM_EINVAL : SIM_OK;
	if (st != SIM_OK) {
		scn_ld_finish(&L, "scenarios/schema");
		cJSON_Delete(root);
		cJSON_Delete(files);
	} else {
		*root_out = root;
		*files_out = files;
	}
	scn_ld_release(&L);
	return st;
}

sim_status scn_schema_check(const char *const *names, const char *const *texts, int n, sim_diag *d)
{
	cJSON *root, *files;
	sim_status st = schema_build(names, texts, n, d, &root, &files);
	cJSON_Delete(root);
	cJSON_Delete(files);
	return st;
}

static void schema_init(void)
{
	int n = 0;
	while (dais_schema[n].name)
		n++;
	const char **names = calloc((size_t)n + 1, sizeof *names);
	const char **texts = calloc((size_t)n + 1, sizeof *texts);
	SIM_ASSERT(names && texts);
	for (int i = 0; i < n; i++) {
		names[i] = dais_schema[i].name;
		texts[i] = dais_schema[i].text;
	}
	sim_diag d;
	diag_init(&d);
	if (schema_build(names, texts, n, &d, &S.root, &S.files) != SIM_OK) {
		fprintf(stderr, "dais: the scenario schema compiled into this binary is malformed:\n");
		diag_print(&d, stderr, "dais:   ");
		sim_assert_fail("embedded schema (scenarios/schema/<section>.json) is well-formed",
		                __FILE__, __LINE__);
	}
	diag_release(&d);
	free(names);
	free(texts);
}

const cJSON *scn_schema_root(void)
{
	pthread_once(&schema_once, schema_init);
	return S.root;
}

sim_status scn_schema_load(const char *const *names, const char *const *texts, int n, sim_diag *d)
{
	cJSON *root, *files;
	scn_schema_root();
	sim_status st = schema_build(names, texts, n, d, &root, &files);
	if (st == SIM_OK) {
		cJSON_Delete(S.root);
		cJSON_Delete(S.files);
		S.root = root;
		S.files = files;
	}
	return st;
}


/* ------------------------------------------------------------------------
 * Renderings: Markdown for docs/scenarios.md, JSON for tools */

static void md_cell(scn_sb *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			scn_sb_adds(b, "\\|");
		else if (*s == '\n' || *s == '\r')
			scn_sb_adds(b, " ");
		else
			scn_sb_addn(b, s, 1);
	}
}

static void md_range(scn_sb *b, const cJSON *ks)
{
	char num[40];
	const cJSON *mn = scn_kget(ks, "min"), *mx = scn_kget(ks, "max");
	if (mn) {
		scn_fmt_num(num, sizeof num, mn->valuedouble);
		scn_sb_addf(b, "%s %s", cJSON_IsTrue(scn_kget(ks, "exclusive_min")) ? ">" : "≥", num);
	}
	if (mx) {
		scn_fmt_num(num, sizeof num, mx->valuedouble);
		scn_sb_addf(b, "%s%s %s", mn ? ", " : "",
		            cJSON_IsTrue(scn_kget(ks, "exclusive_max")) ? "<" : "≤", num);
	}
}

static void md_valid(scn_sb *b, const cJSON *ks)
{
	switch (scn_ktype_of(ks)) {
	case KT_NUMBER:
	case KT_INTEGER:
		md_range(b, ks);
		break;
	case KT_ENUM:
		scn_enum_list(b, ks, "`");
		break;
	case KT_ARRAY: {
		const cJSON *mn = scn_kget(ks, "min_items"), *mx = scn_kget(ks, "max_items");
		if (mn && mx)
			scn_sb_addf(b, "%d to %d items", mn->valueint, mx->valueint);
		else if (mn)
			scn_sb_addf(b, "at least %d item%s", mn->valueint, mn->valueint == 1 ? "" : "s");
		else if (mx)
			scn_sb_addf(b, "at most %d item%s", mx->valueint, mx->valueint == 1 ? "" : "s");
		scn_sb inner = { 0 };
		md_valid(&inner, scn_kget(ks, "items"));
		if (inner.n)
			scn_sb_addf(b, "%seach %s", mn || mx ? "; " : "", scn_sb_str(&inner));
		scn_sb_release(&inner);
		break;
	}
	case KT_STRING: {
		const cJSON *fmt = scn_kget(ks, "format");
		if (fmt && !strcmp(fmt->valuestring, "date"))
			scn_sb_adds(b, "a date YYYY-MM-DD");
		else if (fmt)
			scn_sb_adds(b, "1 to 48 of a-z, 0-9, _");
		break;
	}
	default:
		break;
	}
}

static void md_rows(scn_sb *b, const cJSON *keys, const char *prefix);

/* One table row for key ks named name, then rows for what it contains. */
static void md_row(scn_sb *b, const char *name, const cJSON *ks)
{
	enum scn_ktype t = scn_ktype_of(ks);
	const cJSON *def = scn_kget(ks, "default"), *unit = scn_kget(ks, "unit");
	const cJSON *doc = scn_kget(ks, "doc");
	scn_sb_addf(b, "| `%s` | ", name);
	if (t == KT_ARRAY)
		scn_sb_addf(b, "array of %s", scn_ktype_names[scn_ktype_of(scn_kget(ks, "items"))]);
	else
		scn_sb_adds(b, scn_ktype_names[t]);
	scn_sb_adds(b, " | ");
	if (cJSON_IsTrue(scn_kget(ks, "required"))) {
		scn_sb_adds(b, "required");
	} else if (def) {
		char *js = cJSON_PrintUnformatted(def);
		if (js) {
			scn_sb_adds(b, "`");
			md_cell(b, js);
			scn_sb_adds(b, "`");
		}
		free(js);
	}
	scn_sb_adds(b, " | ");
	scn_sb v = { 0 };
	md_valid(&v, ks);
	md_cell(b, scn_sb_str(&v));
	scn_sb_release(&v);
	scn_sb_adds(b, " | ");
	md_cell(b, cJSON_IsString(unit) ? unit->valuestring : "");
	scn_sb_adds(b, " | ");
	md_cell(b, cJSON_IsString(doc) ? doc->valuestring : "");
	scn_sb_adds(b, " |\n");
	scn_sb sub = { 0 };
	if (t == KT_OBJECT) {
		scn_sb_addf(&sub, "%s.", name);
		md_rows(b, scn_kget(ks, "keys"), scn_sb_str(&sub));
	} else if (t == KT_ARRAY && scn_ktype_of(scn_kget(ks, "items")) == KT_OBJECT) {
		scn_sb_addf(&sub, "%s[].", name);
		md_rows(b, scn_kget(scn_kget(ks, "items"), "keys"), scn_sb_str(&sub));
	}
	scn_sb_release(&sub);
}

static void md_rows(scn_sb *b, const cJSON *keys, const char *prefix)
{
	for (const cJSON *k = keys ? keys->child : NULL; k; k = k->next) {
		scn_sb name = { 0 };
		scn_sb_addf(&name, "%s%s", prefix, k->string);
		md_row(b, scn_sb_str(&name), k);
		scn_sb_release(&name);
	}
}

static const char md_head[] =
	"| Key | Type | Default | Valid values | Unit | Description |\n"
	"|---|---|---|---|---|---|\n";

static const char *name_dot(scn_sb *b, const char *name)
{
	scn_sb_setlen(b, 0);
	scn_sb_addf(b, "%s.", name);
	return scn_sb_str(b);
}

char *scn_schema_markdown(void)
{
	scn_schema_root();
	scn_sb b = { 0 }, prefix = { 0 };
	const cJSON *f;
	cJSON_ArrayForEach(f, S.files) {
		const char *name = scn_kget(f, "section")->valuestring;
		const cJSON *models = scn_kget(f, "models");
		int run = !strcmp(name, "run");
		if (run)
			scn_sb_adds(&b, "\n### Top-level keys\n\n");
		else
			scn_sb_addf(&b, "\n### Section `%s`\n\n", name);
		scn_sb_addf(&b, "%s\n\n", scn_kget(f, "doc")->valuestring);
		if (models) {
			scn_sb_adds(&b, "Used when `model` is ");
			int i = 0, nm = cJSON_GetArraySize(models);
			const cJSON *m;
			cJSON_ArrayForEach(m, models) {
				scn_sb_addf(&b, "%s`%s`", i == 0 ? "" : i == nm - 1 ? " or " : ", ",
				            m->valuestring);
				i++;
			}
			scn_sb_adds(&b, "; not allowed otherwise.\n\n");
		} else if (!run) {
			scn_sb_adds(&b, "Used by every model.\n\n");
		}
		scn_sb_adds(&b, md_head);
		const cJSON *ent = cJSON_GetObjectItemCaseSensitive(scn_kget(S.root, "keys"), name);
		if (run)
			md_rows(&b, scn_kget(f, "keys"), "");
		else if (scn_ktype_of(ent) == KT_OBJECT)
			md_rows(&b, scn_kget(ent, "keys"), name_dot(&prefix, name));
		else
			md_row(&b, name, ent);
	}
	scn_sb_release(&prefix);
	scn_sb_adds(&b, "\n");
	return scn_sb_take(&b);
}

char *scn_schema_json(void)
{
	scn_schema_root();
	cJSON *o = cJSON_CreateObject();
	cJSON *files = cJSON_Duplicate(S.files, 1);
	if (!o || !files || !cJSON_AddItemToObject(o, "sections", files)) {
		cJSON_Delete(o);
		cJSON_Delete(files);
		return NULL;
	}
	char *s = cJSON_Print(o);
	cJSON_Delete(o);
	return s;
}
