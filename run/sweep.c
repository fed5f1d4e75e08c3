/* sweep.c — the sweep file (run/sweep.h): parse and check it, load its
 * scenario and check every point before anything runs; the accessors; the
 * points of a grid or a one-at-a-time design and their overrides.  Running
 * is in sweep_run.c, the index and the tornado in sweep_out.c.
 */
#include "sweep_int.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sim/file.h"
#include "sim/model.h"
#include "sim/rec.h"
#include "sim/sim.h"

/* ------------------------------------------------------------- parsing */

static int lev(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 40 || m > 40)
		return 99;
	int row[41];
	for (size_t j = 0; j <= m; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= n; i++) {
		int prev = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= m; j++) {
			int cur = row[j];
			int best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[m];
}

/* Reports keys of obj not in allowed (NULL-terminated), with a suggestion. */
static int check_keys(const cJSON *obj, const char *const *allowed, const char *file,
                      const char *at, sim_diag *d)
{
	int bad = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, obj)
	{
		int ok = 0;
		const char *best = NULL;
		int bd = 3;
		for (const char *const *k = allowed; *k; k++) {
			if (!strcmp(it->string, *k))
				ok = 1;
			int dd = lev(it->string, *k);
			if (dd < bd && 2 * dd <= (int)strlen(it->string)) {
				bd = dd;
				best = *k;
			}
		}
		if (ok)
			continue;
		bad++;
		char cut[DIAG_CUT + 4];
		if (best)
			diag_add(d, "%s: %s.%s: unknown key (did you mean '%s'?)", file, at,
			         diag_cut(cut, it->string), best);
		else
			diag_add(d, "%s: %s.%s: unknown key", file, at, diag_cut(cut, it->string));
	}
	return bad;
}

/* The compact JSON text of a scalar value. */
static char *value_text(const cJSON *v)
{
	return cJSON_PrintUnformatted(v);
}

static int add_value(struct sweep_param *p, char *text)
{
	if (!text)
		return 0;
	/* capacity doubles at powers of two: a long range stays linear */
	int n = p->nvalues;
	if ((n & (n - 1)) == 0) {
		char **nv = realloc(p->values, (n ? 2 * (size_t)n : 1) * sizeof *nv);
		if (!nv) {
			free(text);
			return 0;
		}
		p->values = nv;
	}
	p->values[p->nvalues++] = text;
	return 1;
}

static int is_scalar(const cJSON *v)
{
	return cJSON_IsNumber(v) || cJSON_IsString(v) || cJSON_IsBool(v);
}

/* Reads "values" (a list or {from, to, steps}) of parameter k. */
static int parse_values(struct sweep_param *p, const cJSON *v, const char *file, int k,
                        int expand, sim_diag *d)
{
	int bad = 0;
	if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0) {
		int j = 0;
		const cJSON *x;
		cJSON_ArrayForEach(x, v)
		{
			if (!is_scalar(x)) {
				diag_add(d, "%s: $.parameters[%d].values[%d]: expected number, string or "
				            "boolean, got %s", file, k, j, scn_json_type(x));
				bad++;
			} else if (cJSON_IsNumber(x) && !isfinite(x->valuedouble)) {
				diag_add(d, "%s: $.parameters[%d].values[%d]: expected a finite number", file, k, j);
				bad++;
			} else if (!add_value(p, value_text(x))) {
				bad++;
				diag_add(d, "out of memory");
			}
			j++;
		}
		return bad;
	}
	if (cJSON_IsObject(v)) {
		static const char *const keys[] = { "from", "to", "steps", NULL };
		char at[64];
		snprintf(at, sizeof at, "$.parameters[%d].values", k);
		bad += check_keys(v, keys, file, at, d);
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(v, "from");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "to");
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(v, "steps");
		const char *nm[3] = { "from", "to", "steps" };
		const cJSON *vv[3] = { f, t, s };
		for (int i = 0; i < 3; i++)
			if (!cJSON_IsNumber(vv[i]) || !isfinite(vv[i]->valuedouble)) {
				diag_add(d, "%s: %s.%s: expected number, got %s", file, at, nm[i],
				         vv[i] ? scn_json_type(vv[i]) : "nothing (required key is missing)");
				bad++;
			}
		if (bad)
			return bad;
		double n = s->valuedouble;
		if (n != floor(n) || n < 1 || n > SWEEP_MAX_POINTS) {
			diag_add(d, "%s: %s.steps: expected an integer in [1, %d], got %g", file, at,
			         SWEEP_MAX_POINTS, n);
			return 1;
		}
		int steps = (int)n;
		/* a parameter already found broken is not expanded: a range of 10^6
		 * steps takes a second, and the file is refused anyway */
		for (int i = 0; expand && i < steps; i++) {
			double x = steps == 1 ? f->valuedouble
			                      : f->valuedouble + (t->valuedouble - f->valuedouble) * i / (steps - 1);
			if (i == steps - 1)
				x = t->valuedouble;
			cJSON *c = cJSON_CreateNumber(x);
			if (!c || !add_value(p, value_text(c))) {
				cJSON_Delete(c);
				diag_add(d, "out of memory");
				return 1;
			}
			cJSON_Delete(c);
		}
		return 0;
	}
	diag_add(d, "%s: $.parameters[%d].values: expected non-empty array or {from, to, steps}, "
	            "got %s", file, k, cJSON_IsArray(v) ? "empty array" : scn_json_type(v));
	return 1;
}

static void param_release(struct sweep_param *p)
{
	free(p->path);
	free(p->label);
	for (int j = 0; j < p->nvalues; j++) {
		free(p->values[j]);
		if (p->sets)
			free(p->sets[j]);
	}
	free(p->values);
	free(p->sets);
	free(p->base);
}

void sweep_free(sweep *w)
{
	if (!w)
		return;
	for (int k = 0; k < w->nparams; k++)
		param_release(&w->params[k]);
	free(w->params);
	for (int i = 0; i < w->noutputs; i++)
		free(w->outputs[i]);
	free(w->outputs);
	for (int i = 0; i < w->nsets; i++)
		free(w->sets[i]);
	free(w->sets);
	free(w->name);
	free(w->desc);
	free(w->scenario);
	free(w->dir);
	if (w->cache) {
		free(w->cache->v);
		free(w->cache->have);
		free(w->cache);
	}
	free(w);
}

/* line:col of a position in text. */
static void line_col(const char *text, const char *at, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (const char *p = text; p < at && *p; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int count_points(sweep *w, const char *file, sim_diag *d)
{
	if (w->mode == SWEEP_OAT) {
		w->npoints = 1 + 2 * w->nparams;
		return 0;
	}
	double n = 1;
	for (int k = 0; k < w->nparams; k++)
		n *= w->params[k].nvalues;
	if (n > SWEEP_MAX_POINTS) {
		diag_add(d, "%s: $.parameters: the grid has %.0f points, more than the limit of %d",
		         file, n, SWEEP_MAX_POINTS);
		return 1;
	}
	w->npoints = (int)n;
	return 0;
}

static int build_sets(sweep *w)
{
	for (int k = 0; k < w->nparams; k++) {
		struct sweep_param *p = &w->params[k];
		p->sets = calloc((size_t)p->nvalues, sizeof *p->sets);
		if (!p->sets)
			return 0;
		for (int j = 0; j < p->nvalues; j++) {
			size_t n = strlen(p->path) + strlen(p->values[j]) + 2;
			p->sets[j] = malloc(n);
			if (!p->sets[j])
				return 0;
			snprintf(p->sets[j], n, "%s=%s", p->path, p->values[j]);
		}
	}
	return 1;
}

/* The directory part of a path ("" for none), with a final '/'. */
static char *dir_of(const char *path)
{
	const char *s = strrchr(path, '/');
	size_t n = s ? (size_t)(s - path) + 1 : 0;
	char *r = malloc(n + 1);
	if (r) {
		memcpy(r, path, n);
		r[n] = '\0';
	}
	return r;
}

/* The JSON of the file; NULL after "name:line:col: parse error ...". */
static cJSON *parse_json(const char *text, const char *name, sim_diag *d)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(text, &end, 0);
	if (root)
		return root;
	int line, col;
	line_col(text, end ? end : text, &line, &col);
	char near[16] = "";
	if (end && *end)
		snprintf(near, sizeof near, "%.8s", end);
	for (char *c = near; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = '\0';
	if (end && *end)
		diag_add(d, "%s:%d:%d: parse error near '%s'", name, line, col, near);
	else
		diag_add(d, "%s:%d:%d: parse error: unexpected end of file", name, line, col);
	return NULL;
}

/* Each step below reads one key of the file into w, reports what is wrong
 * with it (name is the file, for messages) and returns the number of
 * problems; a failed allocation shows as a NULL field, which sweep_parse
 * checks at the end. */

static int parse_description(sweep *w, const cJSON *root, const char *name, sim_diag *d)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "description");
	int bad = 0;
	if (v && !cJSON_IsString(v)) {
		diag_add(d, "%s: $.description: expected string, got %s", name, scn_json_type(v));
		bad++;
	}
	w->desc = strdup(cJSON_IsString(v) ? v->valuestring : "");
	return bad;
}

/* "scenario" is relative to the sweep file. */
static int parse_scenario(sweep *w, const cJSON *root, const char *name, sim_diag *d)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "scenario");
	if (!v) {
		diag_add(d, "%s: $.scenario: required key is missing", name);
		return 1;
	}
	if (!cJSON_IsString(v) || !*v->valuestring) {
		diag_add(d, "%s: $.scenario: expected string (a scenario file), got %s", name,
		         scn_json_type(v));
		return 1;
	}
	char *dir = dir_of(name);
	const char *sc = v->valuestring;
	size_t n = strlen(sc) + (dir ? strlen(dir) : 0) + 1;
	w->scenario = malloc(n);
	if (w->scenario && dir)
		snprintf(w->scenario, n, "%s%s", sc[0] == '/' ? "" : dir, sc);
	free(dir);
	return 0;
}

static int parse_mode(sweep *w, const cJSON *root, const char *name, sim_diag *d)
{
	char cut[DIAG_CUT + 4]; /* for text quoted from the file */
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "mode");
	int bad = 0;
	if (v && !(cJSON_IsString(v) &&
	           (!strcmp(v->valuestring, "grid") || !strcmp(v->valuestring, "oat")))) {
		if (cJSON_IsString(v))
			diag_add(d, "%s: $.mode: expected one of grid, oat, got '%s'", name,
			         diag_cut(cut, v->valuestring));
		else
			diag_add(d, "%s: $.mode: expected string (grid or oat), got %s", name, scn_json_type(v));
		bad++;
	}
	w->mode = v && cJSON_IsString(v) && !strcmp(v->valuestring, "oat") ? SWEEP_OAT : SWEEP_GRID;
	return bad;
}

/* The fixed overrides, "path=value" each. */
static int parse_set(sweep *w, const cJSON *root, const char *name, sim_diag *d)
{
	char cut[DIAG_CUT + 4]; /* for text quoted from the file */
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "set");
	if (!v)
		return 0;
	if (!cJSON_IsArray(v)) {
		diag_add(d, "%s: $.set: expected array of \"path=value\" strings, got %s", name,
		         scn_json_type(v));
		return 1;
	}
	int n = cJSON_GetArraySize(v), j = 0, bad = 0;
	w->sets = calloc((size_t)n + 1, sizeof *w->sets);
	const cJSON *x;
	cJSON_ArrayForEach(x, v)
	{
		if (!cJSON_IsString(x) || !strchr(x->valuestring, '=') || x->valuestring[0] == '=') {
			if (cJSON_IsString(x))
				diag_add(d, "%s: $.set[%d]: expected \"path=value\", got '%s'", name, j,
				         diag_cut(cut, x->valuestring));
			else
				diag_add(d, "%s: $.set[%d]: expected string (\"path=value\"), got %s", name,
				         j, scn_json_type(x));
			bad++;
		} else if (w->sets) {
			w->sets[w->nsets++] = strdup(x->valuestring);
		}
		j++;
	}
	return bad;
}

/* The output directory: "output", else results/<the file's base name>. */
static int parse_output(sweep *w, const cJSON *root, const char *name, sim_diag *d)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "output");
	int bad = 0;
	if (v && (!cJSON_IsString(v) || !*v->valuestring)) {
		diag_add(d, "%s: $.output: expected string (a directory), got %s", name, scn_json_type(v));
		bad++;
	}
	if (v && cJSON_IsString(v) && *v->valuestring) {
		w->dir = strdup(v->valuestring);
	} else {
		const char *b = strrchr(name, '/');
		b = b ? b + 1 : name;
		size_t n = strlen(b);
		if (n > 5 && !strcmp(b + n - 5, ".json"))
			n -= 5;
		w->dir = malloc(n + 16);
		if (w->dir)
			snprintf(w->dir, n + 16, "results/%.*s", (int)n, b);
	}
	return bad;
}

/* The scalars to tabulate. */
static int parse_outputs(sweep *w, const cJSON *root, const char *name, sim_diag *d)
{
	char cut[DIAG_CUT + 4]; /* for text quoted from the file */
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "outputs");
	if (!v)
		return 0;
	if (!cJSON_IsArray(v)) {
		diag_add(d, "%s: $.outputs: expected array of scalar names, got %s", name, scn_json_type(v));
		return 1;
	}
	int n = cJSON_GetArraySize(v), j = 0, bad = 0;
	w->outputs = calloc((size_t)n + 1, sizeof *w->outputs);
	const cJSON *x;
	cJSON_ArrayForEach(x, v)
	{
		if (!cJSON_IsString(x)) {
			diag_add(d, "%s: $.outputs[%d]: expected string, got %s", name, j, scn_json_type(x));
			bad++;
		} else if (!rec_valid_name(x->valuestring)) {
			diag_add(d, "%s: $.outputs[%d]: expected a scalar name ([A-Za-z0-9_]+), got '%s'",
			         name, j, diag_cut(cut, x->valuestring));
			bad++;
		} else if (w->outputs) {
			w->outputs[w->noutputs++] = strdup(x->valuestring);
		}
		j++;
	}
	return bad;
}

/* Parameter k's "path" (a scenario key swept once) and "label". */
static int parse_param_path(sweep *w, int k, const cJSON *x, const char *name, const char *at,
                            sim_diag *d)
{
	char cut[DIAG_CUT + 4]; /* for text quoted from the file */
	struct sweep_param *p = &w->params[k];
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(x, "path");
	int bad = 0;
	if (!path) {
		diag_add(d, "%s: %s.path: required key is missing", name, at);
		bad++;
	} else if (!cJSON_IsString(path) || !*path->valuestring || strchr(path->valuestring, '=')) {
		diag_add(d, "%s: %s.path: expected string (a scenario key such as "
		            "queue.servers), got %s", name, at,
		         cJSON_IsString(path) ? "a string with '=' or empty" : scn_json_type(path));
		bad++;
	} else {
		p->path = strdup(path->valuestring);
		for (int j = 0; j < k; j++)
			if (w->params[j].path && !strcmp(w->params[j].path, p->path)) {
				diag_add(d, "%s: %s.path: '%s' is swept twice (also $.parameters[%d])",
				         name, at, diag_cut(cut, p->path), j);
				bad++;
			}
	}
	const cJSON *label = cJSON_GetObjectItemCaseSensitive(x, "label");
	if (label && (!cJSON_IsString(label) || !*label->valuestring)) {
		diag_add(d, "%s: %s.label: expected string, got %s", name, at, scn_json_type(label));
		bad++;
	}
	p->label = strdup(label && cJSON_IsString(label) && *label->valuestring
	                          ? label->valuestring
	                          : p->path ? p->path : "?");
	return bad;
}

/* Parameter k's "values" (grid) or "low" and "high" (oat). */
static int parse_param_values(sweep *w, int k, const cJSON *x, const char *name,
                              const char *at, int expand, sim_diag *d)
{
	struct sweep_param *p = &w->params[k];
	const cJSON *vals = cJSON_GetObjectItemCaseSensitive(x, "values");
	const cJSON *lo = cJSON_GetObjectItemCaseSensitive(x, "low");
	const cJSON *hi = cJSON_GetObjectItemCaseSensitive(x, "high");
	int bad = 0;
	if (w->mode == SWEEP_GRID) {
		if (lo || hi) {
			diag_add(d, "%s: %s.%s: only in mode oat (a grid takes values)", name, at,
			         lo ? "low" : "high");
			bad++;
		}
		if (!vals) {
			diag_add(d, "%s: %s.values: required key is missing", name, at);
			bad++;
		} else {
			bad += parse_values(p, vals, name, k, expand, d);
		}
		return bad;
	}
	if (vals) {
		diag_add(d, "%s: %s.values: only in mode grid (oat takes low and high)", name, at);
		bad++;
	}
	const cJSON *lh[2] = { lo, hi };
	const char *nm[2] = { "low", "high" };
	for (int i = 0; i < 2; i++) {
		if (!lh[i]) {
			diag_add(d, "%s: %s.%s: required key is missing (mode oat)", name, at, nm[i]);
			bad++;
		} else if (!is_scalar(lh[i]) ||
		           (cJSON_IsNumber(lh[i]) && !isfinite(lh[i]->valuedouble))) {
			diag_add(d, "%s: %s.%s: expected number, string or boolean, got %s", name, at,
			         nm[i], scn_json_type(lh[i]));
			bad++;
		} else if (!add_value(p, value_text(lh[i]))) {
			bad++;
		}
	}
	return bad;
}

/* The swept parameters, in file order. */
static int parse_parameters(sweep *w, const cJSON *root, const char *name, sim_diag *d)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "parameters");
	if (!v) {
		diag_add(d, "%s: $.parameters: required key is missing", name);
		return 1;
	}
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
		diag_add(d, "%s: $.parameters: expected non-empty array, got %s", name,
		         cJSON_IsArray(v) ? "empty array" : scn_json_type(v));
		return 1;
	}
	w->params = calloc((size_t)cJSON_GetArraySize(v), sizeof *w->params);
	if (!w->params)
		return 1;
	static const char *const keys[] = { "path", "label", "values", "low", "high", NULL };
	int k = 0, bad = 0;
	const cJSON *x;
	cJSON_ArrayForEach(x, v)
	{
		w->nparams = k + 1;
		char at[48];
		snprintf(at, sizeof at, "$.parameters[%d]", k);
		if (!cJSON_IsObject(x)) {
			diag_add(d, "%s: %s: expected object, got %s", name, at, scn_json_type(x));
			bad++;
		} else {
			int broken = check_keys(x, keys, name, at, d);
			broken += parse_param_path(w, k, x, name, at, d);
			bad += broken + parse_param_values(w, k, x, name, at, !broken, d);
		}
		k++;
	}
	return bad;
}

sweep *sweep_parse(const char *text, const char *name, sim_diag *d)
{
	cJSON *root = parse_json(text, name, d);
	if (!root)
		return NULL;
	sweep *w = calloc(1, sizeof *w);
	if (!w) {
		cJSON_Delete(root);
		return NULL;
	}
	w->name = strdup(name);
	w->cache = calloc(1, sizeof *w->cache);
	int bad = 0;
	if (!cJSON_IsObject(root)) {
		diag_add(d, "%s: $: expected object, got %s", name, scn_json_type(root));
		bad++;
	} else {
		static const char *const top[] = { "description", "scenario", "set", "mode",
		                                   "parameters", "outputs", "output", NULL };
		bad += check_keys(root, top, name, "$", d);
		bad += parse_description(w, root, name, d);
		bad += parse_scenario(w, root, name, d);
		bad += parse_mode(w, root, name, d);
		bad += parse_set(w, root, name, d);
		bad += parse_output(w, root, name, d);
		bad += parse_outputs(w, root, name, d);
		bad += parse_parameters(w, root, name, d);
		if (!bad)
			bad += count_points(w, name, d);
		if (!bad && (!w->name || !w->desc || !w->dir || !w->scenario || !w->cache ||
		             !build_sets(w))) {
			diag_add(d, "%s: out of memory", name);
			bad++;
		}
	}
	cJSON_Delete(root);
	if (bad) {
		sweep_free(w);
		return NULL;
	}
	return w;
}

void sweep_force_oat(sweep *w)
{
	if (w->mode == SWEEP_OAT)
		return;
	for (int k = 0; k < w->nparams; k++) {
		struct sweep_param *p = &w->params[k];
		int last = p->nvalues - 1;
		/* keep values[0] and values[last] as low and high */
		if (last > 1) {
			free(p->values[1]);
			free(p->sets[1]);
			p->values[1] = p->values[last];
			p->sets[1] = p->sets[last];
			for (int j = 2; j < last; j++) {
				free(p->values[j]);
				free(p->sets[j]);
			}
			p->nvalues = 2;
		} else if (last == 0) { /* one value: low = high */
			char **nv = realloc(p->values, 2 * sizeof *nv);
			if (nv)
				p->values = nv;
			char **ns = realloc(p->sets, 2 * sizeof *ns);
			if (ns)
				p->sets = ns;
			if (nv && ns) {
				p->values[1] = strdup(p->values[0]);
				p->sets[1] = strdup(p->sets[0]);
				p->nvalues = 2;
			}
		}
	}
	w->mode = SWEEP_OAT;
	w->npoints = 1 + 2 * w->nparams;
}

/* ------------------------------------------------------------- accessors */

enum sweep_mode sweep_mode(const sweep *w) { return w->mode; }
const char *sweep_name(const sweep *w) { return w->name; }
const char *sweep_description(const sweep *w) { return w->desc; }
const char *sweep_scenario_path(const sweep *w) { return w->scenario; }
const char *sweep_default_dir(const sweep *w) { return w->dir; }
int sweep_nparams(const sweep *w) { return w->nparams; }
const struct sweep_param *sweep_param(const sweep *w, int k) { return &w->params[k]; }
int sweep_noutputs(const sweep *w) { return w->noutputs; }
const char *sweep_output(const sweep *w, int i) { return w->outputs[i]; }
int sweep_nsets(const sweep *w) { return w->nsets; }
const char *sweep_set(const sweep *w, int i) { return w->sets[i]; }
int sweep_npoints(const sweep *w) { return w->npoints; }
const struct model_type *const *sweep_models(const sweep *w) { return w->models; }

int sweep_point_value(const sweep *w, int i, int k)
{
	SIM_ASSERT(i >= 0 && i < w->npoints && k >= 0 && k < w->nparams);
	if (w->mode == SWEEP_OAT) {
		if (i == 0 || (i - 1) / 2 != k)
			return -1;
		return (i - 1) % 2;
	}
	for (int j = w->nparams - 1; j > k; j--)
		i /= w->params[j].nvalues;
	return i % w->params[k].nvalues;
}

int sweep_point_sets(const sweep *w, int i, const char **sets)
{
	int n = 0;
	for (int j = 0; j < w->nsets; j++)
		sets[n++] = w->sets[j];
	for (int k = 0; k < w->nparams; k++) {
		int v = sweep_point_value(w, i, k);
		if (v >= 0)
			sets[n++] = w->params[k].sets[v];
	}
	return n;
}

scn *sweep_point_scn(const sweep *w, int i, sim_diag *d)
{
	const char **sets = malloc(((size_t)w->nsets + w->nparams + 1) * sizeof *sets);
	if (!sets)
		return NULL;
	int n = sweep_point_sets(w, i, sets);
	scn *s = scn_load(w->scenario, sets, n, d);
	free(sets);
	return s;
}

long sweep_count_replications(const sweep *w)
{
	long n = 0;
	sim_diag d; /* its messages come again when the point opens */
	diag_init(&d);
	for (int i = 0; i < w->npoints && !sim_interrupted; i++) {
		scn *s = sweep_point_scn(w, i, &d);
		n += s ? scn_int(s, "replications") : 0;
		scn_free(s);
	}
	diag_release(&d);
	return n;
}

void sweep_point_file(int i, char *buf, size_t n)
{
	snprintf(buf, n, "point_%04d.h5", i);
}

void sweep_describe_point(const sweep *w, int i, char *buf, size_t n)
{
	size_t at = 0;
	buf[0] = '\0';
	if (w->mode == SWEEP_OAT && i == 0) {
		snprintf(buf, n, "baseline");
		return;
	}
	for (int k = 0; k < w->nparams && at + 2 < n; k++) {
		int v = sweep_point_value(w, i, k);
		if (v < 0)
			continue;
		at += (size_t)snprintf(buf + at, n - at, "%s%s", at ? " " : "", w->params[k].sets[v]);
	}
}


/* --------------------------------------------------------------- loading */

/* The messages of sub, each prefixed. */
static void diag_move(sim_diag *d, sim_diag *sub, const char *prefix)
{
	for (int i = 0; i < sub->n; i++)
		diag_add(d, "%s%s", prefix, sub->msg[i]);
	diag_clear(sub);
}

/* Checks every value against the schema, then every point against the
 * model's own rules, and fills each parameter's baseline value. */
static int check_points(sweep *w, sim_diag *d)
{
	int bad = 0;
	sim_diag sub;
	diag_init(&sub);
	char pre[512];
	scn *base = scn_load(w->scenario, (const char *const *)w->sets, w->nsets, &sub);
	if (!base) {
		snprintf(pre, sizeof pre, "%s: $.scenario: ", w->name);
		diag_move(d, &sub, pre);
		diag_release(&sub);
		return 1;
	}
	const char **sets = malloc(((size_t)w->nsets + 1) * sizeof *sets);
	for (int k = 0; sets && k < w->nparams; k++) {
		struct sweep_param *p = &w->params[k];
		int pbad = 0;
		for (int j = 0; j < p->nvalues; j++) {
			for (int i = 0; i < w->nsets; i++)
				sets[i] = w->sets[i];
			sets[w->nsets] = p->sets[j];
			scn *s = scn_load(w->scenario, sets, w->nsets + 1, &sub);
			if (!s) {
				if (w->mode == SWEEP_OAT)
					snprintf(pre, sizeof pre, "%s: $.parameters[%d].%s: ", w->name, k,
					         j ? "high" : "low");
				else
					snprintf(pre, sizeof pre, "%s: $.parameters[%d].values[%d]: ", w->name, k, j);
				diag_move(d, &sub, pre);
				pbad++;
			}
			scn_free(s);
		}
		if (!pbad) {
			char *b = cJSON_PrintUnformatted(scn_get(base, p->path));
			p->base = b ? b : strdup("null");
		}
		bad += pbad;
	}
	free(sets);
	const struct model_type *mt = model_type_find(w->models, scn_str(base, "model"));
	if (!bad && mt) {
		int nfail = 0;
		void *params = calloc(1, mt->params_size ? mt->params_size : 1);
		for (int i = 0; params && i < w->npoints; i++) {
			scn *s = sweep_point_scn(w, i, &sub);
			sim_status st = s ? mt->parse(params, s, &sub) : SIM_EINVAL;
			if (mt->release)
				mt->release(params);
			memset(params, 0, mt->params_size ? mt->params_size : 1);
			scn_free(s);
			if (st == SIM_OK)
				continue;
			if (++nfail <= 10) {
				int n = snprintf(pre, sizeof pre, "%s: point %d (", w->name, i);
				for (int k = 0, first = 1; k < w->nparams && n < (int)sizeof pre - 64; k++) {
					int v = sweep_point_value(w, i, k);
					if (v < 0)
						continue;
					n += snprintf(pre + n, sizeof pre - (size_t)n, "%s%s", first ? "" : ", ",
					              w->params[k].sets[v]);
					first = 0;
				}
				snprintf(pre + n, sizeof pre - (size_t)n, "%s): ", i == 0 && w->mode == SWEEP_OAT ? "baseline" : "");
				diag_move(d, &sub, pre);
			}
			diag_clear(&sub);
		}
		if (nfail > 10)
			diag_add(d, "%s: ... and %d more points fail the model's checks", w->name, nfail - 10);
		bad += nfail;
		free(params);
	}
	scn_free(base);
	diag_release(&sub);
	return bad;
}

sweep *sweep_load(const char *path, const struct model_type *const *models, sim_diag *d)
{
	return sweep_load_sets(path, NULL, 0, models, d);
}

sweep *sweep_load_sets(const char *path, const char *const *sets, int nsets,
                       const struct model_type *const *models, sim_diag *d)
{
	char *text;
	size_t len;
	if (file_read(path, FILE_MAX_TEXT, &text, &len, d) != SIM_OK)
		return NULL;
	sweep *w = sweep_load_text_sets(text, path, sets, nsets, models, d);
	free(text);
	return w;
}

sweep *sweep_load_text(const char *text, const char *name,
                       const struct model_type *const *models, sim_diag *d)
{
	return sweep_load_text_sets(text, name, NULL, 0, models, d);
}

/* Appends the command line's overrides to the fixed ones; 1 after a message
 * when one cannot be applied. */
static int add_cli_sets(sweep *w, const char *const *sets, int nsets, sim_diag *d)
{
	char **v = realloc(w->sets, ((size_t)w->nsets + nsets + 1) * sizeof *v);
	if (!v) {
		diag_add(d, "%s: out of memory", w->name);
		return 1;
	}
	w->sets = v;
	for (int i = 0; i < nsets; i++) {
		if (!(w->sets[w->nsets] = strdup(sets[i]))) {
			diag_add(d, "%s: out of memory", w->name);
			return 1;
		}
		w->nsets++;
	}
	/* A bad --set is reported as that --set (scn_load names it), not as a
	 * problem of the sweep file's scenario. */
	sim_diag sub;
	diag_init(&sub);
	scn *s = scn_load(w->scenario, (const char *const *)w->sets, w->nsets, &sub);
	int fail = !s;
	scn_free(s);
	if (fail) {
		diag_clear(&sub);
		s = scn_load(w->scenario, (const char *const *)w->sets, w->nsets - nsets, &sub);
		if (s) /* the file's own sets load: the messages are the --set's */
			scn_free(scn_load(w->scenario, (const char *const *)w->sets, w->nsets, d));
		else   /* the file's own problem: check_points reports it */
			fail = 0;
		scn_free(s);
	}
	diag_release(&sub);
	return fail;
}

sweep *sweep_load_text_sets(const char *text, const char *name, const char *const *sets,
                            int nsets, const struct model_type *const *models, sim_diag *d)
{
	sweep *w = sweep_parse(text, name, d);
	if (w)
		w->models = models;
	if (w && ((nsets > 0 && add_cli_sets(w, sets, nsets, d)) || check_points(w, d))) {
		sweep_free(w);
		return NULL;
	}
	return w;
}
