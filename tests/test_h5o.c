/* test_h5o.c — results files: round trip through h5o and h5i, the summary
 * against statistics computed here with plain loops, atomic writes, errors,
 * and byte-identical output for identical inputs. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include <errno.h>
#include <float.h>
#include <stdint.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "h5/h5i.h"
#include "h5/h5o.h"
#include "sim/rec.h"
#include "analysis/summary.h"
#include "sim/file.h"

#define NREP 3
#define NS 20

static char dir[64];

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void setup(void)
{
	strcpy(dir, "/tmp/dais_test_h5o_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

static int exists(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0;
}

static int dir_entries(const char *p)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "test -z \"$(ls -A %s)\"", p);
	return system(cmd) == 0 ? 0 : 1;
}

/* The known data of replication rep. */
static double demand(int rep, int i) { return 100.0 + 10.0 * rep + i * (1 + 0.1 * rep * rep); }
static double nodes(int rep, int i, int c) { return rep * 1000.0 + i * 10.0 + c; }
static double share(int rep, int i, int c) { return (c == 1 && i % 2 == 0) ? NAN : 0.1 * rep + 0.01 * i; }
static double exhaustion(int rep) { return rep == 2 ? NAN : 500.0 + 7 * rep; }

static const char *cls[] = { "laptop", "gpu", "h100" };

static rec *make_rec(int rep)
{
	rec *r = rec_alloc("day");
	int d = rec_series(r, "demand_tokens", "tokens/day", 1, NULL);
	int n = rec_series(r, "nodes_by_class", "nodes", 3, cls);
	int s = rec_series(r, "share", "1", 2, NULL);
	for (int i = 0; i < NS; i++) {
		rec_set(r, d, 0, demand(rep, i));
		for (int c = 0; c < 3; c++)
			rec_set(r, n, c, nodes(rep, i, c));
		rec_set(r, s, 0, share(rep, i, 0));
		if (i % 2)
			rec_set(r, s, 1, share(rep, i, 1)); /* unset otherwise: NaN */
		cr_assert_eq(rec_sample(r, 0.5 * i), SIM_OK);
	}
	rec_scalar(r, "exhaustion_day", "day", exhaustion(rep));
	rec_scalar(r, "nodes_at_year_5", "nodes", 1000.0 + rep);
	for (int e = 0; e <= rep; e++)
		rec_event(r, 1.5 * e, e % 2 ? "halving" : "join", 1000000000000LL + e, 0.5 * e);
	rec_note(r, "calibration", "h100_fp16");
	return r;
}

/* Writes NREP replications, the summary and the provenance; commits. */
static void write_file(const char *path)
{
	sim_diag d;
	diag_init(&d);
	h5o *o = h5o_create(path, &d);
	diag_print(&d, stderr, "test: ");
	cr_assert_not_null(o);
	cr_assert_eq(h5o_attr_str(o, "model", "toy"), SIM_OK);
	cr_assert_eq(h5o_attr_str(o, "scenario_json", "{\"model\":\"toy\",\"seed\":42}"), SIM_OK);
	cr_assert_eq(h5o_attr_u64(o, "master_seed", 18446744073709551557ULL), SIM_OK);
	cr_assert_eq(h5o_attr_num(o, "replications", NREP), SIM_OK);
	cr_assert_eq(h5o_attr_num(o, "wall_time_s", 0), SIM_OK);
	for (int k = 0; k < NREP; k++) {
		rec *r = make_rec(k);
		cr_assert_eq(h5o_write_rep(o, k, r, &d), SIM_OK);
		rec_free(r);
	}
	cr_assert_eq(summary_write(o, &d), SIM_OK);
	cr_assert_eq(h5o_commit(o, &d), SIM_OK);
	diag_print(&d, stderr, "test: ");
	cr_expect_eq(d.n, 0);
	h5o_free(o);
	diag_release(&d);
}

static void expect_data(h5i *f, const char *path, int rank, size_t d0, size_t d1,
                        const char *units, struct h5i_data *x)
{
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(h5i_read(f, path, x, &d), SIM_OK, "%s", path);
	diag_release(&d);
	cr_expect_eq(x->rank, rank, "%s rank", path);
	cr_expect_eq(x->dims[0], d0, "%s dims[0]", path);
	cr_expect_eq(x->dims[1], d1, "%s dims[1]", path);
	cr_expect_str_eq(x->units, units, "%s units", path);
}

static int same(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static double num_attr(h5i *f, const char *obj, const char *name)
{
	double v;
	cr_assert_eq(h5i_attr_num(f, obj, name, &v, NULL), SIM_OK, "%s@%s", obj, name);
	return v;
}

Test(h5o, round_trip_every_value, .init = setup, .fini = teardown)
{
	char path[128];
	snprintf(path, sizeof path, "%s/run.h5", dir);
	write_file(path);
	sim_diag d;
	diag_init(&d);
	h5i *f = h5i_open(path, &d);
	cr_assert_not_null(f);
	cr_assert_eq(h5i_nreps(f), NREP);

	char *s;
	cr_assert_eq(h5i_attr_str(f, "/", "model", &s, &d), SIM_OK);
	cr_expect_str_eq(s, "toy");
	free(s);
	cr_assert_eq(h5i_attr_str(f, "/", "master_seed", &s, &d), SIM_OK);
	cr_expect_str_eq(s, "18446744073709551557"); /* exact, not through a double */
	free(s);
	cr_assert_eq(h5i_attr_str(f, "/", "scenario_json", &s, &d), SIM_OK);
	cr_expect_str_eq(s, "{\"model\":\"toy\",\"seed\":42}");
	free(s);
	static const char *const prov[] = { "dais_version", "compiler", "cflags", "host", "created" };
	for (size_t i = 0; i < 5; i++)
		cr_expect(h5i_has_attr(f, "/", prov[i]), "%s", prov[i]);
	cr_expect_float_eq(num_attr(f, "/", "replications"), NREP, 0);
	cr_expect_float_eq(num_attr(f, "/", "wall_time_s"), 0, 0);

	for (int k = 0; k < NREP; k++) {
		char p[128];
		struct h5i_data x;
		snprintf(p, sizeof p, "/rep_%04d", k);
		cr_expect_str_eq(h5i_rep_name(f, k), p + 1);
		cr_expect_float_eq(num_attr(f, p, "replication"), k, 0);
		cr_assert_eq(h5i_attr_str(f, p, "calibration", &s, &d), SIM_OK);
		cr_expect_str_eq(s, "h100_fp16");
		free(s);

		snprintf(p, sizeof p, "/rep_%04d/timeseries/time", k);
		expect_data(f, p, 1, NS, 1, "day", &x);
		for (int i = 0; i < NS; i++)
			cr_expect_float_eq(x.v[i], 0.5 * i, 0);
		cr_expect_null(x.columns);
		h5i_data_release(&x);

		snprintf(p, sizeof p, "/rep_%04d/timeseries/demand_tokens", k);
		expect_data(f, p, 1, NS, 1, "tokens/day", &x);
		for (int i = 0; i < NS; i++)
			cr_expect_float_eq(x.v[i], demand(k, i), 0);
		h5i_data_release(&x);

		snprintf(p, sizeof p, "/rep_%04d/timeseries/nodes_by_class", k);
		expect_data(f, p, 2, NS, 3, "nodes", &x);
		cr_assert_eq(x.ncolumns, 3);
		for (int c = 0; c < 3; c++)
			cr_expect_str_eq(x.columns[c], cls[c]);
		for (int i = 0; i < NS; i++)
			for (int c = 0; c < 3; c++)
				cr_expect_float_eq(x.v[i * 3 + c], nodes(k, i, c), 0);
		h5i_data_release(&x);

		snprintf(p, sizeof p, "/rep_%04d/timeseries/share", k);
		expect_data(f, p, 2, NS, 2, "1", &x);
		cr_expect_null(x.columns); /* unnamed columns: no attribute */
		for (int i = 0; i < NS; i++)
			for (int c = 0; c < 2; c++)
				cr_expect(same(x.v[i * 2 + c], share(k, i, c)), "share[%d][%d]", i, c);
		h5i_data_release(&x);

		snprintf(p, sizeof p, "/rep_%04d/scalars/exhaustion_day", k);
		expect_data(f, p, 0, 1, 1, "day", &x);
		cr_expect(same(x.v[0], exhaustion(k)));
		h5i_data_release(&x);
		snprintf(p, sizeof p, "/rep_%04d/scalars/nodes_at_year_5", k);
		expect_data(f, p, 0, 1, 1, "nodes", &x);
		cr_expect_float_eq(x.v[0], 1000.0 + k, 0);
		h5i_data_release(&x);

		struct h5i_events e;
		snprintf(p, sizeof p, "/rep_%04d/events", k);
		cr_assert_eq(h5i_read_events(f, p, &e, &d), SIM_OK);
		cr_assert_eq(e.n, (size_t)k + 1);
		for (int j = 0; j <= k; j++) {
			cr_expect_float_eq(e.t[j], 1.5 * j, 0);
			cr_expect_str_eq(e.kind[j], j % 2 ? "halving" : "join");
			cr_expect_eq(e.id[j], 1000000000000LL + j);
			cr_expect_float_eq(e.value[j], 0.5 * j, 0);
		}
		h5i_events_release(&e);
		cr_assert_eq(h5i_attr_str(f, p, "units", &s, &d), SIM_OK);
		cr_expect_str_eq(s, "day");
		free(s);
	}
	diag_print(&d, stderr, "test: ");
	cr_expect_eq(d.n, 0);
	diag_release(&d);
	h5i_close(f);
}

/* ---- summary against plain loops ------------------------------------------ */

/* Type 7 percentile of 3 sorted values, written out: h = 2p. */
static double pct3(double a, double b, double c, double p)
{
	double v[3] = { a, b, c };
	for (int i = 0; i < 3; i++) /* sort */
		for (int j = i + 1; j < 3; j++)
			if (v[j] < v[i]) {
				double t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
	double h = 2 * p;
	int lo = (int)floor(h);
	return lo >= 2 ? v[2] : v[lo] + (h - lo) * (v[lo + 1] - v[lo]);
}

static double read1(h5i *f, const char *path, size_t i)
{
	struct h5i_data x;
	cr_assert_eq(h5i_read(f, path, &x, NULL), SIM_OK, "%s", path);
	double v = x.v[i];
	h5i_data_release(&x);
	return v;
}

/* A series statistic as stored: within half a unit of SUMMARY_NSB bits of
 * the exact value (plus tol for the exact value's own arithmetic), and
 * holding no more bits than that. */
static void expect_q(double got, double exact, double tol)
{
	double q = ldexp(1.0, -(SUMMARY_NSB + 1));
	cr_expect_leq(fabs(got - exact), q * fabs(exact) + tol, "%.17g against %.17g", got,
	              exact);
	cr_expect_eq(h5o_bitround(got, SUMMARY_NSB), got, "%.17g has more than %d bits", got,
	             SUMMARY_NSB);
}

/* BitRound against hand-worked cases and its error bound on random values. */
Test(h5o, bitround_rounds_to_nearest_even_within_half_a_unit)
{
	double u = ldexp(1.0, -12);                     /* the unit of 12 bits at 1 */
	cr_expect_eq(h5o_bitround(1 + 0.5 * u, 12), 1.0);            /* tie, to even */
	cr_expect_eq(h5o_bitround(1 + 1.5 * u, 12), 1 + 2 * u);      /* tie, to even */
	cr_expect_eq(h5o_bitround(1 + 0.51 * u, 12), 1 + u);
	cr_expect_eq(h5o_bitround(-(1 + 0.51 * u), 12), -(1 + u));   /* sign apart */
	cr_expect_eq(h5o_bitround(3.0, 1), 3.0);          /* 1.1b holds in one bit */
	cr_expect_eq(h5o_bitround(3.5, 1), 4.0);          /* 1.11b: tie, to even 10.0b */
	cr_expect_eq(h5o_bitround(0.1, 52), 0.1);
	cr_expect(isnan(h5o_bitround(NAN, 12)));
	cr_expect_eq(h5o_bitround(INFINITY, 12), INFINITY);
	cr_expect_eq(h5o_bitround(DBL_MAX, 12), DBL_MAX);    /* would overflow: kept */
	cr_expect_eq(h5o_bitround(0.0, 12), 0.0);
	uint64_t s = 88172645463325252ull;                    /* xorshift64 */
	for (int i = 0; i < 100000; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		double x = ldexp((double)(s >> 11) / 9007199254740992.0 + 0.5, (int)(s % 200) - 100);
		int nsb = 1 + (int)(s % 52);
		double y = h5o_bitround(x, nsb);
		uint64_t b;
		memcpy(&b, &y, sizeof b);
		cr_assert_leq(fabs(y - x), ldexp(fabs(x), -(nsb + 1)), "x %.17g nsb %d", x, nsb);
		cr_assert_eq(b & ((((uint64_t)1) << (52 - nsb)) - 1), 0, "x %.17g nsb %d", x, nsb);
	}
}

Test(h5o, summary_matches_direct_computation, .init = setup, .fini = teardown)
{
	char path[128];
	snprintf(path, sizeof path, "%s/run.h5", dir);
	write_file(path);
	h5i *f = h5i_open(path, NULL);
	cr_assert_not_null(f);
	const double t975_2 = 4.302653; /* t_{0.975,2}, tables */

	struct h5i_data x;
	expect_data(f, "/summary/time", 1, NS, 1, "day", &x);
	h5i_data_release(&x);
	expect_data(f, "/summary/nodes_by_class_p95", 2, NS, 3, "nodes", &x);
	cr_assert_eq(x.ncolumns, 3);
	cr_expect_str_eq(x.columns[2], "h100");
	h5i_data_release(&x);
	cr_expect_float_eq(num_attr(f, "/summary", "replications"), NREP, 0);
	/* the rounding is declared as CF 1.12 asks; scalars are not rounded */
	cr_expect_float_eq(num_attr(f, "/summary/demand_tokens_p95", "quantization_nsb"),
	                   SUMMARY_NSB, 0);
	char *qs = NULL;
	cr_assert_eq(h5i_attr_str(f, "/summary/demand_tokens_p95", "quantization", &qs, NULL),
	             SIM_OK);
	cr_expect_str_eq(qs, "quantization_info");
	free(qs);
	cr_assert_eq(h5i_attr_str(f, "/summary/quantization_info", "algorithm", &qs, NULL),
	             SIM_OK);
	cr_expect_str_eq(qs, "bitround");
	free(qs);
	cr_expect(!h5i_has_attr(f, "/summary/exhaustion_day_mean", "quantization"));

	for (int i = 0; i < NS; i++) {
		double v[3], m = 0, ss = 0;
		for (int k = 0; k < 3; k++)
			m += (v[k] = demand(k, i)) / 3;
		for (int k = 0; k < 3; k++)
			ss += (v[k] - m) * (v[k] - m);
		double sd = sqrt(ss / 2), h = t975_2 * sd / sqrt(3);
		const char *b = "/summary/demand_tokens_";
		char p[128];
#define AT(stat) (snprintf(p, sizeof p, "%s%s", b, stat), read1(f, p, (size_t)i))
		expect_q(AT("mean"), m, 1e-9);
		expect_q(AT("sd"), sd, 1e-9);
		expect_q(AT("ci95_lo"), m - h, 1e-5);
		expect_q(AT("ci95_hi"), m + h, 1e-5);
		expect_q(AT("p05"), pct3(v[0], v[1], v[2], 0.05), 1e-9);
		expect_q(AT("p95"), pct3(v[0], v[1], v[2], 0.95), 1e-9);
		expect_q(AT("p025"), pct3(v[0], v[1], v[2], 0.025), 1e-9);
		expect_q(AT("p975"), pct3(v[0], v[1], v[2], 0.975), 1e-9);
		expect_q(AT("p50"), pct3(v[0], v[1], v[2], 0.5), 1e-9);
#undef AT
		/* share column 1: NaN at even rows in every rep stays NaN */
		double s1 = read1(f, "/summary/share_mean", (size_t)(2 * i + 1));
		if (i % 2 == 0)
			cr_expect(isnan(s1));
		else
			expect_q(s1, (share(0, i, 1) + share(1, i, 1) + share(2, i, 1)) / 3, 1e-12);
	}

	/* exhaustion_day: 500, 507, NaN -> two finite values. */
	const char *g = "/summary/exhaustion_day_";
	char p[128];
#define AT(stat) (snprintf(p, sizeof p, "%s%s", g, stat), read1(f, p, 0))
	double sd = sqrt(2 * 3.5 * 3.5); /* deviations ±3.5, n-1 = 1 */
	cr_expect_float_eq(AT("mean"), 503.5, 1e-12);
	cr_expect_float_eq(AT("sd"), sd, 1e-12);
	cr_expect_float_eq(AT("ci95_hi"), 503.5 + 12.706205 * sd / sqrt(2), 1e-4);
	cr_expect_float_eq(AT("ci90_lo"), 503.5 - 6.313752 * sd / sqrt(2), 1e-4);
	cr_expect_float_eq(AT("p05"), 500 + 0.05 * 7, 1e-12);
	cr_expect_float_eq(AT("p50"), 503.5, 1e-12);
	cr_expect_float_eq(AT("p95"), 500 + 0.95 * 7, 1e-12);
	cr_expect_float_eq(AT("n"), 3, 0);
	cr_expect_float_eq(AT("n_finite"), 2, 0);
#undef AT
	expect_data(f, "/summary/exhaustion_day_mean", 0, 1, 1, "day", &x);
	h5i_data_release(&x);
	expect_data(f, "/summary/exhaustion_day_n", 0, 1, 1, "replications", &x);
	h5i_data_release(&x);
	h5i_close(f);
}

Test(h5o, one_replication_has_nan_spread, .init = setup, .fini = teardown)
{
	char path[128];
	snprintf(path, sizeof path, "%s/one.h5", dir);
	h5o *o = h5o_create(path, NULL);
	cr_assert_not_null(o);
	rec *r = make_rec(1);
	cr_assert_eq(h5o_write_rep(o, 0, r, NULL), SIM_OK);
	rec_free(r);
	cr_assert_eq(summary_write(o, NULL), SIM_OK);
	cr_assert_eq(h5o_commit(o, NULL), SIM_OK);
	h5o_free(o);
	h5i *f = h5i_open(path, NULL);
	expect_q(read1(f, "/summary/demand_tokens_mean", 3), demand(1, 3), 0);
	expect_q(read1(f, "/summary/demand_tokens_p95", 3), demand(1, 3), 0);
	cr_expect(isnan(read1(f, "/summary/demand_tokens_sd", 3)));
	cr_expect(isnan(read1(f, "/summary/demand_tokens_ci95_lo", 3)));
	cr_expect(isnan(read1(f, "/summary/nodes_at_year_5_ci90_hi", 0)));
	h5i_close(f);
}

Test(h5o, mismatching_series_are_left_out_with_a_message, .init = setup, .fini = teardown)
{
	char path[128];
	snprintf(path, sizeof path, "%s/mix.h5", dir);
	sim_diag d;
	diag_init(&d);
	h5o *o = h5o_create(path, &d);
	cr_assert_not_null(o);
	for (int k = 0; k < 2; k++) {
		rec *r = rec_alloc("day");
		int a = rec_series(r, "a", "1", 1, NULL);
		int b = k == 0 ? rec_series(r, "only_in_first", "1", 1, NULL) : -1;
		int c = rec_series(r, "c", "1", k + 1, NULL); /* shape differs */
		for (int i = 0; i < 4 + k; i++) {   /* time axes differ too */
			rec_set(r, a, 0, i);
			if (b >= 0)
				rec_set(r, b, 0, i);
			rec_set(r, c, 0, i);
			cr_assert_eq(rec_sample(r, i), SIM_OK);
		}
		cr_assert_eq(h5o_write_rep(o, k, r, &d), SIM_OK);
		rec_free(r);
	}
	cr_assert_eq(summary_write(o, &d), SIM_OK);
	cr_assert_eq(h5o_commit(o, &d), SIM_OK);
	h5o_free(o);
	/* a: shape (4,) vs (5,); c: (4,1) vs (5,2); only_in_first missing; t differs */
	int missing = 0, shape = 0, axis = 0;
	for (int i = 0; i < d.n; i++) {
		missing += strstr(d.msg[i], "only_in_first is missing in rep_0001") != NULL;
		shape += strstr(d.msg[i], "has shape") != NULL;
		axis += strstr(d.msg[i], "different times") != NULL || strstr(d.msg[i], "timeseries/time has shape") != NULL;
		cr_expect(strstr(d.msg[i], path) == d.msg[i], "%s", d.msg[i]);
	}
	cr_expect_eq(missing, 1);
	cr_expect_geq(shape, 2);
	cr_expect_geq(axis, 1);
	h5i *f = h5i_open(path, NULL);
	cr_expect(!h5i_exists(f, "/summary/only_in_first_mean"));
	cr_expect(!h5i_exists(f, "/summary/c_mean"));
	cr_expect(!h5i_exists(f, "/summary/time"));
	cr_expect(h5i_is_scale(f, "/summary/sample")); /* rows numbered instead */
	cr_expect(h5i_is_dataset(f, "/summary/a_mean") == 0);
	h5i_close(f);
	diag_release(&d);
}

/* ---- netCDF-4 dimensions ------------------------------------------------------ */

static void expect_dim(h5i *f, const char *path, unsigned k, const char *want)
{
	char *name = NULL;
	cr_assert_eq(h5i_dim_name(f, path, k, &name), SIM_OK, "%s axis %u", path, k);
	cr_expect_str_eq(name, want, "%s axis %u", path, k);
	free(name);
}

Test(h5o, axes_carry_dimension_scales, .init = setup, .fini = teardown)
{
	char path[128];
	snprintf(path, sizeof path, "%s/dims.h5", dir);
	write_file(path);
	h5i *f = h5i_open(path, NULL);
	cr_assert_not_null(f);
	cr_expect(h5i_is_scale(f, "/rep_0001/timeseries/time"));
	cr_expect(h5i_is_scale(f, "/summary/time"));
	cr_expect(!h5i_is_scale(f, "/summary/share_mean"));
	expect_dim(f, "/rep_0001/timeseries/demand_tokens", 0, "time");
	expect_dim(f, "/rep_0001/timeseries/nodes_by_class", 1, "nodes_by_class_column");
	expect_dim(f, "/rep_0001/timeseries/share", 1, "share_column");
	expect_dim(f, "/summary/nodes_by_class_p95", 0, "time");
	expect_dim(f, "/summary/nodes_by_class_p95", 1, "nodes_by_class_column");
	char **v;
	size_t n;
	cr_assert_eq(h5i_read_labels(f, "/summary/nodes_by_class_column", &v, &n, NULL), SIM_OK);
	cr_assert_eq(n, 3);
	for (size_t i = 0; i < n; i++)
		cr_expect_str_eq(v[i], cls[i]);
	h5i_names_free(v, n);
	struct h5i_data x; /* unnamed columns: their indices */
	cr_assert_eq(h5i_read(f, "/summary/share_column", &x, NULL), SIM_OK);
	cr_expect(x.n == 2 && x.v[0] == 0 && x.v[1] == 1);
	h5i_data_release(&x);
	cr_assert_eq(h5i_summary_list(f, 0, &v, &n, NULL), SIM_OK);
	cr_assert_eq(n, 3);
	cr_expect(!strcmp(v[0], "demand_tokens") && !strcmp(v[1], "nodes_by_class") &&
	          !strcmp(v[2], "share"));
	h5i_names_free(v, n);
	cr_assert_eq(h5i_summary_list(f, 1, &v, &n, NULL), SIM_OK);
	cr_assert_eq(n, 2);
	cr_expect(!strcmp(v[0], "exhaustion_day") && !strcmp(v[1], "nodes_at_year_5"));
	h5i_names_free(v, n);
	h5i_close(f);
}

Test(h5o, a_shared_dimension_needs_the_same_labels, .init = setup, .fini = teardown)
{
	char path[128];
	snprintf(path, sizeof path, "%s/clash.h5", dir);
	sim_diag d;
	diag_init(&d);
	h5o *o = h5o_create(path, &d);
	cr_assert_not_null(o);
	rec *r = rec_alloc("day");
	const char *a[] = { "sui", "solana" }, *b[] = { "sui", "base" };
	int x = rec_series(r, "fee", "USD", 2, a), y = rec_series(r, "load", "1", 2, b);
	rec_series_dim(r, x, "chain");
	rec_series_dim(r, y, "chain");
	cr_assert_eq(rec_sample(r, 0), SIM_OK);
	cr_expect_eq(h5o_write_rep(o, 0, r, &d), SIM_EINVAL);
	cr_assert_eq(d.n, 1);
	cr_expect(strstr(d.msg[0], "share dimension 'chain' but not its column names"), "%s",
	          d.msg[0]);
	rec_free(r);
	h5o_free(o);
	diag_release(&d);
}

/* ---- atomicity and errors -------------------------------------------------- */

Test(h5o, temp_file_until_commit, .init = setup, .fini = teardown)
{
	char path[128];
	snprintf(path, sizeof path, "%s/atomic.h5", dir);
	h5o *o = h5o_create(path, NULL);
	cr_assert_not_null(o);
	char tmp[256];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	cr_expect_str_eq(h5o_tmp_path(o), tmp);
	cr_expect(exists(tmp));
	cr_expect(!exists(path));
	rec *r = make_rec(0);
	cr_assert_eq(h5o_write_rep(o, 0, r, NULL), SIM_OK);
	rec_free(r);
	cr_expect(!exists(path));
	cr_assert_eq(h5o_commit(o, NULL), SIM_OK);
	cr_expect(exists(path));
	cr_expect(!exists(tmp));
	h5o_free(o);
	cr_expect(exists(path)); /* free after commit keeps the file */
}

Test(h5o, abort_removes_temp_and_leaves_no_target, .init = setup, .fini = teardown)
{
	char path[128];
	snprintf(path, sizeof path, "%s/aborted.h5", dir);
	h5o *o = h5o_create(path, NULL);
	cr_assert_not_null(o);
	rec *r = make_rec(0);
	cr_assert_eq(h5o_write_rep(o, 0, r, NULL), SIM_OK);
	rec_free(r);
	h5o_abort(o);
	h5o_abort(o); /* twice is fine */
	cr_expect(!exists(path));
	cr_expect_eq(dir_entries(dir), 0);
	h5o_free(o);

	o = h5o_create(path, NULL); /* free without commit aborts */
	cr_assert_not_null(o);
	h5o_free(o);
	h5o_free(NULL);
	cr_expect_eq(dir_entries(dir), 0);
}

Test(h5o, signal_path_unlinks_registered_temps, .init = setup, .fini = teardown)
{
	char a[128], b[128];
	snprintf(a, sizeof a, "%s/a.h5", dir);
	snprintf(b, sizeof b, "%s/b.h5", dir);
	h5o *oa = h5o_create(a, NULL), *ob = h5o_create(b, NULL);
	cr_assert(oa && ob);
	cr_assert_eq(h5o_commit(ob, NULL), SIM_OK); /* committed: no longer registered */
	file_tmp_remove_all();
	cr_expect(!exists(h5o_tmp_path(oa)));
	cr_expect(exists(b));
	h5o_free(oa);
	h5o_free(ob);
	cr_expect(!exists(a));
}

static void expect_create_fails(const char *path, const char *what)
{
	sim_diag d;
	diag_init(&d);
	h5o *o = h5o_create(path, &d);
	cr_expect_null(o, "%s", path);
	cr_assert_eq(d.n, 1);
	cr_expect(strstr(d.msg[0], path) != NULL, "message names the path: %s", d.msg[0]);
	cr_expect(strstr(d.msg[0], what) != NULL, "message says '%s': %s", what, d.msg[0]);
	h5o_free(o);
	diag_release(&d);
}

Test(h5o, unwritable_places_give_clear_errors, .init = setup, .fini = teardown)
{
	char p[256];
	snprintf(p, sizeof p, "%s/no/such/dir/x.h5", dir);
	expect_create_fails(p, strerror(ENOENT));
	snprintf(p, sizeof p, "%s/plain", dir); /* a file where a directory should be */
	FILE *fp = fopen(p, "w");
	fclose(fp);
	snprintf(p, sizeof p, "%s/plain/x.h5", dir);
	expect_create_fails(p, strerror(ENOTDIR));
	snprintf(p, sizeof p, "%s/sub.h5", dir); /* a directory at the target */
	mkdir(p, 0755);
	expect_create_fails(p, "is a directory");
	if (geteuid() != 0) { /* root writes anywhere */
		snprintf(p, sizeof p, "%s/ro", dir);
		mkdir(p, 0555);
		snprintf(p, sizeof p, "%s/ro/x.h5", dir);
		expect_create_fails(p, strerror(EACCES));
		snprintf(p, sizeof p, "%s/ro", dir);
		cr_expect_eq(dir_entries(p), 0);
		chmod(p, 0755);
	}
	/* Nothing but what the test made itself. */
	snprintf(p, sizeof p, "ls %s | grep -q tmp", dir);
	cr_expect_neq(system(p), 0);
}

Test(h5o, rep_written_twice_and_lost_data_are_errors, .init = setup, .fini = teardown)
{
	char path[128];
	snprintf(path, sizeof path, "%s/twice.h5", dir);
	sim_diag d;
	diag_init(&d);
	h5o *o = h5o_create(path, &d);
	rec *r = make_rec(0);
	cr_assert_eq(h5o_write_rep(o, 0, r, &d), SIM_OK);
	cr_expect_eq(h5o_write_rep(o, 0, r, &d), SIM_EINVAL);
	cr_expect(d.n == 1 && strstr(d.msg[0], "written twice"));
	rec_free(r);
	cr_expect_eq(summary_write(o, &d), SIM_OK);
	cr_expect_eq(summary_write(o, &d), SIM_EINVAL);
	h5o_free(o);
	cr_expect(!exists(path));
	diag_release(&d);

	diag_init(&d); /* nothing to summarise */
	o = h5o_create(path, &d);
	cr_expect_eq(summary_write(o, &d), SIM_EINVAL);
	cr_expect(d.n == 1 && strstr(d.msg[0], "no replications"));
	h5o_free(o);
	diag_release(&d);
}

Test(h5o, identical_inputs_give_identical_bytes, .init = setup, .fini = teardown)
{
	char a[128], b[128], cmd[300];
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	snprintf(a, sizeof a, "%s/a.h5", dir);
	snprintf(b, sizeof b, "%s/b.h5", dir);
	write_file(a);
	sleep(1); /* a timestamp, if any were stored, would now differ */
	write_file(b);
	snprintf(cmd, sizeof cmd, "cmp -s %s %s", a, b);
	cr_expect_eq(system(cmd), 0, "the two files differ");
	h5i *f = h5i_open(a, NULL);
	char *s;
	cr_assert_eq(h5i_attr_str(f, "/", "created", &s, NULL), SIM_OK);
	cr_expect_str_eq(s, "2023-11-14T22:13:20Z");
	free(s);
	h5i_close(f);
	unsetenv("SOURCE_DATE_EPOCH");
}

/* ---- reader errors and the info command ----------------------------------- */

Test(h5i, clear_errors_for_bad_files, .init = setup, .fini = teardown)
{
	char p[128];
	sim_diag d;
	diag_init(&d);
	snprintf(p, sizeof p, "%s/missing.h5", dir);
	cr_expect_null(h5i_open(p, &d));
	cr_assert_eq(d.n, 1);
	cr_expect(strstr(d.msg[0], p) && strstr(d.msg[0], strerror(ENOENT)), "%s", d.msg[0]);
	diag_clear(&d);

	snprintf(p, sizeof p, "%s/text.h5", dir);
	FILE *fp = fopen(p, "w");
	fputs("not hdf5\n", fp);
	fclose(fp);
	cr_expect_null(h5i_open(p, &d));
	cr_assert_eq(d.n, 1);
	cr_expect(strstr(d.msg[0], "not an HDF5 file"), "%s", d.msg[0]);
	diag_clear(&d);

	snprintf(p, sizeof p, "%s/run.h5", dir);
	write_file(p);
	h5i *f = h5i_open(p, &d);
	struct h5i_data x;
	cr_expect_eq(h5i_read(f, "/rep_0000/timeseries/nope", &x, &d), SIM_EINVAL);
	cr_expect_eq(h5i_read(f, "/no/such/path", &x, &d), SIM_EINVAL);
	cr_expect_eq(h5i_read(f, "/rep_0000/events", &x, &d), SIM_EINVAL); /* not numeric */
	cr_expect_null(x.v);
	cr_assert_eq(d.n, 3);
	cr_expect(strstr(d.msg[0], "no dataset '/rep_0000/timeseries/nope'"), "%s", d.msg[0]);
	char **names;
	size_t n;
	cr_assert_eq(h5i_list(f, "/rep_0001/timeseries", &names, &n, &d), SIM_OK);
	cr_assert_eq(n, 6); /* the 3 series, their 2 column coordinates and time */
	cr_expect_str_eq(names[0], "demand_tokens");
	cr_expect_str_eq(names[2], "nodes_by_class_column");
	cr_expect_str_eq(names[5], "time");
	h5i_names_free(names, n);
	h5i_close(f);
	diag_release(&d);
}

Test(info, prints_a_results_file, .init = setup, .fini = teardown)
{
	char p[128];
	snprintf(p, sizeof p, "%s/run.h5", dir);
	write_file(p);
	FILE *save = stdout;
	stdout = fopen("/dev/null", "w");
	char *argv[] = { "info", p, NULL };
	int rc = cmd_info(2, argv);
	char *argj[] = { "info", p, "--json", NULL };
	int rcj = cmd_info(3, argj);
	char *argh[] = { "info", "--help", NULL };
	int rch = cmd_info(2, argh);
	fclose(stdout);
	stdout = save;
	cr_expect_eq(rc, 0);
	cr_expect_eq(rcj, 0);
	cr_expect_eq(rch, 0);
}

Test(info, bad_files_exit_2, .init = setup, .fini = teardown)
{
	char p[128];
	snprintf(p, sizeof p, "%s/missing.h5", dir);
	FILE *save = stderr;
	stderr = fopen("/dev/null", "w");
	char *argv[] = { "info", p, NULL };
	int rc = cmd_info(2, argv);
	char *argn[] = { "info", NULL };
	int rcn = cmd_info(1, argn);
	fclose(stderr);
	stderr = save;
	cr_expect_eq(rc, 2);
	cr_expect_eq(rcn, 2);
}

/* A full disk, on a small tmpfs: needs root and mount rights, else skipped. */
static char full[96];

static void teardown_full(void)
{
	char cmd[160];
	snprintf(cmd, sizeof cmd, "umount %s 2>/dev/null", full);
	if (system(cmd) != 0)
		full[0] = 0;
	teardown();
}

Test(h5o, disk_full_gives_clear_error_and_leaves_nothing, .init = setup, .fini = teardown_full)
{
	char cmd[200];
	snprintf(full, sizeof full, "%s/full", dir);
	mkdir(full, 0755);
	snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=64k tmpfs %s 2>/dev/null", full);
	if (geteuid() != 0 || system(cmd) != 0)
		cr_skip_test("cannot mount a small tmpfs here");
	char path[160];
	snprintf(path, sizeof path, "%s/x.h5", full);
	sim_diag d;
	diag_init(&d);
	h5o *o = h5o_create(path, &d);
	cr_assert_not_null(o);
	sim_status st = SIM_OK;
	for (int k = 0; k < 200 && st == SIM_OK; k++) {
		rec *r = make_rec(k);
		st = h5o_write_rep(o, k, r, &d);
		rec_free(r);
	}
	if (st == SIM_OK)
		st = summary_write(o, &d);
	if (st == SIM_OK)
		st = h5o_commit(o, &d);
	h5o_free(o);
	cr_expect_eq(st, SIM_EIO);
	cr_assert_geq(d.n, 1);
	cr_expect(strstr(d.msg[d.n - 1], path) == d.msg[d.n - 1], "%s", d.msg[d.n - 1]);
	cr_expect(strstr(d.msg[d.n - 1], strerror(ENOSPC)), "%s", d.msg[d.n - 1]);
	cr_expect_eq(dir_entries(full), 0);
	diag_release(&d);
}
