/* token.c — emission schedules, subsidy split, staking and slashing, burns and
 * the token price on an exact int64 ledger (see token.h for the model). */
#include "token.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/csv.h"
#include "sim/model.h"
#include "registry.h"

/* Largest balance we allow, base units: leaves headroom below INT64_MAX so a
 * day's sums cannot overflow before they are checked. */
#define TOK_UNITS_MAX ((int64_t)4 << 60)   /* 4.6e18 */

struct tok {
	struct tok_params p;
	int64_t unit;          /* base units per token */
	struct tok_ledger L;
	long double cum;       /* ideal cumulative schedule emission, base units */
	int64_t cum_minted;    /* base units minted by the schedule = llroundl(cum) so far */
	long double cap;       /* max emission, base units (0 = none) */
	long double rem;       /* HALVING_ISSUANCE: cap - net issuance, base units */
	int64_t burned_seen;   /* HALVING_ISSUANCE: burns already added back to rem */
	int next_day;
	double price;          /* price for the next step, USD/token */
	double fees[366];      /* fees of the last days, a ring by day (the anchor) */
	double fees_sum;
};

/* ------------------------------------------------------------------ names */

const char *tok_emission_name(enum tok_emission e)
{
	switch (e) {
	case TOK_EMIT_NONE:             return "none";
	case TOK_EMIT_INFLATION:        return "inflation";
	case TOK_EMIT_DECAY:            return "decay";
	case TOK_EMIT_HALVING_TIME:     return "halving_time";
	case TOK_EMIT_HALVING_ISSUANCE: return "halving_issuance";
	case TOK_EMIT_TABLE:            return "table";
	}
	return "?";
}

const char *tok_price_name(enum tok_price m)
{
	switch (m) {
	case TOK_PRICE_CONSTANT: return "constant";
	case TOK_PRICE_EXP:      return "exponential";
	case TOK_PRICE_TABLE:    return "table";
	case TOK_PRICE_MARKET:   return "market";
	}
	return "?";
}

/* ------------------------------------------------------------------ defaults */

void tok_params_default(struct tok_params *p)
{
	memset(p, 0, sizeof *p);
	p->decimals = 9;                      /* Sui coin convention (1e9 MIST per SUI) */
	p->genesis_tokens = 1e9;              /* estimate */
	p->emission = TOK_EMIT_DECAY;         /* estimate, io.net-shaped */
	p->initial_per_day = 1e9 * 0.08 / 8760.0 * 24.0; /* io.net: 8%/8760 of genesis per hour */
	p->decay_per_year = 1.3886952395979e-5 * 24.0 * TOK_DAYS_PER_YEAR; /* io.net hourly rate */
	p->max_emission_tokens = 0.6e9;       /* io.net 300M/500M of genesis */
	p->inflation_per_year = 0.05;
	p->halving_period_days = 210000.0 * 600.0 / 86400.0;    /* Bitcoin */
	p->share_operators = 0.70;            /* estimate */
	p->share_treasury = 0.20;             /* estimate; others 0.10 (model creators) */
	p->collateral_per_node = 1000.0;      /* db.move @28f6e2a */
	p->timeout_fraction = 0.10;           /* db.move InitialPermilleToSlashNodeOnTimeout */
	p->malicious_fraction = 1.0;          /* whitepaper §2.2: all collateral */
	p->timeout_split = (struct tok_slash_split){ .user = 0.5, .treasury = 0.25 };
	p->malicious_split = (struct tok_slash_split){ .user = 0.2, .treasury = 0.2,
	                                               .honest = 0.2, .oracle = 0.1 };
	p->fees_in_token_share = 0.5;         /* estimate */
	p->fee_burn_share = 0.0;
	p->buyback_share = 0.02;              /* io.net 2% payment fee buy-and-burn */
	p->price = TOK_PRICE_MARKET;
	p->price0_usd = 1.0;                  /* placeholder estimate */
	p->price_growth_per_year = 0.0;
	p->sell_share = 0.5;                  /* estimate */
	p->turnover_per_day = 0.05;           /* estimate */
	p->adjustment = 0.5;                  /* estimate */
	p->anchor_multiple = 50;              /* estimate: price to yearly fees, see token.json */
	p->anchor_reversion = 0.01;           /* estimate: about 70 days to halve the gap */
	p->price_min_usd = 1e-6;
	p->price_max_usd = 1e6;
}

/* ------------------------------------------------------------------ checks */

static int bad_share(double x) { return !(x >= 0.0 && x <= 1.0); }

static void check_split(const struct tok_slash_split *s, const char *src,
                        const char *path, sim_diag *d, int *nerr)
{
	const double v[4] = { s->user, s->treasury, s->honest, s->oracle };
	const char *k[4] = { "user", "treasury", "honest", "oracle" };
	for (int i = 0; i < 4; i++)
		if (bad_share(v[i])) {
			diag_add(d, "%s: $.token.slashing.%s.%s: must be in [0, 1], got %g",
			         src, path, k[i], v[i]);
			(*nerr)++;
		}
	double sum = v[0] + v[1] + v[2] + v[3];
	if (sum > 1.0 + 1e-12) {
		diag_add(d, "%s: $.token.slashing.%s: shares must sum to at most 1 "
		         "(the rest is burned), got %g", src, path, sum);
		(*nerr)++;
	}
}

static void check_table(const struct tok_row *t, int n, int positive, const char *src,
                        const char *path, sim_diag *d, int *nerr)
{
	if (n < 1 || n > TOK_TABLE_MAX) {
		diag_add(d, "%s: $.token.%s: needs 1 to %d rows, got %d", src, path,
		         TOK_TABLE_MAX, n);
		(*nerr)++;
		return;
	}
	for (int i = 0; i < n; i++) {
		if (!isfinite(t[i].day) || t[i].day < 0 || (i > 0 && t[i].day <= t[i - 1].day)) {
			diag_add(d, "%s: $.token.%s[%d]: days must be >= 0 and strictly "
			         "increasing, got %g", src, path, i, t[i].day);
			(*nerr)++;
		}
		if (!isfinite(t[i].value) || (positive ? t[i].value <= 0 : t[i].value < 0)) {
			diag_add(d, "%s: $.token.%s[%d]: value must be %s, got %g", src, path, i,
			         positive ? "> 0" : ">= 0", t[i].value);
			(*nerr)++;
		}
	}
}

#define CHECK(cond, path, fmt, ...) do { if (!(cond)) { \
	diag_add(d, "%s: $.token.%s: " fmt, src, path, __VA_ARGS__); nerr++; } } while (0)

sim_status tok_check(const struct tok_params *p, const char *src, sim_diag *d)
{
	int nerr = 0;
	if (!src)
		src = "<params>";
	CHECK(p->decimals >= 0 && p->decimals <= TOK_DECIMALS_MAX, "decimals",
	      "must be in [0, %d], got %d", TOK_DECIMALS_MAX, p->decimals);
	CHECK(isfinite(p->genesis_tokens) && p->genesis_tokens >= 0, "genesis_supply",
	      "must be a finite number >= 0, got %g", p->genesis_tokens);
	CHECK(isfinite(p->max_emission_tokens) && p->max_emission_tokens >= 0,
	      "emission.max_emission", "must be a finite number >= 0 (0 = no cap), got %g",
	      p->max_emission_tokens);
	if (nerr == 0) {
		double unit = pow(10.0, p->decimals);
		double total = (p->genesis_tokens + p->max_emission_tokens) * unit;
		CHECK(total < (double)TOK_UNITS_MAX, "genesis_supply",
		      "genesis plus max emission (%g tokens) does not fit int64 base units "
		      "at decimals = %d (at most %g tokens)",
		      p->genesis_tokens + p->max_emission_tokens, p->decimals,
		      (double)TOK_UNITS_MAX / unit);
	}
	switch (p->emission) {
	case TOK_EMIT_NONE:
		break;
	case TOK_EMIT_INFLATION:
		CHECK(p->inflation_per_year >= 0 && p->inflation_per_year <= 10,
		      "emission.inflation_per_year", "must be in [0, 10], got %g",
		      p->inflation_per_year);
		break;
	case TOK_EMIT_DECAY:
		CHECK(p->decay_per_year >= 0 && p->decay_per_year <= 100,
		      "emission.decay_per_year", "must be in [0, 100], got %g", p->decay_per_year);
		/* fall through */
	case TOK_EMIT_HALVING_TIME:
	case TOK_EMIT_HALVING_ISSUANCE:
		CHECK(isfinite(p->initial_per_day) && p->initial_per_day >= 0,
		      "emission.initial_per_day", "must be a finite number >= 0, got %g",
		      p->initial_per_day);
		if (p->emission == TOK_EMIT_HALVING_TIME)
			CHECK(isfinite(p->halving_period_days) && p->halving_period_days > 0,
			      "emission.halving_period_days", "must be > 0, got %g",
			      p->halving_period_days);
		if (p->emission == TOK_EMIT_HALVING_ISSUANCE)
			CHECK(p->max_emission_tokens > 0, "emission.max_emission",
			      "must be > 0 for design \"halving_issuance\" (halvings happen at "
			      "fractions of it), got %g", p->max_emission_tokens);
		break;
	case TOK_EMIT_TABLE:
		check_table(p->table, p->n_table, 0, src, "emission.table", d, &nerr);
		break;
	default:
		diag_add(d, "%s: $.token.emission.design: unknown design %d", src, (int)p->emission);
		nerr++;
	}
	CHECK(!bad_share(p->share_operators), "split.operators", "must be in [0, 1], got %g",
	      p->share_operators);
	CHECK(!bad_share(p->share_treasury), "split.treasury", "must be in [0, 1], got %g",
	      p->share_treasury);
	CHECK(p->share_operators + p->share_treasury <= 1.0 + 1e-12, "split",
	      "operators + treasury must be at most 1 (the rest goes to others), got %g",
	      p->share_operators + p->share_treasury);
	CHECK(isfinite(p->collateral_per_node) && p->collateral_per_node >= 0,
	      "staking.collateral_per_node", "must be a finite number >= 0, got %g",
	      p->collateral_per_node);
	CHECK(!bad_share(p->timeout_fraction), "slashing.timeout_fraction",
	      "must be in [0, 1], got %g", p->timeout_fraction);
	CHECK(!bad_share(p->malicious_fraction), "slashing.malicious_fraction",
	      "must be in [0, 1], got %g", p->malicious_fraction);
	check_split(&p->timeout_split, src, "timeout_split", d, &nerr);
	check_split(&p->malicious_split, src, "malicious_split", d, &nerr);
	CHECK(!bad_share(p->fees_in_token_share), "burn.fees_in_token_share",
	      "must be in [0, 1], got %g", p->fees_in_token_share);
	CHECK(!bad_share(p->fee_burn_share), "burn.fee_burn_share",
	      "must be in [0, 1], got %g", p->fee_burn_share);
	CHECK(!bad_share(p->buyback_share), "burn.buyback_share",
	      "must be in [0, 1], got %g", p->buyback_share);
	CHECK(isfinite(p->price0_usd) && p->price0_usd > 0, "price.initial_usd",
	      "must be > 0, got %g", p->price0_usd);
	switch (p->price) {
	case TOK_PRICE_CONSTANT:
		break;
	case TOK_PRICE_EXP:
		CHECK(isfinite(p->price_growth_per_year) && p->price_growth_per_year > -1,
		      "price.growth_per_year", "must be > -1, got %g", p->price_growth_per_year);
		break;
	case TOK_PRICE_TABLE:
		check_table(p->price_table, p->n_price_table, 1, src, "price.table", d, &nerr);
		break;
	case TOK_PRICE_MARKET:
		CHECK(!bad_share(p->sell_share), "price.sell_share", "must be in [0, 1], got %g",
		      p->sell_share);
		CHECK(isfinite(p->turnover_per_day) && p->turnover_per_day > 0,
		      "price.turnover_per_day", "must be > 0, got %g", p->turnover_per_day);
		CHECK(p->adjustment > 0 && p->adjustment <= 1, "price.adjustment",
		      "must be in (0, 1], got %g", p->adjustment);
		CHECK(isfinite(p->anchor_multiple) && p->anchor_multiple >= 0, "price.anchor_multiple",
		      "must be >= 0, got %g", p->anchor_multiple);
		CHECK(p->anchor_reversion >= 0 && p->anchor_reversion <= 1 &&
		      p->adjustment + p->anchor_reversion <= 1, "price.anchor_reversion",
		      "must be in [0, 1 - adjustment = %g], got %g", 1 - p->adjustment,
		      p->anchor_reversion);
		CHECK(p->price_min_usd > 0 && p->price_min_usd <= p->price0_usd &&
		      p->price0_usd <= p->price_max_usd, "price",
		      "need 0 < min_usd <= initial_usd <= max_usd, got %g, %g, %g",
		      p->price_min_usd, p->price0_usd, p->price_max_usd);
		break;
	default:
		diag_add(d, "%s: $.token.price.model: unknown model %d", src, (int)p->price);
		nerr++;
	}
	return nerr ? SIM_EINVAL : SIM_OK;
}

#undef CHECK

/* ------------------------------------------------------------------ schedules */

/* Tokens minted by time t (days) at a piecewise-constant table rate. */
static long double table_cum(const struct tok_row *t, int n, long double x)
{
	long double s = 0;
	for (int i = 0; i < n && t[i].day < x; i++) {
		long double end = i + 1 < n ? (long double)t[i + 1].day : x;
		if (end > x)
			end = x;
		s += (long double)t[i].value * (end - (long double)t[i].day);
	}
	return s;
}

/* E(t) in tokens for the time-defined designs, uncapped. */
static long double sched_cum(const struct tok_params *p, long double t)
{
	if (t <= 0)
		return 0;
	switch (p->emission) {
	case TOK_EMIT_DECAY: {
		long double lam = (long double)p->decay_per_year / TOK_DAYS_PER_YEAR;
		if (lam == 0)
			return p->initial_per_day * t;
		return -(long double)p->initial_per_day / lam * expm1l(-lam * t);
	}
	case TOK_EMIT_HALVING_TIME:
	case TOK_EMIT_HALVING_ISSUANCE: {
		/* Without recycled burns, issuance halvings fall every cap/(2 R0) days. */
		long double H = p->emission == TOK_EMIT_HALVING_TIME
			? (long double)p->halving_period_days
			: (long double)p->max_emission_tokens / (2.0L * p->initial_per_day);
		long double R0 = p->initial_per_day;
		long double k = floorl(t / H);
		if (k > 16000)
			k = 16000;
		long double f = ldexpl(1.0L, -(int)k);
		return R0 * H * (2.0L - 2.0L * f) + R0 * f * (t - k * H);
	}
	case TOK_EMIT_TABLE:
		return table_cum(p->table, p->n_table, t);
	default:
		return 0;
	}
}

double tok_schedule_cumulative(const struct tok_params *p, double day)
{
	long double e = sched_cum(p, day);
	if (p->max_emission_tokens > 0 && e > p->max_emission_tokens)
		e = p->max_emission_tokens;
	return (double)e;
}

/* Bittensor: one day of emission given the remaining issuance rem = cap - net
 * issuance (base units; kept as a remainder so that its tail keeps full
 * precision), rate R0 (base units/day) halving at cap (1 - 2^-k).  Returns the
 * amount and lowers *rem by it. */
static long double issuance_day(long double *rem, long double R0, long double cap)
{
	long double tau = 1.0L, out = 0;
	for (int guard = 0; guard < 200 && tau > 0 && *rem > 0; guard++) {
		int k = 0;
		while (k < 16000 && *rem <= ldexpl(cap, -(k + 1)))
			k++;
		long double rate = ldexpl(R0, -k);
		long double a = *rem - ldexpl(cap, -(k + 1));   /* to the next threshold */
		if (rate <= 0 || rate * tau <= a) {
			out += rate * tau;
			*rem -= rate * tau;
			break;
		}
		out += a;
		*rem -= a;
		tau -= a / rate;
	}
	return out;
}

/* ------------------------------------------------------------------ price */

static double price_exo(const struct tok_params *p, double day)
{
	switch (p->price) {
	case TOK_PRICE_EXP:
		return p->price0_usd * pow(1.0 + p->price_growth_per_year, day / TOK_DAYS_PER_YEAR);
	case TOK_PRICE_TABLE: {
		const struct tok_row *t = p->price_table;
		int n = p->n_price_table;
		if (day <= t[0].day)
			return t[0].value;
		for (int i = 1; i < n; i++)
			if (day <= t[i].day) {
				double w = (day - t[i - 1].day) / (t[i].day - t[i - 1].day);
				return t[i - 1].value + w * (t[i].value - t[i - 1].value);
			}
		return t[n - 1].value;
	}
	default:
		return p->price0_usd;
	}
}

/* ------------------------------------------------------------------ state */

tok *tok_alloc(const struct tok_params *p, sim_diag *d)
{
	if (tok_check(p, "<params>", d) != SIM_OK)
		return NULL;
	tok *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->p = *p;
	t->unit = 1;
	for (int i = 0; i < p->decimals; i++)
		t->unit *= 10;
	t->L.genesis = llroundl((long double)p->genesis_tokens * t->unit);
	t->L.supply = t->L.genesis;
	t->cap = (long double)p->max_emission_tokens * t->unit;
	t->rem = t->cap;
	t->price = p->price == TOK_PRICE_TABLE ? price_exo(p, 0) : p->price0_usd;
	return t;
}

void tok_free(tok *t)
{
	free(t);
}

void tok_get_ledger(const tok *t, struct tok_ledger *l) { *l = t->L; }
double tok_price_usd(const tok *t) { return t->price; }
double tok_supply(const tok *t) { return (double)t->L.supply / (double)t->unit; }
int64_t tok_base_units(const tok *t) { return t->unit; }

/* Floor of x * share for a balance x >= 0, never more than x. */
static int64_t take(int64_t x, double share)
{
	if (share <= 0 || x <= 0)
		return 0;
	long double v = floorl((long double)x * share);
	return v >= x ? x : (int64_t)v;
}

static int64_t to_units(double tokens, int64_t unit)
{
	if (!(tokens > 0))
		return 0;
	long double v = (long double)tokens * unit;
	if (v >= (long double)TOK_UNITS_MAX)
		return TOK_UNITS_MAX;
	return (int64_t)floorl(v);
}

static void split_slash(int64_t amt, const struct tok_slash_split *s, struct tok_ledger *L)
{
	int64_t u = take(amt, s->user), tr = take(amt, s->treasury);
	int64_t h = take(amt, s->honest), o = take(amt, s->oracle);
	int64_t burn = amt - u - tr - h - o;
	SIM_ASSERT(burn >= 0);
	L->slashed += amt;
	L->slash_to_user += u;
	L->slash_to_treasury += tr;
	L->slash_to_honest += h;
	L->slash_to_oracle += o;
	L->slash_burned += burn;
	L->burned += burn;
}

static void check_ledger(const struct tok_ledger *L)
{
	SIM_ASSERT(L->supply == L->genesis + L->minted - L->burned);
	SIM_ASSERT(L->minted == L->to_operators + L->to_treasury + L->to_others);
	SIM_ASSERT(L->burned == L->fee_burned + L->buyback_burned + L->slash_burned);
	SIM_ASSERT(L->slashed == L->slash_to_user + L->slash_to_treasury + L->slash_to_honest
	           + L->slash_to_oracle + L->slash_burned);
	SIM_ASSERT(L->supply >= 0 && L->staked >= 0 && L->staked <= L->supply);
}

sim_status tok_step(tok *t, int day, const struct tok_day_in *in, struct tok_day_out *out)
{
	SIM_ASSERT(day == t->next_day);
	SIM_ASSERT(isfinite(in->fees_usd) && in->fees_usd >= 0);
	SIM_ASSERT(isfinite(in->active_nodes) && in->active_nodes >= 0);
	SIM_ASSERT(in->timeouts >= 0 && in->malicious >= 0);
	const struct tok_params *p = &t->p;
	const int64_t unit = t->unit;
	struct tok_ledger L = t->L;        /* work on a copy; commit at the end */
	const double P = p->price == TOK_PRICE_MARKET ? t->price : price_exo(p, day);
	memset(out, 0, sizeof *out);

	/* 1. Emission: ideal cumulative curve, integer day = difference of roundings. */
	long double cum = t->cum, rem = t->rem;
	const int64_t burned_start = L.burned;
	switch (p->emission) {
	case TOK_EMIT_NONE:
		break;
	case TOK_EMIT_INFLATION:
		cum += (long double)L.supply *
		       expm1l(log1pl((long double)p->inflation_per_year) / TOK_DAYS_PER_YEAR);
		break;
	case TOK_EMIT_HALVING_ISSUANCE:
		/* Net issuance counts burns as recycled: minted - burned. */
		rem += (long double)(burned_start - t->burned_seen);
		issuance_day(&rem, (long double)p->initial_per_day * unit, t->cap);
		cum = t->cap - rem + (long double)L.burned;
		break;
	default:
		cum = sched_cum(p, (long double)day + 1) * unit;
		break;
	}
	if (t->cap > 0 && p->emission != TOK_EMIT_HALVING_ISSUANCE && cum > t->cap)
		cum = t->cap;
	if (cum > (long double)TOK_UNITS_MAX)
		return SIM_ERANGE;
	int64_t cum_minted = llroundl(cum);
	int64_t mint = cum_minted - t->cum_minted;
	if (mint < 0)
		mint = 0, cum_minted = t->cum_minted;
	if (mint > TOK_UNITS_MAX - L.supply)
		return SIM_ERANGE;
	int64_t op = take(mint, p->share_operators), tr = take(mint, p->share_treasury);
	if (op + tr > mint)
		tr = mint - op;
	L.minted += mint;
	L.to_operators += op;
	L.to_treasury += tr;
	L.to_others += mint - op - tr;
	L.supply += mint;

	/* 2. Slashing, out of the staked collateral. */
	int64_t coll = to_units(p->collateral_per_node, unit);
	int64_t before_slash = L.slashed;
	const struct { int64_t n; double frac; const struct tok_slash_split *s; } ev[2] = {
		{ in->timeouts, p->timeout_fraction, &p->timeout_split },
		{ in->malicious, p->malicious_fraction, &p->malicious_split },
	};
	for (int i = 0; i < 2; i++) {
		if (ev[i].n <= 0)
			continue;
		int64_t per = take(coll, ev[i].frac);
		int64_t amt = per > 0 && ev[i].n > L.staked / per ? L.staked : per * ev[i].n;
		split_slash(amt, ev[i].s, &L);
		L.staked -= amt;
	}
	/* The burned part leaves the supply; the rest moves to other holders. */
	L.supply = L.genesis + L.minted - L.burned;
	int64_t slashed_today = L.slashed - before_slash;

	/* 3. Staking: collateral target; a rise is bought on the market, a fall sold. */
	int64_t target = to_units(in->active_nodes * p->collateral_per_node, unit);
	if (target > L.supply)
		target = L.supply;
	int64_t stake_buy = target > L.staked ? target - L.staked : 0;
	int64_t stake_sell = target < L.staked ? L.staked - target : 0;
	L.staked = target;

	/* 4. Burns from fees: token-paid fees burned, and buy-and-burn. */
	double fee_tokens = in->fees_usd > 0 ? in->fees_usd * p->fees_in_token_share / P : 0;
	int64_t free_units = L.supply - L.staked;
	int64_t fburn = to_units(fee_tokens * p->fee_burn_share, unit);
	if (fburn > free_units)
		fburn = free_units;
	free_units -= fburn;
	int64_t bburn = to_units(in->fees_usd > 0 ? in->fees_usd * p->buyback_share / P : 0, unit);
	if (bburn > free_units)
		bburn = free_units;
	L.fee_burned += fburn;
	L.buyback_burned += bburn;
	L.burned += fburn + bburn;
	L.supply -= fburn + bburn;
	check_ledger(&L);

	/* 5. Price for tomorrow. */
	double next;
	if (p->price == TOK_PRICE_MARKET) {
		double supply_tok = (double)L.supply / unit;
		double liq = p->turnover_per_day * supply_tok * P;                 /* USD */
		double buy = in->fees_usd * (p->fees_in_token_share + p->buyback_share)
		           + (double)stake_buy / unit * P;                          /* USD */
		double fee_income = fee_tokens - (double)fburn / unit;              /* tokens */
		double sell = p->sell_share * ((double)op / unit + (fee_income > 0 ? fee_income : 0))
		            + (double)stake_sell / unit;                            /* tokens */
		/* the year's fees, annualised while the run is younger */
		int slot = day % 365;
		t->fees_sum += in->fees_usd - (day >= 365 ? t->fees[slot] : 0);
		t->fees[slot] = in->fees_usd;
		double fy = t->fees_sum * TOK_DAYS_PER_YEAR / (day >= 365 ? 365 : day + 1);
		double lnext = log(P);
		if (liq > 0) {
			double star = P * (liq + buy) / (liq + sell * P);
			lnext += p->adjustment * (log(star) - log(P));
		}
		if (p->anchor_multiple > 0 && fy > 0 && supply_tok > 0)
			lnext += p->anchor_reversion * (log(p->anchor_multiple * fy / supply_tok) - log(P));
		next = exp(lnext);
		if (next < p->price_min_usd)
			next = p->price_min_usd;
		if (next > p->price_max_usd)
			next = p->price_max_usd;
	} else {
		next = price_exo(p, day + 1);
	}

	/* Commit. */
	int64_t minted_today = mint;
	int64_t burned_today = L.burned - t->L.burned;
	t->L = L;
	t->cum = cum;
	t->cum_minted = cum_minted;
	t->rem = rem;
	t->burned_seen = burned_start;
	t->price = next;
	t->next_day = day + 1;

	double u = (double)unit;
	out->price_usd = P;
	out->next_price_usd = next;
	out->minted = minted_today / u;
	out->to_operators = op / u;
	out->to_operators_usd = op / u * P;
	out->to_treasury = tr / u;
	out->to_others = (mint - op - tr) / u;
	out->burned = burned_today / u;
	out->slashed = slashed_today / u;
	out->slashed_usd = slashed_today / u * P;
	out->supply = L.supply / u;
	out->staked = L.staked / u;
	out->inflation_annual = L.supply > 0
		? (double)(minted_today - burned_today) / (double)L.supply * TOK_DAYS_PER_YEAR : 0;
	return SIM_OK;
}

/* ------------------------------------------------------------------ scenario */

static enum tok_emission emission_from(const char *s)
{
	static const char *n[] = { "none", "inflation", "decay", "halving_time",
	                           "halving_issuance", "table" };
	for (int i = 0; i < 6; i++)
		if (strcmp(s, n[i]) == 0)
			return (enum tok_emission)i;
	return (enum tok_emission)-1;
}

static enum tok_price price_from(const char *s)
{
	static const char *n[] = { "constant", "exponential", "table", "market" };
	for (int i = 0; i < 4; i++)
		if (strcmp(s, n[i]) == 0)
			return (enum tok_price)i;
	return (enum tok_price)-1;
}

/* Reads rows from an inline array (keys kday, kval) or, when csv_path is not
 * empty, from a CSV under data/ with the same column names. */
static void read_rows(const scn *s, const char *arr, const char *csvkey, const char *kday,
                      const char *kval, struct tok_row *rows, int *n, sim_diag *d,
                      int *nerr)
{
	const char *file = scn_str(s, csvkey);
	*n = 0;
	if (file && *file) {
		char path[1024];
		model_data_path(path, sizeof path, file);
		csv *t = csv_read(path, d);
		if (!t) {
			diag_add(d, "%s: $.%s: cannot read table '%s'", scn_path(s), csvkey, file);
			(*nerr)++;
			return;
		}
		int cd = csv_require(t, kday, d), cv = csv_require(t, kval, d);
		if (cd < 0 || cv < 0) {
			(*nerr)++;
		} else if (csv_nrows(t) > TOK_TABLE_MAX) {
			diag_add(d, "%s: $.%s: '%s' has %d rows, at most %d", scn_path(s), csvkey,
			         file, csv_nrows(t), TOK_TABLE_MAX);
			(*nerr)++;
		} else {
			for (int i = 0; i < csv_nrows(t); i++) {
				if (csv_num(t, i, cd, &rows[i].day, d) != SIM_OK ||
				    csv_num(t, i, cv, &rows[i].value, d) != SIM_OK)
					(*nerr)++;
			}
			*n = csv_nrows(t);
		}
		csv_free(t);
		return;
	}
	int len = scn_len(s, arr);
	if (len > TOK_TABLE_MAX) {
		diag_add(d, "%s: $.%s: %d rows, at most %d", scn_path(s), arr, len, TOK_TABLE_MAX);
		(*nerr)++;
		return;
	}
	char key[256];
	for (int i = 0; i < len; i++) {
		snprintf(key, sizeof key, "%s[%d].%s", arr, i, kday);
		rows[i].day = scn_num(s, key);
		snprintf(key, sizeof key, "%s[%d].%s", arr, i, kval);
		rows[i].value = scn_num(s, key);
	}
	*n = len;
}

sim_status tok_parse(struct tok_params *p, const scn *s, sim_diag *d)
{
	int nerr = 0;
	tok_params_default(p);
	p->decimals = (int)scn_int(s, "token.decimals");
	p->genesis_tokens = scn_num(s, "token.genesis_supply");
	const char *des = scn_str(s, "token.emission.design");
	p->emission = emission_from(des);
	if ((int)p->emission < 0) {
		diag_add(d, "%s: $.token.emission.design: unknown design '%s'", scn_path(s), des);
		return SIM_EINVAL;
	}
	p->max_emission_tokens = scn_num(s, "token.emission.max_emission");
	p->inflation_per_year = scn_num(s, "token.emission.inflation_per_year");
	p->initial_per_day = scn_num(s, "token.emission.initial_per_day");
	p->decay_per_year = scn_num(s, "token.emission.decay_per_year");
	p->halving_period_days = scn_num(s, "token.emission.halving_period_days");
	if (p->emission == TOK_EMIT_TABLE)
		read_rows(s, "token.emission.table", "token.emission.table_csv", "from_day",
		          "tokens_per_day", p->table, &p->n_table, d, &nerr);
	p->share_operators = scn_num(s, "token.split.operators");
	p->share_treasury = scn_num(s, "token.split.treasury");
	p->collateral_per_node = scn_num(s, "token.staking.collateral_per_node");
	p->timeout_fraction = scn_num(s, "token.slashing.timeout_fraction");
	p->malicious_fraction = scn_num(s, "token.slashing.malicious_fraction");
	struct { struct tok_slash_split *x; const char *k; } sp[2] = {
		{ &p->timeout_split, "token.slashing.timeout_split" },
		{ &p->malicious_split, "token.slashing.malicious_split" },
	};
	char key[256];
	for (int i = 0; i < 2; i++) {
		snprintf(key, sizeof key, "%s.user", sp[i].k);     sp[i].x->user = scn_num(s, key);
		snprintf(key, sizeof key, "%s.treasury", sp[i].k); sp[i].x->treasury = scn_num(s, key);
		snprintf(key, sizeof key, "%s.honest", sp[i].k);   sp[i].x->honest = scn_num(s, key);
		snprintf(key, sizeof key, "%s.oracle", sp[i].k);   sp[i].x->oracle = scn_num(s, key);
	}
	p->fees_in_token_share = scn_num(s, "token.burn.fees_in_token_share");
	p->fee_burn_share = scn_num(s, "token.burn.fee_burn_share");
	p->buyback_share = scn_num(s, "token.burn.buyback_share");
	const char *pm = scn_str(s, "token.price.model");
	p->price = price_from(pm);
	if ((int)p->price < 0) {
		diag_add(d, "%s: $.token.price.model: unknown model '%s'", scn_path(s), pm);
		return SIM_EINVAL;
	}
	p->price0_usd = scn_num(s, "token.price.initial_usd");
	p->price_growth_per_year = scn_num(s, "token.price.growth_per_year");
	if (p->price == TOK_PRICE_TABLE)
		read_rows(s, "token.price.table", "token.price.table_csv", "day", "usd",
		          p->price_table, &p->n_price_table, d, &nerr);
	p->sell_share = scn_num(s, "token.price.sell_share");
	p->turnover_per_day = scn_num(s, "token.price.turnover_per_day");
	p->adjustment = scn_num(s, "token.price.adjustment");
	p->anchor_multiple = scn_num(s, "token.price.anchor_multiple");
	p->anchor_reversion = scn_num(s, "token.price.anchor_reversion");
	p->price_min_usd = scn_num(s, "token.price.min_usd");
	p->price_max_usd = scn_num(s, "token.price.max_usd");
	if (nerr)
		return SIM_EINVAL;
	return tok_check(p, scn_path(s), d);
}
