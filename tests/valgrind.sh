#!/bin/sh
# make valgrind: runs each test binary given under valgrind memcheck and
# prints one line per binary, then "N passed, N failed" (one per binary).
# A binary fails when valgrind finds an invalid read or write, a use of
# uninitialised memory, or a definite leak (--errors-for-leak-kinds), or
# when its own tests fail. The vigil processes an integration test starts
# are checked too (--trace-children); the emulator, Redis, shells and tmux are
# test peers and are not. Logs: $VIGIL_BUILD/valgrind/<name>.log and one
# <name>.<pid>.vg per process.
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
	rm -f "$logdir/$name".*.vg
	start=$(date +%s)
	valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite \
	    --error-exitcode=99 --track-origins=yes --trace-children=yes \
	    --trace-children-skip='*vigil-sim*,*/sh,*/bash,*/tmux,*redis-server*,*redis-cli*' \
	    --log-file="$logdir/$name.%p.vg" "$bin" >"$log" 2>&1 </dev/null
	rc=$?
	secs=$(( $(date +%s) - start ))
	# A child's errors make it exit 99, which its test may not notice.
	errors=$(cat "$logdir/$name".*.vg | grep -cE '^==[0-9]+== [A-Z]')
	lost=$(cat "$logdir/$name".*.vg | grep -oE 'definitely lost: [0-9,]+ bytes' | head -n 1 |
	    grep -oE '[0-9,]+')
	[ "$rc" -eq 0 ] && [ "$errors" -gt 0 ] && rc=99
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		printf '%-28s ok    no errors, no definite leak (%ds)\n' "$name" "$secs"
	else
		failed=$((failed + 1))
		why="exit $rc"
		[ "$rc" -eq 99 ] && why="valgrind errors"
		printf '%-28s FAIL  %s, definitely lost %s bytes (%ds; %s)\n' "$name" "$why" \
		    "${lost:-0}" "$secs" "$logdir/$name.*.vg"
		[ "$errors" -gt 0 ] && cat "$logdir/$name".*.vg | head -n 40
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
