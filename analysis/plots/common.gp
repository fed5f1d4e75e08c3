# common.gp — settings shared by the paper figures.
# Each figure script is run as: gnuplot -e "dir='IN'; out='OUT'" fig_X.gp
# IN holds the .dat tables written by `dais export` (layout: t, then per series
# column c at 2+6c: mean p05 p95 ci95_lo ci95_hi p50); OUT receives X.png and X.pdf.
if (!exists("dir")) dir = "."
if (!exists("out")) out = "."
if (!exists("start_year")) start_year = 2024.0
year(t) = start_year + t / 365.25
set datafile missing "NaN"
set grid lc rgb "#dddddd"
set key noenhanced
set border lw 1.2
# column of statistic s (0 mean, 1 p05, 2 p95, 3 ci95_lo, 4 ci95_hi, 5 p50) of series column c
col(c, s) = 2 + 6 * c + s
