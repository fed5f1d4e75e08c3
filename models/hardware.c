/* hardware.c — node classes from data/hardware/classes.csv and roofline throughput. */
#include "hardware.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/csv.h"
#include "sim/model.h"
#include "registry.h"

void hw_defaults(struct hw_params *p)
{
	memset(p, 0, sizeof *p);
	snprintf(p->classes_csv, sizeof p->classes_csv, "data/hardware/classes.csv");
	p->efficiency = 0.35;
	p->batch_max = 256;
	p->price_halving_years = 2.46;
	p->tp_efficiency = 0.6;
	p->prompt_output_ratio = 69.5 / 214.5;   /* LMSYS-Chat-1M mean prompt / output tokens */
	p->shipments_growth = 0.20;              /* Epoch AI units, all designers, 2024 -> 2025 */
	p->capacity_csv[0] = '\0';
}

sim_status hw_check(const struct hw_params *p, const char *where, sim_diag *d)
{
	sim_status st = SIM_OK;
	const char *w = where ? where : "<params>";
	if (!(p->efficiency > 0 && p->efficiency <= 1)) {
		diag_add(d, "%s: $.hardware.efficiency: expected a number in (0, 1], got %g", w,
		         p->efficiency);
		st = SIM_EINVAL;
	}
	if (!(p->batch_max >= 1 && p->batch_max <= 65536)) {
		diag_add(d, "%s: $.hardware.batch_max: expected a number in [1, 65536], got %g", w,
		         p->batch_max);
		st = SIM_EINVAL;
	}
	if (!(p->price_halving_years >= 0 && p->price_halving_years <= 100)) {
		diag_add(d, "%s: $.hardware.price_halving_years: expected a number in [0, 100], got %g",
		         w, p->price_halving_years);
		st = SIM_EINVAL;
	}
	if (!(p->prompt_output_ratio >= 0 && p->prompt_output_ratio <= 1000)) {
		diag_add(d, "%s: $.hardware.prompt_output_ratio: expected a number in [0, 1000], got %g",
		         w, p->prompt_output_ratio);
		st = SIM_EINVAL;
	}
	if (!(p->shipments_growth > -1 && p->shipments_growth <= 100)) {
		diag_add(d, "%s: $.hardware.shipments_growth: expected a number in (-1, 100], got %g",
		         w, p->shipments_growth);
		st = SIM_EINVAL;
	}
	if (!(p->tp_efficiency > 0 && p->tp_efficiency <= 1)) {
		diag_add(d, "%s: $.hardware.tp_efficiency: expected a number in (0, 1], got %g", w,
		         p->tp_efficiency);
		st = SIM_EINVAL;
	}
	return st;
}

sim_status hw_parse(struct hw_params *p, struct hw_table *t, const scn *s, sim_diag *d)
{
	hw_defaults(p);
	snprintf(p->classes_csv, sizeof p->classes_csv, "%s", scn_str(s, "hardware.classes_csv"));
	p->efficiency = scn_num(s, "hardware.efficiency");
	p->batch_max = scn_num(s, "hardware.batch_max");
	p->price_halving_years = scn_num(s, "hardware.price_halving_years");
	p->tp_efficiency = scn_num(s, "hardware.tp_efficiency");
	p->prompt_output_ratio = scn_num(s, "hardware.prompt_output_ratio");
	p->shipments_growth = scn_num(s, "hardware.shipments_growth");
	snprintf(p->capacity_csv, sizeof p->capacity_csv, "%s", scn_str(s, "hardware.capacity_csv"));
	sim_status st = hw_check(p, scn_path(s), d);
	char path[512];
	model_data_path(path, sizeof path, p->classes_csv);
	sim_status st2 = hw_load(t, path, d);
	return st != SIM_OK ? st : st2;
}

sim_status hw_class_check(const struct hw_class *c, const char *where, sim_diag *d)
{
	sim_status st = SIM_OK;
#define NEED(cond, field, what)                                                        \
	do {                                                                           \
		if (!(cond)) {                                                         \
			diag_add(d, "%s: class '%s': %s: expected %s, got %g", where,  \
			         c->name, #field, what, (double)c->field);             \
			st = SIM_EINVAL;                                               \
		}                                                                      \
	} while (0)
	NEED(c->gpus >= 1 && c->gpus <= 1024, gpus, "an integer in [1, 1024]");
	NEED(c->memory_gb > 0 && isfinite(c->memory_gb), memory_gb, "a positive number");
	NEED(c->bandwidth_gbs > 0 && isfinite(c->bandwidth_gbs), bandwidth_gbs, "a positive number");
	NEED(c->tflops > 0 && isfinite(c->tflops), tflops, "a positive number");
	NEED(c->power_w > 0 && isfinite(c->power_w), power_w, "a positive number");
	NEED(c->price_usd > 0 && isfinite(c->price_usd), price_usd, "a positive number");
	NEED(c->available_year > 1990 && c->available_year < 2100, available_year,
	     "a date between 1990 and 2100");
	NEED(c->tee == 0 || c->tee == 1, tee, "0 or 1");
	NEED(c->mem_usable_frac > 0 && c->mem_usable_frac <= 1, mem_usable_frac,
	     "a number in (0, 1]");
	NEED(c->lifetime_years > 0 && c->lifetime_years <= 30, lifetime_years,
	     "a number in (0, 30]");
	NEED(c->electricity_usd_per_kwh >= 0 && c->electricity_usd_per_kwh <= 5,
	     electricity_usd_per_kwh, "a number in [0, 5]");
	NEED(c->lag_days >= 0 && c->lag_days <= 3650, lag_days, "a number in [0, 3650]");
	NEED(c->shipments_per_day >= 0 && isfinite(c->shipments_per_day), shipments_per_day,
	     "a number >= 0");
#undef NEED
	return st;
}

sim_status hw_load(struct hw_table *t, const char *path, sim_diag *d)
{
	memset(t, 0, sizeof *t);
	csv *c = csv_read(path, d);
	if (!c)
		return SIM_EINVAL;
	sim_status st = SIM_OK;
	static const char *const cols[] = {
		"name", "kind", "gpus", "memory_gb", "bandwidth_gbs", "tflops", "power_w",
		"price_usd", "available", "tee", "mem_usable_frac", "lifetime_years",
		"electricity_usd_per_kwh", "lag_days", "shipments_per_day"
	};
	enum { NCOL = sizeof cols / sizeof cols[0] };
	int ix[NCOL];
	for (int k = 0; k < NCOL; k++)
		if ((ix[k] = csv_require(c, cols[k], d)) < 0)
			st = SIM_EINVAL;
	if (st != SIM_OK)
		goto done;
	if (csv_nrows(c) < 1 || csv_nrows(c) > HW_MAX_CLASSES) {
		diag_add(d, "%s: expected 1 to %d hardware classes, got %d", path, HW_MAX_CLASSES,
		         csv_nrows(c));
		st = SIM_EINVAL;
		goto done;
	}
	snprintf(t->source, sizeof t->source, "%s", csv_source(c));
	for (int i = 0; i < csv_nrows(c); i++) {
		struct hw_class *h = &t->cls[i];
		double v[NCOL] = { 0 };
		sim_status rs = SIM_OK;
		for (int k = 2; k < NCOL; k++) {
			if (k == 8)
				rs |= csv_year(c, i, ix[k], &v[k], d);
			else
				rs |= csv_num(c, i, ix[k], &v[k], d);
		}
		snprintf(h->name, sizeof h->name, "%s", csv_cell(c, i, ix[0]));
		snprintf(h->kind, sizeof h->kind, "%s", csv_cell(c, i, ix[1]));
		if (rs != SIM_OK) {
			st = SIM_EINVAL;
			continue;
		}
		h->gpus = (int)v[2];
		h->memory_gb = v[3];
		h->bandwidth_gbs = v[4];
		h->tflops = v[5];
		h->power_w = v[6];
		h->price_usd = v[7];
		h->available_year = v[8];
		h->tee = (int)v[9];
		h->mem_usable_frac = v[10];
		h->lifetime_years = v[11];
		h->electricity_usd_per_kwh = v[12];
		h->lag_days = v[13];
		h->shipments_per_day = v[14];
		char where[600];
		snprintf(where, sizeof where, "%s:%d", path, csv_line(c, i));
		if (h->gpus != v[2] || h->tee != v[9]) {
			diag_add(d, "%s: class '%s': gpus and tee must be integers", where, h->name);
			st = SIM_EINVAL;
		}
		if (hw_class_check(h, where, d) != SIM_OK)
			st = SIM_EINVAL;
		for (int j = 0; j < i; j++)
			if (!strcmp(t->cls[j].name, h->name)) {
				diag_add(d, "%s: duplicate class name '%s'", where, h->name);
				st = SIM_EINVAL;
			}
	}
	t->n = csv_nrows(c);
done:
	csv_free(c);
	return st;
}

int hw_find(const struct hw_table *t, const char *name)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->cls[i].name, name))
			return i;
	return -1;
}

double hw_weight_bytes(const struct dem_model *m)
{
	return m->params_b * 1e9 * m->bytes_per_param;
}

double hw_active_bytes(const struct dem_model *m)
{
	return m->active_params_b * 1e9 * m->bytes_per_param;
}

static double usable_bytes(const struct hw_class *c)
{
	return c->memory_gb * 1e9 * c->mem_usable_frac;
}

int hw_fits(const struct hw_class *c, const struct dem_model *m)
{
	return hw_weight_bytes(m) + m->context_tokens * m->kv_bytes_per_token <= usable_bytes(c);
}

double hw_max_batch(const struct hw_class *c, const struct dem_model *m, double cap)
{
	if (!hw_fits(c, m))
		return 0;
	double per_seq = m->context_tokens * m->kv_bytes_per_token;
	double b = per_seq > 0 ? floor((usable_bytes(c) - hw_weight_bytes(m)) / per_seq) : cap;
	if (b > cap)
		b = cap;
	return b < 1 ? 1 : b;
}

double hw_roofline_tps(const struct hw_class *c, const struct dem_model *m, double b,
                       double ctx, double eta)
{
	double bytes = hw_active_bytes(m) + b * ctx * m->kv_bytes_per_token;
	double flops = 2.0 * m->active_params_b * 1e9 * b;
	double t_mem = bytes / (c->bandwidth_gbs * 1e9);
	double t_cmp = flops / (c->tflops * 1e12);
	double t = (t_mem > t_cmp ? t_mem : t_cmp) / eta;
	return b / t;
}

/* A group of g of the node's gpus, as a class of its own. */
static struct hw_class gpu_group(const struct hw_class *c, int g)
{
	struct hw_class s = *c;
	double f = (double)g / c->gpus;
	s.gpus = g;
	s.memory_gb *= f;
	s.bandwidth_gbs *= f;
	s.tflops *= f;
	return s;
}

double hw_throughput(const struct hw_class *c, const struct dem_model *m,
                     const struct hw_params *p)
{
	/* A multi-GPU node runs gpus / g replicas on groups of g gpus (tensor
	 * parallel inside a group, paying tp_efficiency), with the power-of-two g
	 * that gives the most tokens/s, as a server operator would choose. */
	double best = 0;
	for (int g = 1; g <= c->gpus; g *= 2) {
		if (c->gpus % g)
			continue;
		struct hw_class s = gpu_group(c, g);
		double b = hw_max_batch(&s, m, p->batch_max);
		if (b <= 0)
			continue;
		double eta = p->efficiency * (g > 1 ? p->tp_efficiency : 1.0);
		double r = (double)(c->gpus / g) * hw_roofline_tps(&s, m, b, m->context_tokens, eta);
		if (r > best)
			best = r;
	}
	return best;
}

sim_status hw_capacity_load(const struct hw_table *t, const struct dem_params *dp,
                            const struct hw_params *hp, const char *path,
                            double tps[][DEM_MAX_MODELS], int measured[][DEM_MAX_MODELS],
                            sim_diag *d)
{
	csv *c = csv_read(path, d);
	if (!c)
		return SIM_EINVAL;
	sim_status st = SIM_OK;
	int cc = csv_require(c, "class", d), cm = csv_require(c, "model", d),
	    cv = csv_require(c, "tokens_per_s", d), ci = csv_col(c, "input_tokens_per_s");
	if (cc < 0 || cm < 0 || cv < 0) {
		csv_free(c);
		return SIM_EINVAL;
	}
	for (int i = 0; i < csv_nrows(c); i++) {
		const char *cn = csv_cell(c, i, cc), *mn = csv_cell(c, i, cm);
		int h = hw_find(t, cn), m = -1;
		for (int k = 0; k < dp->n_models; k++)
			if (!strcmp(dp->models[k].name, mn))
				m = k;
		double v;
		if (csv_num(c, i, cv, &v, d) != SIM_OK) {
			st = SIM_EINVAL;
			continue;
		}
		if (h < 0 || m < 0) {
			diag_add(d, "%s:%d: unknown %s '%s'", path, csv_line(c, i),
			         h < 0 ? "hardware class" : "model class", h < 0 ? cn : mn);
			st = SIM_EINVAL;
			continue;
		}
		if (!(v >= 0) || (v > 0 && !hw_fits(&t->cls[h], &dp->models[m]))) {
			diag_add(d, "%s:%d: tokens_per_s: expected a number >= 0 (0 when '%s' does not "
			         "fit '%s'), got %g", path, csv_line(c, i), mn, cn, v);
			st = SIM_EINVAL;
			continue;
		}
		double in = v * hp->prompt_output_ratio;
		if (ci >= 0 && csv_cell(c, i, ci)[0] && csv_num(c, i, ci, &in, d) != SIM_OK) {
			st = SIM_EINVAL;
			continue;
		}
		tps[h][m] = v + in;            /* input + output tokens */
		measured[h][m] = 1;
	}
	csv_free(c);
	return st;
}

int hw_available(const struct hw_class *c, double year)
{
	return year >= c->available_year;
}

double hw_price(const struct hw_class *c, const struct hw_params *p, double year)
{
	double age = year - c->available_year;
	if (p->price_halving_years <= 0 || age <= 0)
		return c->price_usd;
	return c->price_usd * exp2(-age / p->price_halving_years);
}

double hw_energy_usd_per_day(const struct hw_class *c)
{
	return c->power_w * 24.0 / 1000.0 * c->electricity_usd_per_kwh;
}
