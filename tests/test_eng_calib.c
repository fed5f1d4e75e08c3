/* test_eng_calib.c — the step-time fit, profiles (write, load, predict,
 * roofline-derived classes), the committed default profile and probes.
 * No assertion depends on timing. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/eng_calib.h"
#include "engine/eng_probe.h"
#include "engine/eng_profile.h"
#include "engine/engine.h"

static const struct eng_config small = { .dim = 64, .n_layers = 2, .n_heads = 4, .n_kv_heads = 4,
                                         .hidden_dim = 128, .vocab_size = 256, .seq_len = 512 };

/* Points generated from known coefficients (and drifting bandwidth) are fitted back. */
Test(eng_calib, fit_recovers_known_coefficients)
{
	const double truth[4] = { 2e-4, 1.15, 1.6, 3e-9 }, peak = 200;
	struct eng_calib_meas m[24];
	struct eng_config big = small;
	big.dim = 768;
	big.hidden_dim = 2048;
	big.vocab_size = 32000;
	big.n_layers = 12;
	big.n_heads = 12;
	big.n_kv_heads = 12;
	for (int i = 0; i < 24; i++) {
		m[i] = (struct eng_calib_meas){ .cfg = big, .dtype = i % 2 ? ENG_Q8_0 : ENG_F32, .batch = 1 + i % 5 * 7,
		                            .context = 32 << (i % 4), .bw_gbs = 50 + 30 * ((i * 7) % 11) / 10.0 };
		m[i].prefill = i % 6 == 5;
		m[i].work = m[i].prefill
		                    ? eng_probe_work_of(&big, m[i].dtype, 64.0 * m[i].batch, 1, 2080.0 * m[i].batch)
		                    : eng_probe_step_work(&big, m[i].dtype, 0, 0, m[i].batch, m[i].context);
		m[i].seconds = eng_calib_predict(truth, &m[i].work, m[i].bw_gbs, peak) * (1 + 0.001 * ((i % 3) - 1));
	}
	double coef[4], rel;
	cr_assert_eq(eng_calib_fit(m, 24, peak, coef, &rel), ENG_OK);
	cr_expect_leq(rel, 0.002, "relative rms %g", rel);
	cr_expect(fabs(coef[1] - truth[1]) < 0.02 * truth[1], "b %g", coef[1]);
	cr_expect(fabs(coef[2] - truth[2]) < 0.05 * truth[2], "c %g", coef[2]);
	cr_expect_eq(eng_calib_fit(m, 3, peak, coef, &rel), ENG_EINVAL);
}

/* A real (tiny) calibration run writes a profile that loads and predicts. */
Test(eng_calib, run_write_load_predict, .timeout = 60)
{
	char path[] = "/tmp/dais_eng_profile_XXXXXX", err[ENG_ERR_LEN];
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	const char *names[1] = { "tiny" };
	struct eng_calib_params p = { .n_threads = 2, .quick = 1, .n_shapes = 1, .shapes = &small, .shape_names = names,
	                          .bw_bytes = 1u << 20 };
	struct eng_calib_result r;
	cr_assert_eq(eng_calib_run(&p, &r, err, sizeof err), ENG_OK, "%s", err);
	cr_assert_eq(eng_profile_write(path, &r, err, sizeof err), ENG_OK, "%s", err);
	eng_calib_result_release(&r);
	struct eng_profile *pr;
	cr_assert_eq(eng_profile_load(&pr, path, err, sizeof err), ENG_OK, "%s", err);
	cr_expect_eq(eng_profile_n_classes(pr), 5);
	cr_expect_str_eq(eng_profile_class(pr, 0), "measured");
	struct eng_step_desc d = { .n_decode_seqs = 4, .ctx_tokens = 4 * 100, .model = small, .dtype = ENG_Q8_0 };
	double t = eng_profile_predict(pr, &d, NULL);
	cr_expect(isfinite(t));
	cr_expect_eq(eng_profile_predict(pr, &d, "no-such-card"), -1);
	d.n_decode_seqs = 0;
	cr_expect_eq(eng_profile_predict(pr, &d, NULL), 0);
	eng_profile_free(pr);
	/* the file carries what docs/engine.md promises */
	FILE *f = fopen(path, "r");
	char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	static const char *const keys[] = { "\"provenance\"", "\"host\"", "\"cores\"", "\"compiler\"", "\"date\"",
	                                    "\"engine_version\"", "\"measurements\"", "\"bw_probe_gbs\"", "\"kind\"",
	                                    "\"prefill\"", "\"decode\"", "\"rel_rms_error\"", "\"derived\":\ttrue",
	                                    "\"h100-sxm\"", "\"rtx4090\"", "\"m2-laptop\"", "\"a100-80gb\"" };
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		cr_expect_neq(strstr(buf, keys[i]), NULL, "profile lacks %s", keys[i]);
	remove(path);
}

/* The committed profile keeps projections reproducible: it must load, and
 * roofline scaling must make faster hardware faster. */
Test(eng_calib, default_profile_loads_and_scales)
{
	struct eng_profile *p;
	char err[ENG_ERR_LEN];
	cr_assert_eq(eng_profile_load(&p, DAIS_SRCDIR "/data/calibration/default.json", err, sizeof err), ENG_OK,
	             "%s", err);
	struct eng_config c7 = { .dim = 4096, .n_layers = 32, .n_heads = 32, .n_kv_heads = 32, .hidden_dim = 11008,
	                         .vocab_size = 32000, .seq_len = 4096 };
	struct eng_step_desc d = { .n_decode_seqs = 1, .ctx_tokens = 512, .model = c7, .dtype = ENG_Q4_0 };
	double cpu = eng_profile_predict(p, &d, "measured"), h100 = eng_profile_predict(p, &d, "h100-sxm");
	double m2 = eng_profile_predict(p, &d, "m2-laptop");
	cr_expect_gt(cpu, 0);
	cr_expect_gt(h100, 0);
	cr_expect_lt(h100, m2);
	cr_expect_lt(m2, cpu);
	eng_profile_free(p);
}

/* The committed profile predicts, to the last digits, what it predicted when
 * it was committed (numbers printed by this engine with %.17g): a change in
 * the loader, the work accounting or the roofline scaling shows up here. */
Test(eng_calib, default_profile_predicts_pinned_numbers)
{
	static const struct eng_config c7 = { .dim = 4096, .n_layers = 32, .n_heads = 32, .n_kv_heads = 32,
	                                      .hidden_dim = 11008, .vocab_size = 32000, .seq_len = 4096 };
	static const struct eng_config s110 = { .dim = 768, .n_layers = 12, .n_heads = 12, .n_kv_heads = 12,
	                                        .hidden_dim = 2048, .vocab_size = 32000, .seq_len = 1024 };
	const struct eng_step_desc d[3] = {
		{ .n_decode_seqs = 1, .ctx_tokens = 512, .model = c7, .dtype = ENG_Q4_0 },
		{ .n_prefill_tokens = 128, .n_decode_seqs = 8, .ctx_tokens = 9000, .model = c7, .dtype = ENG_Q8_0 },
		{ .n_decode_seqs = 16, .ctx_tokens = 16 * 300, .model = s110, .dtype = ENG_F16 },
	};
	static const struct { const char *hw; double t[3]; } want[] = {
		{ "measured", { 0.08868615741485758, 1.466541145846564, 0.014985802847790702 } },
		{ "h100-sxm", { 0.0014802947475703102, 0.0064555365839383191, 0.00023377288242575444 } },
		{ "a100-80gb", { 0.0024391585295669761, 0.011536240217742499, 0.00038601591608931673 } },
		{ "rtx4090", { 0.0049319971795623576, 0.023076604470495057, 0.00078030040362638226 } },
		{ "m2-laptop", { 0.050709982488786019, 0.36318842283424929, 0.0081372261174859715 } },
	};
	struct eng_profile *p;
	char err[ENG_ERR_LEN];
	cr_assert_eq(eng_profile_load(&p, DAIS_SRCDIR "/data/calibration/default.json", err, sizeof err), ENG_OK,
	             "%s", err);
	cr_expect_eq(eng_profile_n_classes(p), 5);
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		cr_expect_str_eq(eng_profile_class(p, (int)i), want[i].hw);
		for (int k = 0; k < 3; k++) {
			double t = eng_profile_predict(p, &d[k], want[i].hw);
			cr_expect(fabs(t - want[i].t[k]) <= 1e-14 * want[i].t[k], "%s, step %d: %.17g, pinned %.17g",
			          want[i].hw, k, t, want[i].t[k]);
		}
	}
	eng_profile_free(p);
}

static void expect_profile_error(const char *text, const char *what)
{
	char path[] = "/tmp/dais_eng_bad_XXXXXX", err[ENG_ERR_LEN];
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	struct eng_profile *p = NULL;
	cr_expect_eq(eng_profile_load(&p, path, err, sizeof err), ENG_EFORMAT);
	cr_expect_neq(strstr(err, path), NULL, "%s", err);
	cr_expect_neq(strstr(err, what), NULL, "expected '%s' in '%s'", what, err);
	remove(path);
}

Test(eng_calib, bad_profiles_are_named)
{
	expect_profile_error("{\n\"format\": \n", ":3: JSON parse error");
	expect_profile_error("{\"format\": \"other\"}", "$.format");
	expect_profile_error("{\"format\": \"dais-engine-profile/1\", \"fit\": {\"coef\": {\"a_s\": 0, \"b\": 1}}}",
	                     "$.fit.coef.c: expected number");
	expect_profile_error("{\"format\": \"dais-engine-profile/1\", \"fit\": {\"coef\": {\"a_s\": 0, \"b\": 1, \"c\": 1, "
	                     "\"d_s_per_token\": 0}}, \"machine\": {\"bandwidth_gbs\": -1}}", "$.machine.bandwidth_gbs");
	char err[ENG_ERR_LEN];
	struct eng_profile *p;
	cr_expect_eq(eng_profile_load(&p, "/nonexistent/profile.json", err, sizeof err), ENG_EIO);
}

Test(eng_calib, probes_return_positive_rates)
{
	cr_expect_gt(eng_probe_bandwidth(2, 4u << 20, 2), 0);
	cr_expect_gt(eng_probe_peak_gflops(1), 0);
}
