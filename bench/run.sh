#!/bin/sh
# make bench: the emulator bursts BENCH_EVENTS (default 200,000)
# MESSAGE_CREATE events at a headless vigil over loopback. Prints events/s,
# vigil's CPU per event (utime + stime from /proc), its peak RSS (VmHWM),
# and, for comparison, jansson's raw parse rate of the same payload.
# BENCH_COMPRESS=1 runs it with zlib-stream transport compression.
# Figures only: a benchmark never passes or fails on time.
set -eu

B=${VIGIL_BUILD:-build}
N=${BENCH_EVENTS:-200000}
TMP=$(mktemp -d /tmp/vigil-bench.XXXXXX)
SIM=""
VIG=""

cleanup() {
	[ -n "$VIG" ] && kill "$VIG" 2>/dev/null || true
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

die() { echo "bench: $*" >&2; exit 1; }

# wait_for SECONDS COMMAND...: polls every 50 ms until COMMAND succeeds.
wait_for() {
	n=$(($1 * 20)); shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1)); [ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
}

cpu_ticks() { # utime + stime of pid $1
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

counter() { # an emulator counter
	curl -s "http://127.0.0.1:$PORT/_ctl/counters" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}

now_ns() { date +%s%N; }

"$B/vigil-sim" --port 0 --chatter 0 >"$TMP/sim.json" 2>"$TMP/sim.err" &
SIM=$!
wait_for 5 grep -q '"port"' "$TMP/sim.json" || die "vigil-sim did not start"
PORT=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$TMP/sim.json")

"$B/vigil" --headless --log-json --api "http://127.0.0.1:$PORT/api" \
	--state-dir "$TMP/state" ${BENCH_COMPRESS:+--compress} >"$TMP/vigil.log" 2>&1 </dev/null &
VIG=$!
wait_for 10 grep -q '"to":"Connected"' "$TMP/vigil.log" || die "vigil did not connect"

HZ=$(getconf CLK_TCK)
sent0=$(counter events_sent)
cpu0=$(cpu_ticks "$VIG")
t0=$(now_ns)
curl -s -X POST -d "{\"fault\":\"burst\",\"count\":$N}" \
	"http://127.0.0.1:$PORT/_ctl/fault" >/dev/null || die "burst refused"

# The emulator writes as fast as vigil reads; then vigil finishes what is
# buffered. Done when all is sent and vigil's CPU time stops moving.
wait_for 300 sh -c "[ \$(curl -s http://127.0.0.1:$PORT/_ctl/counters |
	sed -n 's/.*\"events_sent\":\([0-9]*\).*/\1/p') -ge $((sent0 + N)) ]" ||
	die "the burst did not finish in 300 s"
last=$(cpu_ticks "$VIG"); t1=$(now_ns)
while :; do
	sleep 0.1
	c=$(cpu_ticks "$VIG")
	[ "$c" = "$last" ] && break
	last=$c; t1=$(now_ns)
done
cpu1=$last
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$VIG/status")

kill -TERM "$VIG"
wait "$VIG" || true
VIG=""
events=$(grep -o 'events=[0-9]*' "$TMP/vigil.log" | tail -n 1 | cut -d= -f2)
gaps=$(grep -o 'seq_gaps=[0-9]*' "$TMP/vigil.log" | tail -n 1 | cut -d= -f2)

awk -v z="${BENCH_COMPRESS:+, zlib-stream}" -v n="$N" -v ev="${events:-0}" -v gaps="${gaps:-?}" -v t0="$t0" -v t1="$t1" \
    -v c0="$cpu0" -v c1="$cpu1" -v hz="$HZ" -v hwm="$hwm" 'BEGIN {
	secs = (t1 - t0) / 1e9
	cpu = (c1 - c0) / hz
	printf "burst            %d MESSAGE_CREATE over loopback%s (vigil handled %d events, %s seq gaps)\n", n, z, ev, gaps
	printf "throughput       %.0f events/s (%.2f s wall)\n", n / secs, secs
	printf "vigil CPU        %.2f us per event (%.2f s user+sys)\n", cpu * 1e6 / n, cpu
	printf "vigil peak RSS   %.1f MB (VmHWM)\n", hwm / 1024
}'
"$B/bench/parse" 100000
