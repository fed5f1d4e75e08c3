/* sweep.c — `dais sweep` and `dais sensitivity`: the sweep file, its points,
 * running them, the index and the tornado table (see sweep.h). */
#include "sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "h5/h5i.h"
#include "sim/model.h"
#include "run.h"
#include "sim/rec.h"
#include "sim/sim.h"

struct sweep {
	char *name;        /* the file, as given */
	char *desc;
	char *scenario;    /* resolved path */
	char *dir;         /* default output directory */
	enum sweep_mode mode;
	int nparams;
	struct sweep_param *params;
	int noutputs;
	char **outputs;
	int nsets;
	char **sets;
	int npoints;
	struct ocache *cache; /* outputs of finished points, read once (index) */
	const struct model_type *const *models; /* given to sweep_load */
};

/* About the cache: the index is rewritten after every point; reading every
 * finished point file each time would make a sweep quadratic in its points.
 * A point file never changes once done, so its outputs are read once. */
struct ostat {
	double mean, lo, hi, n;
};

struct ocache {
	int nout;              /* outputs per row; the cache is reset when it changes */
	struct ostat *v;       /* (npoints, nout) */
	unsigned char *have;   /* (npoints,) */
};

/* ------------------------------------------------------------- parsing */

static const char *json_type(const cJSON *v)
{
	if (!v)
		return "nothing";
	if (cJSON_IsNumber(v))
		return "number";
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsBool(v))
		return "boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return cJSON_GetArraySize(v) ? "array" : "empty array";
	if (cJSON_IsObject(v))
		return "object";
	return "invalid value";
}

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
		if (best)
			diag_add(d, "%s: %s.%s: unknown key (did you mean '%s'?)", file, at, it->string, best);
		else
			diag_add(d, "%s: %s.%s: unknown key", file, at, it->string);
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
static int parse_values(struct sweep_param *p, const cJSON *v, const char *file, int k, sim_diag *d)
{
	int bad = 0;
	if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0) {
		int j = 0;
		const cJSON *x;
		cJSON_ArrayForEach(x, v)
		{
			if (!is_scalar(x)) {
				diag_add(d, "%s: $.parameters[%d].values[%d]: expected number, string or "
				            "boolean, got %s", file, k, j, json_type(x));
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
				         vv[i] ? json_type(vv[i]) : "nothing (required key is missing)");
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
		for (int i = 0; i < steps; i++) {
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
	            "got %s", file, k, json_type(v));
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

sweep *sweep_parse(const char *text, const char *name, sim_diag *d)
{
	const char *end = NULL;
	int bad = 0;
	cJSON *root = cJSON_ParseWithOpts(text, &end, 0);
	if (!root) {
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
	sweep *w = calloc(1, sizeof *w);
	if (!w) {
		cJSON_Delete(root);
		return NULL;
	}
	w->name = strdup(name);
	w->cache = calloc(1, sizeof *w->cache);
	if (!cJSON_IsObject(root)) {
		diag_add(d, "%s: $: expected object, got %s", name, json_type(root));
		bad++;
		goto done;
	}
	static const char *const top[] = { "description", "scenario", "set", "mode", "parameters",
	                                   "outputs", "output", NULL };
	bad += check_keys(root, top, name, "$", d);

	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "description");
	if (v && !cJSON_IsString(v)) {
		diag_add(d, "%s: $.description: expected string, got %s", name, json_type(v));
		bad++;
	}
	w->desc = strdup(cJSON_IsString(v) ? v->valuestring : "");

	v = cJSON_GetObjectItemCaseSensitive(root, "scenario");
	if (!v) {
		diag_add(d, "%s: $.scenario: required key is missing", name);
		bad++;
	} else if (!cJSON_IsString(v) || !*v->valuestring) {
		diag_add(d, "%s: $.scenario: expected string (a scenario file), got %s", name,
		         json_type(v));
		bad++;
	} else {
		char *dir = dir_of(name);
		const char *sc = v->valuestring;
		size_t n = strlen(sc) + (dir ? strlen(dir) : 0) + 1;
		w->scenario = malloc(n);
		if (w->scenario && dir)
			snprintf(w->scenario, n, "%s%s", sc[0] == '/' ? "" : dir, sc);
		free(dir);
	}

	v = cJSON_GetObjectItemCaseSensitive(root, "mode");
	if (v && !(cJSON_IsString(v) &&
	           (!strcmp(v->valuestring, "grid") || !strcmp(v->valuestring, "oat")))) {
		if (cJSON_IsString(v))
			diag_add(d, "%s: $.mode: expected one of grid, oat, got '%s'", name, v->valuestring);
		else
			diag_add(d, "%s: $.mode: expected string (grid or oat), got %s", name, json_type(v));
		bad++;
	}
	w->mode = v && cJSON_IsString(v) && !strcmp(v->valuestring, "oat") ? SWEEP_OAT : SWEEP_GRID;

	v = cJSON_GetObjectItemCaseSensitive(root, "set");
	if (v && !cJSON_IsArray(v)) {
		diag_add(d, "%s: $.set: expected array of \"path=value\" strings, got %s", name,
		         json_type(v));
		bad++;
	} else if (v) {
		int n = cJSON_GetArraySize(v), j = 0;
		w->sets = calloc((size_t)n + 1, sizeof *w->sets);
		const cJSON *x;
		cJSON_ArrayForEach(x, v)
		{
			if (!cJSON_IsString(x) || !strchr(x->valuestring, '=') || x->valuestring[0] == '=') {
				if (cJSON_IsString(x))
					diag_add(d, "%s: $.set[%d]: expected \"path=value\", got '%s'", name, j,
					         x->valuestring);
				else
					diag_add(d, "%s: $.set[%d]: expected string (\"path=value\"), got %s", name,
					         j, json_type(x));
				bad++;
			} else if (w->sets) {
				w->sets[w->nsets++] = strdup(x->valuestring);
			}
			j++;
		}
	}

	v = cJSON_GetObjectItemCaseSensitive(root, "output");
	if (v && (!cJSON_IsString(v) || !*v->valuestring)) {
		diag_add(d, "%s: $.output: expected string (a directory), got %s", name, json_type(v));
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

	v = cJSON_GetObjectItemCaseSensitive(root, "outputs");
	if (v && !cJSON_IsArray(v)) {
		diag_add(d, "%s: $.outputs: expected array of scalar names, got %s", name, json_type(v));
		bad++;
	} else if (v) {
		int n = cJSON_GetArraySize(v), j = 0;
		w->outputs = calloc((size_t)n + 1, sizeof *w->outputs);
		const cJSON *x;
		cJSON_ArrayForEach(x, v)
		{
			if (!cJSON_IsString(x)) {
				diag_add(d, "%s: $.outputs[%d]: expected string, got %s", name, j, json_type(x));
				bad++;
			} else if (!rec_valid_name(x->valuestring)) {
				diag_add(d, "%s: $.outputs[%d]: expected a scalar name ([A-Za-z0-9_]+), got '%s'",
				         name, j, x->valuestring);
				bad++;
			} else if (w->outputs) {
				w->outputs[w->noutputs++] = strdup(x->valuestring);
			}
			j++;
		}
	}

	v = cJSON_GetObjectItemCaseSensitive(root, "parameters");
	if (!v) {
		diag_add(d, "%s: $.parameters: required key is missing", name);
		bad++;
	} else if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
		diag_add(d, "%s: $.parameters: expected non-empty array, got %s", name, json_type(v));
		bad++;
	} else {
		int n = cJSON_GetArraySize(v), k = 0;
		w->params = calloc((size_t)n, sizeof *w->params);
		if (!w->params) {
			bad++;
			goto done;
		}
		const cJSON *x;
		cJSON_ArrayForEach(x, v)
		{
			struct sweep_param *p = &w->params[k];
			w->nparams = k + 1;
			char at[48];
			snprintf(at, sizeof at, "$.parameters[%d]", k);
			if (!cJSON_IsObject(x)) {
				diag_add(d, "%s: %s: expected object, got %s", name, at, json_type(x));
				bad++;
				k++;
				continue;
			}
			static const char *const pk[] = { "path", "label", "values", "low", "high", NULL };
			bad += check_keys(x, pk, name, at, d);
			const cJSON *path = cJSON_GetObjectItemCaseSensitive(x, "path");
			if (!path) {
				diag_add(d, "%s: %s.path: required key is missing", name, at);
				bad++;
			} else if (!cJSON_IsString(path) || !*path->valuestring ||
			           strchr(path->valuestring, '=')) {
				diag_add(d, "%s: %s.path: expected string (a scenario key such as "
				            "queue.servers), got %s", name, at,
				         cJSON_IsString(path) ? "a string with '=' or empty" : json_type(path));
				bad++;
			} else {
				p->path = strdup(path->valuestring);
				for (int j = 0; j < k; j++)
					if (w->params[j].path && !strcmp(w->params[j].path, p->path)) {
						diag_add(d, "%s: %s.path: '%s' is swept twice (also $.parameters[%d])",
						         name, at, p->path, j);
						bad++;
					}
			}
			const cJSON *label = cJSON_GetObjectItemCaseSensitive(x, "label");
			if (label && (!cJSON_IsString(label) || !*label->valuestring)) {
				diag_add(d, "%s: %s.label: expected string, got %s", name, at, json_type(label));
				bad++;
			}
			p->label = strdup(label && cJSON_IsString(label) && *label->valuestring
			                          ? label->valuestring
			                          : p->path ? p->path : "?");
			const cJSON *vals = cJSON_GetObjectItemCaseSensitive(x, "values");
			const cJSON *lo = cJSON_GetObjectItemCaseSensitive(x, "low");
			const cJSON *hi = cJSON_GetObjectItemCaseSensitive(x, "high");
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
					bad += parse_values(p, vals, name, k, d);
				}
			} else {
				if (vals) {
					diag_add(d, "%s: %s.values: only in mode grid (oat takes low and high)",
					         name, at);
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
						diag_add(d, "%s: %s.%s: expected number, string or boolean, got %s", name,
						         at, nm[i], json_type(lh[i]));
						bad++;
					} else if (!add_value(p, value_text(lh[i]))) {
						bad++;
					}
				}
			}
			k++;
		}
	}
	if (!bad)
		bad += count_points(w, name, d);
	if (!bad && (!w->name || !w->desc || !w->dir || !w->scenario || !w->cache || !build_sets(w))) {
		diag_add(d, "%s: out of memory", name);
		bad++;
	}
done:
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

void sweep_point_file(int i, char *buf, size_t n)
{
	snprintf(buf, n, "point_%04d.h5", i);
}

/* ---------------------------------------------------------------- loading */

static char *read_text(const char *path, sim_diag *d)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		diag_add(d, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *p = malloc(cap);
	while (p) {
		size_t k = fread(p + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0)
			break;
		if (n + 1 == cap) {
			char *q = realloc(p, cap * 2);
			if (!q) {
				free(p);
				p = NULL;
				break;
			}
			p = q;
			cap *= 2;
		}
	}
	int err = ferror(f);
	fclose(f);
	if (p && err) {
		diag_add(d, "%s: cannot read", path);
		free(p);
		return NULL;
	}
	if (p)
		p[n] = '\0';
	return p;
}

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
	char *text = read_text(path, d);
	if (!text)
		return NULL;
	sweep *w = sweep_parse(text, path, d);
	free(text);
	if (w)
		w->models = models;
	if (w && check_points(w, d)) {
		sweep_free(w);
		return NULL;
	}
	return w;
}

/* ------------------------------------------------------------ the index */

/* A CSV field: quoted when it holds a comma, a quote or a newline. */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A value's JSON text as a table cell: strings without their quotes. */
static void cell_text(const char *json, char *buf, size_t n)
{
	cJSON *v = cJSON_Parse(json);
	if (v && cJSON_IsString(v))
		snprintf(buf, n, "%s", v->valuestring);
	else
		snprintf(buf, n, "%s", json);
	cJSON_Delete(v);
}

/* Value text of parameter k at point i. */
static const char *point_value(const sweep *w, int i, int k)
{
	int v = sweep_point_value(w, i, k);
	const struct sweep_param *p = &w->params[k];
	return v >= 0 ? p->values[v] : p->base ? p->base : "null";
}

/* Reads /summary/scalars/NAME/{mean,ci95_lo,ci95_hi,n_finite}. */
static void read_ostat(const h5i *f, const char *name, struct ostat *o)
{
	const char *what[4] = { "mean", "ci95_lo", "ci95_hi", "n_finite" };
	double *dst[4] = { &o->mean, &o->lo, &o->hi, &o->n };
	for (int i = 0; i < 4; i++) {
		char p[512];
		struct h5i_data x;
		*dst[i] = NAN;
		snprintf(p, sizeof p, "/summary/scalars/%s/%s", name, what[i]);
		if (f && h5i_exists(f, p) && h5i_read(f, p, &x, NULL) == SIM_OK) {
			if (x.n >= 1)
				*dst[i] = x.v[0];
			h5i_data_release(&x);
		}
	}
}

/* The outputs to tabulate: the file's list, or every scalar of the first
 * point done. *names is malloc'd (strings owned by w or by *own). */
static int list_outputs(const sweep *w, const char *dir, const int *status, char ***own,
                        size_t *nown)
{
	*own = NULL;
	*nown = 0;
	if (w->noutputs)
		return w->noutputs;
	for (int i = 0; i < w->npoints; i++) {
		if (status[i] != SWEEP_DONE)
			continue;
		char p[PATH_MAX], fn[32];
		sweep_point_file(i, fn, sizeof fn);
		snprintf(p, sizeof p, "%s/%s", dir, fn);
		h5i *f = h5i_open(p, NULL);
		if (!f)
			continue;
		if (h5i_list(f, "/summary/scalars", own, nown, NULL) != SIM_OK) {
			*own = NULL;
			*nown = 0;
		}
		h5i_close(f);
		break;
	}
	return (int)*nown;
}

static const char *status_name(int s)
{
	return s == SWEEP_DONE ? "done" : s == SWEEP_FAILED ? "failed" : "pending";
}

/* fopen on "<path>.tmp.<pid>"; sweep_commit_file fsyncs and renames. */
static FILE *open_tmp(const char *path, char *tmp, size_t n, sim_diag *d)
{
	snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f)
		diag_add(d, "%s: cannot create: %s", path, strerror(errno));
	return f;
}

static sim_status commit_tmp(FILE *f, const char *tmp, const char *path, sim_diag *d)
{
	int bad = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
	int e = errno;
	bad |= fclose(f) != 0;
	if (bad) {
		diag_add(d, "%s: cannot write: %s", path, strerror(e ? e : errno));
		unlink(tmp);
		return SIM_EIO;
	}
	if (rename(tmp, path) != 0) {
		diag_add(d, "%s: cannot rename into place: %s", path, strerror(errno));
		unlink(tmp);
		return SIM_EIO;
	}
	return SIM_OK;
}

static cJSON *num_or_null(double x)
{
	return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull();
}

/* The outputs of point i (NaN unless done), from the cache or its file. */
static void point_outputs(const sweep *w, const char *dir, const int *status, int i, int nout,
                          const char *const *outs, struct ostat *row)
{
	struct ocache *c = w->cache;
	if (c->nout != nout || !c->v) {
		free(c->v);
		free(c->have);
		c->v = calloc((size_t)w->npoints * (size_t)(nout ? nout : 1), sizeof *c->v);
		c->have = calloc((size_t)w->npoints, 1);
		c->nout = nout;
		if (!c->v || !c->have) {
			free(c->v);
			free(c->have);
			c->v = NULL;
			c->have = NULL;
		}
	}
	if (c->have && c->have[i] && status[i] == SWEEP_DONE) {
		memcpy(row, c->v + (size_t)i * nout, (size_t)nout * sizeof *row);
		return;
	}
	h5i *hf = NULL;
	if (status[i] == SWEEP_DONE) {
		char fn[32], p[PATH_MAX];
		sweep_point_file(i, fn, sizeof fn);
		snprintf(p, sizeof p, "%s/%s", dir, fn);
		hf = h5i_open(p, NULL);
	}
	for (int j = 0; j < nout; j++)
		read_ostat(hf, outs[j], &row[j]);
	if (hf && c->have) {
		memcpy(c->v + (size_t)i * nout, row, (size_t)nout * sizeof *row);
		c->have[i] = 1;
	}
	h5i_close(hf);
}

sim_status sweep_write_index(const sweep *w, const char *dir, const int *status, sim_diag *d)
{
	char **own;
	size_t nown;
	int nout = list_outputs(w, dir, status, &own, &nown);
	const char *const *outs = own ? (const char *const *)own : (const char *const *)w->outputs;
	char path[PATH_MAX], tmp[PATH_MAX + 32], jpath[PATH_MAX];
	snprintf(path, sizeof path, "%s/index.csv", dir);
	snprintf(jpath, sizeof jpath, "%s/index.json", dir);
	sim_status st = SIM_OK;
	FILE *f = open_tmp(path, tmp, sizeof tmp, d);
	cJSON *root = cJSON_CreateObject(), *pts = cJSON_CreateArray(), *jp = cJSON_CreateArray(),
	      *jo = cJSON_CreateArray();
	struct ostat *row = malloc(((size_t)nout + 1) * sizeof *row);
	if (!f || !root || !pts || !jp || !jo || !row) {
		free(row);
		st = f ? SIM_ENOMEM : SIM_EIO;
		if (f) {
			fclose(f);
			unlink(tmp);
		}
		cJSON_Delete(root);
		cJSON_Delete(pts);
		cJSON_Delete(jp);
		cJSON_Delete(jo);
		h5i_names_free(own, nown);
		return st;
	}
	cJSON_AddStringToObject(root, "sweep", w->name);
	cJSON_AddStringToObject(root, "description", w->desc);
	cJSON_AddStringToObject(root, "scenario", w->scenario);
	cJSON_AddStringToObject(root, "mode", w->mode == SWEEP_OAT ? "oat" : "grid");
	cJSON *js = cJSON_AddArrayToObject(root, "set");
	for (int i = 0; js && i < w->nsets; i++)
		cJSON_AddItemToArray(js, cJSON_CreateString(w->sets[i]));
	for (int k = 0; k < w->nparams; k++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", w->params[k].path);
		cJSON_AddStringToObject(o, "label", w->params[k].label);
		cJSON *vs = cJSON_AddArrayToObject(o, w->mode == SWEEP_OAT ? "low_high" : "values");
		for (int j = 0; vs && j < w->params[k].nvalues; j++)
			cJSON_AddItemToArray(vs, cJSON_Parse(w->params[k].values[j]));
		if (w->params[k].base)
			cJSON_AddItemToObject(o, "baseline", cJSON_Parse(w->params[k].base));
		cJSON_AddItemToArray(jp, o);
	}
	cJSON_AddItemToObject(root, "parameters", jp);
	for (int i = 0; i < nout; i++)
		cJSON_AddItemToArray(jo, cJSON_CreateString(outs[i]));
	cJSON_AddItemToObject(root, "outputs", jo);

	fputs("point", f);
	for (int k = 0; k < w->nparams; k++) {
		fputc(',', f);
		csv_field(f, w->params[k].label);
	}
	fputs(",file,status", f);
	for (int i = 0; i < nout; i++)
		fprintf(f, ",%s_mean,%s_ci95_lo,%s_ci95_hi,%s_n", outs[i], outs[i], outs[i], outs[i]);
	fputc('\n', f);
	h5i_quiet();
	for (int i = 0; i < w->npoints; i++) {
		char fn[32], cell[512];
		sweep_point_file(i, fn, sizeof fn);
		point_outputs(w, dir, status, i, nout, outs, row);
		cJSON *pt = cJSON_CreateObject(), *vals = cJSON_CreateObject(), *os = cJSON_CreateObject();
		cJSON_AddNumberToObject(pt, "point", i);
		fprintf(f, "%d", i);
		for (int k = 0; k < w->nparams; k++) {
			const char *v = point_value(w, i, k);
			cell_text(v, cell, sizeof cell);
			fputc(',', f);
			csv_field(f, cell);
			cJSON_AddItemToObject(vals, w->params[k].path, cJSON_Parse(v));
		}
		cJSON_AddItemToObject(pt, "values", vals);
		if (w->mode == SWEEP_OAT) {
			int k = i == 0 ? -1 : (i - 1) / 2;
			cJSON_AddStringToObject(pt, "role", i == 0 ? "baseline" : (i - 1) % 2 ? "high" : "low");
			if (k >= 0)
				cJSON_AddStringToObject(pt, "parameter", w->params[k].path);
		}
		cJSON_AddStringToObject(pt, "file", fn);
		cJSON_AddStringToObject(pt, "status", status_name(status[i]));
		fprintf(f, ",%s,%s", fn, status_name(status[i]));
		for (int j = 0; j < nout; j++) {
			struct ostat o = row[j];
			fprintf(f, ",%.17g,%.17g,%.17g,%.17g", o.mean, o.lo, o.hi, o.n);
			cJSON *x = cJSON_CreateObject();
			cJSON_AddItemToObject(x, "mean", num_or_null(o.mean));
			cJSON_AddItemToObject(x, "ci95_lo", num_or_null(o.lo));
			cJSON_AddItemToObject(x, "ci95_hi", num_or_null(o.hi));
			cJSON_AddItemToObject(x, "n", num_or_null(o.n));
			cJSON_AddItemToObject(os, outs[j], x);
		}
		cJSON_AddItemToObject(pt, "outputs", os);
		cJSON_AddItemToArray(pts, pt);
		fputc('\n', f);
	}
	free(row);
	cJSON_AddItemToObject(root, "points", pts);
	st = commit_tmp(f, tmp, path, d);
	char *js_text = cJSON_Print(root);
	cJSON_Delete(root);
	h5i_names_free(own, nown);
	if (!js_text)
		return st == SIM_OK ? SIM_ENOMEM : st;
	if (st == SIM_OK) {
		FILE *g = open_tmp(jpath, tmp, sizeof tmp, d);
		if (!g) {
			st = SIM_EIO;
		} else {
			fputs(js_text, g);
			fputc('\n', g);
			st = commit_tmp(g, tmp, jpath, d);
		}
	}
	free(js_text);
	return st;
}

/* ---------------------------------------------------------- the tornado */

struct trow {
	int k;
	double lo, hi, swing;
};

static int trow_cmp(const void *a, const void *b)
{
	const struct trow *x = a, *y = b;
	int nx = isnan(x->swing), ny = isnan(y->swing);
	if (nx != ny)
		return nx - ny;
	if (!nx && x->swing != y->swing)
		return x->swing > y->swing ? -1 : 1;
	return x->k - y->k; /* stable: file order among equals */
}

static double point_mean(const char *dir, const int *status, int i, const char *out)
{
	if (status[i] != SWEEP_DONE)
		return NAN;
	char fn[32], p[PATH_MAX];
	sweep_point_file(i, fn, sizeof fn);
	snprintf(p, sizeof p, "%s/%s", dir, fn);
	h5i *f = h5i_open(p, NULL);
	struct ostat o;
	read_ostat(f, out, &o);
	h5i_close(f);
	return o.mean;
}

/* Runs gnuplot on the tornado script for one table. */
static void draw_tornado(const char *dat, const char *outbase, const char *title, int quiet)
{
	char script[PATH_MAX];
	snprintf(script, sizeof script, "%s/analysis/plots/fig_tornado.gp", DAIS_SRCDIR);
	if (access(script, R_OK) != 0) {
		snprintf(script, sizeof script, "analysis/plots/fig_tornado.gp");
		if (access(script, R_OK) != 0) {
			if (!quiet)
				fprintf(stderr, "dais: analysis/plots/fig_tornado.gp not found; no figure\n");
			return;
		}
	}
	char expr[3 * PATH_MAX];
	snprintf(expr, sizeof expr, "datafile='%s'; outbase='%s'; figtitle='%s'", dat, outbase, title);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0 && quiet) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("gnuplot", "gnuplot", "-e", expr, script, (char *)NULL);
		_exit(127);
	}
	if (pid > 0) {
		int ws;
		waitpid(pid, &ws, 0);
		if (!quiet && (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0))
			fprintf(stderr, "dais: gnuplot failed on %s (exit %d)\n", dat,
			        WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
	}
}

static int have_gnuplot(void)
{
	const char *path = getenv("PATH");
	if (!path)
		return 0;
	char *p = strdup(path), *save = NULL;
	int ok = 0;
	for (char *t = p ? strtok_r(p, ":", &save) : NULL; t && !ok; t = strtok_r(NULL, ":", &save)) {
		char b[PATH_MAX];
		snprintf(b, sizeof b, "%s/gnuplot", *t ? t : ".");
		ok = access(b, X_OK) == 0;
	}
	free(p);
	return ok;
}

sim_status sweep_write_tornado(const sweep *w, const char *dir, const int *status, int quiet,
                               sim_diag *d)
{
	if (w->mode != SWEEP_OAT)
		return SIM_OK;
	char **own;
	size_t nown;
	int nout = list_outputs(w, dir, status, &own, &nown);
	const char *const *outs = own ? (const char *const *)own : (const char *const *)w->outputs;
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/tornado.csv", dir);
	FILE *f = open_tmp(path, tmp, sizeof tmp, d);
	struct trow *rows = calloc((size_t)w->nparams, sizeof *rows);
	if (!f || !rows) {
		if (f) {
			fclose(f);
			unlink(tmp);
		}
		free(rows);
		h5i_names_free(own, nown);
		return f ? SIM_ENOMEM : SIM_EIO;
	}
	h5i_quiet();
	sim_status st = SIM_OK;
	int plot = have_gnuplot();
	fputs("output,parameter,low,high,baseline_value,output_baseline,output_low,output_high,swing\n", f);
	for (int j = 0; j < nout && st == SIM_OK; j++) {
		double y0 = point_mean(dir, status, 0, outs[j]);
		for (int k = 0; k < w->nparams; k++) {
			rows[k].k = k;
			rows[k].lo = point_mean(dir, status, 1 + 2 * k, outs[j]);
			rows[k].hi = point_mean(dir, status, 2 + 2 * k, outs[j]);
			rows[k].swing = fabs(rows[k].hi - rows[k].lo);
		}
		qsort(rows, (size_t)w->nparams, sizeof *rows, trow_cmp);
		char dpath[PATH_MAX], dtmp[PATH_MAX + 32], obase[PATH_MAX];
		snprintf(dpath, sizeof dpath, "%s/tornado_%s.dat", dir, outs[j]);
		snprintf(obase, sizeof obase, "%s/tornado_%s", dir, outs[j]);
		FILE *g = open_tmp(dpath, dtmp, sizeof dtmp, d);
		if (!g) {
			st = SIM_EIO;
			break;
		}
		fprintf(g, "# tornado of %s: one-at-a-time sensitivity (dais sensitivity %s)\n"
		           "# output at the baseline: %.17g\n"
		           "# rank label low_value high_value output_low output_high output_baseline swing\n",
		        outs[j], w->name, y0);
		for (int r = 0; r < w->nparams; r++) {
			const struct sweep_param *p = &w->params[rows[r].k];
			char lo[256], hi[256], b[256];
			cell_text(p->values[0], lo, sizeof lo);
			cell_text(p->values[1], hi, sizeof hi);
			cell_text(p->base ? p->base : "null", b, sizeof b);
			csv_field(f, outs[j]);
			fputc(',', f);
			csv_field(f, p->label);
			fputc(',', f);
			csv_field(f, lo);
			fputc(',', f);
			csv_field(f, hi);
			fputc(',', f);
			csv_field(f, b);
			fprintf(f, ",%.17g,%.17g,%.17g,%.17g\n", y0, rows[r].lo, rows[r].hi, rows[r].swing);
			/* rank counts from the bottom, so the widest bar is drawn on top */
			char lab[600];
			snprintf(lab, sizeof lab, "%s (%s .. %s)", p->label, lo, hi);
			fprintf(g, "%d \"", w->nparams - r);
			for (const char *c = lab; *c; c++)
				if (*c != '"')
					fputc(*c, g);
			fprintf(g, "\" \"%s\" \"%s\" %.17g %.17g %.17g %.17g\n", lo, hi, rows[r].lo,
			        rows[r].hi, y0, rows[r].swing);
		}
		st = commit_tmp(g, dtmp, dpath, d);
		int finite = isfinite(y0);
		for (int r = 0; r < w->nparams; r++)
			finite += isfinite(rows[r].lo) + isfinite(rows[r].hi);
		if (st == SIM_OK && plot && finite > 1)
			draw_tornado(dpath, obase, outs[j], quiet);
		else if (st == SIM_OK && plot && !quiet)
			fprintf(stderr, "dais: %s is NaN at every point; no figure\n", outs[j]);
	}
	sim_status st2 = commit_tmp(f, tmp, path, d);
	free(rows);
	h5i_names_free(own, nown);
	return st != SIM_OK ? st : st2;
}

/* ---------------------------------------------------------------- running */

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* mkdir -p */
static sim_status make_dir(const char *dir, sim_diag *d)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p) {
		diag_add(d, "%s: path too long", dir);
		return SIM_EINVAL;
	}
	for (char *c = p + 1; ; c++) {
		if (*c == '/' || *c == '\0') {
			char save = *c;
			*c = '\0';
			if (mkdir(p, 0777) != 0 && errno != EEXIST) {
				diag_add(d, "%s: cannot create directory: %s", p, strerror(errno));
				return SIM_EIO;
			}
			*c = save;
			if (!save)
				break;
		}
	}
	struct stat sb;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		diag_add(d, "%s: not a directory", dir);
		return SIM_EIO;
	}
	return SIM_OK;
}

void sweep_remove_stale_tmp(const char *dir)
{
	DIR *dd = opendir(dir);
	struct dirent *e;
	while (dd && (e = readdir(dd))) {
		const char *t = strstr(e->d_name, ".tmp.");
		if (!t)
			continue;
		char *end;
		long pid = strtol(t + 5, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char p[PATH_MAX];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (dd)
		closedir(dd);
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

/* About running: points go through in windows.  A window opens consecutive
 * points (scenario, model parameters, results file) until it holds at least
 * two replications per thread, then one OpenMP team runs all of their
 * replications, (point, replication) tasks handed out dynamically, and each
 * finished replication goes to its point's run_out (run.h) in a critical
 * section.  So a sweep of many points with few replications each keeps every
 * thread busy, and each file is the one `dais run` writes for that point. */
struct wpoint {
	int i;                          /* point index */
	scn *s;
	const struct model_type *mt;
	void *params;
	run_out *out;
	uint64_t seed;
	sim_status st;
	sim_diag d;                     /* its messages */
};

#define SWEEP_WINDOW 32 /* points open at once, at most */

static void wpoint_release(struct wpoint *p)
{
	run_out_free(p->out); /* keeps the saved replications unless committed */
	if (p->params && p->mt->release)
		p->mt->release(p->params);
	free(p->params);
	scn_free(p->s);
	diag_release(&p->d);
	memset(p, 0, sizeof *p);
}

sim_status sweep_run(const sweep *w, const struct sweep_opts *o, int *status, sim_diag *d)
{
	sim_status st = make_dir(o->dir, d);
	if (st != SIM_OK)
		return st;
	for (int i = 0; i < w->npoints; i++)
		status[i] = SWEEP_PENDING;
	if (o->resume)
		sweep_remove_stale_tmp(o->dir);
	int threads = o->threads;
#ifdef _OPENMP
	if (threads <= 0)
		threads = omp_get_max_threads();
#else
	threads = 1;
#endif
	run_install_signals();
	double t0 = wall();
	int ran = 0, kept = 0, failed = 0, next = 0;
	struct wpoint win[SWEEP_WINDOW];
	memset(win, 0, sizeof win);
	while (next < w->npoints && st == SIM_OK) {
		if (sim_interrupted) {
			st = SIM_EINTR;
			break;
		}
		/* open a window */
		int nw = 0;
		long ntasks = 0;
		double t1 = wall();
		while (next < w->npoints && nw < SWEEP_WINDOW && ntasks < 2L * threads && st == SIM_OK) {
			int i = next++;
			char fn[32], path[PATH_MAX];
			sweep_point_file(i, fn, sizeof fn);
			snprintf(path, sizeof path, "%s/%s", o->dir, fn);
			struct wpoint *p = &win[nw];
			diag_init(&p->d);
			p->i = i;
			p->s = sweep_point_scn(w, i, &p->d);
			if (p->s && o->resume && run_file_matches(path, p->s)) {
				status[i] = SWEEP_DONE;
				kept++;
				wpoint_release(p);
				continue;
			}
			if (p->s && o->resume && access(path, F_OK) == 0) {
				diag_add(d, "%s: holds the results of another scenario (not point %d of %s); "
				            "remove it or use another output directory", path, i, w->name);
				wpoint_release(p);
				st = SIM_EINVAL;
				break;
			}
			p->mt = p->s ? model_type_find(w->models, scn_str(p->s, "model")) : NULL;
			p->st = p->mt ? SIM_OK : SIM_EINVAL;
			if (p->st == SIM_OK) {
				p->params = calloc(1, p->mt->params_size ? p->mt->params_size : 1);
				p->st = p->params ? p->mt->parse(p->params, p->s, &p->d) : SIM_ENOMEM;
			}
			if (p->st == SIM_OK) {
				p->seed = (uint64_t)scn_int(p->s, "seed");
				sim_status os = run_out_open(p->s, path, o->resume, threads, &p->out, &p->d);
				if (os != SIM_OK) {
					for (int m = 0; m < p->d.n; m++)
						diag_add(d, "%s", p->d.msg[m]);
					wpoint_release(p);
					st = os == SIM_EINVAL ? SIM_EINVAL : SIM_EIO;
					break;
				}
				ntasks += run_out_nrep(p->out) - run_out_nsaved(p->out);
			}
			nw++;
		}
		if (st != SIM_OK) {
			for (int k = 0; k < nw; k++)
				wpoint_release(&win[k]);
			break;
		}
		/* its tasks */
		int *tp = malloc((size_t)(ntasks + 1) * sizeof *tp), *tr = malloc((size_t)(ntasks + 1) * sizeof *tr);
		if (!tp || !tr) {
			free(tp);
			free(tr);
			for (int k = 0; k < nw; k++)
				wpoint_release(&win[k]);
			st = SIM_ENOMEM;
			break;
		}
		long nt = 0;
		for (int k = 0; k < nw; k++)
			for (int r = 0; win[k].out && r < run_out_nrep(win[k].out); r++)
				if (!run_out_saved(win[k].out, r)) {
					tp[nt] = k;
					tr[nt] = r;
					nt++;
				}
		int stop = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
		for (long t = 0; t < nt; t++) {
			struct wpoint *p = &win[tp[t]];
			int halt;
#pragma omp atomic read
			halt = stop;
			if (halt || sim_interrupted || p->st != SIM_OK)
				continue;
			sim_diag rd;
			diag_init(&rd);
			struct model_ctx ctx = { .seed = p->seed, .rep = tr[t] };
			rec *r = rec_alloc("s");
			sim_status rst = r ? p->mt->run(p->params, &ctx, r, &rd) : SIM_ENOMEM;
			if (rst == SIM_OK && !rec_ok(r))
				rst = SIM_ENOMEM;
#pragma omp critical(dais_sweep_writer)
			{
				for (int m = 0; m < rd.n; m++)
					diag_add(&p->d, "%s", rd.msg[m]);
				if (rst != SIM_OK) {
					rec_free(r);
					if (p->st == SIM_OK)
						p->st = rst;
				} else if (run_out_put(p->out, tr[t], r, &p->d) != SIM_OK) {
					p->st = SIM_EIO;
				}
				if (p->st == SIM_EIO || p->st == SIM_ENOMEM)
					stop = 1;
			}
			diag_release(&rd);
		}
		free(tp);
		free(tr);
		/* close the window, in point order */
		for (int k = 0; k < nw; k++) {
			struct wpoint *p = &win[k];
			char fn[32], what[512];
			sweep_point_file(p->i, fn, sizeof fn);
			sweep_describe_point(w, p->i, what, sizeof what);
			sim_status ps = p->st;
			if (ps == SIM_OK && sim_interrupted)
				ps = SIM_EINTR;
			if (ps == SIM_OK)
				ps = run_out_commit(p->out, &p->d);
			for (int m = 0; m < p->d.n; m++)
				diag_add(d, "%s: %s", fn, p->d.msg[m]);
			if (ps == SIM_OK) {
				status[p->i] = SWEEP_DONE;
				ran++;
			} else if (ps == SIM_EINTR || ps == SIM_EIO || ps == SIM_ENOMEM) {
				if (st == SIM_OK)
					st = ps;
			} else {
				status[p->i] = SWEEP_FAILED;
				failed++;
			}
			if (!o->quiet && ps != SIM_EINTR)
				fprintf(stderr, "[%d/%d] %s %s: %s (%.2f s)\n", p->i + 1, w->npoints, fn, what,
				        status_name(status[p->i]), wall() - t1);
			wpoint_release(p);
		}
		if (sim_interrupted && st == SIM_OK)
			st = SIM_EINTR;
		if ((st == SIM_OK || st == SIM_EINTR) &&
		    (sim_status)sweep_write_index(w, o->dir, status, d) != SIM_OK)
			st = SIM_EIO;
	}
	if (!o->quiet && st == SIM_OK)
		fprintf(stderr, "%s: %d points (%d run, %d kept, %d failed) in %.2f s -> %s/index.csv\n",
		        w->name, w->npoints, ran, kept, failed, wall() - t0, o->dir);
	if (failed && st == SIM_OK)
		st = SIM_EINVAL;
	return st;
}
