/* scn.c — scenario files: parse, resolve "extends", apply --set overrides,
 * validate against the embedded schema and fill defaults (sim/scn.h); then
 * the accessors.  The parts this builds on are listed in scn_int.h.
 *
 * A loaded scenario is rebuilt key by key from the schema, so its keys come
 * out in schema order and scn_to_json is canonical.
 */
#include "scn_int.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Loading: extends chain, merge, overrides, validation */

/* Child's objects merge key by key over the parent's; arrays and scalars replace. */
static void merge(struct scn_ld *L, cJSON *dst, cJSON *src, const char *file)
{
	cJSON *c = src->child;
	while (c) {
		cJSON *next = c->next;
		cJSON *old = cJSON_GetObjectItemCaseSensitive(dst, c->string);
		cJSON_DetachItemViaPointer(src, c);
		if (old && cJSON_IsObject(old) && cJSON_IsObject(c)) {
			merge(L, old, c, file);
			scn_ld_bury(L, c);
		} else {
			if (old)
				scn_ld_bury(L, cJSON_DetachItemViaPointer(dst, old));
			if (!cJSON_AddItemToObject(dst, c->string, c)) {
				cJSON_Delete(c);
				L->oom = 1;
			} else {
				scn_ld_record(L, c, file);
			}
		}
		c = next;
	}
}

/* "dir/of/child.json" + "base.json" -> "dir/of/base.json" */
static char *join_dir(const char *child, const char *rel)
{
	const char *slash = strrchr(child, '/');
	if (rel[0] == '/' || !slash)
		return strdup(rel);
	size_t dl = (size_t)(slash - child) + 1, rl = strlen(rel);
	char *s = malloc(dl + rl + 1);
	if (s) {
		memcpy(s, child, dl);
		memcpy(s + dl, rel, rl + 1);
	}
	return s;
}

/* The files of an "extends" chain, the top one first. */
struct chain {
	cJSON *doc[SCN_MAX_EXTENDS + 1];
	const char *name[SCN_MAX_EXTENDS + 1];
	char *real[SCN_MAX_EXTENDS + 1];  /* realpath, to find cycles; NULL for text */
	int n;
};

/* 1 after a message when the file real is in the chain already. */
static int chain_cycle(struct scn_ld *L, const struct chain *c, const char *real,
                       const char *pname)
{
	for (int j = 0; j < c->n; j++) {
		if (c->real[j] && !strcmp(c->real[j], real)) {
			scn_sb b = { 0 };
			for (int k = 0; k < c->n; k++)
				scn_sb_addf(&b, "%s -> ", c->name[k]);
			scn_sb_adds(&b, pname);
			scn_ld_err(L, c->name[c->n - 1], "$.extends", "cycle: %s", scn_sb_str(&b));
			scn_sb_release(&b);
			return 1;
		}
	}
	return 0;
}

/* Follows the "extends" of the last file of the chain: 1 when its parent
 * joined the chain, 0 when it has none, -1 after a message. */
static int chain_extend(struct scn_ld *L, struct chain *c)
{
	const char *child = c->name[c->n - 1];
	cJSON *ext = cJSON_DetachItemFromObjectCaseSensitive(c->doc[c->n - 1], "extends");
	if (!ext)
		return 0;
	scn_ld_bury(L, ext);
	if (!cJSON_IsString(ext)) {
		scn_ld_err(L, child, "$.extends", "expected string, got %s", scn_json_type(ext));
		return -1;
	}
	if (!ext->valuestring[0]) {
		scn_ld_err(L, child, "$.extends", "expected file name, got empty string");
		return -1;
	}
	if (c->n > SCN_MAX_EXTENDS) {
		scn_ld_err(L, child, "$.extends", "more than %d files in the chain",
		           SCN_MAX_EXTENDS);
		return -1;
	}
	char *pname = scn_ld_own(L, join_dir(child, ext->valuestring));
	if (!pname)
		return -1;
	char *real = realpath(pname, NULL);
	if (!real) {
		scn_ld_err(L, child, "$.extends", "cannot open '%s': %s", pname, strerror(errno));
		return -1;
	}
	if (chain_cycle(L, c, real, pname)) {
		free(real);
		return -1;
	}
	char *ptext;
	size_t plen;
	const char *why = scn_read_text(pname, &ptext, &plen);
	if (why) {
		scn_ld_err(L, child, "$.extends", "cannot read '%s': %s", pname, why);
		free(real);
		return -1;
	}
	scn_ld_own(L, ptext); /* freed when the load ends */
	cJSON *doc = scn_parse_json(L, ptext, plen, pname);
	if (!doc) {
		free(real);
		return -1;
	}
	c->doc[c->n] = doc;
	c->name[c->n] = pname;
	c->real[c->n] = real;
	c->n++;
	if (!cJSON_IsObject(doc)) {
		scn_ld_err(L, pname, "$", "expected object, got %s", scn_json_type(doc));
		return -1;
	}
	return 1;
}

/* Parses the top text, follows "extends" and merges the chain into one tree. */
static cJSON *load_chain(struct scn_ld *L, const char *text, size_t len, const char *name,
                         int is_file)
{
	struct chain c = { .n = 0 };
	cJSON *root = NULL;
	c.doc[0] = scn_parse_json(L, text, len, name);
	if (!c.doc[0])
		return NULL;
	c.name[0] = name;
	c.real[0] = is_file ? realpath(name, NULL) : NULL;
	c.n = 1;
	if (!cJSON_IsObject(c.doc[0])) {
		scn_ld_err(L, name, "$", "expected object, got %s", scn_json_type(c.doc[0]));
		goto done;
	}
	int more;
	while ((more = chain_extend(L, &c)) > 0)
		;
	if (more < 0)
		goto done;
	/* the eldest is the base; every younger file merges over it */
	int n = c.n;
	root = c.doc[n - 1];
	c.doc[n - 1] = NULL;
	if (n > 1)
		for (const cJSON *k = root->child; k; k = k->next)
			scn_ld_record(L, k, c.name[n - 1]);
	for (int i = n - 2; i >= 0; i--) {
		merge(L, root, c.doc[i], c.name[i]);
		scn_ld_bury(L, c.doc[i]);
		c.doc[i] = NULL;
	}
done:
	for (int i = 0; i < c.n; i++) {
		cJSON_Delete(c.doc[i]);
		free(c.real[i]);
	}
	return root;
}

/* Everything after reading the top text; returns the scenario or NULL. */
static scn *load_text(const char *text, size_t len, const char *name, int is_file,
                      const char *const *sets, int n_sets, sim_diag *d)
{
	struct scn_ld L;
	scn_ld_init(&L, d);
	const cJSON *schema = scn_schema_root();
	scn *s = NULL;
	cJSON *resolved = NULL;
	cJSON *tree = load_chain(&L, text, len, name, is_file);
	if (!tree)
		goto done;
	for (int i = 0; i < n_sets; i++)
		scn_apply_set(&L, tree, sets[i] ? sets[i] : "", name);
	scn_sb p = { 0 };
	scn_sb_adds(&p, "$");
	resolved = scn_check_value(&L, schema, tree, &p, name, 1);
	scn_sb_release(&p);
	if (!resolved || L.nerr || L.oom)
		goto done;
	s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(name))) {
		free(s);
		s = NULL;
		L.oom = 1;
		goto done;
	}
	s->root = resolved;
	resolved = NULL;
done:
	cJSON_Delete(tree);
	cJSON_Delete(resolved);
	if (!s && !L.nerr && !L.oom)
		L.oom = 1;
	if (!s)
		scn_ld_finish(&L, name);
	scn_ld_release(&L);
	return s;
}

scn *scn_load(const char *path, const char *const *sets, int n_sets, sim_diag *d)
{
	SIM_ASSERT(path && d && n_sets >= 0);
	char *text;
	size_t len;
	const char *why = scn_read_text(path, &text, &len);
	if (why) {
		struct scn_ld L;
		scn_ld_init(&L, d);
		scn_ld_err(&L, path, NULL, "cannot read: %s", why);
		scn_ld_release(&L);
		return NULL;
	}
	scn *s = load_text(text, len, path, 1, sets, n_sets, d);
	free(text);
	return s;
}

scn *scn_parse(const char *text, const char *name, const char *const *sets, int n_sets,
               sim_diag *d)
{
	SIM_ASSERT(text && d && n_sets >= 0);
	return load_text(text, strlen(text), name ? name : "<string>", 0, sets, n_sets, d);
}

void scn_free(scn *s)
{
	if (!s)
		return;
	cJSON_Delete(s->root);
	free(s->path);
	free(s);
}

const char *scn_path(const scn *s)
{
	return s->path;
}

char *scn_to_json(const scn *s)
{
	return cJSON_PrintUnformatted(s->root);
}

const cJSON *scn_root(const scn *s)
{
	return s->root;
}

sim_status scn_set(scn *s, const char *assignment, sim_diag *d)
{
	SIM_ASSERT(s && assignment && d);
	struct scn_ld L;
	scn_ld_init(&L, d);
	sim_status st = SIM_EINVAL;
	cJSON *tree = cJSON_Duplicate(s->root, 1), *resolved = NULL;
	if (!tree) {
		L.oom = 1;
		goto done;
	}
	if (!scn_apply_set(&L, tree, assignment, s->path))
		goto done;
	scn_sb p = { 0 };
	scn_sb_adds(&p, "$");
	resolved = scn_check_value(&L, scn_schema_root(), tree, &p, s->path, 1);
	scn_sb_release(&p);
	if (resolved && !L.nerr && !L.oom) {
		cJSON_Delete(s->root);
		s->root = resolved;
		resolved = NULL;
		st = SIM_OK;
	}
done:
	cJSON_Delete(tree);
	cJSON_Delete(resolved);
	if (st != SIM_OK) {
		scn_ld_finish(&L, s->path);
		if (L.oom)
			st = SIM_ENOMEM;
	}
	scn_ld_release(&L);
	return st;
}


/* ------------------------------------------------------------------------
 * Accessors */

_Noreturn static void bug(const char *fmt, ...) SIM_PRINTF(1, 2);
_Noreturn static void bug(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "dais: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	sim_assert_fail("scenario accessed as the schema defines it", __FILE__, __LINE__);
}

static const cJSON *lookup(const scn *s, const char *path, enum scn_ktype *type)
{
	SIM_ASSERT(s && path);
	size_t plen = strlen(path);
	char stackbuf[256];
	char *buf = 2 * plen + 2 <= sizeof stackbuf ? stackbuf : malloc(2 * plen + 2);
	SIM_ASSERT(buf);
	memcpy(buf, path, plen + 1);
	struct scn_seg segs[SCN_MAX_SEGS];
	const char *why;
	int n = scn_split_path(buf, segs, &why);
	if (n < 0)
		bug("scenario path '%s': %s", path, why);
	const cJSON *ks = scn_schema_root(), *node = s->root;
	for (int i = 0; i < n; i++) {
		enum scn_ktype t = scn_ktype_of(ks);
		if (segs[i].kind == SEG_KEY) {
			const cJSON *cks = t == KT_OBJECT
				? cJSON_GetObjectItemCaseSensitive(scn_kget(ks, "keys"), segs[i].name) : NULL;
			if (!cks)
				bug("scenario path '%s': '%s' is not defined by the schema", path, segs[i].name);
			node = cJSON_GetObjectItemCaseSensitive(node, segs[i].name);
			if (!node)
				bug("scenario path '%s': section '%s' is absent (not used by model '%s')", path,
				    segs[i].name, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s->root, "model")));
			ks = cks;
		} else {
			if (t != KT_ARRAY)
				bug("scenario path '%s': not an array before '[%s]'", path, segs[i].name);
			int idx = segs[i].index;
			const cJSON *c = segs[i].kind == SEG_INDEX ? cJSON_GetArrayItem(node, idx)
			                                           : scn_item_named(node, segs[i].name, &idx);
			if (!c)
				bug("scenario path '%s': no item [%s] (%d items)", path, segs[i].name,
				    cJSON_GetArraySize(node));
			node = c;
			ks = scn_kget(ks, "items");
		}
	}
	if (buf != stackbuf)
		free(buf);
	*type = scn_ktype_of(ks);
	return node;
}

const cJSON *scn_get(const scn *s, const char *path)
{
	enum scn_ktype t;
	return lookup(s, path, &t);
}

double scn_num(const scn *s, const char *path)
{
	enum scn_ktype t;
	const cJSON *v = lookup(s, path, &t);
	if (t != KT_NUMBER && t != KT_INTEGER)
		bug("scn_num('%s'): the key is of type %s", path, scn_ktype_names[t]);
	return v->valuedouble;
}

long long scn_int(const scn *s, const char *path)
{
	enum scn_ktype t;
	const cJSON *v = lookup(s, path, &t);
	if (t != KT_INTEGER)
		bug("scn_int('%s'): the key is of type %s", path, scn_ktype_names[t]);
	if (!(fabs(v->valuedouble) < 9.2e18))
		bug("scn_int('%s'): %g does not fit a long long; give the key a \"max\"", path,
		    v->valuedouble);
	return (long long)v->valuedouble;
}

int scn_bool(const scn *s, const char *path)
{
	enum scn_ktype t;
	const cJSON *v = lookup(s, path, &t);
	if (t != KT_BOOLEAN)
		bug("scn_bool('%s'): the key is of type %s", path, scn_ktype_names[t]);
	return cJSON_IsTrue(v);
}

const char *scn_str(const scn *s, const char *path)
{
	enum scn_ktype t;
	const cJSON *v = lookup(s, path, &t);
	if (t != KT_STRING && t != KT_ENUM)
		bug("scn_str('%s'): the key is of type %s", path, scn_ktype_names[t]);
	return v->valuestring;
}

int scn_len(const scn *s, const char *path)
{
	enum scn_ktype t;
	const cJSON *v = lookup(s, path, &t);
	if (t != KT_ARRAY)
		bug("scn_len('%s'): the key is of type %s", path, scn_ktype_names[t]);
	return cJSON_GetArraySize(v);
}
