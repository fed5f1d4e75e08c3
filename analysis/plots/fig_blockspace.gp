# fig_blockspace.gp — block space as a fee market shows it, per chain in the
# baseline (solid, mean with the 5-95% band across replications), for Sui
# under high demand and per-request settlement (dashed), and for the routing
# set of opaque settlement as one resource (dash-dot): utilisation (AI +
# background, held at the chain's target once the fee leaves its floor: 0.5,
# the dashed line, for EIP-1559 chains, 1 for posted-price chains such as Sui,
# 2/3 for blobs), AI's share of the target throughput, and the fee over its
# floor (log scale).
# Inputs: DIR/{chain_utilisation,chain_ai_target_share,chain_fee_multiple}.dat
# for the baseline and under DIR/high-demand/ and DIR/per-request/, and
# DIR/opaque/routing_set_{utilisation,ai_target_share,fee_multiple}.dat.
load "analysis/plots/common.gp"
chains = system("sed -n 's/^# series columns: //p' ".dir."/chain_utilisation.dat")
if (!exists("nchain")) nchain = words(chains)
name(i) = (w = word(chains, i), w[strstrt(w, "=") + 1:])
# one panel: series S of the baseline per chain, Sui's in two variants, and
# the opaque routing set's series T
panel(s, t) = sprintf("\
plot for [i=0:nchain-1] dir.'/%s.dat' using (year($1)):(column(col(i,1))):(column(col(i,2))) with filledcurves lc i+1 fs transparent solid 0.18 noborder notitle, \
     for [i=0:nchain-1] dir.'/%s.dat' using (year($1)):(column(col(i,0))) with lines lw 2 lc i+1 title name(i+1), \
     dir.'/high-demand/%s.dat' using (year($1)):(column(col(0,0))) with lines lw 2 dt 2 lc rgb '#d62728' title 'sui, high demand', \
     dir.'/per-request/%s.dat' using (year($1)):(column(col(0,0))) with lines lw 2 dt 3 lc rgb '#2ca02c' title 'sui, per request', \
     dir.'/opaque/%s.dat' using (year($1)):(column(col(0,0))) with lines lw 2 dt 4 lc rgb '#000000' title 'opaque: routing set'", s, s, s, s, t)
draw = "\
set multiplot layout 3,1; set key outside right top; \
set title 'Utilisation (AI + background)'; set ylabel 'fraction of capacity'; set yrange [0:1.05]; \
set arrow 1 from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 2 lc rgb '#888888'; \
eval panel('chain_utilisation', 'routing_set_utilisation'); unset arrow 1; \
set title 'AI settlement as a share of the fee target'; set ylabel 'fraction of target'; set yrange [0:1.05]; \
eval panel('chain_ai_target_share', 'routing_set_ai_target_share'); \
set title 'Fee over its floor'; set ylabel 'multiple'; set logscale y; set yrange [*:*]; set xlabel 'year'; \
eval panel('chain_fee_multiple', 'routing_set_fee_multiple'); unset logscale y; \
unset multiplot"
set terminal pngcairo size 1100,1200 enhanced font ",12"
set output out."/fig_blockspace.png"
eval draw
set terminal pdfcairo size 6.5in,7.2in enhanced font ",9"
set output out."/fig_blockspace.pdf"
eval draw
set output
