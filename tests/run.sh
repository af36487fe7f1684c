#!/bin/sh
# Runs every test suite given on the command line (cmocka binaries and shell
# scripts) and prints one closing line: "N passed, N failed".
#
# A suite reports its counts either as cmocka does ("[  PASSED  ] N test(s)."
# and "[  FAILED  ] N test(s)") or with its own last line "N passed, N failed".
# A suite that exits non-zero without reporting a failure counts as one failed
# test, so a crash can never pass silently. Output of a failing suite is shown
# in full; a passing suite shows only its summary.
set -u

total_pass=0
total_fail=0
failed_suites=""
logdir=${VIGIL_BUILD:-build}/test-logs
mkdir -p "$logdir"

count() { # count FILE PATTERN -> the number in the last matching line, or 0
	n=$(grep -E "$2" "$1" | tail -n 1 | grep -oE '[0-9]+' | head -n 1)
	echo "${n:-0}"
}

for suite in "$@"; do
	# unit/test-x and integration/test-x must not share a log
	name=$(echo "$suite" | sed 's|.*tests/||; s|\.sh$||; s|/|-|g')
	log="$logdir/$name.log"
	start=$(date +%s)
	case "$suite" in
	*.sh) sh "$suite" >"$log" 2>&1 </dev/null ;;
	*) "$suite" >"$log" 2>&1 </dev/null ;;
	esac
	rc=$?
	secs=$(( $(date +%s) - start ))

	if grep -qE '^\[  PASSED  \]|^\[  FAILED  \]' "$log"; then
		pass=$(count "$log" '^\[  PASSED  \]')
		fail=$(count "$log" '^\[  FAILED  \] [0-9]+ test')
	else
		pass=$(count "$log" '^[0-9]+ passed, [0-9]+ failed')
		fail=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 |
			sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
		fail=${fail:-0}
	fi
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		fail=1
		echo "($name exited with status $rc without reporting a failure)" >>"$log"
	fi

	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	if [ "$fail" -ne 0 ]; then
		failed_suites="$failed_suites $name"
		echo "---- $name: output ----"
		cat "$log"
		echo "---- end of $name ----"
	fi
	printf '%-44s %4d passed, %d failed  (%ds)\n' "$name" "$pass" "$fail" "$secs"
done

[ -z "$failed_suites" ] || echo "failing suites:$failed_suites (logs in $logdir)"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
