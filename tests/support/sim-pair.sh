# Sourced by bench/run.sh and tests/soak/soak.sh (set NAME first): a
# vigil-sim and a headless vigil over loopback, in a temporary directory
# that goes, with both processes, when the script exits; and the helpers
# both scripts drive them with. Every wait is bounded.

B=${VIGIL_BUILD:-build}
TMP=$(mktemp -d "/tmp/vigil-$NAME.XXXXXX")
SIM=""
VIG=""

cleanup() {
	[ -n "$VIG" ] && kill "$VIG" 2>/dev/null || true
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

die() { echo "$NAME: $*" >&2; exit 1; }

# wait_for SECONDS COMMAND...: polls every 50 ms until COMMAND succeeds.
wait_for() {
	n=$(($1 * 20)); shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1)); [ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
}

counter() { # an emulator counter
	curl -s "http://127.0.0.1:$PORT/_ctl/counters" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}

# fault JSON: POST /_ctl/fault; prints the HTTP status.
fault() { curl -s -o /dev/null -w '%{http_code}' -X POST -d "$1" "http://127.0.0.1:$PORT/_ctl/fault"; }

connected() { grep -c '"to":"Connected"' "$TMP/vigil.log" || true; }

# wait_back BEFORE: until vigil has logged more than BEFORE transitions to
# Connected (30 s).
wait_back() {
	wait_for 30 sh -c "[ \$(grep -c '\"to\":\"Connected\"' $TMP/vigil.log) -gt $1 ]"
}

# burst COUNT SECONDS: the emulator sends COUNT MESSAGE_CREATE as fast as
# vigil reads; waits until all are sent. BURST_T0: when it was asked for (ns).
burst() {
	target=$(($(counter events_sent) + $1))
	BURST_T0=$(date +%s%N)  # the moment it is asked for, for a rate
	[ "$(fault "{\"fault\":\"burst\",\"count\":$1}")" = 200 ] || die "burst refused"
	wait_for "$2" sh -c "[ \$(curl -s http://127.0.0.1:$PORT/_ctl/counters |
		sed -n 's/.*\"events_sent\":\([0-9]*\).*/\1/p') -ge $target ]" ||
		die "a burst of $1 did not finish in $2 s"
}

# start_pair SIM-ARGS -- VIGIL-ARGS: vigil-sim on a free port (sets PORT),
# then vigil against it, logging JSON to $TMP/vigil.log; waits until
# vigil is Connected.
start_pair() {
	sim_args=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do sim_args="$sim_args $1"; shift; done
	[ $# -gt 0 ] && shift
	# shellcheck disable=SC2086 # the sim's arguments are words
	"$B/vigil-sim" --port 0 $sim_args >"$TMP/sim.json" 2>"$TMP/sim.err" &
	SIM=$!
	wait_for 5 grep -q '"port"' "$TMP/sim.json" || die "vigil-sim did not start"
	PORT=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$TMP/sim.json")
	start_vigil "$@"
}

# start_vigil VIGIL-ARGS: a vigil against the running emulator, logging
# JSON to $VLOG (default $TMP/vigil.log), its state in $VSTATE (default
# $TMP/state); waits until it is Connected.
start_vigil() {
	"$B/vigil" --headless --log-json --api "http://127.0.0.1:$PORT/api" \
		--state-dir "${VSTATE:-$TMP/state}" "$@" >"${VLOG:-$TMP/vigil.log}" 2>&1 </dev/null &
	VIG=$!
	wait_for 10 grep -q '"to":"Connected"' "${VLOG:-$TMP/vigil.log}" || die "vigil did not connect"
}
