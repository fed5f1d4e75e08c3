/* uq.c — the problem file of `dais uncertainty` (run/uq.h): parse it, check
 * every parameter against the scenario at both ends of its range, and the
 * accessors.  Running the points is uq_run.c's, writing the results
 * uq_out.c's. */
#include "uq_int.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sim/file.h"
#include "sim/scn.h"

/* Reports the keys of obj that are not in allowed (NULL-terminated). */
static int check_keys(const cJSON *obj, const char *const *allowed, const char *file,
                      const char *at, sim_diag *d)
{
	int bad = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, obj)
	{
		int ok = 0;
		for (const char *const *k = allowed; *k && !ok; k++)
			ok = !strcmp(it->string, *k);
		if (!ok) {
			char cut[DIAG_CUT + 4];
			diag_add(d, "%s: %s.%s: unknown key", file, at, diag_cut(cut, it->string));
			bad++;
		}
	}
	return bad;
}

static const cJSON *item(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* A required finite number at at.key into *v. */
static int need_num(const cJSON *o, const char *key, const char *file, const char *at,
                    double *v, sim_diag *d)
{
	const cJSON *x = item(o, key);
	if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble)) {
		diag_add(d, "%s: %s.%s: expected a number, got %s", file, at, key, scn_json_type(x));
		return 1;
	}
	*v = x->valuedouble;
	return 0;
}

/* "bounds": [lo, hi] with lo < hi. */
static int need_bounds(const cJSON *o, const char *file, const char *at, double *lo, double *hi,
                       sim_diag *d)
{
	const cJSON *b = item(o, "bounds");
	if (!cJSON_IsArray(b) || cJSON_GetArraySize(b) != 2 ||
	    !cJSON_IsNumber(cJSON_GetArrayItem(b, 0)) || !cJSON_IsNumber(cJSON_GetArrayItem(b, 1))) {
		diag_add(d, "%s: %s.bounds: expected [lower, upper] (two numbers), got %s", file, at,
		         scn_json_type(b));
		return 1;
	}
	*lo = cJSON_GetArrayItem(b, 0)->valuedouble;
	*hi = cJSON_GetArrayItem(b, 1)->valuedouble;
	if (!(isfinite(*lo) && isfinite(*hi) && *lo < *hi)) {
		diag_add(d, "%s: %s.bounds: expected lower < upper, got [%g, %g]", file, at, *lo, *hi);
		return 1;
	}
	return 0;
}

/* The distribution of parameter at (its "distribution" and what that
 * kind needs). */
static int parse_dist(struct uq_param *p, const cJSON *o, const char *file, const char *at,
                      sim_diag *d)
{
	const cJSON *k = item(o, "distribution");
	const char *kn = k ? (cJSON_IsString(k) ? k->valuestring : NULL) : "uniform";
	int kind = gsa_dist_kind_of(kn);
	if (kind < 0) {
		char cut[DIAG_CUT + 4];
		diag_add(d, "%s: %s.distribution: expected uniform, loguniform, normal, truncnormal "
		            "or triangular, got %s%s%s", file, at, kn ? "'" : scn_json_type(k),
		         kn ? diag_cut(cut, kn) : "", kn ? "'" : "");
		return 1;
	}
	struct gsa_dist *g = &p->dist;
	g->kind = (enum gsa_dist_kind)kind;
	int bad = 0;
	switch (g->kind) {
	case GSA_UNIFORM:
	case GSA_LOGUNIFORM:
		bad = need_bounds(o, file, at, &g->a, &g->b, d);
		g->lo = g->a;
		g->hi = g->b;
		if (!bad && g->kind == GSA_LOGUNIFORM && !(g->a > 0)) {
			diag_add(d, "%s: %s.bounds: a loguniform range must be positive, got [%g, %g]",
			         file, at, g->a, g->b);
			bad++;
		}
		break;
	case GSA_TRIANGULAR:
		bad = need_bounds(o, file, at, &g->a, &g->b, d) + need_num(o, "mode", file, at, &g->c, d);
		g->lo = g->a;
		g->hi = g->b;
		if (!bad && !(g->c >= g->a && g->c <= g->b)) {
			diag_add(d, "%s: %s.mode: expected within the bounds [%g, %g], got %g", file, at,
			         g->a, g->b, g->c);
			bad++;
		}
		break;
	case GSA_NORMAL:
	case GSA_TRUNCNORMAL:
		bad = need_num(o, "mean", file, at, &g->a, d) + need_num(o, "sd", file, at, &g->b, d);
		if (!bad && !(g->b > 0)) {
			diag_add(d, "%s: %s.sd: expected a positive number, got %g", file, at, g->b);
			bad++;
		}
		g->lo = -INFINITY;
		g->hi = INFINITY;
		if (g->kind == GSA_TRUNCNORMAL)
			bad += need_bounds(o, file, at, &g->lo, &g->hi, d);
		break;
	}
	return bad;
}

static char *str_or(const cJSON *v, const char *dflt)
{
	return strdup(cJSON_IsString(v) ? v->valuestring : dflt);
}

/* Parameter i of $.parameters. */
static int parse_param(uq *q, int i, const cJSON *o, sim_diag *d)
{
	static const char *const keys[] = { "path", "label", "distribution", "bounds", "mode",
	                                    "mean", "sd", "source", "integer", NULL };
	char at[64];
	snprintf(at, sizeof at, "$.parameters[%d]", i);
	struct uq_param *p = &q->params[i];
	if (!cJSON_IsObject(o)) {
		diag_add(d, "%s: %s: expected object, got %s", q->name, at, scn_json_type(o));
		return 1;
	}
	int bad = check_keys(o, keys, q->name, at, d);
	const cJSON *path = item(o, "path"), *src = item(o, "source"), *lab = item(o, "label");
	const cJSON *in = item(o, "integer");
	if (!cJSON_IsString(path) || !*path->valuestring || strchr(path->valuestring, '=')) {
		diag_add(d, "%s: %s.path: expected a scenario path (as --set takes it), got %s", q->name,
		         at, scn_json_type(path));
		bad++;
	}
	if (!cJSON_IsString(src) || !*src->valuestring) {
		diag_add(d, "%s: %s.source: expected a reference or \"estimate\", got %s", q->name, at,
		         scn_json_type(src));
		bad++;
	}
	if (lab && !cJSON_IsString(lab)) {
		diag_add(d, "%s: %s.label: expected string, got %s", q->name, at, scn_json_type(lab));
		bad++;
	}
	if (in && !cJSON_IsBool(in)) {
		diag_add(d, "%s: %s.integer: expected true or false, got %s", q->name, at, scn_json_type(in));
		bad++;
	}
	p->integer = cJSON_IsTrue(in);
	bad += parse_dist(p, o, q->name, at, d);
	p->path = str_or(path, "");
	p->label = str_or(lab, p->path ? p->path : "");
	p->source = str_or(src, "");
	for (int j = 0; j < i && cJSON_IsString(path); j++)
		if (!strcmp(q->params[j].path, p->path)) {
			diag_add(d, "%s: %s.path: '%s' is parameter %d already", q->name, at, p->path, j);
			bad++;
		}
	return bad;
}

static int parse_output(uq *q, int i, const cJSON *o, sim_diag *d)
{
	static const char *const keys[] = { "name", "missing", NULL };
	char at[64];
	snprintf(at, sizeof at, "$.outputs[%d]", i);
	struct uq_output *u = &q->outputs[i];
	const cJSON *name = cJSON_IsObject(o) ? item(o, "name") : o;
	int bad = cJSON_IsObject(o) ? check_keys(o, keys, q->name, at, d) : 0;
	if (!cJSON_IsString(name) || !rec_valid_name(name->valuestring)) {
		diag_add(d, "%s: %s%s: expected the name of a scalar ([A-Za-z0-9_]+), got %s", q->name,
		         at, cJSON_IsObject(o) ? ".name" : "", scn_json_type(name));
		bad++;
	}
	u->name = str_or(name, "");
	const cJSON *m = cJSON_IsObject(o) ? item(o, "missing") : NULL;
	if (m) {
		if (!cJSON_IsNumber(m) || !isfinite(m->valuedouble)) {
			diag_add(d, "%s: %s.missing: expected a number, got %s", q->name, at, scn_json_type(m));
			bad++;
		}
		u->has_missing = 1;
		u->missing = m->valuedouble;
	}
	for (int j = 0; j < i && cJSON_IsString(name); j++)
		if (!strcmp(q->outputs[j].name, u->name)) {
			diag_add(d, "%s: %s: '%s' is output %d already", q->name, at, u->name, j);
			bad++;
		}
	return bad;
}

/* A non-empty array at key, its size into *n. */
static const cJSON *need_array(const cJSON *root, const char *key, const char *file, int max,
                               int *n, sim_diag *d)
{
	const cJSON *a = item(root, key);
	*n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
	if (*n < 1 || *n > max) {
		diag_add(d, "%s: $.%s: expected an array of 1 to %d entries, got %s%s", file, key, max,
		         scn_json_type(a), cJSON_IsArray(a) ? (*n ? " (too long)" : " (empty)") : "");
		*n = 0;
		return NULL;
	}
	return a;
}

/* The top-level keys into q; the number of problems. */
static int parse_root(uq *q, const cJSON *root, sim_diag *d)
{
	static const char *const keys[] = { "description", "scenario", "set", "parameters",
	                                    "outputs", "output", NULL };
	const char *f = q->name;
	if (!cJSON_IsObject(root)) {
		diag_add(d, "%s: $: expected object, got %s", f, scn_json_type(root));
		return 1;
	}
	int bad = check_keys(root, keys, f, "$", d);
	const cJSON *desc = item(root, "description"), *sc = item(root, "scenario");
	const cJSON *set = item(root, "set"), *out = item(root, "output");
	if (desc && !cJSON_IsString(desc))
		bad++, diag_add(d, "%s: $.description: expected string, got %s", f, scn_json_type(desc));
	if (out && (!cJSON_IsString(out) || !*out->valuestring))
		bad++, diag_add(d, "%s: $.output: expected a folder name, got %s", f, scn_json_type(out));
	if (!cJSON_IsString(sc) || !*sc->valuestring)
		bad++, diag_add(d, "%s: $.scenario: expected string (a scenario file), got %s", f,
		                scn_json_type(sc));
	q->desc = str_or(desc, "");
	if (cJSON_IsString(sc) && *sc->valuestring) {
		const char *slash = strrchr(f, '/');
		int dn = slash && sc->valuestring[0] != '/' ? (int)(slash - f) + 1 : 0;
		size_t n = (size_t)dn + strlen(sc->valuestring) + 1;
		if ((q->scenario = malloc(n)))
			snprintf(q->scenario, n, "%.*s%s", dn, f, sc->valuestring);
	}
	if (cJSON_IsString(out) && *out->valuestring) {
		q->dir = strdup(out->valuestring);
	} else {
		const char *base = strrchr(f, '/') ? strrchr(f, '/') + 1 : f;
		size_t n = strlen(base) + 32;
		if ((q->dir = malloc(n))) {
			snprintf(q->dir, n, "results/uncertainty/%s", base);
			char *dot = strrchr(q->dir, '.');
			if (dot && !strcmp(dot, ".json"))
				*dot = '\0';
		}
	}
	if (set && !cJSON_IsArray(set))
		bad++, diag_add(d, "%s: $.set: expected an array of \"path=value\", got %s", f,
		                scn_json_type(set));
	q->nsets = cJSON_IsArray(set) ? cJSON_GetArraySize(set) : 0;
	q->sets = calloc((size_t)q->nsets + 1, sizeof *q->sets);
	for (int i = 0; q->sets && i < q->nsets; i++) {
		const cJSON *s = cJSON_GetArrayItem(set, i);
		if (!cJSON_IsString(s) || !strchr(s->valuestring, '='))
			bad++, diag_add(d, "%s: $.set[%d]: expected \"path=value\", got %s", f, i,
			                scn_json_type(s));
		q->sets[i] = str_or(s, "");
	}
	const cJSON *ps = need_array(root, "parameters", f, UQ_MAX_PARAMS, &q->k, d);
	const cJSON *os = need_array(root, "outputs", f, UQ_MAX_OUTPUTS, &q->nout, d);
	bad += !ps + !os;
	q->params = calloc((size_t)q->k + 1, sizeof *q->params);
	q->outputs = calloc((size_t)q->nout + 1, sizeof *q->outputs);
	if (!q->params || !q->outputs || !q->sets)
		return bad + 1;
	for (int i = 0; i < q->k; i++)
		bad += parse_param(q, i, cJSON_GetArrayItem(ps, i), d);
	for (int i = 0; i < q->nout; i++)
		bad += parse_output(q, i, cJSON_GetArrayItem(os, i), d);
	return bad;
}

void uq_assignment(const struct uq_param *p, double v, char *buf, size_t n)
{
	if (p->integer)
		snprintf(buf, n, "%s=%.0f", p->path, nearbyint(v));
	else if (snprintf(buf, n, "%s=%.15g", p->path, v), strtod(strchr(buf, '=') + 1, NULL) != v)
		snprintf(buf, n, "%s=%.17g", p->path, v); /* the shortest text that reads back */
}

scn *uq_point(const uq *q, const double *x, const char *extra, void **params, sim_diag *d)
{
	char buf[UQ_MAX_PARAMS][UQ_SET_MAX];
	const char *sets[UQ_MAX_PARAMS + 1];
	for (int i = 0; i < q->k; i++) {
		uq_assignment(&q->params[i], x[i], buf[i], sizeof buf[i]);
		sets[i] = buf[i];
	}
	if (extra)
		sets[q->k] = extra;
	*params = NULL;
	scn *s = scn_parse(q->base_json, q->scenario, sets, q->k + (extra != NULL), d);
	if (!s)
		return NULL;
	void *p = calloc(1, q->mt->params_size ? q->mt->params_size : 1);
	if (!p || q->mt->parse(p, s, d) != SIM_OK) {
		if (p && q->mt->release)
			q->mt->release(p);
		free(p);
		scn_free(s);
		return NULL;
	}
	*params = p;
	return s;
}

void uq_point_release(const uq *q, scn *s, void *params)
{
	if (params && q->mt->release)
		q->mt->release(params);
	free(params);
	scn_free(s);
}

/* The model's checks of the base scenario with one assignment; messages to d. */
static void check_one(const uq *q, const char *set, sim_diag *d)
{
	scn *s = scn_parse(q->base_json, q->scenario, &set, 1, d);
	if (!s)
		return;
	void *p = calloc(1, q->mt->params_size ? q->mt->params_size : 1);
	if (p)
		(void)q->mt->parse(p, s, d);
	if (p && q->mt->release)
		q->mt->release(p);
	free(p);
	scn_free(s);
}

/* Loads the base scenario and checks each parameter alone at both ends of
 * its range (the others at their base values) against the schema and the
 * model's own rules. */
static int check_scenario(uq *q, const struct model_type *const *models, sim_diag *d)
{
	sim_diag sub;
	diag_init(&sub);
	scn *base = scn_load(q->scenario, (const char *const *)q->sets, q->nsets, &sub);
	if (!base) {
		diag_add(d, "%s: $.scenario: cannot load '%s' with $.set:", q->name, q->scenario);
		for (int m = 0; m < sub.n; m++)
			diag_add(d, "  %s", sub.msg[m]);
		diag_release(&sub);
		return 1;
	}
	q->base_json = scn_to_json(base);
	q->seed = (uint64_t)scn_int(base, "seed");
	q->mt = model_type_find(models, scn_str(base, "model"));
	scn_free(base);
	if (!q->base_json || !q->mt) {
		diag_release(&sub);
		return 1;
	}
	int bad = 0;
	for (int i = 0; i < q->k; i++) {
		for (int end = 0; end < 2; end++) {
			char set[UQ_SET_MAX];
			uq_assignment(&q->params[i], gsa_dist_quantile(&q->params[i].dist, end), set,
			              sizeof set);
			check_one(q, set, &sub);
			if (sub.n == 0)
				continue;
			diag_add(d, "%s: $.parameters[%d] ('%s' at its %s): %s", q->name, i,
			         q->params[i].path, end ? "upper end" : "lower end", sub.msg[0]);
			for (int m = 1; m < sub.n; m++)
				diag_add(d, "  %s", sub.msg[m]);
			diag_clear(&sub);
			bad++;
			break;
		}
	}
	diag_release(&sub);
	return bad;
}

uq *uq_load(const char *path, const struct model_type *const *models, sim_diag *d)
{
	char *text = NULL;
	size_t len;
	if (file_read(path, FILE_MAX_TEXT, &text, &len, d) != SIM_OK)
		return NULL;
	uq *q = calloc(1, sizeof *q);
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(text, &end, 0);
	if (!q || !(q->name = strdup(path))) {
		diag_add(d, "%s: out of memory", path);
	} else if (!root) {
		size_t at = end ? (size_t)(end - text) : 0;
		diag_add(d, "%s: not valid JSON (near byte %zu)", path, at);
	} else if (parse_root(q, root, d) == 0 && check_scenario(q, models, d) == 0) {
		q->text = text;
		cJSON_Delete(root);
		return q;
	}
	cJSON_Delete(root);
	free(text);
	uq_free(q);
	return NULL;
}

void uq_free(uq *q)
{
	if (!q)
		return;
	for (int i = 0; q->params && i < q->k; i++) {
		free(q->params[i].path);
		free(q->params[i].label);
		free(q->params[i].source);
	}
	for (int i = 0; q->outputs && i < q->nout; i++)
		free(q->outputs[i].name);
	for (int i = 0; q->sets && i < q->nsets; i++)
		free(q->sets[i]);
	free(q->params);
	free(q->outputs);
	free(q->sets);
	free(q->name);
	free(q->desc);
	free(q->scenario);
	free(q->dir);
	free(q->base_json);
	free(q->text);
	free(q);
}

const char *uq_name(const uq *q) { return q->name; }
const char *uq_description(const uq *q) { return q->desc; }
const char *uq_default_dir(const uq *q) { return q->dir; }
const char *uq_scenario_json(const uq *q) { return q->base_json; }
uint64_t uq_scenario_seed(const uq *q) { return q->seed; }
int uq_nparams(const uq *q) { return q->k; }
const struct uq_param *uq_param(const uq *q, int i) { return &q->params[i]; }
int uq_noutputs(const uq *q) { return q->nout; }
const struct uq_output *uq_output(const uq *q, int i) { return &q->outputs[i]; }

static const char *const method_names[] = { "sobol", "morris", "lhs" };

const char *uq_method_name(enum uq_method m) { return method_names[m]; }

int uq_method_of(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(name, method_names[i]))
			return i;
	return -1;
}

int uq_is_problem(const char *path)
{
	char *text = NULL;
	size_t len;
	sim_diag d;
	diag_init(&d);
	int yes = 0;
	if (file_read(path, FILE_MAX_TEXT, &text, &len, &d) == SIM_OK) {
		cJSON *root = cJSON_Parse(text);
		const cJSON *ps = cJSON_IsObject(root) ? item(root, "parameters") : NULL, *p;
		cJSON_ArrayForEach(p, ps)
			yes |= cJSON_IsObject(p) && (item(p, "source") || item(p, "bounds") ||
			                            item(p, "distribution"));
		cJSON_Delete(root);
	}
	free(text);
	diag_release(&d);
	return yes;
}

char *uq_sweep_json(const uq *q, const char *dir)
{
	char scen[PATH_MAX];
	if (!realpath(q->scenario, scen))
		snprintf(scen, sizeof scen, "%s", q->scenario);
	cJSON *root = cJSON_CreateObject(), *ps = cJSON_CreateArray(), *os = cJSON_CreateArray();
	cJSON *set = cJSON_CreateArray();
	cJSON_AddStringToObject(root, "description", q->desc);
	cJSON_AddStringToObject(root, "scenario", scen);
	for (int i = 0; i < q->nsets; i++)
		cJSON_AddItemToArray(set, cJSON_CreateString(q->sets[i]));
	cJSON_AddItemToObject(root, "set", set);
	cJSON_AddStringToObject(root, "mode", "oat");
	for (int i = 0; i < q->k; i++) {
		const struct uq_param *p = &q->params[i];
		double lo = gsa_dist_quantile(&p->dist, 0), hi = gsa_dist_quantile(&p->dist, 1);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", p->path);
		cJSON_AddStringToObject(o, "label", p->label);
		cJSON_AddNumberToObject(o, "low", p->integer ? nearbyint(lo) : lo);
		cJSON_AddNumberToObject(o, "high", p->integer ? nearbyint(hi) : hi);
		cJSON_AddItemToArray(ps, o);
	}
	cJSON_AddItemToObject(root, "parameters", ps);
	for (int i = 0; i < q->nout; i++)
		cJSON_AddItemToArray(os, cJSON_CreateString(q->outputs[i].name));
	cJSON_AddItemToObject(root, "outputs", os);
	cJSON_AddStringToObject(root, "output", dir);
	char *text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return text;
}
