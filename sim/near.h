/* near.h — "did you mean": the candidate nearest to a misspelt word.
 *
 *     struct sim_near nr = SIM_NEAR(word);
 *     for each candidate c:  sim_near_try(&nr, c);
 *     char buf[96];
 *     diag_add(d, "unknown chain '%s'%s", word, sim_did_you_mean(buf, sizeof buf, &nr));
 *
 * The distance is the optimal string alignment distance, case-insensitive (a
 * swap of two letters counts as one edit).  A candidate is kept only when it
 * is a near miss: at most 1 edit for words of up to 3 characters, 2 up to 8,
 * 3 beyond, and fewer edits than the candidate's length; of those, the first
 * nearest.  Words of 64 characters or more match nothing.
 */
#ifndef DAIS_NEAR_H
#define DAIS_NEAR_H

#include <limits.h>
#include <stddef.h>

/* The closest candidate seen (best NULL: none near enough). */
struct sim_near { const char *word; const char *best; int dist; };
#define SIM_NEAR(w) ((struct sim_near){ (w), NULL, INT_MAX })

void sim_near_try(struct sim_near *n, const char *cand);
/* " (did you mean 'x'?)", or "" when nothing was near, into buf. */
const char *sim_did_you_mean(char *buf, size_t n, const struct sim_near *nr);

#endif
