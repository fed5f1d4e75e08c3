#!/bin/sh
# check-layers.sh: fails when a folder includes a header from a folder it may
# not use (docs/architecture.md draws the layers).  A header of another folder
# is named with its folder ("sim/evq.h"); a bare name must be a header of the
# including file's own folder.  Prints one line per offending include and
# exits 1 if there is any.
cd "$(dirname "$0")/.." || exit 2

# may_use FOLDER: the folders FOLDER may include, besides itself.
may_use() {
	case "$1" in
	sim)      echo "" ;;
	engine)   echo "" ;;
	h5)       echo "sim" ;;
	models)   echo "sim engine" ;;
	analysis) echo "sim h5" ;;
	run)      echo "sim h5 analysis" ;;
	cli)      echo "sim engine h5 models analysis run" ;;
	esac
}

bad=0
for dir in sim engine h5 models analysis run cli; do
	allowed=$(may_use "$dir")
	for f in "$dir"/*.c "$dir"/*.h "$dir"/*.cu; do
		[ -f "$f" ] || continue
		# "LINE:NAME" for every quoted include
		grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
		sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' > "${TMPDIR:-/tmp}/layers.$$"
		while read -r line inc; do
			case "$inc" in
			*/*)
				to=${inc%%/*}
				ok=0
				[ "$to" = "$dir" ] && ok=1
				for a in $allowed; do [ "$a" = "$to" ] && ok=1; done
				if [ $ok -eq 0 ]; then
					echo "$f:$line: #include \"$inc\": $dir/ may not include $to/ (it may use: ${allowed:-nothing outside itself})"
					bad=1
				fi ;;
			*)
				if [ ! -f "$dir/$inc" ] && ! { [ "$inc" = buildinfo.h ] || [ "$inc" = schema_json.h ]; }; then
					echo "$f:$line: #include \"$inc\": no such header in $dir/ (name another folder's header with its folder)"
					bad=1
				fi ;;
			esac
		done < "${TMPDIR:-/tmp}/layers.$$"
		rm -f "${TMPDIR:-/tmp}/layers.$$"
		# the while loop runs in this shell (redirect, not a pipe), so bad sticks
	done
done
[ $bad -eq 0 ] && echo "layers: every include is allowed"
exit $bad
