#!/bin/sh
# serving-band.sh FIT [DAIS]: where the validation's load curve tips into
# queueing, in model mode (no engine, about 5 s in all).  FIT is the
# serving_cost_fit.txt of a `dais validate-serving` run; the scenario is
# scenarios/serving-validate.json with that cost.  For each Poisson rate
# (requests/s) and five traces (seeds 1-5) it prints TTFT p50 (s) / throughput
# (requests/s).  A rate where some traces hardly queue (TTFT p50 of tens of ms)
# while others queue for seconds is in the band where the same trace may or may
# not tip into queueing: no validation point should sit there
# (docs/serving.md, section 5).
FIT=$1
DAIS=${2:-build/dais}
[ -r "$FIT" ] || { echo "usage: serving-band.sh FIT [DAIS] (FIT: a serving_cost_fit.txt)" >&2; exit 2; }
# the fit's keys, as --set options
c=$(awk '/^c[0-9]/ { printf "%s%s", sep, $2; sep = "," }' "$FIT")
cp=$(awk '/^cache_positions/ { print $2 }' "$FIT")
cf=$(awk '/^cache_from_positions/ { print $2 }' "$FIT")
tt=$(awk '/^token_tile/ { print $2 }' "$FIT")
[ -n "$c" ] && [ -n "$cp" ] && [ -n "$cf" ] && [ -n "$tt" ] ||
	{ echo "serving-band.sh: $FIT: expected c0..c9, cache_positions, cache_from_positions and token_tile" >&2; exit 2; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
SCN=$(dirname "$0")/../scenarios/serving-validate.json
echo "# rate   TTFT p50 (s) / throughput (requests/s) for seeds 1-5; model mode, cost of $FIT"
for rate in 10 11 12 13 14 15 16 17 18 19 20 22 26; do
	line=$(printf '%5s ' "$rate")
	for seed in 1 2 3 4 5; do
		"$DAIS" run "$SCN" --seed "$seed" --set serving.timing=model --set serving.cost=linear \
			--set "serving.cost_linear=[$c]" --set serving.cost_cache_positions="$cp" \
			--set serving.cost_cache_from_positions="$cf" --set serving.cost_token_tile="$tt" \
			--set serving.arrival=poisson --set serving.arrival_rate="$rate" \
			--set serving.requests=1000 -o "$OUT/r.h5" > "$OUT/r.txt" 2>&1 ||
			{ cat "$OUT/r.txt" >&2; exit 1; }
		cell=$(awk '$1 == "ttft_p50" { p = $2 } $1 == "throughput" { t = $2 }
			END { printf "%6.2f/%4.1f", p, t }' "$OUT/r.txt")
		line="$line $cell"
	done
	echo "$line"
done
