#!/bin/sh
# gen-docs.sh [DAIS]: regenerates the reference part of docs/scenarios.md (between
# its BEGIN/END GENERATED markers) from the schema compiled into DAIS
# (default build/dais; build it first).  tests/test_scn.c fails while it is stale.
set -e
cd "$(dirname "$0")/.."
dais=${1:-build/dais}
doc=docs/scenarios.md
[ -x "$dais" ] || { echo "gen-docs.sh: $dais not found; run make first" >&2; exit 1; }
grep -q '^<!-- BEGIN GENERATED -->$' "$doc" && grep -q '^<!-- END GENERATED -->$' "$doc" ||
	{ echo "gen-docs.sh: $doc lacks the GENERATED markers" >&2; exit 1; }
"$dais" schema --markdown > "$doc.gen"
awk -v gen="$doc.gen" '
	/^<!-- BEGIN GENERATED -->$/ { print; while ((getline line < gen) > 0) print line; skip = 1; next }
	/^<!-- END GENERATED -->$/   { skip = 0 }
	!skip
' "$doc" > "$doc.tmp"
rm -f "$doc.gen"
if cmp -s "$doc.tmp" "$doc"; then rm -f "$doc.tmp"; echo "$doc is up to date"
else mv "$doc.tmp" "$doc"; echo "updated $doc"; fi
