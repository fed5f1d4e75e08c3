#!/bin/sh
# run-tests.sh TEST...: runs every Criterion test binary, then prints one closing
# line with the number of tests that passed and failed across all of them.
pass=0; fail=0; failed=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
	echo "== $t"
	"$t" --jobs 2 >"$log" 2>&1
	rc=$?
	cat "$log"
	# Criterion's closing line: "[====] Synthesis: Tested: N | Passing: P | Failing: F | Crashing: C"
	line=$(grep 'Synthesis: Tested:' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	f=$(echo "$line" | sed -n 's/.*Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 \2/p')
	pass=$((pass + ${p:-0}))
	for k in $f; do fail=$((fail + k)); done
	if [ $rc -ne 0 ] || [ -z "$line" ]; then
		failed="$failed $t"
		[ -z "$line" ] && fail=$((fail + 1))
	fi
done
echo "tests: $pass passed, $fail failed"
[ -z "$failed" ] || { echo "failing test binaries:$failed"; exit 1; }
