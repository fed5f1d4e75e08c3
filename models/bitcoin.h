/* bitcoin.h — the node-growth model (nodes.h) applied to Bitcoin mining, as a
 * back-test: does the entry/exit rule reproduce Bitcoin's hash rate?
 *
 * Miners are the operators, ASIC generations the hardware classes (one unit
 * = one machine of the generation), and revenue per TH/s per day is
 *     hashprice(t) = 144 (subsidy(t) + fees(t)) price(t) / H(t)      USD/(TH/s)/day
 * with H the simulated hash rate.  Inputs come from the tables in data/btc/ (each file
 * names its sources): monthly BTC price means, the halving schedule, fees per
 * block by epoch, ASIC generations (J/TH, $/TH, release), electricity price
 * knots and hardware life.  The run starts on $.bitcoin.start (2010-07-18,
 * the first price) with the observed hash rate as an initial GPU fleet.
 *
 * This module is the model: the data, one simulation (btc_simulate) and the
 * model type, whose run records monthly rows and the errors against the
 * observations.  The errors and the least-squares fit of the node parameters
 * are btc_fit.h's; the fit runs at load time when $.bitcoin.fit is true.
 * `dais backtest` (cli/backtest.c) fits, prints the errors and writes the
 * fitted scenario and the figure table.  Equations and results:
 * docs/models.md, "Bitcoin back-test".
 *
 *     struct btc_params p;
 *     if (btc_params_load(&p, s, &d)) ...               // btc_type.h; d has every message
 *     struct btc_trace t = { 0 };
 *     struct node_params np = p.nodes;
 *     np.deterministic = 1;
 *     if (btc_simulate(&p, &np, NULL, &t)) ...
 *     ... t.ths[i] is the hash rate on day p.start + i ...
 *     btc_trace_release(&t);
 *     btc_params_release(&p);
 */
#ifndef DAIS_BITCOIN_H
#define DAIS_BITCOIN_H

#include <stdint.h>

#include "sim/model.h"
#include "nodes.h"
#include "sim/status.h"

/* ---- the subsidy schedule, in satoshi (consensus arithmetic) ------------- */

#define BTC_COIN 100000000LL          /* satoshi per BTC */
#define BTC_HALVING_INTERVAL 210000   /* blocks, chainparams nSubsidyHalvingInterval */

/* Block subsidy at a height, as Bitcoin Core's GetBlockSubsidy computes it:
 * 50 BTC shifted right once per 210000 blocks, zero after 64 halvings. */
int64_t btc_subsidy_sat(int64_t height);

/* Sum of all subsidies ever issued, in satoshi (2,099,999,997,690,000). */
int64_t btc_total_supply_sat(void);

/* ---- data ---------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int32_t btc_days(int y, int m, int d);
/* The civil date of a day since 1970-01-01. */
void btc_civil(int32_t day, int *y, int *m, int *d);
/* The calendar year with its fraction, e.g. 2020.5 in early July (figures). */
double btc_year_frac(int32_t day);
/* Parses "YYYY-MM-DD" (or "YYYY-MM", giving day `dflt_day`); -1 on error. */
int btc_parse_date(const char *s, int dflt_day, int32_t *out);

#define BTC_MAX_GEN NODE_MAX_CLASSES

struct btc_gen {
	char name[32];
	int32_t avail;             /* day (since 1970) it becomes the frontier purchase */
	double j_per_th;           /* W per TH/s */
	double usd_per_th[3];      /* low, central, high */
	double machine_ths;        /* TH/s per machine */
	double life_days;          /* economic life (hardware_life.csv at avail) */
	double residual;           /* resale fraction at end of life */
};

/* A table of (day, value) knots. */
struct btc_series {
	int n;
	int32_t *day;              /* (n,) days since 1970, increasing */
	double *v;                 /* (n,) */
	int32_t *day2;             /* (n,) end of the row's period, where it has one */
	char (*tag)[24];           /* (n,) a short label (metric, quality), may be NULL */
};

struct btc_data {
	struct btc_series price;   /* mid-month, USD (monthly mean) */
	struct btc_series subsidy; /* halving day, BTC per block after it */
	struct btc_series fees;    /* epoch start, BTC per block; day2 = epoch end */
	struct btc_series elec;    /* knot day, USD/kWh */
	struct btc_series life;    /* from day, years; tag unused */
	struct btc_series resid;   /* from day, fraction */
	struct btc_series hr_month;/* month start, EH/s (monthly mean); day2 = month end */
	struct btc_series hr_point;/* day, EH/s; tag = metric */
	int n_gen;
	struct btc_gen gen[BTC_MAX_GEN];
};

/* Paths of the data files (relative paths go through model_data_path). */
struct btc_files {
	const char *price, *halvings, *fees, *generations, *electricity, *life,
	           *hashrate_monthly, *hashrate_points;
};

/* Loads every file; each problem goes to d as "file:line: ..." and the
 * return is SIM_EINVAL (or SIM_EIO for a missing file) after reading all. */
sim_status btc_data_load(struct btc_data *bd, const struct btc_files *f,
                         sim_diag *d) SIM_MUST_CHECK;
void btc_data_release(struct btc_data *bd);

/* Inputs on a given day (days since 1970). */
double btc_price(const struct btc_data *bd, int32_t day);       /* USD, log-linear */
double btc_subsidy(const struct btc_data *bd, int32_t day);     /* BTC per block */
double btc_fees(const struct btc_data *bd, int32_t day);        /* BTC per block */
double btc_elec(const struct btc_data *bd, int32_t day);        /* USD/kWh, linear */
/* Miners' revenue, 144 (subsidy + fees) price: USD/day. */
double btc_revenue(const struct btc_data *bd, int32_t day);

/* ---- parameters and results ------------------------------------------------ */

/* The parameters btc_fit may adjust, as bits of fit_mask; btc_fit_name(k)
 * names bit k. */
enum { BTC_FIT_ENTRY = 1, BTC_FIT_HURDLE = 2, BTC_FIT_DECLINE = 4, BTC_FIT_PATIENCE = 8,
       BTC_FIT_SIGMA = 16, BTC_FIT_LAG = 32 };

struct btc_params {
	struct node_params nodes;  /* $.nodes (fitted values replace them after a fit) */
	struct btc_data data;
	int32_t start, end;        /* days since 1970, inclusive */
	int32_t fit_from, fit_to;  /* fit window: months whose start lies in it */
	int32_t hold_from;         /* held-out period starts here (to end) */
	int fit;                   /* fit at parse time */
	int fit_mask;              /* BTC_FIT_* */
	int capex_level;           /* 0 low, 1 central, 2 high */
	double lag_days;           /* ASIC provisioning lag */
	double gpu_lag_days;       /* GPU lag (off the shelf) */
	double seed_ths_per_day;   /* first-adopter orders, TH/s per day per unit ln(PI) */
	double initial_ehs;        /* observed hash rate at start (0 = from data) */
	/* filled by a fit (btc_fit.h) */
	int fitted;
	double fit_rmse_in, fit_rmse_out, fit_mape_out;
	int fit_iters, fit_status;
};


/* The node classes of p's hardware generations (nodes.h), days since p->start:
 * c (p->data.n_gen,). */
void btc_node_classes(const struct btc_params *p, struct node_class *c);

/* What one simulation produced, day by day (days start..end). */
struct btc_trace {
	int n_days, n_gen;
	double *ths;               /* (n_days,) hash rate, TH/s */
	double *revenue;           /* (n_days,) miners' revenue, USD/day */
	double *units;             /* (n_days, n_gen) machines by generation */
	double *watts;             /* (n_days,) power at the wall, W */
	double *ordered;           /* (n_days,) machines ordered */
	double *exited;            /* (n_days,) machines switched off for loss */
};

/* Frees a trace's arrays and zeroes it (a zeroed trace holds nothing). */
void btc_trace_release(struct btc_trace *t);

/* Runs one simulation with node parameters np (expected values when
 * np->deterministic, and r may be NULL; else draws from r) into t, which is
 * allocated (or reused when its size fits) and owned by the caller. */
sim_status btc_simulate(const struct btc_params *p, const struct node_params *np,
                        gsl_rng *r, struct btc_trace *t) SIM_MUST_CHECK;

#endif
