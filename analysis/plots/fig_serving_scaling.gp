# fig_serving_scaling.gp — horizontal scaling (N nodes, three routers, and a mixed fleet)
# and vertical scaling (the same N nodes of a better class).
# Data: DIR/serving_scaling.dat from `dais capacity --scaling DIR`.
# Usage: gnuplot -e "dir='results/serving'" analysis/plots/fig_serving_scaling.gp
if (!exists("dir")) dir = "results/serving"
f = dir."/serving_scaling.dat"
out = dir."/fig_serving_scaling"
cairo = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 && strstrt(GPVAL_TERMINALS, "pdfcairo") > 0
stats f u 1:4 nooutput
base = STATS_min_y   # one H100 node (N = 1, power of two choices)

do for [fmt in (cairo ? "png pdf" : "png svg")] {
    if (fmt eq "png") { if (cairo) { set terminal pngcairo size 1200,500 font ",10" } else { set terminal png size 1200,500 } }
    if (fmt eq "pdf") { set terminal pdfcairo size 12in,5in font ",10" }
    if (fmt eq "svg") { set terminal svg size 1200,500 }
    set output out.".".fmt
    set termoption noenhanced
    set multiplot layout 1,2 title "Scaling the fleet (model mode, offered load 80% of summed capacity)"
    set logscale xy
    set xlabel "nodes N"
    set ylabel "output tokens/s"
    set key top left
    set grid
    set title "Horizontal: N nodes"
    plot f u 1:($1*base) w l dt 2 lc 0 t "N x one H100", \
         f u 1:3 w lp pt 4 t "H100, round robin", f u 1:4 w lp pt 6 t "H100, power of two", \
         f u 1:5 w lp pt 8 t "H100, least loaded", \
         f u 1:10 w lp pt 1 t "A100+B200, random", f u 1:12 w lp pt 2 t "A100+B200, hardware-aware"
    set title "Vertical: the same N nodes, better class"
    plot f u 1:16 w lp pt 7 t "A100 80GB", f u 1:17 w lp pt 5 t "H100 80GB", f u 1:18 w lp pt 9 t "B200"
    unset multiplot
}
