# fig_serving_capacity.gp — output tokens/s one node sustains at the latency objective,
# by hardware class and model size (the capacity table).
# Data: DIR/serving_capacity.dat from `dais capacity --scaling DIR`.
# Usage: gnuplot -e "dir='results/serving'" analysis/plots/fig_serving_capacity.gp
if (!exists("dir")) dir = "results/serving"
f = dir."/serving_capacity.dat"
out = dir."/fig_serving_capacity"
cairo = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 && strstrt(GPVAL_TERMINALS, "pdfcairo") > 0

do for [fmt in (cairo ? "png pdf" : "png svg")] {
    if (fmt eq "png") { if (cairo) { set terminal pngcairo size 1100,560 font ",10" } else { set terminal png size 1100,560 } }
    if (fmt eq "pdf") { set terminal pdfcairo size 11in,5.6in font ",10" }
    if (fmt eq "svg") { set terminal svg size 1100,560 }
    set output out.".".fmt
    set termoption noenhanced
    set title "Capacity per node at the objective (model mode; 0 = does not fit or misses the objective)"
    set style data histograms
    set style histogram clustered gap 1
    set style fill solid 0.8 border -1
    set boxwidth 0.9
    set logscale y
    set yrange [10:*]
    set ylabel "output tokens/s per node"
    set xtics rotate by -30 scale 0
    set key top left
    set grid ytics
    plot f u 2:xtic(1) t columnhead(2), '' u 3 t columnhead(3), '' u 4 t columnhead(4), '' u 5 t columnhead(5)
}
