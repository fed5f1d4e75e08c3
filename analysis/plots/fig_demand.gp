# fig_demand.gp — AI token demand: the world trend, what the network is offered
# and what it serves (baseline; mean with 5-95% band across replications).
load "analysis/plots/common.gp"
set xlabel "year"
set ylabel "tokens per day"
set logscale y
set format y "10^{%L}"
set key top left
set title "AI inference demand and the decentralized network's share (baseline)"
plot_it = "plot \
  dir.'/demand_trend_tokens.dat' using (year($1)):(column(col(0,0))) with lines lw 2 lc rgb '#444444' title 'world demand (trend)', \
  dir.'/offered_tokens.dat' using (year($1)):(column(col(0,1))):(column(col(0,2))) with filledcurves lc rgb '#1f77b4' fs transparent solid 0.2 noborder notitle, \
  dir.'/offered_tokens.dat' using (year($1)):(column(col(0,0))) with lines lw 2 lc rgb '#1f77b4' title 'offered to the network', \
  dir.'/served_tokens.dat' using (year($1)):(column(col(0,1))):(column(col(0,2))) with filledcurves lc rgb '#d62728' fs transparent solid 0.2 noborder notitle, \
  dir.'/served_tokens.dat' using (year($1)):(column(col(0,0))) with lines lw 2 dt 2 lc rgb '#d62728' title 'served by the network'"
set terminal pngcairo size 1000,620 enhanced font ",12"
set output out."/fig_demand.png"
eval plot_it
set terminal pdfcairo size 6in,3.7in enhanced font ",9"
set output out."/fig_demand.pdf"
eval plot_it
set output
