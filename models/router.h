/* router.h — spreading requests over a fleet of serving nodes.
 *
 * Policies (the load of a node is its outstanding requests, waiting + running):
 *   round_robin     nodes in turn, blind to load;
 *   random          uniform over nodes;
 *   least_loaded    the node with the least load (lowest index on ties), O(n);
 *   power_of_two    two distinct nodes at random, the less loaded (Mitzenmacher's
 *                   "power of two choices": nearly least-loaded at O(1) cost);
 *   hardware_aware  the least (load + 1) / speed, speed being the node's relative
 *                   token rate, so a faster class takes proportionally more.
 */
#ifndef DAIS_ROUTER_H
#define DAIS_ROUTER_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "serving.h"

struct router {
	enum srv_route policy;
	int n;                  /* nodes */
	const double *speed;    /* (n,) relative speed, hardware_aware only */
	gsl_rng *rng;           /* borrowed: random and power_of_two */
	int next;               /* round_robin cursor */
};

/* Parses a policy name; returns 0 and sets *r, or -1. */
int router_parse(const char *name, enum srv_route *r);
const char *router_name(enum srv_route r);

/* The node for the next request, given each node's load (n,). */
int router_pick(struct router *r, const int64_t *load);

#endif
