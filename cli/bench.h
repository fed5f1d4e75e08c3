/* bench.h — `dais bench`: throughput of the simulator's own machinery.
 *
 * dais bench des: the M/M/1 queue with 10^7 customers on one thread
 * (customers/s and events/s), beside a bare binary-heap M/M/1 loop measured in
 * the same run as a yardstick, and the hold model (pop one event, push one
 * with an exponential increment) with 10^4 and 10^6 pending events.
 * Every figure is the median of --repeat runs (default 5).
 */
#ifndef DAIS_BENCH_H
#define DAIS_BENCH_H

int bench_cmd(int argc, char **argv);

#endif
