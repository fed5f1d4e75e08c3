# fig_btc_backtest.gp — Bitcoin hash rate, observed vs the fitted node-growth model.
# Input: the table written by `dais backtest -o DIR` (DIR/fig_btc_backtest.dat):
#   block 0: year, simulated EH/s (daily), hashprice, J/TH, naive benchmark EH/s
#   block 1: year, observed EH/s, simulated EH/s, kind (0 fit window monthly,
#            1 held-out monthly, 2 held-out point estimate, 3 outside both),
#            naive benchmark EH/s over the observation's days
# The naive benchmark is c x revenue / frontier cost of a TH/s-day (6-month
# trailing means, c fitted on 2010-2019; docs/models.md, "Bitcoin back-test").
# Usage: gnuplot -e "dat='DIR/fig_btc_backtest.dat'; out='DIR/fig_btc_backtest'" fig_btc_backtest.gp
# Writes out.png (pngcairo) and out.pdf (pdfcairo).
if (!exists("dat")) dat = 'results/backtest/fig_btc_backtest.dat'
if (!exists("out")) out = 'results/backtest/fig_btc_backtest'
hold = 2020.0          # first held-out year (bitcoin.holdout_from)
end  = 2026.0

set logscale y
set format y "10^{%L}"
set xrange [2010.5:end]
set yrange [1e-10:1e4]
set xtics 2010, 1 rotate by 45 right
set mytics 10
set grid xtics ytics
set xlabel "year"
set ylabel "hash rate (EH/s = 10^{18} H/s)"
set key bottom right box opaque font ",8"
set object 1 rect from hold, graph 0 to end, graph 1 fc rgb "#eeeeee" fs solid 1.0 noborder behind
set label 1 "held out (not fitted)" at hold + 0.15, graph 0.94 font ",9"
set label 2 "fit window 2010-2019" at 2011, graph 0.94 font ",9"

# residual panel: log10(sim/obs)
do for [fmt in "png pdf"] {
    if (fmt eq "png") {
        set terminal pngcairo size 1000,760 enhanced font "Sans,10"
        set output out.'.png'
    } else {
        set terminal pdfcairo size 7in,5.3in enhanced font "Sans,9"
        set output out.'.pdf'
    }
    set multiplot
    set size 1, 0.70
    set origin 0, 0.30
    set bmargin 0
    set format x ""
    unset xlabel
    set title "Bitcoin hash rate: node-growth model fitted on 2010-2019 (deterministic mode)"
    plot dat index 0 using 1:2 with lines lw 2 lc rgb "#d62728" title "simulated (daily)", \
         dat index 0 using 1:5 with lines lw 1.5 dt 2 lc rgb "#ff7f0e" title "naive benchmark: c x revenue / frontier cost of a TH/s-day (6-month means; c fitted 2010-2019)", \
         dat index 1 using 1:($4 == 0 || $4 == 3 ? $2 : 1/0) with points pt 7 ps 0.5 lc rgb "#1f77b4" title "observed, monthly mean (Blockchain.com), fit window", \
         dat index 1 using 1:($4 == 1 ? $2 : 1/0) with points pt 7 ps 0.6 lc rgb "#2ca02c" title "observed, monthly mean, held out", \
         dat index 1 using 1:($4 == 2 ? $2 : 1/0) with points pt 5 ps 0.8 lc rgb "#000000" title "observed, point estimates 2020-2025 (7dma/raw as reported), held out"
    unset title
    unset object 1
    unset label 1
    unset label 2
    set object 2 rect from hold, graph 0 to end, graph 1 fc rgb "#eeeeee" fs solid 1.0 noborder behind
    set size 1, 0.30
    set origin 0, 0
    set tmargin 0
    set bmargin 4
    unset logscale y
    set format y "%.1f"
    set yrange [-1.4:1.4]
    set ytics 0.5
    set mytics 5
    set format x "%g"
    set xlabel "year"
    set ylabel "log_{10}(sim/obs)\n(open: naive)"
    unset key
    plot 0 with lines lc rgb "#888888" notitle, \
         dat index 1 using 1:(log10($5/$2)) with points pt 6 ps 0.4 lc rgb "#ff7f0e" notitle, \
         dat index 1 using 1:(log10($3/$2)) with points pt 7 ps 0.5 lc rgb "#1f77b4" notitle
    unset multiplot
    unset object 2
    set logscale y
    set format y "10^{%L}"
    set yrange [1e-10:1e4]
    set ytics auto
    set mytics 10
    set ylabel "hash rate (EH/s = 10^{18} H/s)"
    set key bottom right box opaque font ",8"
    set tmargin
    set bmargin
    set object 1 rect from hold, graph 0 to end, graph 1 fc rgb "#eeeeee" fs solid 1.0 noborder behind
    set label 1 "held out (not fitted)" at hold + 0.15, graph 0.94 font ",9"
    set label 2 "fit window 2010-2019" at 2011, graph 0.94 font ",9"
}
