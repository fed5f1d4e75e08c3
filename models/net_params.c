/* net_params.c — the network model's parameters: defaults, the scenario's
 * sections, the cross-module checks and the tables derived from them
 * (throughput by class and model, allocation order, the latency curve); see
 * network.h. */
#include "network.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "registry.h"
#include "sim/csv.h"
#include "sim/near.h"
#include "sim/sha256.h"

#define DAYS_PER_YEAR 365.25

static void net_own_defaults(struct net_params *p)
{
	snprintf(p->start_date, sizeof p->start_date, "2024-01-01");
	p->start_year = 2024.0;
	p->horizon_days = floor(10 * DAYS_PER_YEAR + 0.5);
	p->sample_every = 1;
	p->margin = 0.2;
	p->target_util = 0.7;
	p->util_price_k = 1.0;
	p->scarcity_price_k = 5.0;
	p->price_floor_frac = 0.1;
	p->latency_base_s = 0.8;
	p->latency_queue_s = 0.2;
	snprintf(p->latency_curve, sizeof p->latency_curve, "capacity/latency.csv");
	snprintf(p->latency_class, sizeof p->latency_class, "h100_80");
	snprintf(p->latency_model, sizeof p->latency_model, "small");
	p->supply_share = 0.05;
	p->seed_nodes_per_day = 2.0;
	static const struct { const char *c; double n; } init[] = {
		{ "laptop_m3max_64", 20 }, { "rtx4090", 50 }, { "h100_80", 10 }, { "h100_x8", 2 }
	};
	p->n_init = 4;
	for (int i = 0; i < 4; i++) {
		snprintf(p->init[i].cls, sizeof p->init[i].cls, "%s", init[i].c);
		p->init[i].nodes = init[i].n;
	}
}

sim_status net_params_default(struct net_params *p, sim_diag *d)
{
	memset(p, 0, sizeof *p);
	net_own_defaults(p);
	snprintf(p->src, sizeof p->src, "<params>");
	dem_defaults(&p->dem);
	priv_defaults(&p->priv);
	hw_defaults(&p->hw);
	p->nodes = (struct node_params)NODE_PARAMS_DEFAULT;
	p->nodes.keep_agents = 0;
	tok_params_default(&p->tok);
	ver_params_default(&p->ver);
	chain_params_default(&p->chain);
	if (chain_load_prices(&p->chain, p->src, d) != SIM_OK)
		return SIM_EINVAL;
	char path[512];
	model_data_path(path, sizeof path, p->hw.classes_csv);
	if (hw_load(&p->hwt, path, d) != SIM_OK)
		return SIM_EINVAL;
	return net_prepare(p, d);
}

/* The network's latency against utilisation: latency_base_s plus the p50
 * time to first token of the curve's rows for (latency_class, latency_model)
 * (load = arrival rate / capacity rate = the network's utilisation, since the
 * capacity table gives the nodes' throughput). */
static sim_status load_latency_curve(struct net_params *p, const char *w, sim_diag *d)
{
	p->market.n_lat = 0;
	if (!p->latency_curve[0])
		return SIM_OK;
	char path[512];
	model_data_path(path, sizeof path, p->latency_curve);
	csv *c = csv_read(path, d);
	if (!c)
		return SIM_EINVAL;
	int cc = csv_require(c, "class", d), cm = csv_require(c, "model", d),
	    cl = csv_require(c, "load", d), ct = csv_require(c, "p50_ttft_s", d);
	sim_status st = cc < 0 || cm < 0 || cl < 0 || ct < 0 ? SIM_EINVAL : SIM_OK;
	struct mkt_params *mp = &p->market;
	for (int i = 0; st == SIM_OK && i < csv_nrows(c); i++) {
		if (strcmp(csv_cell(c, i, cc), p->latency_class) || strcmp(csv_cell(c, i, cm), p->latency_model))
			continue;
		double u, t;
		if (csv_num(c, i, cl, &u, d) != SIM_OK || csv_num(c, i, ct, &t, d) != SIM_OK) {
			st = SIM_EINVAL;
			break;
		}
		if (mp->n_lat == MKT_LAT_MAX) {
			diag_add(d, "%s:%d: more than %d rows for class '%s' and model '%s'", path,
			         csv_line(c, i), MKT_LAT_MAX, p->latency_class, p->latency_model);
			st = SIM_EINVAL;
			break;
		}
		mp->lat_u[mp->n_lat] = u;
		mp->lat_s[mp->n_lat] = p->latency_base_s + t;
		mp->n_lat++;
	}
	if (st == SIM_OK && mp->n_lat == 0) {
		diag_add(d, "%s: $.network.latency_curve: %s has no rows for class '%s' and model '%s'",
		         w, path, p->latency_class, p->latency_model);
		st = SIM_EINVAL;
	}
	csv_free(c);
	return st;
}

sim_status net_prepare(struct net_params *p, sim_diag *d)
{
	sim_status st = SIM_OK;
	const char *w = p->src[0] ? p->src : "<params>";
	p->start_year = csv_date_year(p->start_date);
	if (isnan(p->start_year)) {
		diag_add(d, "%s: $.network.start_date: expected a date YYYY-MM-DD, got \"%s\"", w,
		         p->start_date);
		st = SIM_EINVAL;
	}
	if (!(p->horizon_days >= 1 && p->horizon_days <= 100 * DAYS_PER_YEAR + 1)) {
		diag_add(d, "%s: $.network.horizon_years: expected 1 day to 100 years, got %g days",
		         w, p->horizon_days);
		st = SIM_EINVAL;
	}
	if (p->sample_every < 1) {
		diag_add(d, "%s: $.network.sample_every_days: expected an integer >= 1, got %d", w,
		         p->sample_every);
		st = SIM_EINVAL;
	}
	if (!(p->target_util > 0 && p->target_util <= 1)) {
		diag_add(d, "%s: $.network.target_utilisation: expected a number in (0, 1], got %g",
		         w, p->target_util);
		st = SIM_EINVAL;
	}
	if (!(p->margin >= 0 && p->margin <= 10) || !(p->price_floor_frac >= 0 && p->price_floor_frac <= 1) ||
	    !(p->util_price_k >= 0 && p->util_price_k <= 20) || !(p->latency_base_s >= 0) ||
	    !(p->latency_queue_s >= 0) || !(p->supply_share >= 0 && p->supply_share <= 1) ||
	    !(p->seed_nodes_per_day >= 0)) {
		diag_add(d, "%s: $.network: margin, price_floor_frac, util_price_k, latency_*, "
		         "supply_share or seed_nodes_per_day out of range", w);
		st = SIM_EINVAL;
	}
	p->market = (struct mkt_params){
		.margin = p->margin, .target_util = p->target_util, .util_price_k = p->util_price_k,
		.scarcity_price_k = p->scarcity_price_k, .price_floor_frac = p->price_floor_frac,
		.latency_base_s = p->latency_base_s, .latency_queue_s = p->latency_queue_s,
	};
	if (load_latency_curve(p, w, d) != SIM_OK)
		return SIM_EINVAL;
	if (mkt_check(&p->market, w, d) != SIM_OK)
		st = SIM_EINVAL;
	p->chain.start_year = p->start_year;
	if (dem_check(&p->dem, w, d) != SIM_OK)
		st = SIM_EINVAL;
	if (priv_check(&p->priv, w, d) != SIM_OK)
		st = SIM_EINVAL;
	if (hw_check(&p->hw, w, d) != SIM_OK)
		st = SIM_EINVAL;
	if (p->hwt.n < 1) {
		diag_add(d, "%s: $.hardware.classes_csv: no hardware classes loaded", w);
		return SIM_EINVAL;
	}
	for (int i = 0; i < p->n_init; i++) {
		p->init_cls[i] = hw_find(&p->hwt, p->init[i].cls);
		if (p->init_cls[i] < 0) {
			struct sim_near nr = SIM_NEAR(p->init[i].cls);
			for (int h = 0; h < p->hwt.n; h++)
				sim_near_try(&nr, p->hwt.cls[h].name);
			char buf[96];
			diag_add(d, "%s: $.network.initial_nodes[%d].class: unknown hardware class \"%s\"%s",
			         w, i, p->init[i].cls, sim_did_you_mean(buf, sizeof buf, &nr));
			st = SIM_EINVAL;
		} else if (!(p->init[i].nodes >= 0)) {
			diag_add(d, "%s: $.network.initial_nodes[%d].nodes: expected a number >= 0, got %g",
			         w, i, p->init[i].nodes);
			st = SIM_EINVAL;
		}
	}
	if (st != SIM_OK)
		return st;

	/* The throughput table and the allocation order. */
	for (int h = 0; h < p->hwt.n; h++) {
		for (int m = 0; m < p->dem.n_models; m++) {
			/* decode (output) rate to input + output tokens, as demand counts them */
			p->tps[h][m] = hw_throughput(&p->hwt.cls[h], &p->dem.models[m], &p->hw) *
			               (1 + p->hw.prompt_output_ratio);
			p->measured[h][m] = 0;
		}
		p->order[h] = h;
	}
	p->n_measured = 0;
	if (p->hw.capacity_csv[0]) {
		char path[512];
		model_data_path(path, sizeof path, p->hw.capacity_csv);
		if (hw_capacity_load(&p->hwt, &p->dem, &p->hw, path, p->tps, p->measured, d) != SIM_OK)
			return SIM_EINVAL;
		if (!sha256_file_hex(path, p->capacity_sha256))
			p->capacity_sha256[0] = '\0';
		for (int h = 0; h < p->hwt.n; h++)
			for (int m = 0; m < p->dem.n_models; m++)
				p->n_measured += p->measured[h][m];
	}
	for (int i = 1; i < p->hwt.n; i++) {        /* insertion sort, ascending memory */
		int k = p->order[i], j = i;
		while (j > 0 && p->hwt.cls[p->order[j - 1]].memory_gb > p->hwt.cls[k].memory_gb) {
			p->order[j] = p->order[j - 1];
			j--;
		}
		p->order[j] = k;
	}
	/* The node classes must pass nodes.h's own checks. */
	struct node_class nc = { .name = "x", .unit_capacity = 1, .capex_usd = 1, .power_w = 1,
	                         .life_days = 365, .available_day = 0, .withdrawn_day = 1e9 };
	if (node_params_check(&p->nodes, &nc, 1, "$.nodes", d) != SIM_OK)
		st = SIM_EINVAL;
	return st;
}

/* Reads $.nodes when the scenario has such a section (owned by nodes.h's author);
 * keys absent there keep the nodes.h defaults. */
static void parse_nodes(struct node_params *np, const scn *s)
{
	*np = (struct node_params)NODE_PARAMS_DEFAULT;
	np->keep_agents = 0;
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(scn_root(s), "nodes");
	if (!cJSON_IsObject(o))
		return;
	const cJSON *v;
#define NUM(key, field)                                                  \
	if ((v = cJSON_GetObjectItemCaseSensitive(o, key)) && cJSON_IsNumber(v)) \
		np->field = v->valuedouble;
	NUM("entry_rate", entry_rate)
	NUM("hurdle_rate", hurdle_rate)
	NUM("revenue_decline", revenue_decline)
	NUM("patience_days", patience_days)
	NUM("elec_sigma", elec_sigma)
#undef NUM
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "n_buckets")) && cJSON_IsNumber(v))
		np->n_buckets = v->valueint;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "deterministic")))
		np->deterministic = cJSON_IsTrue(v);
}

sim_status net_parse(struct net_params *p, const scn *s, sim_diag *d)
{
	memset(p, 0, sizeof *p);
	net_own_defaults(p);
	snprintf(p->src, sizeof p->src, "%s", scn_path(s));
	sim_status st = SIM_OK;
	snprintf(p->start_date, sizeof p->start_date, "%s", scn_str(s, "network.start_date"));
	p->horizon_days = floor(scn_num(s, "network.horizon_years") * DAYS_PER_YEAR + 0.5);
	p->sample_every = (int)scn_int(s, "network.sample_every_days");
	p->margin = scn_num(s, "network.margin");
	p->target_util = scn_num(s, "network.target_utilisation");
	p->util_price_k = scn_num(s, "network.util_price_k");
	p->scarcity_price_k = scn_num(s, "network.scarcity_price_k");
	p->price_floor_frac = scn_num(s, "network.price_floor_frac");
	p->latency_base_s = scn_num(s, "network.latency_base_s");
	p->latency_queue_s = scn_num(s, "network.latency_queue_s");
	snprintf(p->latency_curve, sizeof p->latency_curve, "%s", scn_str(s, "network.latency_curve"));
	snprintf(p->latency_class, sizeof p->latency_class, "%s", scn_str(s, "network.latency_class"));
	snprintf(p->latency_model, sizeof p->latency_model, "%s", scn_str(s, "network.latency_model"));
	p->supply_share = scn_num(s, "network.supply_share");
	p->seed_nodes_per_day = scn_num(s, "network.seed_nodes_per_day");
	int n = scn_len(s, "network.initial_nodes");
	p->n_init = n < HW_MAX_CLASSES ? n : HW_MAX_CLASSES;
	for (int i = 0; i < p->n_init; i++) {
		char key[80];
		snprintf(key, sizeof key, "network.initial_nodes[%d].class", i);
		snprintf(p->init[i].cls, sizeof p->init[i].cls, "%s", scn_str(s, key));
		snprintf(key, sizeof key, "network.initial_nodes[%d].nodes", i);
		p->init[i].nodes = scn_num(s, key);
	}
	if (dem_parse(&p->dem, s, d) != SIM_OK)
		st = SIM_EINVAL;
	if (priv_parse(&p->priv, s, d) != SIM_OK)
		st = SIM_EINVAL;
	if (hw_parse(&p->hw, &p->hwt, s, d) != SIM_OK)
		st = SIM_EINVAL;
	parse_nodes(&p->nodes, s);
	p->nodes.keep_agents = scn_bool(s, "network.agent_records");
	if (tok_parse(&p->tok, s, d) != SIM_OK)
		st = SIM_EINVAL;
	if (ver_parse(&p->ver, s, d) != SIM_OK)
		st = SIM_EINVAL;
	if (chain_parse(&p->chain, s, d) != SIM_OK)
		st = SIM_EINVAL;
	if (st != SIM_OK)
		return st;
	return net_prepare(p, d);
}

void net_params_release(struct net_params *p)
{
	(void)p;  /* everything is held by value */
}

