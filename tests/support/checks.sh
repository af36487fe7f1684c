# Counted checks for the shell suites (tests/tui, tests/ops): each check is
# "ok - NAME" or "not ok - NAME"; `finish` prints the closing
# "N passed, N failed" line that tests/run.sh reads. The sourcing library
# defines show_failure, which prints what helps after a failed check.

pass=0
fail=0

# check NAME COMMAND...: runs the command and counts the result.
check() {
	name=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
		echo "ok - $name"
	else
		fail=$((fail + 1))
		echo "not ok - $name"
		show_failure
	fi
}

# skip NAME WHY: a check that cannot run here (counted as passed, said).
skip() {
	pass=$((pass + 1))
	echo "ok - $1 # SKIP $2"
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
