/* test_hardware.c — node classes (models/hardware.h): the class table, what
 * fits, the roofline throughput against its closed form and the vLLM H100
 * measurements, prices over time, and bad tables. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hardware.h"
#include "sim/model.h"

#include "support/helpers.h"
#include "models/registry.h"

static void load(struct hw_table *t)
{
	sim_diag d;
	diag_init(&d);
	char path[512];
	model_data_path(path, sizeof path, "data/hardware/classes.csv");
	sim_status st = hw_load(t, path, &d);
	cr_assert_eq(st, SIM_OK, "%s", d.n ? d.msg[0] : "");
	diag_release(&d);
}

static struct dem_model model_of(const char *name)
{
	struct dem_params p;
	dem_defaults(&p);
	for (int m = 0; m < p.n_models; m++)
		if (!strcmp(p.models[m].name, name))
			return p.models[m];
	cr_assert_fail("no model %s", name);
	return p.models[0];
}

static const struct hw_class *cls(const struct hw_table *t, const char *name)
{
	int i = hw_find(t, name);
	cr_assert_geq(i, 0, "no class %s", name);
	return &t->cls[i];
}

Test(hw, class_table_loads_with_its_source)
{
	struct hw_table t;
	load(&t);
	cr_assert_geq(t.n, 8);
	cr_assert(strstr(t.source, "spec sheets") != NULL);
	for (int i = 0; i < t.n; i++) {
		sim_diag d;
		diag_init(&d);
		cr_assert_eq(hw_class_check(&t.cls[i], "t", &d), SIM_OK, "%s", t.cls[i].name);
		diag_release(&d);
	}
	cr_assert_float_eq(cls(&t, "h100_80")->bandwidth_gbs, 3350, 0);
	cr_assert_float_eq(cls(&t, "rtx4090")->memory_gb, 24, 0);
	cr_assert_float_eq(cls(&t, "h100_80")->available_year, 2023 + 59 / 365.0, 1e-9);
}

/* A model fits exactly when weights + one context of KV fit in usable memory. */
Test(hw, fits_only_when_weights_and_one_context_fit)
{
	struct hw_class c = { .name = "x", .gpus = 1, .memory_gb = 100, .bandwidth_gbs = 1000,
	                      .tflops = 100, .mem_usable_frac = 0.8 };
	/* usable 80e9 B; weights 1 B/param, 1 MB KV per token, 1000 tokens = 1e9 B */
	static const struct { double params_b; int fits; } t[] = {
		{ 78.0, 1 }, { 79.0, 1 }, { 79.000001, 0 }, { 80.0, 0 }, { 200.0, 0 }, { 1.0, 1 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct dem_model m = { .params_b = t[i].params_b, .active_params_b = t[i].params_b,
		                       .bytes_per_param = 1, .kv_bytes_per_token = 1e6,
		                       .context_tokens = 1000 };
		cr_assert_eq(hw_fits(&c, &m), t[i].fits, "case %zu", i);
		cr_assert_eq(hw_max_batch(&c, &m, 256) > 0, t[i].fits, "case %zu", i);
	}
	struct hw_table tb;
	load(&tb);
	struct dem_model small = model_of("small"), medium = model_of("medium"),
	                 large = model_of("large"), frontier = model_of("frontier");
	cr_assert(hw_fits(cls(&tb, "rtx4090"), &small));
	cr_assert(!hw_fits(cls(&tb, "rtx4090"), &medium));
	cr_assert(hw_fits(cls(&tb, "h100_80"), &medium));     /* 70B FP8 on one H100 (vLLM) */
	cr_assert(!hw_fits(cls(&tb, "h100_80"), &large));
	cr_assert(hw_fits(cls(&tb, "h100_x8"), &large));      /* 405B FP8 on 8xH100 (vLLM) */
	cr_assert(!hw_fits(cls(&tb, "h100_x8"), &frontier));
	cr_assert(hw_fits(cls(&tb, "b200_x8"), &frontier));
	cr_assert(!hw_fits(cls(&tb, "laptop_m2_16"), &medium));
}

/* Batch 1, no context, efficiency 1: tokens/s = bandwidth / bytes per token. */
Test(hw, roofline_at_batch_one_is_bandwidth_over_bytes)
{
	struct hw_table t;
	load(&t);
	struct dem_params p;
	dem_defaults(&p);
	for (int h = 0; h < t.n; h++)
		for (int m = 0; m < p.n_models; m++) {
			const struct hw_class *c = &t.cls[h];
			double want = c->bandwidth_gbs * 1e9 / hw_active_bytes(&p.models[m]);
			double flops_rate = c->tflops * 1e12 / (2 * p.models[m].active_params_b * 1e9);
			if (flops_rate < want)
				continue;       /* compute-bound at batch 1: not this case */
			double got = hw_roofline_tps(c, &p.models[m], 1, 0, 1.0);
			cr_assert_float_eq(got, want, 1e-12 * want, "%s %s", c->name, p.models[m].name);
		}
	/* compute bound at a large batch: F / (2 N) x eta */
	struct hw_class c = { .gpus = 1, .memory_gb = 1e6, .bandwidth_gbs = 1e6, .tflops = 100,
	                      .mem_usable_frac = 1 };
	struct dem_model m = { .params_b = 10, .active_params_b = 10, .bytes_per_param = 1 };
	cr_assert_float_eq(hw_roofline_tps(&c, &m, 1000, 0, 0.5), 100e12 / 20e9 * 0.5, 1e-6);
}

/* The roofline estimate against measurements (reference
 * llm_inference_throughput_h100.csv, LambdaLabsML/vllm-benchmark): within 2x. */
Test(hw, roofline_within_a_factor_two_of_vllm_on_h100)
{
	struct hw_table t;
	load(&t);
	struct hw_params hp;
	hw_defaults(&hp);
	static const struct { const char *cls, *model; double lo, hi; } v[] = {
		{ "h100_80", "small", 8088, 12500 },   /* 8B, tp=1, v0.6.0 and 2025 */
		{ "h100_80", "medium", 419, 460 },     /* 70B FP8, 1xH100 */
		{ "h100_x8", "large", 1714, 1714 },    /* 405B FP8, tp=8 */
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct dem_model m = model_of(v[i].model);
		double tps = hw_throughput(cls(&t, v[i].cls), &m, &hp);
		cr_assert(tps >= v[i].lo / 2.5 && tps <= v[i].hi * 2,
		          "%s %s: %g tokens/s against %g..%g measured", v[i].cls, v[i].model, tps,
		          v[i].lo, v[i].hi);
	}
	/* a node that cannot hold the model serves nothing */
	struct dem_model f = model_of("frontier");
	cr_assert_eq(hw_throughput(cls(&t, "rtx4090"), &f, &hp), 0.0);
	/* an 8-GPU server is at least 8 single GPUs of the same kind on a small model */
	struct dem_model s = model_of("small");
	cr_assert_geq(hw_throughput(cls(&t, "h100_x8"), &s, &hp),
	              8 * hw_throughput(cls(&t, "h100_80"), &s, &hp) * 0.999);
}

Test(hw, prices_halve_and_classes_appear_on_their_dates)
{
	struct hw_table t;
	load(&t);
	struct hw_params hp;
	hw_defaults(&hp);
	const struct hw_class *c = cls(&t, "b200_x8");
	cr_assert(!hw_available(c, c->available_year - 0.01));
	cr_assert(hw_available(c, c->available_year));
	cr_assert_float_eq(hw_price(c, &hp, c->available_year - 1), c->price_usd, 0);
	cr_assert_float_eq(hw_price(c, &hp, c->available_year + hp.price_halving_years),
	                   c->price_usd / 2, 1e-9 * c->price_usd);
	hp.price_halving_years = 0;
	cr_assert_float_eq(hw_price(c, &hp, c->available_year + 5), c->price_usd, 0);
	cr_assert_float_eq(hw_energy_usd_per_day(c), c->power_w * 24e-3 * c->electricity_usd_per_kwh,
	                   1e-12);
}

Test(hw, bad_tables_and_params_are_rejected_with_file_line_and_field)
{
	char *dir = th_mkdtemp();
	char path[600];
	snprintf(path, sizeof path, "%s/bad.csv", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("# source: test\n"
	      "name,kind,gpus,memory_gb,bandwidth_gbs,tflops,power_w,price_usd,available,tee,"
	      "mem_usable_frac,lifetime_years,electricity_usd_per_kwh,lag_days,shipments_per_day\n"
	      "ok,gpu,1,24,1000,100,500,2000,2022-10,0,0.9,4,0.1,10,100\n"
	      "neg,gpu,1,-24,1000,100,500,2000,2022-10,0,0.9,4,0.1,10,100\n"
	      "frac,gpu,1,24,1000,100,500,2000,2022-10,0,1.5,4,0.1,10,100\n"
	      "ok,gpu,1,24,1000,100,500,2000,2022,0,0.9,4,0.1,10,100\n", f);
	fclose(f);
	struct hw_table t;
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(hw_load(&t, path, &d), SIM_EINVAL);
	int neg = 0, frac = 0, dup = 0;
	for (int i = 0; i < d.n; i++) {
		neg |= strstr(d.msg[i], "bad.csv:4: class 'neg': memory_gb: expected a positive number, got -24") != NULL;
		frac |= strstr(d.msg[i], "bad.csv:5: class 'frac': mem_usable_frac") != NULL;
		dup |= strstr(d.msg[i], "bad.csv:6: duplicate class name 'ok'") != NULL;
	}
	cr_assert(neg && frac && dup, "got %d messages, first '%s'", d.n, d.n ? d.msg[0] : "");
	diag_clear(&d);
	cr_assert_eq(hw_load(&t, "/nonexistent/classes.csv", &d), SIM_EINVAL);
	cr_assert_gt(d.n, 0);
	diag_clear(&d);
	struct hw_params hp;
	hw_defaults(&hp);
	hp.efficiency = 1.5;
	cr_assert_eq(hw_check(&hp, "s.json", &d), SIM_EINVAL);
	cr_assert_str_eq(d.msg[0], "s.json: $.hardware.efficiency: expected a number in (0, 1], got 1.5");
	diag_release(&d);
	th_rmtree(dir);
	free(dir);
}
