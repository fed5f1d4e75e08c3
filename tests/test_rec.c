/* test_rec.c — the in-memory recorder: rows, NaN for unset cells, scalars,
 * events and notes; dimension names through the packed form (run/run_rec.h). */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#include "run/run_rec.h"
#include "sim/rec.h"

Test(rec, rows_share_one_time_axis)
{
	rec *r = rec_alloc("day");
	const char *cls[] = { "laptop", "gpu", "h100" };
	int dem = rec_series(r, "demand_tokens", "tokens/day", 1, NULL);
	int nod = rec_series(r, "nodes_by_class", "nodes", 3, cls);
	cr_assert_eq(dem, 0);
	cr_assert_eq(nod, 1);
	for (int i = 0; i < 3; i++) {
		double counts[3] = { i, 10 * i, 100 * i };
		rec_set(r, dem, 0, 1000.0 + i);
		rec_setv(r, nod, counts);
		cr_assert_eq(rec_sample(r, 0.5 * i), SIM_OK);
	}
	cr_expect_str_eq(rec_t_units(r), "day");
	cr_assert_eq(rec_nsamples(r), 3);
	cr_assert_eq(rec_nseries(r), 2);
	cr_expect_float_eq(rec_times(r)[2], 1.0, 0);
	cr_expect_str_eq(rec_series_name(r, nod), "nodes_by_class");
	cr_expect_str_eq(rec_series_units(r, nod), "nodes");
	cr_expect_eq(rec_series_ncols(r, nod), 3);
	cr_expect_str_eq(rec_series_colname(r, nod, 2), "h100");
	cr_expect_null(rec_series_colname(r, dem, 0));
	const double *d = rec_series_data(r, dem), *n = rec_series_data(r, nod);
	for (int i = 0; i < 3; i++) {
		cr_expect_float_eq(d[i], 1000.0 + i, 0);
		for (int c = 0; c < 3; c++)
			cr_expect_float_eq(n[i * 3 + c], (c == 0 ? 1 : c == 1 ? 10 : 100) * i, 0);
	}
	cr_expect(rec_ok(r));
	rec_free(r);
}

Test(rec, unset_cells_are_nan_not_stale)
{
	rec *r = rec_alloc("s");
	int a = rec_series(r, "a", "1", 2, NULL);
	rec_set(r, a, 0, 1);
	rec_set(r, a, 1, 2);
	cr_assert_eq(rec_sample(r, 0), SIM_OK);
	rec_set(r, a, 1, 3); /* column 0 not set at this sample */
	cr_assert_eq(rec_sample(r, 1), SIM_OK);
	cr_assert_eq(rec_sample(r, 2), SIM_OK); /* nothing set */
	const double *v = rec_series_data(r, a);
	cr_expect_float_eq(v[0], 1, 0);
	cr_expect_float_eq(v[1], 2, 0);
	cr_expect(isnan(v[2]));
	cr_expect_float_eq(v[3], 3, 0);
	cr_expect(isnan(v[4]) && isnan(v[5]));
	rec_free(r);
}

Test(rec, grows_over_many_samples)
{
	rec *r = rec_alloc("day");
	int a = rec_series(r, "a", "1", 1, NULL);
	int b = rec_series(r, "b", "1", 4, NULL);
	for (int i = 0; i < 100000; i++) {
		rec_set(r, a, 0, i);
		rec_set(r, b, 3, -i);
		cr_assert_eq(rec_sample(r, i), SIM_OK);
	}
	cr_assert_eq(rec_nsamples(r), 100000);
	cr_expect_float_eq(rec_series_data(r, a)[99999], 99999, 0);
	cr_expect_float_eq(rec_series_data(r, b)[4 * 99999 + 3], -99999, 0);
	cr_expect_float_eq(rec_times(r)[12345], 12345, 0);
	rec_free(r);
}

Test(rec, scalars_last_value_wins)
{
	rec *r = rec_alloc("day");
	rec_scalar(r, "exhaustion_day_sui", "day", 1234);
	rec_scalar(r, "never", "day", NAN);
	rec_scalar(r, "exhaustion_day_sui", "day", 1300);
	cr_assert_eq(rec_nscalars(r), 2);
	cr_expect_str_eq(rec_scalar_name(r, 0), "exhaustion_day_sui");
	cr_expect_str_eq(rec_scalar_units(r, 0), "day");
	cr_expect_float_eq(rec_scalar_value(r, 0), 1300, 0);
	cr_expect(isnan(rec_scalar_value(r, 1)));
	rec_free(r);
}

Test(rec, events_keep_order_and_kinds)
{
	rec *r = rec_alloc("day");
	static const char *kinds[] = { "join", "leave", "halving" };
	for (int i = 0; i < 1000; i++)
		rec_event(r, i * 0.25, kinds[i % 3], 1000000000000LL + i, -i);
	cr_assert_eq(rec_nevents(r), 1000);
	double t, v;
	const char *k;
	long long id;
	rec_event_get(r, 998, &t, &k, &id, &v);
	cr_expect_float_eq(t, 249.5, 0);
	cr_expect_str_eq(k, "halving");
	cr_expect_eq(id, 1000000000998LL);
	cr_expect_float_eq(v, -998, 0);
	rec_event_get(r, 0, NULL, &k, NULL, NULL);
	cr_expect_str_eq(k, "join");
	rec_free(r);
}

Test(rec, notes_replace_by_key)
{
	rec *r = rec_alloc("day");
	rec_note(r, "calibration", "h100_fp16");
	rec_note(r, "engine", "cpu");
	rec_note(r, "calibration", "a100_bf16");
	cr_assert_eq(rec_nnotes(r), 2);
	const char *k, *v;
	rec_note_get(r, 0, &k, &v);
	cr_expect_str_eq(k, "calibration");
	cr_expect_str_eq(v, "a100_bf16");
	rec_note_get(r, 1, &k, &v);
	cr_expect_str_eq(v, "cpu");
	rec_free(r);
	rec_free(NULL);
}

Test(rec, time_units_can_be_replaced)
{
	rec *r = rec_alloc("s");
	rec_set_t_units(r, "day");
	cr_expect_str_eq(rec_t_units(r), "day");
	rec_free(r);
}

Test(rec, empty_recorder)
{
	rec *r = rec_alloc("day");
	cr_expect_eq(rec_nsamples(r), 0);
	cr_expect_eq(rec_nseries(r), 0);
	cr_expect_eq(rec_nevents(r), 0);
	cr_expect_eq(rec_sample(r, 0), SIM_OK); /* a time axis without series */
	cr_expect_eq(rec_nsamples(r), 1);
	rec_free(r);
}

Test(rec, duplicate_series_is_a_bug, .signal = SIGABRT)
{
	rec *r = rec_alloc("day");
	rec_series(r, "a", "1", 1, NULL);
	rec_series(r, "a", "1", 1, NULL);
}

Test(rec, series_after_first_sample_is_a_bug, .signal = SIGABRT)
{
	rec *r = rec_alloc("day");
	(void)rec_sample(r, 0);
	rec_series(r, "late", "1", 1, NULL);
}

Test(rec, bad_name_is_a_bug, .signal = SIGABRT)
{
	rec *r = rec_alloc("day");
	rec_series(r, "has space", "1", 1, NULL);
}

Test(rec, dimension_names_survive_packing)
{
	rec *r = rec_alloc("days since 2024-01-01");
	const char *ch[] = { "sui", "solana" };
	int a = rec_series(r, "chain_fee", "USD", 2, ch);
	int b = rec_series(r, "plain", "1", 2, ch); /* named columns, no dimension name */
	rec_series_dim(r, a, "chain");
	double v[2] = { 1, 2 };
	rec_setv(r, a, v);
	rec_setv(r, b, v);
	cr_assert_eq(rec_sample(r, 0), SIM_OK);
	cr_expect_str_eq(rec_series_dim_name(r, a), "chain");
	cr_expect_null(rec_series_dim_name(r, b));
	unsigned char *buf, *again;
	size_t n, n2;
	cr_assert_eq(run_rec_pack(r, &buf, &n), SIM_OK);
	rec *u = run_rec_unpack(buf, n);
	cr_assert_not_null(u);
	cr_expect_str_eq(rec_series_dim_name(u, 0), "chain");
	cr_expect_null(rec_series_dim_name(u, 1));
	cr_expect_str_eq(rec_t_units(u), "days since 2024-01-01");
	cr_assert_eq(run_rec_pack(u, &again, &n2), SIM_OK);
	cr_expect(n == n2 && !memcmp(buf, again, n)); /* pack(unpack(b)) == b */
	free(buf);
	free(again);
	rec_free(u);
	rec_free(r);
}
