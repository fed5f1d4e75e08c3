# fig_uq_dist.gp — the distribution of one output of `dais uncertainty` under
# the parameter priors.
#
#   gnuplot -e "datafile='DIR/dist_X.dat'; outbase='DIR/dist_X'; p05='1'; p50='2'; p95='3'" \
#           analysis/plots/fig_uq_dist.gp
#
# A histogram (density) of the finite values over the points that sample the
# priors, with dashed lines at p05, p50 and p95 (passed as strings).  Writes
# outbase.png and outbase.pdf (cairo), else outbase.png and .svg.
#
# The table: centre count density; '#' lines are comments.

if (!exists("datafile")) datafile = 'dist.dat'
if (!exists("outbase")) outbase = 'dist'
if (!exists("figtitle")) figtitle = 'output'
if (!exists("p05")) p05 = 'NaN'
if (!exists("p50")) p50 = 'NaN'
if (!exists("p95")) p95 = 'NaN'

stats datafile using 1 nooutput
w = (STATS_records > 1 ? (STATS_max - STATS_min) / (STATS_records - 1) : 1)
set xlabel figtitle noenhanced
set ylabel 'density'
set grid ytics
set key top right
set style fill solid 0.6 border -1
q05 = real(p05)
q50 = real(p50)
q95 = real(p95)
if (q05 == q05) set arrow 1 from q05, graph 0 to q05, graph 1 nohead dashtype 2 lc rgb '#333333'
if (q50 == q50) set arrow 2 from q50, graph 0 to q50, graph 1 nohead lw 2 lc rgb '#333333'
if (q95 == q95) set arrow 3 from q95, graph 0 to q95, graph 1 nohead dashtype 2 lc rgb '#333333'
set title figtitle.' under parameter uncertainty'."\n".sprintf('p05 %.4g   p50 %.4g   p95 %.4g (lines)', q05, q50, q95) noenhanced

draw = "plot datafile using 1:3:(w) with boxes lc rgb '#4477aa' notitle"

cairo = strstrt(GPVAL_TERMINALS, 'pngcairo') > 0 && strstrt(GPVAL_TERMINALS, 'pdfcairo') > 0
if (cairo) {
	set terminal pngcairo size 800, 500 font ',10'
	set output outbase.'.png'
	@draw
	set terminal pdfcairo size 6in, 3.75in font ',9'
	set output outbase.'.pdf'
	@draw
} else {
	set terminal png size 800, 500
	set output outbase.'.png'
	@draw
	set terminal svg size 800, 500
	set output outbase.'.svg'
	@draw
}
set output
