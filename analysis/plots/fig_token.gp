# fig_token.gp — tokenomics (baseline): supply and daily emission (top);
# operator revenue, fees versus subsidy, in USD per day (bottom).
load "analysis/plots/common.gp"
draw = "\
set multiplot layout 2,1; \
set title 'Token supply and emission'; \
set ylabel 'tokens'; set y2label 'tokens per day'; set ytics nomirror; set y2tics; \
set key top left; \
plot dir.'/token_supply.dat' using (year($1)):(column(col(0,0))) with lines lw 2 lc rgb '#1f77b4' title 'supply (left)', \
     dir.'/token_minted.dat' using (year($1)):(column(col(0,0))) axes x1y2 with lines lw 2 lc rgb '#ff7f0e' title 'minted per day (right)', \
     dir.'/token_burned.dat' using (year($1)):(column(col(0,0))) axes x1y2 with lines lw 2 dt 2 lc rgb '#2ca02c' title 'burned per day (right)'; \
unset y2tics; unset y2label; set ytics mirror; \
set title 'Operator revenue: fees versus subsidy'; \
set xlabel 'year'; set ylabel 'USD per day'; set logscale y; set format y '10^{%L}'; \
plot dir.'/operator_fees.dat' using (year($1)):(column(col(0,1))):(column(col(0,2))) with filledcurves lc rgb '#1f77b4' fs transparent solid 0.2 noborder notitle, \
     dir.'/operator_fees.dat' using (year($1)):(column(col(0,0))) with lines lw 2 lc rgb '#1f77b4' title 'fees', \
     dir.'/operator_subsidy.dat' using (year($1)):(column(col(0,1))):(column(col(0,2))) with filledcurves lc rgb '#ff7f0e' fs transparent solid 0.2 noborder notitle, \
     dir.'/operator_subsidy.dat' using (year($1)):(column(col(0,0))) with lines lw 2 lc rgb '#ff7f0e' title 'subsidy (emission x token price)'; \
unset multiplot"
set terminal pngcairo size 1000,900 enhanced font ",12"
set output out."/fig_token.png"
eval draw
reset
load "analysis/plots/common.gp"
set terminal pdfcairo size 6in,5.4in enhanced font ",9"
set output out."/fig_token.pdf"
eval draw
set output
