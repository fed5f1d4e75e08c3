# fig_uq_indices.gp — sensitivity indices of one output of `dais uncertainty`.
#
#   gnuplot -e "datafile='DIR/indices_X.dat'; outbase='DIR/indices_X'; method='sobol'" \
#           analysis/plots/fig_uq_indices.gp
#
# One row per parameter, the most influential on top.  Sobol: the first-order
# index S1 (blue) and the total index ST (orange) as bars with their 95%
# bootstrap intervals.  Morris: mu* (the mean absolute elementary effect) as a
# bar and sigma (their spread: interactions, non-linearity) as a point.
# Writes outbase.png and outbase.pdf (cairo), else outbase.png and .svg.
#
# The table: rank "label" S1 S1_lo S1_hi ST ST_lo ST_hi (sobol) or
# rank "label" mu mu_star sigma (morris); '#' lines are comments.

if (!exists("datafile")) datafile = 'indices.dat'
if (!exists("outbase")) outbase = 'indices'
if (!exists("figtitle")) figtitle = 'sensitivity indices'
if (!exists("method")) method = 'sobol'

stats datafile using 1 nooutput
nrows = STATS_records
sobol = (method eq 'sobol')

set title figtitle noenhanced
set yrange [nrows + 0.7:0.3]
set ytics nomirror noenhanced
set grid xtics
set key outside bottom center horizontal
set style fill solid 0.75 border -1
h = 0.18
nz(x) = (x == x ? x : 0)
if (sobol) {
	set xlabel 'share of the output variance' noenhanced
	set xrange [-0.05:1.05]
	draw = "plot datafile using (nz($3)/2):($1-h):(0):(nz($3)):($1-2*h):($1):ytic(2) with boxxyerror lc rgb '#4477aa' title 'first order S1', \
	             datafile using 3:($1-h):4:5 with xerrorbars lc rgb '#222222' pt 0 notitle, \
	             datafile using (nz($6)/2):($1+h):(0):(nz($6)):($1):($1+2*h) with boxxyerror lc rgb '#ee7733' title 'total ST', \
	             datafile using 6:($1+h):7:8 with xerrorbars lc rgb '#222222' pt 0 notitle"
} else {
	set xlabel 'elementary effect (output units over the whole range)' noenhanced
	set xrange [0:*]
	draw = "plot datafile using (nz($4)/2):1:(0):(nz($4)):($1-h):($1+h):ytic(2) with boxxyerror lc rgb '#4477aa' title 'mu*', \
	             datafile using 5:1 with points pt 7 ps 1.2 lc rgb '#ee7733' title 'sigma'"
}

cairo = strstrt(GPVAL_TERMINALS, 'pngcairo') > 0 && strstrt(GPVAL_TERMINALS, 'pdfcairo') > 0
if (cairo) {
	set terminal pngcairo size 900, 140 + 45 * nrows font ',10'
	set output outbase.'.png'
	@draw
	set terminal pdfcairo size 6in, (1.4 + 0.33 * nrows)*1in font ',9'
	set output outbase.'.pdf'
	@draw
} else {
	set terminal png size 900, 140 + 45 * nrows
	set output outbase.'.png'
	@draw
	set terminal svg size 900, 140 + 45 * nrows
	set output outbase.'.svg'
	@draw
}
set output
