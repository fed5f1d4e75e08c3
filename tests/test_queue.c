/* test_queue.c — the M/M/c validation model against queueing theory.
 *
 * Known answers: Erlang C values from the closed form (Kleinrock, Queueing
 * Systems vol. 1, eq. 3.40); M/M/1 Wq = rho/(mu - lambda).  The long runs use
 * the committed scenarios/mm1.json and mmc.json (10^7 customers each).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/queue.h"
#include "sim/scn.h"

Test(queue, erlang_c_known_values)
{
	/* c = 1: C = rho. */
	cr_assert_float_eq(queue_erlang_c(1, 0.7), 0.7, 1e-14);
	/* c = 2, a = 1: B = 1/5, C = 2B/(2 - a(1-B)) = 1/3. */
	cr_assert_float_eq(queue_erlang_c(2, 1.0), 1.0 / 3.0, 1e-14);
	/* c = 3, a = 2: B = 4/19, C = 3B/(3 - 2(1-B)) = 4/9. */
	cr_assert_float_eq(queue_erlang_c(3, 2.0), 4.0 / 9.0, 1e-14);
	/* M/M/1 waiting time. */
	cr_assert_float_eq(queue_mmc_wait(1, 0.9, 1.0), 9.0, 1e-12);
	/* unstable or meaningless */
	cr_assert(isnan(queue_erlang_c(2, 2.0)));
	cr_assert(isnan(queue_mmc_wait(1, 1.0, 1.0)));
}

/* Runs a committed validation scenario and checks the mean waiting time over
 * its replications: within 1% of theory, and theory inside the reported
 * interval (mean +- 3 standard errors, replications independent). */
static void check_scenario(const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/scenarios/%s", DAIS_SRCDIR, name);
	sim_diag d;
	diag_init(&d);
	scn *s = scn_load(path, NULL, 0, &d);
	diag_print(&d, stderr, "");
	cr_assert_not_null(s);
	struct queue_params p;
	cr_assert_eq(queue_model_type.parse(&p, s, &d), SIM_OK);
	cr_assert_eq(p.customers, 10000000, "the validation runs 10^7 customers");
	int nrep = (int)scn_int(s, "replications");
	uint64_t seed = (uint64_t)scn_int(s, "seed");
	double wq = queue_mmc_wait(p.servers, p.arrival_rate, p.service_rate);
	double sum = 0, sum2 = 0;
	for (int rep = 0; rep < nrep; rep++) {
		struct queue_result r;
		cr_assert_eq(queue_simulate(&p, seed, rep, &r), SIM_OK);
		cr_assert_eq(r.customers, p.customers);
		cr_assert_lt(fabs(r.server_util - p.arrival_rate / (p.servers * p.service_rate)), 0.005);
		/* Little's law on the measured window: Lq = lambda Wq (same sample path) */
		cr_assert_lt(fabs(r.mean_queue_len - p.arrival_rate * r.mean_wait) / (p.arrival_rate * r.mean_wait),
		             0.01);
		sum += r.mean_wait;
		sum2 += r.mean_wait * r.mean_wait;
	}
	double mean = sum / nrep, sd = sqrt((sum2 - nrep * mean * mean) / (nrep - 1));
	double sem = sd / sqrt(nrep);
	fprintf(stderr, "%s: mean wait %.5f s +- %.5f (3 s.e.), analytic %.5f, rel. error %+.3f%%\n",
	        name, mean, 3 * sem, wq, 100 * (mean - wq) / wq);
	cr_assert_lt(fabs(mean - wq) / wq, 0.01, "%s: relative error %g", name, (mean - wq) / wq);
	cr_assert_lt(fabs(mean - wq), 3 * sem, "%s: theory outside the interval", name);
	scn_free(s);
	diag_release(&d);
}

Test(queue, mm1_matches_theory_at_1e7_customers, .timeout = 120) { check_scenario("mm1.json"); }
Test(queue, mmc_matches_erlang_c_at_1e7_customers, .timeout = 120) { check_scenario("mmc.json"); }

Test(queue, unstable_load_is_rejected_with_its_path)
{
	sim_diag d;
	diag_init(&d);
	const char *sets[] = { "queue.arrival_rate=2", "queue.servers=2" };
	scn *s = scn_parse("{\"model\": \"queue\"}", "<test>", sets, 2, &d);
	cr_assert_not_null(s);
	struct queue_params p;
	cr_assert_eq(queue_model_type.parse(&p, s, &d), SIM_EINVAL);
	cr_assert_eq(d.n, 1);
	cr_assert(strstr(d.msg[0], "$.queue.arrival_rate") != NULL, "%s", d.msg[0]);
	scn_free(s);
	diag_release(&d);
}

Test(queue, same_seed_same_result_different_seed_different)
{
	struct queue_params p = { 3, 2.4, 1.0, 20000, 100, 0 };
	struct queue_result a, b, c;
	cr_assert_eq(queue_simulate(&p, 5, 0, &a), SIM_OK);
	cr_assert_eq(queue_simulate(&p, 5, 0, &b), SIM_OK);
	cr_assert_eq(queue_simulate(&p, 5, 1, &c), SIM_OK);
	cr_assert_eq(a.mean_wait, b.mean_wait);
	cr_assert_eq(a.events, b.events);
	cr_assert_neq(a.mean_wait, c.mean_wait);
}
