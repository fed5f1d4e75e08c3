# fig_per_request_map.gp — where per-request settlement lets the network grow:
# nodes in year 10 (top) and AI settlement as a share of Sui's target (bottom)
# against Sui's fee level (the SUI price, which scales its floor), one line per request size (mean and 95% interval
# over replications).  Input: DIR/index.csv of
# `dais sweep scenarios/sweeps/per_request_map.json`.
load "analysis/plots/common.gp"
set datafile separator ","
f = dir.'/index.csv'
sizes = "284 1000 3000"
draw = "\
set multiplot layout 2,1; set logscale x; set format x '10^{%L}'; set key outside right top; \
set title 'Per-request settlement: nodes in year 10'; set ylabel 'nodes'; set logscale y; set yrange [*:*]; \
plot for [i=1:words(sizes)] f skip 1 using ($3 == word(sizes, i) + 0 ? $2 : 1/0):6:7:8 with yerrorlines lw 2 lc i title word(sizes, i).' tokens/request'; \
unset logscale y; \
set title 'AI settlement as a share of Sui''s fee target (year 10)'; set ylabel 'fraction of target'; set yrange [0:1.05]; \
set xlabel 'Sui fee level: SUI price held constant (USD per SUI; floor 7.6e-4 SUI per tx)'; \
plot for [i=1:words(sizes)] f skip 1 using ($3 == word(sizes, i) + 0 ? $2 : 1/0):10:11:12 with yerrorlines lw 2 lc i title word(sizes, i).' tokens/request'; \
unset multiplot"
set terminal pngcairo size 1000,900 enhanced font ",12"
set output out."/fig_per_request_map.png"
eval draw
set terminal pdfcairo size 6.5in,5.8in enhanced font ",9"
set output out."/fig_per_request_map.pdf"
eval draw
set output
