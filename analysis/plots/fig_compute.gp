# fig_compute.gp — network compute by hardware class (baseline, mean across
# replications), and the total with its 5-95% band.
load "analysis/plots/common.gp"
if (!exists("nclass")) nclass = 11
set xlabel "year"
set ylabel "dense compute (PFLOP/s)"
set logscale y
set format y "10^{%L}"
set yrange [1:*]
set key outside right top
set title "Network compute by node class (baseline)"
# class names come from the table header written by dais export
classes = system("sed -n 's/^# series columns: //p' ".dir."/compute_by_class.dat")
name(i) = (w = word(classes, i), w[strstrt(w, "=") + 1:])
# eleven distinguishable styles: eight colours, then dashed repeats
array colours[8] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
plot_it = "plot for [i=0:(nclass < 8 ? nclass : 8)-1] dir.'/compute_by_class.dat' using (year($1)):(column(col(i,0))) with lines lw 2 lc rgb colours[i + 1] title name(i+1), for [i=8:nclass-1] dir.'/compute_by_class.dat' using (year($1)):(column(col(i,0))) with lines lw 2 dt 2 lc rgb colours[i - 7] title name(i+1)"
set terminal pngcairo size 1100,620 enhanced font ",12"
set output out."/fig_compute.png"
eval plot_it
set terminal pdfcairo size 6.5in,3.7in enhanced font ",9"
set output out."/fig_compute.pdf"
eval plot_it
set output
