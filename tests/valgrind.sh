#!/bin/sh
# make valgrind: runs each test binary given under valgrind memcheck and
# prints one line per binary, then "N passed, N failed" (one per binary).
# A binary fails when valgrind finds an invalid read or write, a use of
# uninitialised memory, or a definite leak (--errors-for-leak-kinds), or
# when its own tests fail. Logs: $VIGIL_BUILD/valgrind/<name>.log.
set -u

# Tests that measure a rate scale it down when they see this.
VIGIL_VALGRIND=1
export VIGIL_VALGRIND
logdir=${VIGIL_BUILD:-build}/valgrind
mkdir -p "$logdir"
passed=0
failed=0

for bin in "$@"; do
	name=$(basename "$bin")
	log=$logdir/$name.log
	start=$(date +%s)
	valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite \
	    --error-exitcode=99 --track-origins=yes --log-file="$log.vg" \
	    "$bin" >"$log" 2>&1 </dev/null
	rc=$?
	secs=$(( $(date +%s) - start ))
	errors=$(grep -cE '^==[0-9]+== [A-Z]' "$log.vg")
	lost=$(grep -oE 'definitely lost: [0-9,]+ bytes' "$log.vg" | head -n 1 | grep -oE '[0-9,]+')
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		printf '%-28s ok    no errors, no definite leak (%ds)\n' "$name" "$secs"
	else
		failed=$((failed + 1))
		why="exit $rc"
		[ "$rc" -eq 99 ] && why="valgrind errors"
		printf '%-28s FAIL  %s, definitely lost %s bytes (%ds; %s)\n' "$name" "$why" \
		    "${lost:-0}" "$secs" "$log.vg"
		[ "$errors" -gt 0 ] && head -n 40 "$log.vg"
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
