# fig_serving_latency.gp — latency versus load, driven (points) and model (lines) timing.
# Data: DIR/serving_latency.dat from `dais validate-serving -d DIR`.
# Usage: gnuplot -e "dir='results/serving'" analysis/plots/fig_serving_latency.gp
if (!exists("dir")) dir = "results/serving"
f = dir."/serving_latency.dat"
out = dir."/fig_serving_latency"
cairo = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 && strstrt(GPVAL_TERMINALS, "pdfcairo") > 0

do for [fmt in (cairo ? "png pdf" : "png svg")] {
    if (fmt eq "png") { if (cairo) { set terminal pngcairo size 1500,480 font ",10" } else { set terminal png size 1500,480 } }
    if (fmt eq "pdf") { set terminal pdfcairo size 15in,4.8in font ",10" }
    if (fmt eq "svg") { set terminal svg size 1500,480 }
    set output out.".".fmt
    set termoption noenhanced
    set multiplot layout 1,3 title "Serving latency versus load: driven (engine, points) and model (fitted cost, lines)"
    set xlabel "load (arrival rate / knee rate)"
    set logscale y
    set key top left
    set grid
    set ylabel "TTFT (ms)"
    plot f u 1:($3*1e3) w p pt 7 lc 1 t "driven p50", f u 1:($12*1e3) w l lc 1 t "model p50", \
         f u 1:($5*1e3) w p pt 5 lc 2 t "driven p99", f u 1:($14*1e3) w l lc 2 t "model p99"
    set ylabel "TPOT (ms)"
    plot f u 1:($6*1e3) w p pt 7 lc 1 t "driven p50", f u 1:($15*1e3) w l lc 1 t "model p50", \
         f u 1:($8*1e3) w p pt 5 lc 2 t "driven p99", f u 1:($17*1e3) w l lc 2 t "model p99"
    set ylabel "end-to-end latency (s)"
    plot f u 1:9 w p pt 7 lc 1 t "driven p50", f u 1:18 w l lc 1 t "model p50", \
         f u 1:11 w p pt 5 lc 2 t "driven p99", f u 1:20 w l lc 2 t "model p99"
    unset multiplot
    unset logscale y
}
