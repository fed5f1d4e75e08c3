/* blockrule.c — per-block fee and admission rules (see blockrule.h). */
#include "blockrule.h"

#include <math.h>

double blk_eip1559_next(double b, double used, double target)
{
	double n = b * (1.0 + (used - target) / target / 8.0);
	return n > 0 ? n : 0;
}

int blk_object_commit(double *debt, double budget, double burst, const double *cost, int n,
                      int *admit)
{
	double used = *debt;
	int k = 0;
	for (int i = 0; i < n; i++) {
		int ok = used <= budget + burst;
		if (ok) {
			used += cost[i];
			k++;
		}
		if (admit)
			admit[i] = ok;
	}
	/* what this commit ran beyond its budget is owed by the next ones */
	*debt = used > budget ? used - budget : 0;
	return k;
}

int blk_account_block(double block_cu, double account_cu, const double *cu, const int *writes,
                      int n, int *admit)
{
	double blk = 0, acc = 0;
	int k = 0;
	for (int i = 0; i < n; i++) {
		int ok = blk + cu[i] <= block_cu && (!writes[i] || acc + cu[i] <= account_cu);
		if (ok) {
			blk += cu[i];
			acc += writes[i] ? cu[i] : 0;
			k++;
		}
		if (admit)
			admit[i] = ok;
	}
	return k;
}

double blk_object_tps(double budget, double random_budget, double cost, double s_obj,
                      double s_rand)
{
	double t = INFINITY;
	if (!(budget > 0) || !(cost > 0))
		return t;
	if (!(random_budget > 0))
		return s_obj > 0 ? budget / (cost * s_obj) : t;
	if (s_obj - s_rand > 0)
		t = budget / (cost * (s_obj - s_rand));
	if (s_rand > 0) {
		double r = random_budget / (cost * s_rand);
		t = r < t ? r : t;
	}
	return t;
}
