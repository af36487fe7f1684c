# Shared by tests/tui/test-*.sh: the console in a private tmux server, like
# tmux's own regress/ tests. A fixed-size detached session runs vigil
# against its emulator; checks read the pane with capture-pane and wait
# with bounded polls, never bare sleeps. Each check is counted; `finish`
# prints the closing "N passed, N failed" line that tests/run.sh reads.
#
#   . tests/tui/lib.sh
#   start_vigil [FLAGS...]          (the embedded emulator, fast settings)
#   check "what" expect_state Connected 10
#   check "what" wait_for_text 'cache: flushed' 3
#   send 'sim drop'
#   finish

VIGIL_BUILD=${VIGIL_BUILD:-build}
case $VIGIL_BUILD in /*) ;; *) VIGIL_BUILD=$(pwd)/$VIGIL_BUILD ;; esac
SOCK=vigil-test-$$
TMUX_CMD="tmux -L $SOCK -f /dev/null"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-tui.XXXXXX")
PANE=vigil:0.0
SIM_PID=
REDIS_PID=
. tests/support/checks.sh

cleanup() {
	$TMUX_CMD kill-server 2>/dev/null
	[ -z "$SIM_PID" ] || kill "$SIM_PID" 2>/dev/null
	[ -z "$REDIS_PID" ] || kill -9 "$REDIS_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

capture() {
	$TMUX_CMD capture-pane -p -t "$PANE" "$@"
}

# wait_for_text PATTERN SECONDS: polls the pane (extended regex) until the
# pattern shows or time is up (or vigil has exited).
wait_for_text() {
	tries=$(( $2 * 10 ))
	while [ "$tries" -gt 0 ]; do
		screen=$(capture)
		printf '%s\n' "$screen" | grep -Eq -- "$1" && return 0
		printf '%s\n' "$screen" | grep -q 'VIGIL-EXITED' && return 1
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# The state the console shows as current: in the full layout the one pill
# drawn highlighted (reverse video, read from capture-pane -e; all four
# pills are always drawn, so their text alone says nothing), in the
# compact one the first word of the state line. Empty when it cannot tell
# (no pill or two highlighted).
current_state() {
	esc=$(printf '\033')
	pills=$(capture -e | grep -aoE "$esc\[([0-9]+;)*7(;[0-9]+)*m($esc\[[0-9;]*m)*\[ [A-Za-z]+ \]" |
	    sed 's/.*\[ \([A-Za-z]*\) \]$/\1/')
	if [ -n "$pills" ]; then
		[ "$(printf '%s\n' "$pills" | wc -l)" -eq 1 ] && printf '%s\n' "$pills"
		return 0
	fi
	capture | sed -n '2s/^\(Connected\|Disconnected\|Resuming\|Reconnecting\) [0-9].*/\1/p'
}

# expect_state NAME [SECONDS]: waits (default 5 s) until NAME is the
# current state (see current_state).
expect_state() {
	tries=$(( ${2:-5} * 10 ))
	while [ "$tries" -gt 0 ]; do
		[ "$(current_state)" = "$1" ] && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	echo "    state shown: '$(current_state)', expected '$1'"
	return 1
}

# wait_for_match TEXT SECONDS: waits until TEXT is drawn highlighted as a
# search match (right after a background or reverse-video attribute).
wait_for_match() {
	esc=$(printf '\033')
	tries=$(( $2 * 10 ))
	while [ "$tries" -gt 0 ]; do
		capture -e | grep -aqE "$esc\[([0-9]+;)*(7|48;5;[0-9]+)m$1" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# wait_for_gone PATTERN SECONDS: the opposite.
wait_for_gone() {
	tries=$(( $2 * 10 ))
	while [ "$tries" -gt 0 ]; do
		capture | grep -Eq -- "$1" || return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# After a failed check: the pane.
show_failure() {
	capture | sed 's/^/    | /'
}

send() {
	$TMUX_CMD send-keys -t "$PANE" -l "$1"
	$TMUX_CMD send-keys -t "$PANE" Enter
}

keys() {
	$TMUX_CMD send-keys -t "$PANE" "$@"
}

resize() {
	$TMUX_CMD resize-window -t vigil -x "$1" -y "$2"
}

# The state directory, config directory and environment of a run.
vigil_env() {
	echo "env XDG_STATE_HOME=$WORK/state XDG_CONFIG_HOME=$WORK/config HOME=$WORK" \
	    "VIGIL_TOKEN= VIGIL_API= LANG=C.UTF-8 LC_ALL=C.UTF-8 $*"
}

# start_vigil [FLAGS...]: the console in a 120x40 pane against the embedded
# emulator (a vigil-sim on a free port when vigil has no embedded one).
# The pane stays after vigil exits and says how it ended.
start_vigil() {
	mkdir -p "$WORK/state" "$WORK/config"
	run="$(vigil_env) $VIGIL_BUILD/vigil --sim-heartbeat 1000 --resume-window 20s $*"
	$TMUX_CMD new-session -d -s vigil -x 120 -y 40 \
	    "$run; echo VIGIL-EXITED \$?; sleep 600"
	$TMUX_CMD set -g window-size manual
	if wait_for_text 'embedded emulator is not built in' 3; then
		start_external_sim "$@"
	fi
}

# SIM_ARGS: more flags for vigil-sim (the shard tests' --shards ...).
start_external_sim() {
	$TMUX_CMD kill-session -t vigil 2>/dev/null
	"$VIGIL_BUILD/vigil-sim" --port 0 --heartbeat-interval 1000 --resume-window 20s ${SIM_ARGS:-} \
	    >"$WORK/sim.json" 2>"$WORK/sim.err" &
	SIM_PID=$!
	tries=50
	while [ "$tries" -gt 0 ] && ! grep -q '"api"' "$WORK/sim.json"; do
		sleep 0.1
		tries=$((tries - 1))
	done
	api=$(sed -n 's/.*"api":"\([^"]*\)".*/\1/p' "$WORK/sim.json")
	run="$(vigil_env VIGIL_TOKEN=sim-token) $VIGIL_BUILD/vigil --api $api $*"
	$TMUX_CMD new-session -d -s vigil -x 120 -y 40 \
	    "$run; echo VIGIL-EXITED \$?; sleep 600"
}

# start_redis: a redis-server of the test's own on $WORK/redis.sock (no
# TCP port, nothing saved), killed by cleanup; REDIS_PID is its pid.
start_redis() {
	redis-server --port 0 --unixsocket "$WORK/redis.sock" --dir "$WORK" --save "" \
	    --appendonly no >"$WORK/redis.log" 2>&1 &
	REDIS_PID=$!
	tries=50
	while [ "$tries" -gt 0 ] && ! [ -S "$WORK/redis.sock" ]; do
		sleep 0.1
		tries=$((tries - 1))
	done
}

# The number after a label on the screen, e.g. screen_number 'used ' for
# "used 2/1000".
screen_number() {
	capture | sed -n "s/.*$1\([0-9][0-9]*\).*/\1/p" | head -n 1
}

# The screen with what changes from run to run masked (tmux's regress/
# .result files): wall-clock times, durations, the emulator's port, the
# round trip, the event rate and the countdown bar's fill.
masked_screen() {
	capture | perl -CSD -pe '
		s/\d\d:\d\d:\d\d/HH:MM:SS/g;
		s/127\.0\.0\.1:\d+/127.0.0.1:PORT/g;
		s/(?<![\d.\/])(?!429s)\d+(?:d\d\dh|h\d\dm|m\d\ds|s)(?![\w.])/T/g;
		s/rtt \d+ ms/rtt N ms/g;
		s/\d+\.\d\/s/N.N\/s/g;
		s/\x{2588}/\x{2591}/g;
		s/[ \t]+$//;'
}

# expect_golden NAME SECONDS: waits until the masked screen equals
# tests/tui/golden/NAME.result; shows the difference when it never does.
# VIGIL_GOLDEN_UPDATE=1 writes the file instead (read it before committing).
expect_golden() {
	golden=$(dirname "$0")/golden/$1.result
	if [ -n "${VIGIL_GOLDEN_UPDATE:-}" ]; then
		sleep "$2"
		masked_screen >"$golden"
		return 0
	fi
	tries=$(( $2 * 10 ))
	while [ "$tries" -gt 0 ]; do
		masked_screen >"$WORK/screen" && cmp -s "$WORK/screen" "$golden" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	diff -u "$golden" "$WORK/screen" | sed 's/^/    /'
	return 1
}
