#!/bin/sh
# bench-network.sh [DAIS]: time and peak memory of the network model.
#   1. the baseline and the million-node stress case, 100 replications on all cores;
#   2. one replication on one thread as the node count grows (demand growth varied)
#      and as the horizon grows.
# Each figure is the median of 3 runs.  Needs /usr/bin/time (Debian package time).
DAIS=${1:-build/dais}
T=/usr/bin/time
[ -x "$T" ] || { echo "bench-network: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# runs "$@" 3 times; prints "median_wall_s median_peak_MiB"
measure() {
	for k in 1 2 3; do
		$T -f "%e %M" "$DAIS" run "$@" -o "$OUT/r.h5" --quiet 2>&1 >/dev/null | tail -n 1
	done | sort -n | sed -n 2p | awk '{ printf "%.2f %.0f", $1, $2 / 1024 }'
}
peak_nodes() {
	"$DAIS" export "$OUT/r.h5" nodes_total -o "$OUT" >/dev/null &&
	awk '!/^#/ { if ($2 > m) m = $2 } END { printf "%.0f", m }' "$OUT/nodes_total.dat"
}

echo "network model, $(nproc) cores; medians of 3 runs"
echo
echo "100 replications, all cores:"
printf "  %-28s %10s %10s %12s\n" scenario wall_s peak_MiB peak_nodes
for s in baseline stress-1m-nodes; do
	r=$(measure "scenarios/$s.json" --replications 100)
	printf "  %-28s %10s %10s %12s\n" "$s" $r "$(peak_nodes)"
done
echo
echo "one replication, one thread, as the node count grows (demand growth in OOM/yr):"
printf "  %-10s %10s %10s %12s\n" growth wall_s peak_MiB peak_nodes
for g in 0.6 0.9 1.2 1.5; do
	r=$(measure scenarios/stress-1m-nodes.json --replications 1 --threads 1 --set demand.growth_ooms_per_year=$g)
	printf "  %-10s %10s %10s %12s\n" "$g" $r "$(peak_nodes)"
done
echo
echo "one replication, one thread, as the horizon grows (baseline):"
printf "  %-10s %10s %10s %12s\n" years wall_s peak_MiB peak_nodes
for y in 5 10 20 40; do
	r=$(measure scenarios/baseline.json --replications 1 --threads 1 --set network.horizon_years=$y)
	printf "  %-10s %10s %10s %12s\n" "$y" $r "$(peak_nodes)"
done
