# fig_blockspace.gp — block-space utilisation (AI settlement + background) per
# chain in the baseline (top), and Sui under three settlement/demand cases
# (bottom): mean with the 5-95% band across replications.  Dashed lines: the
# fee-market target (0.5) and exhaustion (1).  Inputs: DIR/chain_utilisation.dat
# (baseline), DIR/per-request/chain_utilisation.dat, DIR/high-demand/chain_utilisation.dat.
load "analysis/plots/common.gp"
if (!exists("nchain")) nchain = 6
chains = system("sed -n 's/^# series columns: //p' ".dir."/chain_utilisation.dat")
name(i) = (w = word(chains, i), w[strstrt(w, "=") + 1:])
draw = "\
set multiplot layout 2,1; \
set title 'Utilisation of each chain (baseline: stack settlement on Sui)'; \
set ylabel 'utilisation'; set yrange [0:1.15]; set key outside right top; \
set arrow 1 from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 2 lc rgb '#888888'; \
set arrow 2 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#cc0000'; \
plot for [i=0:nchain-1] dir.'/chain_utilisation.dat' using (year($1)):(column(col(i,1))):(column(col(i,2))) with filledcurves lc i+1 fs transparent solid 0.18 noborder notitle, \
     for [i=0:nchain-1] dir.'/chain_utilisation.dat' using (year($1)):(column(col(i,0))) with lines lw 2 lc i+1 title name(i+1); \
set title 'Sui: settlement design and demand'; set xlabel 'year'; \
plot dir.'/chain_utilisation.dat' using (year($1)):(column(col(0,1))):(column(col(0,2))) with filledcurves lc rgb '#1f77b4' fs transparent solid 0.2 noborder notitle, \
     dir.'/chain_utilisation.dat' using (year($1)):(column(col(0,0))) with lines lw 2 lc rgb '#1f77b4' title 'stacks (baseline)', \
     dir.'/high-demand/chain_utilisation.dat' using (year($1)):(column(col(0,1))):(column(col(0,2))) with filledcurves lc rgb '#d62728' fs transparent solid 0.2 noborder notitle, \
     dir.'/high-demand/chain_utilisation.dat' using (year($1)):(column(col(0,0))) with lines lw 2 lc rgb '#d62728' title 'stacks, high demand', \
     dir.'/per-request/chain_utilisation.dat' using (year($1)):(column(col(0,1))):(column(col(0,2))) with filledcurves lc rgb '#2ca02c' fs transparent solid 0.2 noborder notitle, \
     dir.'/per-request/chain_utilisation.dat' using (year($1)):(column(col(0,0))) with lines lw 2 dt 2 lc rgb '#2ca02c' title 'per-request settlement'; \
unset multiplot"
set terminal pngcairo size 1100,900 enhanced font ",12"
set output out."/fig_blockspace.png"
eval draw
set terminal pdfcairo size 6.5in,5.4in enhanced font ",9"
set output out."/fig_blockspace.pdf"
eval draw
set output
