#!/bin/sh
# check-numbers.sh [NOTE] [NUMBERS]: every number macro the note uses is
# defined in numbers.tex, so no sentence of the note prints "??".  Called at
# the end of `make figures`; exits 1 and lists the missing keys otherwise.
NOTE=${1:-paper/dais-note.tex}
NUM=${2:-paper/figures/numbers.tex}
sed 's/\([^\\]\)%.*/\1/; s/^%.*//' "$NOTE" |
grep -o '\\dais[a-zA-Z]*{[^}]*}{[^}]*}\({[^}]*}\)\?\|\\drivers{[^}]*}{[^}]*}' |
grep -v '^\\dais[a-zA-Z]*{#' | awk -v num="$NUM" '
BEGIN { while ((getline l < num) > 0) if (match(l, /csname [^\\]*\\endcsname/))
		have[substr(l, RSTART + 7, RLENGTH - 17)] = 1 }
function need(k) { if (!(k in have) && !(k in told)) { print "missing: " k; told[k] = 1; bad = 1 } }
{ n = split($0, a, /[{}]+/); m = a[1]; sub(/^\\/, "", m)
  if (m == "daisnum") need("dais@" a[2] "@" a[3])
  else if (m == "daisuqrange") { need("daisuqdate@" a[2] "@" a[3] "@p05")
	need("daisuqdate@" a[2] "@" a[3] "@p50"); need("daisuqdate@" a[2] "@" a[3] "@p95") }
  else if (m == "drivers") for (r = 1; r <= 3; r++) { need("daisdriver@" a[2] "@" a[3] "@" r)
	need("daisST@" a[2] "@" a[3] "@" r); need("daisSTci@" a[2] "@" a[3] "@" r) }
  else if (n >= 5 && a[4] != "") need(m "@" a[2] "@" a[3] "@" a[4])
  else need(m "@" a[2] "@" a[3]) }
END { exit bad }'
