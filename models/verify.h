/* verify.h — Atoma's sampling consensus: what verification costs (compute,
 * on-chain attestations) and what it catches (detections, slashes).
 *
 * Two designs (reference domain.md §3.2, Atoma whitepaper §2.6-2.7, App. A):
 *   FULL   full sampling consensus: n nodes run every request (or stack) and
 *          commit; a tampered output settles only if all n are the attacker's:
 *          P(tamper settles) = r^n; compute overhead n.
 *   CROSS  cross-validation (Proof of Sampling): one node runs it; with
 *          probability p (replication rate) N extra nodes re-run and attest;
 *          compute overhead 1 + p N.
 *
 *     struct ver_params vp; ver_params_default(&vp);
 *     double p_min = ver_p_min(&vp.game);                  // smallest honest p
 *     ver *v = ver_alloc(&vp, &diag);
 *     gsl_rng *r = rng_stream(seed, rep, RNG_MODEL_VERIFY, 0);
 *     for each day:
 *         struct ver_day_in in = { .requests = q, .units = stacks, .nodes = n };
 *         struct ver_day_out o;  ver_step(v, day, &in, r, &o);
 *         capacity_needed = served_compute * o.overhead;   // feeds the network
 *         tx_per_unit     = o.commit_tx_per_unit;          // feeds chain.h
 *         tok_in.malicious = o.detected_nodes; tok_in.timeouts = o.timeouts;
 *
 * About the honesty game (cross-validation; payoffs in units of C, the native
 * cost of one request): R reward, S collateral (slashed when caught), W1 the
 * cheater's payoff when not replicated, W2 when replicated and every verifier
 * also cheats, r the attacker's share of nodes, N extra nodes.  Honesty is a
 * Nash equilibrium when (Theorem A.3)
 *     f(p) = R + pS - (1-p)W1 - C + (1 - r^N - (1-r)^N) p C - p r^N (W2 + S - R) > 0.
 * For N = 1, W1 = R, W2 = 2R this is Corollary 1: p > C / ((1-r)(R+S)); with
 * r = 0.5, R = 1.2C, S = 250C, p_min = 0.00796 (Prop. 2.4).  ver_p_min uses the
 * closed form for N = 1 and GSL's Brent solver on f over [0, 1] otherwise.
 *
 * About the sampled unit: the 2025 contracts draw the attestation once per
 * stack (try_settle_stack commits one proof for the whole stack, and with
 * probability p one attestation node checks it), the 2024 contracts and the
 * whitepaper once per request.  With VER_PER_STACK a draw covers k requests
 * (unit_requests, set by the network from the settlement design: the
 * requests in a stack, or 1 when settlement is per request), so the reward,
 * the cost and the cheater's payoffs of one draw are k times a request's
 * while the collateral S is not: ver_unit_game scales the game, and p_min,
 * auto_p and the honesty flag use the scaled game.  With Prop. 2.4's payoffs
 * and k = 3,500 no p <= 1 makes honesty pay; ver_collateral_min gives the
 * collateral that would (S >= kC / (p (1-r)) - kR for N = 1).
 *
 * About cheaters and detection: a share cheat_share of the nodes at the start,
 * and of every node that joins later, tamper with every request they serve
 * (exogenous; rational nodes would not cheat when p >= p_min, see
 * ver_day_out.honest_equilibrium); nodes that leave take their share of the
 * cheaters with them, and a caught cheater stops: the pool of cheaters
 *     C(t+1) = C(t) + cheat_share max(0, dN) - caught(t)   (scaled by N'/N when N falls)
 * so a fixed population is cleaned out, not re-supplied every day.  The cheaters collude, so
 * in the daily simulation r = cheat_share (game.r is only the attacker share
 * assumed by the equilibrium analysis), and one tampered request is detected
 * with
 *     FULL:  1 - r^(n-1)        (some co-sampled node is honest)
 *     CROSS: p (1 - r^N)        (replicated and some verifier is honest)
 * A cheating node serving k sampled units a day (requests, or stacks) is
 * caught that day with 1 - (1 - q)^k, q the per-unit detection; caught nodes lose their
 * collateral (token.h) and stop cheating.  Timeouts are Poisson with
 * timeout_per_node_day * nodes.
 */
#ifndef DAIS_VERIFY_H
#define DAIS_VERIFY_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "sim/scn.h"
#include "sim/status.h"

enum ver_design { VER_NONE = 0, VER_FULL, VER_CROSS };
enum ver_sampling { VER_PER_STACK = 0, VER_PER_REQUEST };

/* The cross-validation game, payoffs in units of the native cost C. */
struct ver_game {
	double r;     /* attacker's share of nodes, [0, 1) */
	double R;     /* reward per request */
	double S;     /* collateral slashed when caught */
	double C;     /* native cost of one request (usually 1) */
	double W1;    /* cheater's payoff when not replicated (default R) */
	double W2;    /* cheater's payoff when replicated by cheaters (default 2R) */
	int N;        /* extra nodes when replicating, >= 1 */
};

struct ver_params {
	enum ver_design design;     /* verification.design */
	int n_full;                 /* FULL: nodes per request, >= 1 */
	double p_replicate;         /* CROSS: replication rate p, [0, 1] */
	int auto_p;                 /* CROSS: 1 = use p = p_margin * ver_p_min(game) */
	double p_margin;            /* CROSS: safety factor on p_min, >= 1 */
	struct ver_game game;       /* verification.game.*; game.N is N for CROSS */
	double cheat_share;         /* share of nodes that tamper, [0, 1] */
	double timeout_per_node_day;/* timeout events per node per day */
	enum ver_sampling sampling; /* verification.sampling */
	double unit_requests;       /* requests one draw covers under VER_PER_STACK,
	                               >= 1; set by the caller (default 1) */
};

/* Inputs of one day. */
struct ver_day_in {
	double requests;   /* requests served today */
	double units;      /* settlement units today (requests or stacks, see chain.h) */
	double nodes;      /* active nodes */
};

/* Outputs of one day. */
struct ver_day_out {
	double overhead;           /* compute / native compute: n or 1 + pN */
	double p_used;             /* replication rate in force (CROSS), else 0 */
	double commit_tx_per_unit; /* commitment + attestation tx per settlement unit */
	double attest_tx;          /* commit_tx_per_unit * units, tx/day */
	double detect_per_request; /* P(a tampered unit (request or stack) is detected) */
	double tamper_settle_prob; /* P(a tampered request settles undetected) */
	double cheaters;           /* cheating nodes at the start of the day (expected) */
	int64_t detected_nodes;    /* cheating nodes caught today (drawn) */
	int64_t timeouts;          /* timeout events today (drawn) */
	double expected_detected;  /* the mean of detected_nodes */
	double tampered_settled;   /* expected tampered requests settled undetected today */
	int honest_equilibrium;    /* CROSS: p_used >= p_min; FULL/NONE: 1 */
};

typedef struct ver ver;

/* ---------------------------------------------------------------- formulas */

/* r^n: probability that a tampered output settles under full sampling. */
double ver_tamper_prob_full(double r, int n);

/* Theorem A.3's margin f(p); honesty is an equilibrium iff f(p) > 0. */
double ver_honesty_margin(const struct ver_game *g, double p);

/* Corollary 1: C / ((1-r)(R+S)); valid for N = 1, W1 = R, W2 = 2R. */
double ver_p_min_corollary(const struct ver_game *g);

/* The smallest p in [0, 1] with f(p) >= 0: 0 when f(0) >= 0 (honesty always
 * pays), NAN when f(1) < 0 (no replication rate makes honesty pay).  Closed
 * form when N = 1 and W1 = R, W2 = 2R; else Brent (gsl_root_fsolver_brent). */
double ver_p_min(const struct ver_game *g);

/* The same root always by Brent's method on [0, 1] (no closed form); NAN
 * when f(1) < 0, 0 when f(0) >= 0. */
double ver_p_min_root(const struct ver_game *g);

/* The requests one sampling draw covers: unit_requests under VER_PER_STACK,
 * else 1. */
double ver_draw_requests(const struct ver_params *p);

/* The game of one sampling draw that covers k requests: R, C, W1 and W2
 * times k, the collateral S and the shares as they are. */
struct ver_game ver_unit_game(const struct ver_game *g, double k);

/* The smallest collateral S (units of C) that makes honesty an equilibrium
 * at replication rate p: f is affine in S with slope p (1 - r^N), so
 *     S_min = -f(p; S = 0) / (p (1 - r^N));
 * 0 when f(p; 0) >= 0, INFINITY when p (1 - r^N) = 0 and f(p; 0) < 0. */
double ver_collateral_min(const struct ver_game *g, double p);

/* Probability that one tampered request (served by a cheater) is detected,
 * when a share r of the nodes collude: FULL 1 - r^(n-1), CROSS p (1 - r^N),
 * NONE 0; p_rep is the replication rate (CROSS). */
double ver_detect_prob(const struct ver_params *p, double p_rep, double r);
/* Compute / native compute: FULL n, CROSS 1 + p N, NONE 1. */
double ver_overhead(const struct ver_params *p, double p_rep);

/* Expected collateral lost per tampered request under cross-validation,
 * p (1 - r^N) S, in units of C: the deterrence term of the game.  Multiply by
 * a node's collateral / S for tokens. */
double ver_expected_slash(const struct ver_game *g, double p_rep);

/* Commitment/attestation transactions per settlement unit: FULL n (each node
 * commits), CROSS 1 + p N (the executor's commitment plus the attestations),
 * NONE 1.  chain.h adds the design's fixed transactions (1 per request, 2
 * per stack: acquire and claim). */
double ver_commit_tx(const struct ver_params *p, double p_rep);

/* The replication rate in force: p_replicate, or p_margin * p_min if auto_p
 * (p_min of the game of one draw, ver_unit_game; clamped to [0, 1]; 1 when
 * no p works). */
double ver_p_effective(const struct ver_params *p);

/* Figure data: n_pts rows of (detection probability, overhead) for FULL with
 * n = 1..n_pts and for CROSS with p spread log-uniformly over [1e-4, 1]
 * (N = p->game.N), both with r = p->game.r colluding; detection is
 * ver_detect_prob.  Fills det_*, ovh_* (each (n_pts,), n_pts >= 2). */
void ver_tabulate(const struct ver_params *p, int n_pts, double *det_full,
                  double *ovh_full, double *det_cross, double *ovh_cross);

/* ---------------------------------------------------------------- state */

void ver_params_default(struct ver_params *p);
sim_status ver_parse(struct ver_params *p, const scn *s, sim_diag *d) SIM_MUST_CHECK;
/* Messages "<src>: $.verification.<path>: <what>". */
sim_status ver_check(const struct ver_params *p, const char *src, sim_diag *d) SIM_MUST_CHECK;

ver *ver_alloc(const struct ver_params *p, sim_diag *d);
void ver_free(ver *v);

/* One day: draws detections (binomial over cheating nodes) and timeouts
 * (Poisson) from rng; day must grow by one from 0. */
void ver_step(ver *v, int day, const struct ver_day_in *in, gsl_rng *rng,
              struct ver_day_out *out);

/* Draws how many of n tampered requests are detected (binomial with the
 * design's per-request probability); for tests and request-level models. */
uint64_t ver_draw_detections(const ver *v, gsl_rng *rng, uint64_t n);

/* Cumulative counts since day 0. */
int64_t ver_total_detected(const ver *v);
int64_t ver_total_timeouts(const ver *v);

const char *ver_design_name(enum ver_design d);

#endif
