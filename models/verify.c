/* verify.c — sampling consensus: equilibrium replication rate, detection,
 * overheads and the daily draw of detections and timeouts (see verify.h). */
#include "verify.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_roots.h>

#include "sim/rng.h"

struct ver {
	struct ver_params p;
	double p_used;     /* replication rate in force */
	double p_min;      /* of the game; NAN if none */
	int next_day;
	int64_t detected, timeouts;
	double pool;       /* cheating nodes not yet caught (expected) */
	double nodes_prev; /* yesterday's nodes */
};

const char *ver_design_name(enum ver_design d)
{
	switch (d) {
	case VER_NONE:  return "none";
	case VER_FULL:  return "full";
	case VER_CROSS: return "cross";
	}
	return "?";
}

/* ------------------------------------------------------------------ formulas */

double ver_tamper_prob_full(double r, int n)
{
	return pow(r, n);
}

double ver_honesty_margin(const struct ver_game *g, double p)
{
	double rN = pow(g->r, g->N), sN = pow(1.0 - g->r, g->N);
	return g->R + p * g->S - (1.0 - p) * g->W1 - g->C + (1.0 - rN - sN) * p * g->C
	       - p * rN * (g->W2 + g->S - g->R);
}

double ver_p_min_corollary(const struct ver_game *g)
{
	return g->C / ((1.0 - g->r) * (g->R + g->S));
}

static double margin_fn(double p, void *params)
{
	return ver_honesty_margin(params, p);
}

double ver_p_min_root(const struct ver_game *g)
{
	double f0 = ver_honesty_margin(g, 0.0), f1 = ver_honesty_margin(g, 1.0);
	if (f0 >= 0)
		return 0.0;
	if (f1 < 0)
		return NAN;
	gsl_function F = { margin_fn, (void *)g };
	gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	if (!s)
		return NAN;
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	double lo = 0.0, hi = 1.0, root = NAN;
	if (gsl_root_fsolver_set(s, &F, lo, hi) == GSL_SUCCESS) {
		for (int it = 0; it < 200; it++) {
			if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
				break;
			root = gsl_root_fsolver_root(s);
			lo = gsl_root_fsolver_x_lower(s);
			hi = gsl_root_fsolver_x_upper(s);
			if (gsl_root_test_interval(lo, hi, 0.0, 1e-14) == GSL_SUCCESS)
				break;
		}
		/* The smallest p that satisfies f(p) >= 0: the upper bracket end. */
		root = hi;
	}
	gsl_set_error_handler(old);
	gsl_root_fsolver_free(s);
	return root;
}

double ver_p_min(const struct ver_game *g)
{
	if (g->N == 1 && g->W1 == g->R && g->W2 == 2.0 * g->R) {
		double p = ver_p_min_corollary(g);
		if (!(p <= 1.0))
			return NAN;
		return p < 0 ? 0.0 : p;
	}
	return ver_p_min_root(g);
}

double ver_draw_requests(const struct ver_params *p)
{
	return p->sampling == VER_PER_STACK && p->unit_requests > 1 ? p->unit_requests : 1.0;
}

struct ver_game ver_unit_game(const struct ver_game *g, double k)
{
	struct ver_game u = *g;
	u.R *= k;
	u.C *= k;
	u.W1 *= k;
	u.W2 *= k;
	return u;
}

double ver_collateral_min(const struct ver_game *g, double p)
{
	struct ver_game z = *g;
	z.S = 0;
	double f0 = ver_honesty_margin(&z, p), slope = p * (1.0 - pow(g->r, g->N));
	if (f0 >= 0)
		return 0.0;
	return slope > 0 ? -f0 / slope : INFINITY;
}

double ver_detect_prob(const struct ver_params *p, double p_rep, double r)
{
	switch (p->design) {
	case VER_FULL:
		return 1.0 - pow(r, p->n_full - 1);
	case VER_CROSS:
		return p_rep * (1.0 - pow(r, p->game.N));
	default:
		return 0.0;
	}
}

double ver_overhead(const struct ver_params *p, double p_rep)
{
	switch (p->design) {
	case VER_FULL:  return p->n_full;
	case VER_CROSS: return 1.0 + p_rep * p->game.N;
	default:        return 1.0;
	}
}

double ver_expected_slash(const struct ver_game *g, double p_rep)
{
	return p_rep * (1.0 - pow(g->r, g->N)) * g->S;
}

double ver_commit_tx(const struct ver_params *p, double p_rep)
{
	switch (p->design) {
	case VER_FULL:  return p->n_full;
	case VER_CROSS: return 1.0 + p_rep * p->game.N;
	default:        return 1.0;
	}
}

double ver_p_effective(const struct ver_params *p)
{
	if (p->design != VER_CROSS)
		return 0.0;
	if (!p->auto_p)
		return p->p_replicate;
	struct ver_game g = ver_unit_game(&p->game, ver_draw_requests(p));
	double pm = ver_p_min(&g);
	if (isnan(pm))
		return 1.0;
	pm *= p->p_margin;
	return pm > 1.0 ? 1.0 : pm;
}

void ver_tabulate(const struct ver_params *p, int n_pts, double *det_full,
                  double *ovh_full, double *det_cross, double *ovh_cross)
{
	struct ver_params f = *p, c = *p;
	f.design = VER_FULL;
	c.design = VER_CROSS;
	for (int i = 0; i < n_pts; i++) {
		f.n_full = i + 1;
		det_full[i] = ver_detect_prob(&f, 0, p->game.r);
		ovh_full[i] = ver_overhead(&f, 0);
		double rep = pow(10.0, -4.0 + 4.0 * i / (n_pts - 1));
		det_cross[i] = ver_detect_prob(&c, rep, p->game.r);
		ovh_cross[i] = ver_overhead(&c, rep);
	}
}

/* ------------------------------------------------------------------ params */

void ver_params_default(struct ver_params *p)
{
	memset(p, 0, sizeof *p);
	p->design = VER_CROSS;            /* Atoma contracts 2025: SamplingConsensus */
	p->n_full = 10;                   /* whitepaper §2.6 example, 0.5^10 */
	p->p_replicate = 0.01;            /* InitialCrossValidationProbabilityPermille = 10 */
	p->auto_p = 0;
	p->p_margin = 1.25;               /* estimate */
	p->game = (struct ver_game){ .r = 0.5, .R = 1.2, .S = 250, .C = 1,
	                             .W1 = 1.2, .W2 = 2.4, .N = 1 };  /* Prop. 2.4 */
	p->cheat_share = 0.001;           /* estimate */
	p->timeout_per_node_day = 0.01;   /* estimate */
	p->sampling = VER_PER_STACK;      /* contracts 2025: one attestation draw per stack */
	p->unit_requests = 1;             /* the network sets the requests in a stack */
}

#define CHECK(cond, path, fmt, ...) do { if (!(cond)) { \
	diag_add(d, "%s: $.verification.%s: " fmt, src, path, __VA_ARGS__); nerr++; } } while (0)

sim_status ver_check(const struct ver_params *p, const char *src, sim_diag *d)
{
	int nerr = 0;
	if (!src)
		src = "<params>";
	CHECK(p->design == VER_NONE || p->design == VER_FULL || p->design == VER_CROSS,
	      "design", "unknown design %d", (int)p->design);
	CHECK(p->n_full >= 1 && p->n_full <= 256, "full.nodes",
	      "must be in [1, 256] (MaxNodesToSample), got %d", p->n_full);
	CHECK(p->p_replicate >= 0 && p->p_replicate <= 1, "cross.p",
	      "must be in [0, 1], got %g", p->p_replicate);
	CHECK(p->p_margin >= 1 && isfinite(p->p_margin), "cross.p_margin",
	      "must be >= 1, got %g", p->p_margin);
	const struct ver_game *g = &p->game;
	CHECK(g->r >= 0 && g->r < 1, "game.attacker_share", "must be in [0, 1), got %g", g->r);
	CHECK(g->C > 0 && isfinite(g->C), "game.cost", "must be > 0, got %g", g->C);
	CHECK(g->R >= 0 && isfinite(g->R), "game.reward", "must be >= 0, got %g", g->R);
	CHECK(g->S >= 0 && isfinite(g->S), "game.collateral", "must be >= 0, got %g", g->S);
	CHECK(isfinite(g->W1) && g->W1 >= 0, "game.w1", "must be >= 0, got %g", g->W1);
	CHECK(isfinite(g->W2) && g->W2 >= 0, "game.w2", "must be >= 0, got %g", g->W2);
	CHECK(g->N >= 1 && g->N <= 256, "game.extra_nodes", "must be in [1, 256], got %d", g->N);
	CHECK(p->cheat_share >= 0 && p->cheat_share <= 1, "cheat_share",
	      "must be in [0, 1], got %g", p->cheat_share);
	CHECK(p->sampling == VER_PER_STACK || p->sampling == VER_PER_REQUEST, "sampling",
	      "unknown sampling %d", (int)p->sampling);
	CHECK(p->unit_requests >= 1 && isfinite(p->unit_requests), "sampling",
	      "requests per sampled unit must be >= 1, got %g", p->unit_requests);
	CHECK(p->timeout_per_node_day >= 0 && p->timeout_per_node_day <= 1e3,
	      "timeout_per_node_day", "must be in [0, 1000], got %g", p->timeout_per_node_day);
	return nerr ? SIM_EINVAL : SIM_OK;
}

#undef CHECK

sim_status ver_parse(struct ver_params *p, const scn *s, sim_diag *d)
{
	ver_params_default(p);
	const char *des = scn_str(s, "verification.design");
	if (strcmp(des, "none") == 0)
		p->design = VER_NONE;
	else if (strcmp(des, "full") == 0)
		p->design = VER_FULL;
	else if (strcmp(des, "cross") == 0)
		p->design = VER_CROSS;
	else {
		diag_add(d, "%s: $.verification.design: unknown design '%s'", scn_path(s), des);
		return SIM_EINVAL;
	}
	p->n_full = (int)scn_int(s, "verification.full.nodes");
	p->p_replicate = scn_num(s, "verification.cross.p");
	p->auto_p = scn_bool(s, "verification.cross.auto_p");
	p->p_margin = scn_num(s, "verification.cross.p_margin");
	p->game.r = scn_num(s, "verification.game.attacker_share");
	p->game.R = scn_num(s, "verification.game.reward");
	p->game.S = scn_num(s, "verification.game.collateral");
	p->game.C = scn_num(s, "verification.game.cost");
	p->game.W1 = scn_num(s, "verification.game.w1");
	p->game.W2 = scn_num(s, "verification.game.w2");
	p->game.N = (int)scn_int(s, "verification.game.extra_nodes");
	p->cheat_share = scn_num(s, "verification.cheat_share");
	p->timeout_per_node_day = scn_num(s, "verification.timeout_per_node_day");
	const char *sa = scn_str(s, "verification.sampling");
	if (strcmp(sa, "stack") == 0)
		p->sampling = VER_PER_STACK;
	else if (strcmp(sa, "request") == 0)
		p->sampling = VER_PER_REQUEST;
	else {
		diag_add(d, "%s: $.verification.sampling: unknown sampling '%s'", scn_path(s), sa);
		return SIM_EINVAL;
	}
	return ver_check(p, scn_path(s), d);
}

/* ------------------------------------------------------------------ state */

ver *ver_alloc(const struct ver_params *p, sim_diag *d)
{
	if (ver_check(p, "<params>", d) != SIM_OK)
		return NULL;
	ver *v = calloc(1, sizeof *v);
	if (!v)
		return NULL;
	v->p = *p;
	v->p_used = ver_p_effective(p);
	struct ver_game g = ver_unit_game(&p->game, ver_draw_requests(p));
	v->p_min = ver_p_min(&g);
	return v;
}

void ver_free(ver *v)
{
	free(v);
}

int64_t ver_total_detected(const ver *v) { return v->detected; }
int64_t ver_total_timeouts(const ver *v) { return v->timeouts; }

/* A binomial draw that accepts counts beyond unsigned int (normal
 * approximation there, where it is accurate to far below one count's width
 * relative to the mean). */
static uint64_t draw_binom(gsl_rng *rng, double n, double q)
{
	if (n <= 0 || q <= 0)
		return 0;
	if (q >= 1)
		return (uint64_t)n;
	if (n < 4e9)
		return gsl_ran_binomial(rng, q, (unsigned int)n);
	double m = n * q, sd = sqrt(n * q * (1 - q));
	double x = floor(m + gsl_ran_gaussian(rng, sd) + 0.5);
	return x < 0 ? 0 : x > n ? (uint64_t)n : (uint64_t)x;
}

uint64_t ver_draw_detections(const ver *v, gsl_rng *rng, uint64_t n)
{
	double q = ver_detect_prob(&v->p, v->p_used, v->p.cheat_share);
	return draw_binom(rng, (double)n, q);
}

void ver_step(ver *v, int day, const struct ver_day_in *in, gsl_rng *rng,
              struct ver_day_out *out)
{
	SIM_ASSERT(day == v->next_day);
	SIM_ASSERT(in->requests >= 0 && in->units >= 0 && in->nodes >= 0);
	const struct ver_params *p = &v->p;
	const double r = p->cheat_share;
	memset(out, 0, sizeof *out);
	out->p_used = v->p_used;
	out->overhead = ver_overhead(p, v->p_used);
	out->commit_tx_per_unit = ver_commit_tx(p, v->p_used);
	out->attest_tx = out->commit_tx_per_unit * in->units;
	double q = ver_detect_prob(p, v->p_used, r);
	out->detect_per_request = q;
	switch (p->design) {
	case VER_FULL:
		out->tamper_settle_prob = ver_tamper_prob_full(r, p->n_full);
		break;
	case VER_CROSS:
		out->tamper_settle_prob = r * (1.0 - q);
		break;
	default:
		out->tamper_settle_prob = r;
	}
	out->tampered_settled = in->requests * out->tamper_settle_prob;

	/* The cheaters: cheat_share of the nodes at the start and of every node
	 * that joins since; leavers take their share with them, and a caught
	 * cheater, slashed, stops (it does not cheat and re-stake forever). */
	if (day == 0)
		v->pool = r * in->nodes;
	else if (in->nodes >= v->nodes_prev)
		v->pool += r * (in->nodes - v->nodes_prev);
	else
		v->pool *= in->nodes / v->nodes_prev;
	v->nodes_prev = in->nodes;
	double cheat = v->pool;
	out->cheaters = cheat;
	double nc = floor(cheat);
	if (rng && gsl_rng_uniform(rng) < cheat - nc)
		nc += 1;
	/* sampled units per node: a cheater tampers with whole stacks and is
	 * caught per stack when the draw is per stack */
	double drawn = p->sampling == VER_PER_STACK ? in->units : in->requests;
	double k = in->nodes > 0 ? drawn / in->nodes : 0;
	double caught = q > 0 && k > 0 ? -expm1(k * log1p(-q)) : 0;
	out->expected_detected = cheat * caught;
	out->detected_nodes = rng ? (int64_t)draw_binom(rng, nc, caught) : 0;
	double gone = rng ? (double)out->detected_nodes : out->expected_detected;
	v->pool = v->pool > gone ? v->pool - gone : 0;
	out->timeouts = rng ? (int64_t)rng_poisson(rng, p->timeout_per_node_day * in->nodes) : 0;
	out->honest_equilibrium = p->design != VER_CROSS ||
	                          (!isnan(v->p_min) && v->p_used >= v->p_min);
	v->detected += out->detected_nodes;
	v->timeouts += out->timeouts;
	v->next_day = day + 1;
}
