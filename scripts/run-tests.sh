#!/bin/sh
# run-tests.sh TEST...: runs every Criterion test binary, then (with $PYTHON
# set) the Python tests under python/tests, then prints one closing line with
# the number of tests that passed and failed across all of them.
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
# Python: unittest's "Ran N tests" and "OK (skipped=S)" / "FAILED (failures=F, errors=E)".
if [ -n "$PYTHON" ]; then
	echo "== python/tests ($PYTHON)"
	if command -v "$PYTHON" >/dev/null 2>&1; then
		"$PYTHON" -m unittest discover -s python/tests -v >"$log" 2>&1
		rc=$?
		cat "$log"
		n=$(sed -n 's/^Ran \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
		last=$(tail -n 1 "$log")
		num() { v=$(echo "$last" | sed -n "s/.*$1=\([0-9]*\).*/\1/p"); echo "${v:-0}"; }
		f=$(( $(num failures) + $(num errors) ))
		sk=$(num skipped)
		[ -z "$n" ] && f=1 && n=0
		pass=$((pass + n - f - sk))
		fail=$((fail + f))
		[ "$sk" -gt 0 ] && echo "python tests: $sk skipped (see the reasons above)"
		[ $rc -ne 0 ] && failed="$failed python/tests"
	else
		echo "python tests: skipped ($PYTHON not found)"
	fi
fi
echo "tests: $pass passed, $fail failed"
[ -z "$failed" ] || { echo "failing test binaries:$failed"; exit 1; }
