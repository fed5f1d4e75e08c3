# fig_verification.gp — verification overhead versus detection probability for
# Atoma's two sampling-consensus designs (docs/models.md, "Verification").
#
#   gnuplot -e "out='build/figures'" analysis/plots/fig_verification.gp
#   gnuplot -e "out='build/figures'; dat='build/dat/fig_verification.dat'" analysis/plots/fig_verification.gp
#
# Writes OUT/fig_verification.png (pngcairo) and OUT/fig_verification.pdf
# (pdfcairo); OUT must exist (default: current directory).
#
# The curves are the closed forms of models/verify.c (ver_detect_prob,
# ver_overhead, ver_tabulate), for a tampered request served by a cheater when
# a share r of the nodes collude:
#   full sampling, n nodes:           detection 1 - r^(n-1),   overhead n
#   cross-validation, rate p, N extra: detection p (1 - r^N),   overhead 1 + p N
# With dat set, the rows of ver_tabulate (columns: det_full ovh_full det_cross
# ovh_cross, '#' comments) are overlaid as points, so the figure checks the C code.
# Sources: Atoma whitepaper 2.6-2.7 and App. A; reference domain.md 3.2;
# the marked operating point is the 2025 contracts' p = 1%, N = 1
# (InitialCrossValidationProbabilityPermille = 10), and p_min is Prop. 2.4.

if (!exists("out")) out = "."
if (!exists("dat")) dat = ""

det_full(n, r) = 1 - r**(n - 1)
det_cross(p, r, N) = p * (1 - r**N)
ovh_cross(p, N) = 1 + p * N
# Corollary 1 (N = 1, W1 = R, W2 = 2R): p_min = C/((1 - r)(R + S)), C = 1, R = 1.2, S = 250.
pmin(r) = 1.0 / ((1 - r) * (1.2 + 250))

set style line 1 lc rgb "#1b6ca8" lw 2 pt 7 ps 0.8
set style line 2 lc rgb "#c0392b" lw 2 pt 5 ps 0.8
set style line 3 lc rgb "#1b6ca8" lw 2 dt 2
set style line 4 lc rgb "#c0392b" lw 2 dt 2
set style line 5 lc rgb "#1b6ca8" lw 1.5 dt 3
set style line 6 lc rgb "#c0392b" lw 1.5 dt 3

set xlabel "probability that a tampered request is detected"
set ylabel "extra compute, overhead - 1 (x native inference)"
set xrange [1e-4:1]
set logscale x
set format x "10^{%L}"
set yrange [1e-5:30]
set logscale y
set format y "10^{%L}"
set key bottom right box opaque font ",9"
# n = 1 (no verification) has detection 0 and falls off the logarithmic axis.
set grid lc rgb "#dddddd"
set samples 400

# Full sampling is defined at whole n only: tabulate it.
set print $F05
do for [n = 1:15] { print sprintf("%.10g %d", det_full(n, 0.5), n) }
set print $F01
do for [n = 1:15] { print sprintf("%.10g %d", det_full(n, 0.1), n) }
set print $PTS
print sprintf("%.10g %.10g", det_cross(0.01, 0.5, 1), ovh_cross(0.01, 1))
print sprintf("%.10g %.10g", det_cross(pmin(0.5), 0.5, 1), ovh_cross(pmin(0.5), 1))
unset print

set title "Verification cost versus detection: full sampling and cross-validation" font ",11"
set label 1 "Atoma 2025: p = 1%, N = 1" at first det_cross(0.01, 0.5, 1) / 1.3, first 0.01 * 1.6 right font ",8"
set label 2 "p_{min} (Prop. 2.4: r = 0.5, R = 1.2C, S = 250C)" at first det_cross(pmin(0.5), 0.5, 1) / 1.3, first pmin(0.5) / 1.6 right font ",8"

extra = ""
if (dat ne "") {
	extra = sprintf(", '%s' using 1:($2 - 1) with points pt 1 ps 1.4 lc rgb 'black' title 'ver\\_tabulate (C), r = game.r', '' using 3:($4 - 1) with points pt 2 ps 1.4 lc rgb 'black' notitle", dat)
}

do for [fmt in "png pdf"] {
	if (fmt eq "png") {
		set terminal pngcairo size 900,620 enhanced font "sans,10"
	} else {
		set terminal pdfcairo size 6in,4.1in enhanced font "sans,9"
	}
	set output sprintf("%s/fig_verification.%s", out, fmt)
	plot $F05 using 1:($2 - 1) with linespoints ls 1 title "full sampling, r = 0.5 (n = 2..15)", \
	     $F01 using 1:($2 - 1) with linespoints ls 2 title "full sampling, r = 0.1", \
	     [t=-4.5:0] '+' using (det_cross(10**t, 0.5, 1)):(ovh_cross(10**t, 1) - 1) with lines ls 3 title "cross-validation N = 1, r = 0.5 (p = 10^{-4.5}..1)", \
	     [t=-4.5:0] '+' using (det_cross(10**t, 0.1, 1)):(ovh_cross(10**t, 1) - 1) with lines ls 4 title "cross-validation N = 1, r = 0.1", \
	     [t=-4.5:0] '+' using (det_cross(10**t, 0.5, 3)):(ovh_cross(10**t, 3) - 1) with lines ls 5 title "cross-validation N = 3, r = 0.5", \
	     [t=-4.5:0] '+' using (det_cross(10**t, 0.1, 3)):(ovh_cross(10**t, 3) - 1) with lines ls 6 title "cross-validation N = 3, r = 0.1", \
	     $PTS using 1:($2 - 1) with points pt 7 ps 1.2 lc rgb "black" title "operating points" @extra
	unset output
}
