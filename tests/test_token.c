/* test_token.c — the token ledger, emission schedules against their published
 * totals, prices, and parameter checking. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/csv.h"
#include "sim/status.h"
#include "models/token.h"

static void ledger_ok(const tok *t)
{
	struct tok_ledger L;
	tok_get_ledger(t, &L);
	cr_assert_eq(L.supply, L.genesis + L.minted - L.burned);
	cr_assert_eq(L.minted, L.to_operators + L.to_treasury + L.to_others);
	cr_assert_eq(L.burned, L.fee_burned + L.buyback_burned + L.slash_burned);
	cr_assert_eq(L.slashed, L.slash_to_user + L.slash_to_treasury + L.slash_to_honest +
	             L.slash_to_oracle + L.slash_burned);
	cr_assert(L.staked >= 0 && L.staked <= L.supply);
}

static tok *make(const struct tok_params *p)
{
	sim_diag d;
	diag_init(&d);
	tok *t = tok_alloc(p, &d);
	if (!t)
		diag_print(&d, stderr, "test: ");
	diag_release(&d);
	cr_assert_not_null(t);
	return t;
}

/* Runs n days with no fees, nodes or slashes; returns minted in base units. */
static int64_t run_quiet(tok *t, int n)
{
	struct tok_day_in in = { 0 };
	struct tok_day_out o;
	for (int day = 0; day < n; day++)
		cr_assert_eq(tok_step(t, day, &in, &o), SIM_OK);
	struct tok_ledger L;
	tok_get_ledger(t, &L);
	return L.minted;
}

/* ------------------------------------------------------------------ ledger */

Test(tok, supply_conserved_exactly_over_10_years_with_burns_and_slashing)
{
	struct tok_params p;
	tok_params_default(&p);
	p.fee_burn_share = 0.3;
	p.buyback_share = 0.05;
	p.fees_in_token_share = 0.7;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 7);
	tok *t = make(&p);
	int64_t prev_supply = 0;
	for (int day = 0; day < 3653; day++) {
		struct tok_day_in in = {
			.fees_usd = 1e5 * gsl_rng_uniform(r) * (1 + day / 365.0),
			.active_nodes = 100 + day / 3 + gsl_rng_uniform_int(r, 50),
			.timeouts = (int64_t)gsl_ran_poisson(r, 3.0),
			.malicious = (int64_t)gsl_ran_poisson(r, 0.2),
		};
		struct tok_day_out o;
		cr_assert_eq(tok_step(t, day, &in, &o), SIM_OK);
		ledger_ok(t);
		struct tok_ledger L;
		tok_get_ledger(t, &L);
		if (day > 0) /* the day's report agrees with the ledger's change */
			cr_assert(fabs((double)(L.supply - prev_supply) / 1e9 - (o.minted - o.burned))
			          < 1e-6 * (1 + o.minted));
		prev_supply = L.supply;
	}
	struct tok_ledger L;
	tok_get_ledger(t, &L);
	cr_assert(L.fee_burned > 0 && L.buyback_burned > 0 && L.slash_burned > 0);
	cr_assert(L.slash_to_user > 0 && L.slash_to_honest > 0);
	cr_assert(L.minted <= (int64_t)(p.max_emission_tokens * 1e9));
	tok_free(t);
	gsl_rng_free(r);
}

Test(tok, split_of_emission_follows_shares)
{
	struct tok_params p;
	tok_params_default(&p);
	tok *t = make(&p);
	run_quiet(t, 365);
	struct tok_ledger L;
	tok_get_ledger(t, &L);
	cr_assert_float_eq((double)L.to_operators / L.minted, 0.70, 1e-9);
	cr_assert_float_eq((double)L.to_treasury / L.minted, 0.20, 1e-9);
	tok_free(t);
}

Test(tok, slashing_splits_timeout_and_malicious_by_whitepaper_defaults)
{
	struct tok_params p;
	tok_params_default(&p);
	p.emission = TOK_EMIT_NONE;
	p.price = TOK_PRICE_CONSTANT;
	tok *t = make(&p);
	struct tok_day_out o;
	struct tok_day_in in = { .active_nodes = 10 };
	cr_assert_eq(tok_step(t, 0, &in, &o), SIM_OK);
	cr_assert_float_eq(o.staked, 10000.0, 1e-9);
	in.timeouts = 1;    /* 10% of 1000 = 100 tokens: 50 user, 25 treasury, 25 burned */
	cr_assert_eq(tok_step(t, 1, &in, &o), SIM_OK);
	cr_assert_float_eq(o.slashed, 100.0, 1e-9);
	cr_assert_float_eq(o.burned, 25.0, 1e-9);
	in.timeouts = 0;
	in.malicious = 2;   /* all of 2 x 1000: 30% burned */
	cr_assert_eq(tok_step(t, 2, &in, &o), SIM_OK);
	cr_assert_float_eq(o.slashed, 2000.0, 1e-9);
	cr_assert_float_eq(o.burned, 600.0, 1e-9);
	struct tok_ledger L;
	tok_get_ledger(t, &L);
	cr_assert_eq(L.slash_to_honest, 400 * 1000000000LL);
	cr_assert_eq(L.slash_to_oracle, 200 * 1000000000LL);
	ledger_ok(t);
	tok_free(t);
}

/* ------------------------------------------------------------------ schedules */

Test(tok, bitcoin_like_halving_sums_to_21M_within_one_base_unit)
{
	struct tok_params p;
	tok_params_default(&p);
	p.decimals = 8;                     /* satoshis */
	p.genesis_tokens = 0;
	p.emission = TOK_EMIT_HALVING_TIME;
	p.initial_per_day = 50.0 * 144;     /* 50 BTC x 144 blocks */
	p.halving_period_days = 210000.0 * 600 / 86400;
	p.max_emission_tokens = 0;          /* no cap: the halvings alone bound it */
	p.price = TOK_PRICE_CONSTANT;
	tok *t = make(&p);
	/* First epoch: 210000 x 50 = 10.5M BTC. */
	int64_t m1 = run_quiet(t, 1458);
	cr_assert(llabs(m1 - (int64_t)(7200.0 * 1458 * 1e8)) <= 1);
	tok_free(t);
	t = make(&p);
	int64_t m = run_quiet(t, 300 * 365);
	cr_assert(llabs(m - 2100000000000000LL) <= 1, "minted %lld sat", (long long)m);
	tok_free(t);
}

Test(tok, bittensor_issuance_halving_reaches_21M_asymptotically)
{
	struct tok_params p;
	tok_params_default(&p);
	p.genesis_tokens = 0;
	p.emission = TOK_EMIT_HALVING_ISSUANCE;
	p.initial_per_day = 7200;           /* 1 TAO per 12 s block */
	p.max_emission_tokens = 21e6;
	p.price = TOK_PRICE_CONSTANT;
	tok *t = make(&p);
	struct tok_day_in in = { 0 };
	struct tok_day_out o;
	double prev = 0;
	int halving_day = -1;
	for (int day = 0; day < 6000; day++) {
		cr_assert_eq(tok_step(t, day, &in, &o), SIM_OK);
		if (day == 0)
			cr_assert_float_eq(o.minted, 7200.0, 1e-6);
		if (halving_day < 0 && o.supply >= 10.5e6)
			halving_day = day;
		cr_assert(o.supply >= prev && o.supply <= 21e6);
		prev = o.supply;
	}
	/* 10.5M issued at 7200/day: halving 1 on day 1458.33 (reference table). */
	cr_assert_eq(halving_day, 1458);
	tok_free(t);
	t = make(&p);
	int64_t m = run_quiet(t, 400 * 365);
	cr_assert(llabs(m - 21000000LL * 1000000000LL) <= 1, "minted %lld", (long long)m);
	tok_free(t);
}

Test(tok, issuance_halving_counts_burns_as_recycled)
{
	struct tok_params p;
	tok_params_default(&p);
	p.genesis_tokens = 1e6;
	p.emission = TOK_EMIT_HALVING_ISSUANCE;
	p.initial_per_day = 7200;
	p.max_emission_tokens = 21e6;
	p.price = TOK_PRICE_CONSTANT;
	p.buyback_share = 1.0;              /* every fee dollar burns one token */
	p.fees_in_token_share = 0;
	tok *t = make(&p);
	struct tok_day_in in = { .fees_usd = 1000 };
	struct tok_day_out o;
	int hd = -1;
	for (int day = 0; day < 2000 && hd < 0; day++) {
		cr_assert_eq(tok_step(t, day, &in, &o), SIM_OK);
		if (o.minted < 7000)
			hd = day;
	}
	/* Net issuance grows by 6200/day, so the halving comes later: 10.5M/6200. */
	cr_assert_eq(hd, (int)(10.5e6 / 6200));
	tok_free(t);
}

static double csv_get(const csv *c, int row, const char *col)
{
	double v = NAN;
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(csv_num(c, row, csv_col(c, col), &v, &d), SIM_OK);
	diag_release(&d);
	return v;
}

Test(tok, io_net_decay_reproduces_300M_over_20_years)
{
	struct tok_params p;
	tok_params_default(&p);
	p.genesis_tokens = 500e6;
	p.emission = TOK_EMIT_DECAY;
	p.initial_per_day = 500e6 * 0.08 / 8760 * 24;              /* io.net hourly rate x 24 */
	p.decay_per_year = 1.3886952395979e-5 * 24 * TOK_DAYS_PER_YEAR;
	p.max_emission_tokens = 300e6;
	p.price = TOK_PRICE_CONSTANT;
	sim_diag d;
	diag_init(&d);
	csv *c = csv_read(DAIS_SRCDIR "/data/token/io_net_emission_yearly.csv", &d);
	diag_print(&d, stderr, "test: ");
	cr_assert_not_null(c);
	tok *t = make(&p);
	struct tok_day_in in = { 0 };
	struct tok_day_out o;
	int day = 0;
	for (int row = 0; row < csv_nrows(c); row++) {
		int y = (int)csv_get(c, row, "year_index");
		for (; day < y * 365; day++)                /* io.net years are 8760 h */
			cr_assert_eq(tok_step(t, day, &in, &o), SIM_OK);
		double want = csv_get(c, row, "cumulative_emitted_io");
		double got = o.supply - 500e6;
		cr_assert(fabs(got - want) <= 1e-3 * want, "year %d: %.0f vs %.0f", y, got, want);
	}
	cr_assert_float_eq(o.supply, 800e6, 1e-6);      /* cap reached exactly */
	csv_free(c);
	diag_release(&d);
	tok_free(t);
}

Test(tok, table_schedule_integrates_rows)
{
	struct tok_params p;
	tok_params_default(&p);
	p.emission = TOK_EMIT_TABLE;
	p.max_emission_tokens = 0;
	p.n_table = 2;
	p.table[0] = (struct tok_row){ 0, 1000 };
	p.table[1] = (struct tok_row){ 10, 500 };
	cr_assert_float_eq(tok_schedule_cumulative(&p, 20), 15000.0, 1e-9);
	tok *t = make(&p);
	cr_assert_eq(run_quiet(t, 20), 15000 * 1000000000LL);
	tok_free(t);
}

Test(tok, inflation_compounds_to_the_annual_rate)
{
	struct tok_params p;
	tok_params_default(&p);
	p.emission = TOK_EMIT_INFLATION;
	p.inflation_per_year = 0.05;
	p.max_emission_tokens = 0;
	p.price = TOK_PRICE_CONSTANT;
	tok *t = make(&p);
	struct tok_day_in in = { 0 };
	struct tok_day_out o;
	for (int day = 0; day < 3653; day++)
		cr_assert_eq(tok_step(t, day, &in, &o), SIM_OK);
	cr_assert_float_eq(o.supply, 1e9 * pow(1.05, 3653 / 365.25), 1.0);
	tok_free(t);
}

Test(tok, overflow_is_an_error_not_a_wrap)
{
	struct tok_params p;
	tok_params_default(&p);
	p.emission = TOK_EMIT_INFLATION;
	p.inflation_per_year = 10;
	p.max_emission_tokens = 0;
	tok *t = make(&p);
	struct tok_day_in in = { 0 };
	struct tok_day_out o;
	sim_status st = SIM_OK;
	int day;
	for (day = 0; day < 3650 && st == SIM_OK; day++)
		st = tok_step(t, day, &in, &o);
	cr_assert_eq(st, SIM_ERANGE);
	ledger_ok(t);
	tok_free(t);
}

/* ------------------------------------------------------------------ price */

Test(tok, exogenous_prices)
{
	struct tok_params p;
	tok_params_default(&p);
	p.price = TOK_PRICE_EXP;
	p.price0_usd = 2.0;
	p.price_growth_per_year = -0.5;
	tok *t = make(&p);
	struct tok_day_in in = { 0 };
	struct tok_day_out o;
	for (int day = 0; day <= 730; day++)
		cr_assert_eq(tok_step(t, day, &in, &o), SIM_OK);
	cr_assert_float_eq(o.price_usd, 2.0 * pow(0.5, 730 / 365.25), 1e-12);
	tok_free(t);

	p.price = TOK_PRICE_TABLE;
	p.n_price_table = 2;
	p.price_table[0] = (struct tok_row){ 0, 1.0 };
	p.price_table[1] = (struct tok_row){ 100, 3.0 };
	t = make(&p);
	for (int day = 0; day <= 150; day++) {
		cr_assert_eq(tok_step(t, day, &in, &o), SIM_OK);
		if (day == 50)
			cr_assert_float_eq(o.price_usd, 2.0, 1e-12);
	}
	cr_assert_float_eq(o.price_usd, 3.0, 1e-12);
	tok_free(t);
}

Test(tok, market_price_falls_with_sell_pressure_and_rises_with_buy_and_burn)
{
	struct tok_params p;
	tok_params_default(&p);
	p.emission = TOK_EMIT_NONE;
	tok *t = make(&p);
	struct tok_day_in in = { 0 };
	struct tok_day_out o;
	cr_assert_eq(tok_step(t, 0, &in, &o), SIM_OK);
	cr_assert_float_eq(o.next_price_usd, 1.0, 1e-12);     /* no flows, no move */
	tok_free(t);

	tok_params_default(&p);   /* emission, operators sell half */
	t = make(&p);
	cr_assert_eq(tok_step(t, 0, &in, &o), SIM_OK);
	cr_assert(o.next_price_usd < 1.0);
	/* P* = P (L + B)/(L + S P), half-way in logs. */
	double L = 0.05 * o.supply, S = 0.5 * o.to_operators;
	cr_assert_float_eq(o.next_price_usd, sqrt(L / (L + S)), 1e-12);
	tok_free(t);

	p.emission = TOK_EMIT_NONE;
	t = make(&p);
	in.fees_usd = 1e6;
	cr_assert_eq(tok_step(t, 0, &in, &o), SIM_OK);
	cr_assert(o.next_price_usd > 1.0);
	tok_free(t);
}

/* The valuation anchor.  No fees: no anchor, and with no flows the price stays.
 * Constant fees f a day and no protocol flows (nothing paid in the token, no
 * buy-back, no emission, no collateral): P* = P, so only the anchor
 * V = m f 365.25 / supply moves the price, and the log gap shrinks by
 * (1 - r) a day: ln P_n - ln V = (1 - r)^n (ln P_0 - ln V). */
Test(tok, market_price_converges_to_its_valuation_anchor)
{
	struct tok_params p;
	tok_params_default(&p);
	p.emission = TOK_EMIT_NONE;
	p.fees_in_token_share = p.buyback_share = 0;
	p.collateral_per_node = 0;
	tok *t = make(&p);
	struct tok_day_in in = { 0 };
	struct tok_day_out o;
	for (int day = 0; day < 30; day++)
		cr_assert_eq(tok_step(t, day, &in, &o), SIM_OK);
	cr_assert_eq(o.next_price_usd, 1.0);                     /* no fees, no flows */
	tok_free(t);

	const double f = 2e5, m = p.anchor_multiple, r = p.anchor_reversion;
	const double V = m * f * 365.25 / p.genesis_tokens;       /* 3.65 USD */
	t = make(&p);
	in.fees_usd = f;
	for (int day = 0; day < 400; day++) {
		cr_assert_eq(tok_step(t, day, &in, &o), SIM_OK);
		double want = exp(log(V) + pow(1 - r, day + 1) * (log(1.0) - log(V)));
		cr_assert_float_eq(o.next_price_usd, want, 1e-9 * want, "day %d", day);
	}
	cr_assert_float_eq(o.next_price_usd, V, 0.05 * V);       /* (0.99)^400 = 1.8% of the gap */
	tok_free(t);

	/* anchor off: the fees alone do not move it */
	p.anchor_multiple = 0;
	t = make(&p);
	for (int day = 0; day < 50; day++)
		cr_assert_eq(tok_step(t, day, &in, &o), SIM_OK);
	cr_assert_eq(o.next_price_usd, 1.0);
	tok_free(t);
}

/* ------------------------------------------------------------------ checks */

struct bad_case {
	void (*set)(struct tok_params *);
	const char *msg;
};

static void b_dec(struct tok_params *p) { p->decimals = 19; }
static void b_gen(struct tok_params *p) { p->genesis_tokens = -5; }
static void b_big(struct tok_params *p) { p->genesis_tokens = 1e10; }
static void b_half(struct tok_params *p) { p->emission = TOK_EMIT_HALVING_TIME; p->halving_period_days = 0; }
static void b_iss(struct tok_params *p) { p->emission = TOK_EMIT_HALVING_ISSUANCE; p->max_emission_tokens = 0; }
static void b_split(struct tok_params *p) { p->share_operators = 0.9; p->share_treasury = 0.2; }
static void b_slash(struct tok_params *p) { p->malicious_split.user = 0.9; }
static void b_burn(struct tok_params *p) { p->fee_burn_share = 1.5; }
static void b_tab(struct tok_params *p) {
	p->emission = TOK_EMIT_TABLE; p->n_table = 2;
	p->table[0] = (struct tok_row){ 5, 1 }; p->table[1] = (struct tok_row){ 3, 1 };
}
static void b_price(struct tok_params *p) { p->price0_usd = 0; }
static void b_adj(struct tok_params *p) { p->adjustment = 0; }

Test(tok, bad_parameters_are_rejected_with_their_json_path)
{
	static const struct bad_case cases[] = {
		{ b_dec,   "base.json: $.token.decimals: must be in [0, 12], got 19" },
		{ b_gen,   "base.json: $.token.genesis_supply: must be a finite number >= 0, got -5" },
		{ b_big,   "base.json: $.token.genesis_supply: genesis plus max emission" },
		{ b_half,  "base.json: $.token.emission.halving_period_days: must be > 0, got 0" },
		{ b_iss,   "base.json: $.token.emission.max_emission: must be > 0 for design \"halving_issuance\"" },
		{ b_split, "base.json: $.token.split: operators + treasury must be at most 1" },
		{ b_slash, "base.json: $.token.slashing.malicious_split: shares must sum to at most 1" },
		{ b_burn,  "base.json: $.token.burn.fee_burn_share: must be in [0, 1], got 1.5" },
		{ b_tab,   "base.json: $.token.emission.table[1]: days must be >= 0 and strictly increasing, got 3" },
		{ b_price, "base.json: $.token.price.initial_usd: must be > 0, got 0" },
		{ b_adj,   "base.json: $.token.price.adjustment: must be in (0, 1], got 0" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tok_params p;
		tok_params_default(&p);
		cases[i].set(&p);
		sim_diag d;
		diag_init(&d);
		cr_assert_eq(tok_check(&p, "base.json", &d), SIM_EINVAL, "case %zu", i);
		int found = 0;
		for (int k = 0; k < d.n; k++)
			found |= strncmp(d.msg[k], cases[i].msg, strlen(cases[i].msg)) == 0;
		cr_assert(found, "case %zu: expected '%s', got '%s'", i, cases[i].msg,
		          d.n ? d.msg[0] : "(nothing)");
		cr_assert_null(tok_alloc(&p, &d));
		diag_release(&d);
	}
	struct tok_params p;
	tok_params_default(&p);
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(tok_check(&p, "base.json", &d), SIM_OK);
	cr_assert_eq(d.n, 0);
	diag_release(&d);
}

/* ------------------------------------------------------------------ scenario */

#include "sim/scn.h"

static scn *load(const char *text, sim_diag *d)
{
	scn *s = scn_parse(text, "t.json", NULL, 0, d);
	if (!s)
		diag_print(d, stderr, "test: ");
	return s;
}

Test(tok, scenario_defaults_equal_the_code_defaults)
{
	sim_diag d;
	diag_init(&d);
	scn *s = load("{\"model\": \"network\"}", &d);
	cr_assert_not_null(s);
	struct tok_params a, b;
	cr_assert_eq(tok_parse(&a, s, &d), SIM_OK);
	tok_params_default(&b);
	cr_assert_eq(a.decimals, b.decimals);
	cr_assert_eq(a.emission, b.emission);
	cr_assert_eq(a.price, b.price);
	const double va[] = { a.genesis_tokens, a.max_emission_tokens, a.inflation_per_year,
		a.initial_per_day, a.decay_per_year, a.halving_period_days, a.share_operators,
		a.share_treasury, a.collateral_per_node, a.timeout_fraction, a.malicious_fraction,
		a.timeout_split.user, a.timeout_split.treasury, a.timeout_split.honest,
		a.timeout_split.oracle, a.malicious_split.user, a.malicious_split.treasury,
		a.malicious_split.honest, a.malicious_split.oracle, a.fees_in_token_share,
		a.fee_burn_share, a.buyback_share, a.price0_usd, a.price_growth_per_year,
		a.sell_share, a.turnover_per_day, a.adjustment, a.price_min_usd, a.price_max_usd };
	const double vb[] = { b.genesis_tokens, b.max_emission_tokens, b.inflation_per_year,
		b.initial_per_day, b.decay_per_year, b.halving_period_days, b.share_operators,
		b.share_treasury, b.collateral_per_node, b.timeout_fraction, b.malicious_fraction,
		b.timeout_split.user, b.timeout_split.treasury, b.timeout_split.honest,
		b.timeout_split.oracle, b.malicious_split.user, b.malicious_split.treasury,
		b.malicious_split.honest, b.malicious_split.oracle, b.fees_in_token_share,
		b.fee_burn_share, b.buyback_share, b.price0_usd, b.price_growth_per_year,
		b.sell_share, b.turnover_per_day, b.adjustment, b.price_min_usd, b.price_max_usd };
	for (size_t i = 0; i < sizeof va / sizeof va[0]; i++)
		cr_assert(fabs(va[i] - vb[i]) <= 1e-6 * fabs(vb[i]), "field %zu: %.17g vs %.17g",
		          i, va[i], vb[i]);
	scn_free(s);
	diag_release(&d);
}

Test(tok, scenario_tables_and_cross_key_errors)
{
	sim_diag d;
	diag_init(&d);
	scn *s = load("{\"model\": \"network\", \"token\": {\"emission\": {\"design\": \"table\","
	              " \"table\": [{\"from_day\": 0, \"tokens_per_day\": 10},"
	              " {\"from_day\": 5, \"tokens_per_day\": 2}]},"
	              " \"price\": {\"model\": \"table\", \"table\": [{\"day\": 0, \"usd\": 2}]}}}", &d);
	cr_assert_not_null(s);
	struct tok_params p;
	cr_assert_eq(tok_parse(&p, s, &d), SIM_OK);
	cr_assert_eq(p.n_table, 2);
	cr_assert_float_eq(tok_schedule_cumulative(&p, 10), 60.0, 1e-9);
	cr_assert_eq(p.n_price_table, 1);
	cr_assert_float_eq(p.price_table[0].value, 2.0, 0);
	scn_free(s);

	s = load("{\"model\": \"network\", \"token\": {\"split\": {\"operators\": 0.9,"
	         " \"treasury\": 0.2}, \"emission\": {\"design\": \"halving_issuance\","
	         " \"max_emission\": 0}}}", &d);
	cr_assert_not_null(s);
	cr_assert_eq(tok_parse(&p, s, &d), SIM_EINVAL);
	cr_assert_eq(d.n, 2);
	cr_assert_str_eq(d.msg[0], "t.json: $.token.emission.max_emission: must be > 0 for design "
	                 "\"halving_issuance\" (halvings happen at fractions of it), got 0");
	cr_assert_str_eq(d.msg[1], "t.json: $.token.split: operators + treasury must be at most 1 "
	                 "(the rest goes to others), got 1.1");
	scn_free(s);
	diag_release(&d);
}

Test(tok, scenario_price_table_from_csv)
{
	char path[] = "/tmp/dais_price_XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("# source: test\nday,usd\n0,1\n10,3\n", f);
	fclose(f);
	char text[512];
	snprintf(text, sizeof text, "{\"model\": \"network\", \"token\": {\"price\": "
	         "{\"model\": \"table\", \"table_csv\": \"%s\"}}}", path);
	sim_diag d;
	diag_init(&d);
	scn *s = load(text, &d);
	cr_assert_not_null(s);
	struct tok_params p;
	cr_assert_eq(tok_parse(&p, s, &d), SIM_OK);
	cr_assert_eq(p.n_price_table, 2);
	tok *t = make(&p);
	struct tok_day_in in = { 0 };
	struct tok_day_out o;
	for (int day = 0; day <= 5; day++)
		cr_assert_eq(tok_step(t, day, &in, &o), SIM_OK);
	cr_assert_float_eq(o.price_usd, 2.0, 1e-12);
	tok_free(t);
	scn_free(s);
	diag_release(&d);
	unlink(path);
}

Test(tok, scenario_emission_table_from_csv)
{
	sim_diag d;
	diag_init(&d);
	scn *s = load("{\"model\": \"network\", \"token\": {\"emission\": {\"design\": \"table\","
	              " \"table_csv\": \"" DAIS_SRCDIR "/data/token/bittensor_halvings.csv\"}}}", &d);
	cr_assert_not_null(s);
	struct tok_params p;
	/* The file has no from_day column: reported with its name. */
	cr_assert_eq(tok_parse(&p, s, &d), SIM_EINVAL);
	cr_assert(d.n >= 1);
	scn_free(s);
	diag_release(&d);
}
