#!/bin/sh
# Runs the libFuzzer targets (docs/fuzzing.md). Two modes:
#
#   run.sh SECONDS BIN...   `make fuzz`: each target explores for SECONDS over
#                           its corpus; new inputs go to build-fuzz/corpus/
#                           (scratch, not git); a crash, hang, leak or OOM is
#                           copied into tests/fuzz/regress/<target>/ and the
#                           run exits 1.
#   run.sh check            `make check`: each target replays its corpus and
#                           regress inputs once, then explores a fixed number
#                           of runs from a fixed seed over a fresh scratch
#                           corpus (deterministic). Ends "N passed, N failed".
#
# One fuzzer process at a time: the machines have two cores and others build.
set -u

here=$(dirname "$0")
build=${VIGIL_FUZZ_BUILD:-build-fuzz}
# Exploration in `make check`: runs per target (1-2 s each here).
CHECK_RUNS=${FUZZ_CHECK_RUNS:-6000}
# A single input slower than this is a hang.
TIMEOUT=${FUZZ_TIMEOUT:-10}

passed=0
failed=0

target_of() { # build-fuzz/fuzz-frame -> frame
	name=$(basename "$1")
	echo "${name#fuzz-}"
}

dict_of() { # the -dict option when the target has one
	[ -f "$here/$1.dict" ] && echo "-dict=$here/$1.dict"
}

check_runs_of() { # the session target runs a whole bot per input: fewer
	case "$1" in
	session) echo $((CHECK_RUNS / 6)) ;;
	*) echo "$CHECK_RUNS" ;;
	esac
}

dirs_of() { # the target's seed dirs that exist: corpus/ and regress/
	for d in "$here/corpus/$1" "$here/regress/$1"; do
		[ -d "$d" ] && echo "$d"
	done
}

stat_of() { # stat_of LOG NAME -> libFuzzer's final stat NAME
	sed -n "s/^stat::$2: *//p" "$1" | tail -n 1
}

last_cov() { # the coverage of the last status line
	grep -aoE 'cov: [0-9]+ ft: [0-9]+' "$1" | tail -n 1 | sed 's/cov: //; s/ ft: /\//'
}

# Copies what libFuzzer left in the artifact dir into regress/, loudly.
keep_artifacts() { # keep_artifacts TARGET ARTDIR -> how many
	kept=0
	for a in "$2"/crash-* "$2"/timeout-* "$2"/oom-* "$2"/leak-* "$2"/slow-unit-*; do
		[ -f "$a" ] || continue
		mkdir -p "$here/regress/$1"
		cp "$a" "$here/regress/$1/"
		echo "fuzz-$1: $(basename "$a") saved as tests/fuzz/regress/$1/$(basename "$a"):" \
		    "reproduce with $build/fuzz-$1 tests/fuzz/regress/$1/$(basename "$a")," \
		    "fix it, and add a unit test that pins it"
		kept=$((kept + 1))
	done
	echo "$kept" >"$2/.kept"
}

explore() { # explore SECONDS BIN
	t=$(target_of "$2")
	scratch=$build/corpus/$t
	art=$build/artifacts/$t
	log=$build/logs/fuzz-$t.log
	rm -rf "$art"
	mkdir -p "$scratch" "$art" "$build/logs"
	# shellcheck disable=SC2046
	"$2" $(dict_of "$t") -max_total_time="$1" -timeout="$TIMEOUT" -print_final_stats=1 \
	    -artifact_prefix="$art/" "$scratch" $(dirs_of "$t") >"$log" 2>&1
	rc=$?
	keep_artifacts "$t" "$art"
	found=$(cat "$art/.kept")
	printf '%-14s %10s runs %8s exec/s  cov/ft %-11s corpus +%-5s crashes %s\n' "fuzz-$t" \
	    "$(stat_of "$log" number_of_executed_units)" "$(stat_of "$log" average_exec_per_sec)" \
	    "$(last_cov "$log")" "$(stat_of "$log" new_units_added)" "$found"
	if [ "$found" -gt 0 ] || [ "$rc" -ne 0 ]; then
		[ "$found" -gt 0 ] || echo "fuzz-$t exited with status $rc and saved no input"
		grep -a -E -A3 'ERROR|check failed|runtime error' "$log" | head -n 12
		echo "(full log: $log)"
		failed=$((failed + 1))
	fi
}

# One result line per step of `make check`.
result() { # result NAME STEP ok|FAIL DETAIL LOG
	if [ "$3" = ok ]; then
		passed=$((passed + 1))
		printf '%-14s %-8s ok    %s\n' "$1" "$2" "$4"
	else
		failed=$((failed + 1))
		printf '%-14s %-8s FAIL  %s\n' "$1" "$2" "$4"
		tail -n 30 "$5"
	fi
}

check_one() { # check_one BIN
	t=$(target_of "$1")
	scratch=$build/check-corpus/$t
	art=$build/check-artifacts/$t
	log=$build/logs/check-$t
	mkdir -p "$build/logs"
	# shellcheck disable=SC2046
	files=$(find $(dirs_of "$t") -type f ! -name '.*' 2>/dev/null | sort)
	n=$(printf '%s\n' "$files" | grep -c .)
	if [ "$n" -eq 0 ]; then
		result "fuzz-$t" replay FAIL "no corpus in tests/fuzz/corpus/$t" /dev/null
		return
	fi
	# shellcheck disable=SC2086
	if "$1" -timeout="$TIMEOUT" $files >"$log-replay.log" 2>&1; then
		result "fuzz-$t" replay ok "$n inputs" "$log-replay.log"
	else
		result "fuzz-$t" replay FAIL "$n inputs (log: $log-replay.log)" "$log-replay.log"
	fi
	rm -rf "$scratch" "$art"
	mkdir -p "$scratch" "$art"
	runs=$(check_runs_of "$t")
	# shellcheck disable=SC2046
	if "$1" $(dict_of "$t") -seed=1 -runs="$runs" -timeout="$TIMEOUT" \
	    -artifact_prefix="$art/" "$scratch" $(dirs_of "$t") >"$log-explore.log" 2>&1; then
		result "fuzz-$t" explore ok "$runs runs, seed 1" "$log-explore.log"
	else
		result "fuzz-$t" explore FAIL "$runs runs, seed 1: input in $art/" "$log-explore.log"
	fi
}

if [ "${1:-}" = check ]; then
	for bin in "$build"/fuzz-*; do
		[ -x "$bin" ] && check_one "$bin"
	done
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
fi

if [ $# -lt 2 ]; then
	echo "usage: $0 SECONDS BIN... | $0 check" >&2
	exit 2
fi
secs=$1
shift
echo "fuzzing $# targets for $secs s each (logs in $build/logs, new inputs in $build/corpus)"
for bin in "$@"; do
	explore "$secs" "$bin"
done
if [ "$failed" -gt 0 ]; then
	echo "fuzz: $failed of $# targets found a crash; the inputs are in tests/fuzz/regress/"
	exit 1
fi
echo "fuzz: no crash in $# targets"
