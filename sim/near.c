/* near.c — the nearest of a set of words, for "did you mean" (near.h). */
#include "near.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Optimal string alignment distance, case-insensitive: a swap counts as one. */
static int edit_distance(const char *a, const char *b)
{
	enum { M = 64 };
	size_t la = strlen(a), lb = strlen(b);
	if (la >= M || lb >= M)
		return INT_MAX;
	int d[M + 1][M + 1];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			int cost = ca != cb;
			int v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* Keeps cand when it is closer than the best so far and a near miss: a few
 * edits, fewer than its length. */
void sim_near_try(struct sim_near *n, const char *cand)
{
	if (!cand || !strcmp(cand, n->word))
		return;
	size_t len = strlen(n->word);
	int limit = len <= 3 ? 1 : len <= 8 ? 2 : 3;
	int dd = edit_distance(n->word, cand);
	if (dd <= limit && dd < (int)strlen(cand) && dd < n->dist) {
		n->dist = dd;
		n->best = cand;
	}
}

/* " (did you mean 'x'?)" or "" into buf. */
const char *sim_did_you_mean(char *buf, size_t n, const struct sim_near *nr)
{
	if (nr->best)
		snprintf(buf, n, " (did you mean '%s'?)", nr->best);
	else
		buf[0] = '\0';
	return buf;
}
