# fig_tornado.gp — tornado chart of a one-at-a-time sensitivity analysis.
#
#   gnuplot -e "datafile='DIR/tornado_X.dat'; outbase='DIR/tornado_X'" analysis/plots/fig_tornado.gp
#
# `dais sensitivity SWEEP.json` writes DIR/tornado_<output>.dat and runs this
# script on it.  One horizontal bar per parameter, widest swing on top: from
# the output at the baseline to the output at the parameter's low value (blue)
# and at its high value (orange); the vertical line is the baseline.  Writes
# outbase.png and outbase.pdf with the cairo terminals when this gnuplot has
# them, else outbase.png (libgd) and outbase.svg.
#
# The table (columns): rank label low_value high_value output_low output_high
# output_baseline swing; '#' lines are comments, labels are quoted.

if (!exists("datafile")) datafile = 'tornado.dat'
if (!exists("outbase")) outbase = 'tornado'
if (!exists("figtitle")) figtitle = 'one-at-a-time sensitivity'

stats datafile using 7 nooutput
base = STATS_min
nrows = STATS_records
stats datafile using 5:6 nooutput
xlo = (STATS_min_x < STATS_min_y ? STATS_min_x : STATS_min_y)
xhi = (STATS_max_x > STATS_max_y ? STATS_max_x : STATS_max_y)
xlo = (base < xlo ? base : xlo)
xhi = (base > xhi ? base : xhi)
pad = (xhi - xlo) * 0.08 + (xhi == xlo ? 1 : 0)

set title figtitle noenhanced
set xlabel figtitle.' (mean across replications)' noenhanced
set yrange [0.3:nrows + 0.7]
set xrange [xlo - pad:xhi + pad]
set ytics nomirror noenhanced
set grid xtics
set key outside bottom center horizontal
set style fill solid 0.75 border -1
set arrow 1 from base, graph 0 to base, graph 1 nohead dashtype 2 lc rgb '#333333'
h = 0.35
mn(a, b) = (a < b ? a : b)
mx(a, b) = (a > b ? a : b)

draw = "plot datafile using ((base+$5)/2):1:(mn(base,$5)):(mx(base,$5)):($1-h):($1+h):ytic(2) with boxxyerror lc rgb '#4477aa' title 'low value', \
             datafile using ((base+$6)/2):1:(mn(base,$6)):(mx(base,$6)):($1-h):($1+h) with boxxyerror lc rgb '#ee7733' title 'high value'"

cairo = strstrt(GPVAL_TERMINALS, 'pngcairo') > 0 && strstrt(GPVAL_TERMINALS, 'pdfcairo') > 0
if (cairo) {
	set terminal pngcairo size 900, 120 + 60 * nrows font ',10'
	set output outbase.'.png'
	@draw
	set terminal pdfcairo size 6in, (1.2 + 0.45 * nrows)*1in font ',9'
	set output outbase.'.pdf'
	@draw
} else {
	set terminal png size 900, 120 + 60 * nrows
	set output outbase.'.png'
	@draw
	set terminal svg size 900, 120 + 60 * nrows
	set output outbase.'.svg'
	@draw
}
set output
