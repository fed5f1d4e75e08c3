/* blockrule.h — the per-block rules of the chains' fee families, and the
 * daily limits that follow from them.
 *
 * The network model works a day at a time; chains act per block or per
 * consensus commit.  chain.c uses the daily consequences (the fixed point of
 * a fee rule, the long-run rate an admission budget allows); the rules
 * themselves are here so that tests can run them block by block and check
 * that the daily forms are their limits (tests/test_chain.c).
 *
 *     b = blk_eip1559_next(b, gas_used, gas_target);          // one block
 *     n = blk_object_commit(&debt, budget, burst, cost, n_tx, admit);  // one Sui commit
 *     n = blk_account_block(block_cu, account_cu, cu, writes, n_tx, admit);  // one Solana block
 *     tps = blk_object_tps(budget, random_budget, cost, s_obj, s_rand);  // the daily limit
 */
#ifndef DAIS_BLOCKRULE_H
#define DAIS_BLOCKRULE_H

/* EIP-1559 (ethereum/EIPs eip-1559.md): the next block's base fee per gas,
 * b (1 + (used - target) / target / 8), never negative; a block at the
 * target keeps it, a full block (twice the target) raises it by 12.5%. */
double blk_eip1559_next(double base_fee, double gas_used, double gas_target);

/* One consensus commit of Sui's per-object congestion control (shared_object_
 * congestion_tracker.rs, ExecutionTimeEstimate mode): the n transactions that
 * write the object, already ordered by gas price (highest first), each
 * costing cost[i] of estimated execution.  A transaction is scheduled when
 * the object's accumulated cost at its start is within budget + burst; its
 * cost is added whatever it is, and the excess over the budget is carried to
 * the next commit as *debt.  admit[i] (may be NULL) is set to 1 or 0; returns
 * the number scheduled.  The others are deferred (and cancelled after
 * max_deferral_rounds commits, the caller's bookkeeping). */
int blk_object_commit(double *debt, double budget, double burst, const double *cost, int n,
                      int *admit);

/* One Solana block (agave cost-model): transactions in priority order, each
 * using cu[i] compute units; those with writes[i] write the hot account.  A
 * transaction fits when the block stays within block_cu and, if it writes the
 * account, the account within account_cu.  admit[i] (may be NULL); returns
 * the number packed. */
int blk_account_block(double block_cu, double account_cu, const double *cu, const int *writes,
                      int n, int *admit);

/* The long-run AI transactions a second an object admits.  s_obj and s_rand
 * are the shares of AI transactions that write the object and that, writing
 * it, also use randomness (s_rand <= s_obj); each costs cost of the object's
 * resource.  With a separate randomness budget (Sui keeps a second tracker
 * and debt for them), each kind has its own:
 *     min(budget / (cost (s_obj - s_rand)), random_budget / (cost s_rand));
 * without one (random_budget 0) all share the budget: budget / (cost s_obj).
 * A zero budget is no limit; INFINITY when nothing limits. */
double blk_object_tps(double budget, double random_budget, double cost, double s_obj,
                      double s_rand);

#endif
