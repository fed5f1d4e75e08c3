/* info.c — a results file described in text: provenance, the tree with shapes
 * and units, and the summary scalars with their 95% intervals (info.h). */
#include "info.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hdf5.h>


/* ---- lines of the tree ---------------------------------------------------- */

struct lines {
	char **v;
	size_t n, cap;
};

static void lines_add(struct lines *l, char *s)
{
	if (!s)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		char **p = realloc(l->v, cap * sizeof *p);
		if (!p) {
			free(s);
			return;
		}
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = s;
}

static void lines_free(struct lines *l)
{
	h5i_names_free(l->v, l->n);
	memset(l, 0, sizeof *l);
}

static char *shape_str(int rank, const size_t dims[2])
{
	char *s = NULL;
	int r = rank == 0   ? asprintf(&s, "()")
	        : rank == 1 ? asprintf(&s, "(%zu,)", dims[0])
	                    : asprintf(&s, "(%zu, %zu)", dims[0], dims[1]);
	return r < 0 ? NULL : s;
}

static int is_table(const h5i *f, const char *path)
{
	hid_t ds = H5Dopen2(h5i_file(f), path, H5P_DEFAULT);
	if (ds < 0) {
		H5Eclear2(H5E_DEFAULT);
		return 0;
	}
	hid_t t = H5Dget_type(ds);
	int c = t >= 0 && H5Tget_class(t) == H5T_COMPOUND;
	if (t >= 0)
		H5Tclose(t);
	H5Dclose(ds);
	return c;
}

/* "shape  units  [columns]" of a dataset. */
static char *describe(const h5i *f, const char *path)
{
	size_t dims[2];
	int rank = h5i_shape(f, path, dims);
	char *shape = rank >= 0 ? shape_str(rank, dims) : strdup("?");
	char *units = NULL, **cols = NULL, *s = NULL;
	size_t ncols = 0;
	if (h5i_has_attr(f, path, "units") && h5i_attr_str(f, path, "units", &units, NULL))
		units = NULL;
	if (h5i_has_attr(f, path, "columns") &&
	    h5i_attr_strv(f, path, "columns", &cols, &ncols, NULL))
		cols = NULL;
	size_t clen = 0;
	for (size_t i = 0; i < ncols; i++)
		clen += strlen(cols[i]) + 2;
	char *cs = calloc(clen + 3, 1);
	if (cs && cols) {
		strcat(cs, "[");
		for (size_t i = 0; i < ncols; i++) {
			strcat(cs, cols[i]);
			if (i + 1 < ncols)
				strcat(cs, ", ");
		}
		strcat(cs, "]");
	}
	const char *u = units && *units ? units : "-";
	if (is_table(f, path))
		u = "table (t, kind, id, value)";
	if (asprintf(&s, "%-14s %s%s%s", shape ? shape : "?", u, cs && *cs ? "  " : "",
	             cs ? cs : "") < 0)
		s = NULL;
	free(cs);
	free(shape);
	free(units);
	h5i_names_free(cols, ncols);
	return s;
}

#define SERIES_SET "ci95_hi,ci95_lo,mean,p025,p05,p50,p95,p975,sd"
#define SCALAR_SET "ci90_hi,ci90_lo,ci95_hi,ci95_lo,mean,n,n_finite,p05,p50,p95,sd"

/* One line for a summary group (its statistics share one shape). */
static char *summary_line(const h5i *f, const char *path, size_t base)
{
	char **st, *line = NULL;
	size_t ns;
	if (h5i_list(f, path, &st, &ns, NULL) || ns == 0) {
		if (ns == 0)
			h5i_names_free(st, ns);
		return NULL;
	}
	size_t len = 0;
	for (size_t k = 0; k < ns; k++)
		len += strlen(st[k]) + 1;
	char *set = calloc(len + 1, 1), *mean = NULL, *units = NULL;
	if (set)
		for (size_t k = 0; k < ns; k++) {
			strcat(set, st[k]);
			strcat(set, k + 1 < ns ? "," : "");
		}
	if (asprintf(&mean, "%s/mean", path) < 0)
		mean = NULL;
	if (h5i_attr_str(f, path, "units", &units, NULL))
		units = NULL;
	size_t dims[2];
	int rank = mean ? h5i_shape(f, mean, dims) : -1;
	char *shape = rank >= 0 ? shape_str(rank, dims) : NULL;
	/* The usual sets are explained once, below the tree. */
	int usual = set && (!strcmp(set, SERIES_SET) || !strcmp(set, SCALAR_SET));
	if (asprintf(&line, "%s/%s%s%s\t%-14s %s", path + base, usual ? "" : "{",
	             usual ? "" : set ? set : "", usual ? "" : "}", shape ? shape : "?",
	             units && *units ? units : "-") < 0)
		line = NULL;
	free(set);
	free(mean);
	free(units);
	free(shape);
	h5i_names_free(st, ns);
	return line;
}

struct tree {
	const h5i *f;
	const char *root;
	size_t base;          /* length of the root's path and its slash */
	struct lines *out;
};

/* One line per dataset, one per summary group, under the root. */
static int tree_line(const char *path, int is_group, int stop_here, void *ctx)
{
	struct tree *t = ctx;
	char *line = NULL;
	if (!strcmp(path, t->root))
		return H5I_WALK_ON;
	if (is_group && stop_here) {
		/* a damaged file's groups can form a cycle: the walk stops there */
		if (asprintf(&line, "%s/\t(not shown: a group shown already, or nested too deep)",
		             path + t->base) < 0)
			line = NULL;
	} else if (is_group && h5i_has_attr(t->f, path, "units")) {
		lines_add(t->out, summary_line(t->f, path, t->base));
		return H5I_WALK_SKIP;
	} else if (is_group) {
		return H5I_WALK_ON;
	} else {
		char *desc = describe(t->f, path);
		if (asprintf(&line, "%s\t%s", path + t->base, desc ? desc : "?") < 0)
			line = NULL;
		free(desc);
	}
	lines_add(t->out, line);
	return H5I_WALK_ON;
}

/* Appends "rel<TAB>desc" for every dataset under group path (rel to base). */
static void walk(const h5i *f, const char *path, size_t base, struct lines *out)
{
	struct tree t = { f, path, base, out };
	sim_status st = h5i_walk(f, path, tree_line, &t, NULL);
	(void)st; /* a damaged part is missing from the tree; dais info says so apart */
}

/* Keeps the coordinates and the X_mean of each summarised quantity: the
 * other statistics have the same shape and units, and would fill a screen. */
static void only_means(struct lines *l)
{
	static const char *const other[] = {
		"_sd", "_ci95_lo", "_ci95_hi", "_ci90_lo", "_ci90_hi", "_p025", "_p05", "_p50",
		"_p95", "_p975", "_n", "_n_finite",
	};
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++) {
		size_t len = strcspn(l->v[i], "\t"), drop = 0;
		for (size_t j = 0; j < sizeof other / sizeof *other && !drop; j++) {
			size_t m = strlen(other[j]);
			drop = len > m && !strncmp(l->v[i] + len - m, other[j], m);
		}
		if (drop)
			free(l->v[i]);
		else
			l->v[k++] = l->v[i];
	}
	l->n = k;
}

static void print_lines(const struct lines *l, const char *prefix)
{
	size_t w = 0;
	for (size_t i = 0; i < l->n; i++) {
		size_t k = strcspn(l->v[i], "\t");
		if (k > w)
			w = k;
	}
	for (size_t i = 0; i < l->n; i++) {
		size_t k = strcspn(l->v[i], "\t");
		const char *rest = l->v[i][k] ? l->v[i] + k + 1 : "";
		printf("  %s%.*s%*s  %s\n", prefix, (int)k, l->v[i], (int)(w - k), "", rest);
	}
}

/* One "@name  value" line per attribute of a group (a replication's notes),
 * long values cut to one screen line. */
static void print_group_attrs(const h5i *f, const char *path)
{
	hid_t g = H5Gopen2(h5i_file(f), path, H5P_DEFAULT);
	H5O_info_t oi;
	if (g >= 0 && H5Oget_info(g, &oi) >= 0)
		for (hsize_t k = 0; k < oi.num_attrs; k++) {
			char name[256], *v = NULL;
			if (H5Aget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, k, name, sizeof name,
			                       H5P_DEFAULT) < 0 ||
			    h5i_attr_str(f, path, name, &v, NULL) != SIM_OK)
				continue;
			size_t len = strcspn(v, "\n");
			int cut = len > 70 || v[len];
			printf("  @%-24s %.*s%s\n", name, (int)(len > 70 ? 70 : len), v, cut ? " ..." : "");
			free(v);
		}
	if (g >= 0)
		H5Gclose(g);
	H5Eclear2(H5E_DEFAULT);
}

static int same_lines(const struct lines *a, const struct lines *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

/* rep_0000 in full, then runs of replications with the same layout. */
static void print_reps(const h5i *f)
{
	int nr = h5i_nreps(f);
	if (nr == 0)
		return;
	struct lines first = { 0 };
	char path[64];
	snprintf(path, sizeof path, "/%s", h5i_rep_name(f, 0));
	walk(f, path, strlen(path) + 1, &first);
	printf("%s/\n", path);
	print_group_attrs(f, path);
	print_lines(&first, "");
	int run = -1; /* start of the current run of same layouts */
	for (int i = 1; i <= nr; i++) {
		struct lines cur = { 0 };
		int same = 0;
		if (i < nr) {
			snprintf(path, sizeof path, "/%s", h5i_rep_name(f, i));
			walk(f, path, strlen(path) + 1, &cur);
			same = same_lines(&first, &cur);
		}
		if (same && run < 0)
			run = i;
		if (!same && run >= 0) {
			if (i - 1 > run)
				printf("/%s .. /%s: same layout\n", h5i_rep_name(f, run),
				       h5i_rep_name(f, i - 1));
			else
				printf("/%s: same layout\n", h5i_rep_name(f, run));
			run = -1;
		}
		if (i < nr && !same) {
			printf("/%s/ (different layout)\n", h5i_rep_name(f, i));
			print_lines(&cur, "");
		}
		lines_free(&cur);
	}
	lines_free(&first);
}

/* ---- provenance and summary ------------------------------------------------ */

static const char *const prov[] = {
	"dais_version", "model", "scenario_path", "master_seed", "replications", "created",
	"wall_time_s", "host", "compiler", "cflags",
};

static int is_prov(const char *name)
{
	for (size_t i = 0; i < sizeof prov / sizeof prov[0]; i++)
		if (!strcmp(prov[i], name))
			return 1;
	return !strcmp(name, "scenario_json");
}

static void print_attr(const h5i *f, const char *name)
{
	char *v = NULL;
	if (h5i_attr_str(f, "/", name, &v, NULL) == SIM_OK) {
		printf("  %-14s %s\n", name, v);
		free(v);
	}
}

static void print_provenance(const h5i *f)
{
	printf("%s\n", h5i_name(f));
	for (size_t i = 0; i < sizeof prov / sizeof prov[0]; i++)
		if (h5i_has_attr(f, "/", prov[i]))
			print_attr(f, prov[i]);
	/* Attributes the driver added beyond the usual ones. */
	hid_t root = H5Gopen2(h5i_file(f), "/", H5P_DEFAULT);
	H5O_info_t oi;
	if (root >= 0 && H5Oget_info(root, &oi) >= 0)
		for (hsize_t k = 0; k < oi.num_attrs; k++) {
			char name[256];
			if (H5Aget_name_by_idx(root, ".", H5_INDEX_NAME, H5_ITER_INC, k, name,
			                       sizeof name, H5P_DEFAULT) < 0)
				continue;
			if (!is_prov(name))
				print_attr(f, name);
		}
	if (root >= 0)
		H5Gclose(root);
	H5Eclear2(H5E_DEFAULT);
	if (h5i_has_attr(f, "/", "scenario_json"))
		printf("  %-14s (stored; 'dais info --json' prints it)\n", "scenario_json");
}

static double scalar_at(const h5i *f, const char *group, const char *stat)
{
	char *p = NULL;
	double v = NAN;
	struct h5i_data x;
	if (asprintf(&p, "%s_%s", group, stat) >= 0 && h5i_read(f, p, &x, NULL) == SIM_OK) {
		if (x.n >= 1)
			v = x.v[0];
		h5i_data_release(&x);
	}
	free(p);
	return v;
}

static void print_summary_scalars(const h5i *f)
{
	char **names;
	size_t n;
	if (h5i_summary_list(f, 1, &names, &n, NULL))
		return;
	if (n > 0)
		printf("\nsummary scalars: mean [95%% CI] units (finite/replications)\n");
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) > w)
			w = strlen(names[i]);
	for (size_t i = 0; i < n; i++) {
		char *g = NULL, *units = NULL, *mean = NULL;
		if (asprintf(&g, "/summary/%s", names[i]) < 0)
			continue;
		if (asprintf(&mean, "%s_mean", g) < 0 || h5i_attr_str(f, mean, "units", &units, NULL))
			units = NULL;
		free(mean);
		double m = scalar_at(f, g, "mean");
		if (isnan(m))
			printf("  %-*s  no finite value", (int)w, names[i]);
		else
			printf("  %-*s  %.6g [%.6g, %.6g] %s", (int)w, names[i], m,
			       scalar_at(f, g, "ci95_lo"), scalar_at(f, g, "ci95_hi"), units ? units : "");
		printf(" (%.0f/%.0f)\n", scalar_at(f, g, "n_finite"), scalar_at(f, g, "n"));
		free(units);
		free(g);
	}
	h5i_names_free(names, n);
}

sim_status info_print_json(const h5i *f, sim_diag *d)
{
	char *s = NULL;
	sim_status st = h5i_attr_str(f, "/", "scenario_json", &s, d);
	if (st)
		return st;
	cJSON *j = cJSON_Parse(s);
	char *pretty = j ? cJSON_Print(j) : NULL;
	printf("%s\n", pretty ? pretty : s);
	free(pretty);
	cJSON_Delete(j);
	free(s);
	return SIM_OK;
}

void info_print(const h5i *f)
{
	print_provenance(f);
	printf("\n");
	print_reps(f);
	if (h5i_is_group(f, "/summary")) {
		struct lines s = { 0 };
		walk(f, "/summary", strlen("/summary") + 1, &s);
		only_means(&s);
		printf("/summary/\n");
		print_lines(&s, "");
		printf("  (beside each series X_mean: X_sd, X_ci95_lo, X_ci95_hi, X_p025, X_p05,\n"
		       "   X_p50, X_p95, X_p975, shaped like it; beside each scalar Y_mean: Y_sd,\n"
		       "   Y_ci95_lo, Y_ci95_hi, Y_ci90_lo, Y_ci90_hi, Y_p05, Y_p50, Y_p95, Y_n,\n"
		       "   Y_n_finite)\n");
		lines_free(&s);
	}
	print_summary_scalars(f);
}
