#!/bin/sh
# run-tests.sh TEST...: runs every Criterion test binary, then prints one closing line.
pass=0; fail=0; failed=""
for t in "$@"; do
	echo "== $t"
	if "$t" --jobs 2; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $t"; fi
done
echo "test binaries: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || { echo "failed:$failed"; exit 1; }
