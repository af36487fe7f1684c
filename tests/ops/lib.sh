# Shared by tests/ops/test-*.sh: a headless vigil against its embedded
# emulator, in a private runtime, state and config directory. Waits are
# bounded polls, never bare sleeps. Each check is counted; `finish` prints
# the closing "N passed, N failed" line that tests/run.sh reads.
#
#   . tests/ops/lib.sh
#   start_vigil [FLAGS...]          (headless, fast settings, output in $WORK/out)
#   check "what" wait_log 'Connected' 10
#   finish

VIGIL_BUILD=${VIGIL_BUILD:-build}
case $VIGIL_BUILD in /*) ;; *) VIGIL_BUILD=$(pwd)/$VIGIL_BUILD ;; esac
VIGIL=$VIGIL_BUILD/vigil
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-ops.XXXXXX")
VIGIL_PID=
EXTRA_PIDS=
. tests/support/checks.sh

cleanup() {
	[ -z "$VIGIL_PID" ] || kill "$VIGIL_PID" 2>/dev/null
	for p in $EXTRA_PIDS; do kill "$p" 2>/dev/null; done
	[ -z "$VIGIL_PID" ] || wait "$VIGIL_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

# The environment of every run: nothing from the caller's vigil.
export XDG_RUNTIME_DIR="$WORK/run" XDG_STATE_HOME="$WORK/state" \
    XDG_CONFIG_HOME="$WORK/config" HOME="$WORK" VIGIL_TOKEN= VIGIL_API= \
    VIGIL_ALERT_WEBHOOK= LC_ALL=C
mkdir -p "$WORK/run" "$WORK/state" "$WORK/config"
chmod 700 "$WORK/run"

# After a failed check: vigil's last lines.
show_failure() {
	[ ! -f "$WORK/out" ] || tail -n 15 "$WORK/out" | sed 's/^/    | /'
}

# wait_until SECONDS COMMAND...: polls the command every 0.1 s.
wait_until() {
	tries=$(( $1 * 10 ))
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

log_has() {
	grep -Eq -- "$1" "$WORK/out"
}

# wait_log PATTERN SECONDS: vigil's output shows the pattern.
wait_log() {
	wait_until "$2" log_has "$1"
}

# start_vigil [FLAGS...]: headless against the embedded emulator.
start_vigil() {
	: >"$WORK/out"  # now, not in the child: a wait must not read the last run's
	"$VIGIL" --headless --sim-heartbeat 1000 --resume-window 20s "$@" \
	    >"$WORK/out" 2>&1 &
	VIGIL_PID=$!
}

# stop_vigil: SIGTERM and wait; the exit status in $VIGIL_STATUS.
stop_vigil() {
	kill -TERM "$VIGIL_PID" 2>/dev/null
	wait "$VIGIL_PID"
	VIGIL_STATUS=$?
	VIGIL_PID=
}

# A free loopback TCP port.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

