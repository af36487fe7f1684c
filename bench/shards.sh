#!/bin/sh
# make bench, shards (docs/design.md "Shards"): one vigil process keeping
# 1, 16, 64 and 256 shards (BENCH_SHARDS) online against vigil-sim over
# loopback. For each: the RSS once every shard is Connected and the RSS per
# extra shard; then BENCH_IDLE seconds (default 30) of quiet: vigil's CPU
# and its wake-ups (voluntary context switches) against the heartbeats the
# shards must send in that time. Last, a burst of BENCH_SHARD_EVENTS
# MESSAGE_CREATE spread over 16 shards. Figures only: never a pass or fail.
set -eu

COUNTS=${BENCH_SHARDS:-1 16 64 256}
IDLE=${BENCH_IDLE:-30}
EV=${BENCH_SHARD_EVENTS:-100000}
HB=5000
NAME=bench-shards
. "$(dirname "$0")/../tests/support/sim-pair.sh"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ctx() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$1/status"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# start N: vigil-sim recommending N shards (every one its own concurrency
# key, so start-up takes ceil(N/16) windows), vigil running all of them.
start() {
	# The last run's file must be gone before the new one is looked for:
	# the shell returns from `&` before the child truncates it.
	rm -f "$TMP/sim.json" "$TMP/vigil.log"
	"$B/vigil-sim" --port 0 --chatter 0 --shards "$1" --max-concurrency 16 \
	    --heartbeat-interval "$HB" --guilds 50 --max-sessions 1024 --max-connections 1024 \
	    >"$TMP/sim.json" 2>"$TMP/sim.err" &
	SIM=$!
	wait_for 5 grep -q '"port"' "$TMP/sim.json" || die "vigil-sim did not start"
	PORT=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$TMP/sim.json")
	rm -rf "$TMP/state"
	"$B/vigil" --headless --log-json --api "http://127.0.0.1:$PORT/api" \
		--state-dir "$TMP/state" --shards "$1" >"$TMP/vigil.log" 2>&1 </dev/null &
	VIG=$!
	wait_for $(( ($1 / 16 + 2) * 15 )) sh -c "[ \$(grep -c '\"to\":\"Connected\"' $TMP/vigil.log) -ge $1 ]" ||
	    die "$1 shards did not all connect ($(grep -c '"to":"Connected"' "$TMP/vigil.log") did):
$(grep -v '"level":"info"' "$TMP/vigil.log" | tail -n 5)"
}

stop() {
	kill -TERM "$VIG" "$SIM" 2>/dev/null || true
	wait "$VIG" "$SIM" 2>/dev/null || true
	VIG=""; SIM=""
}

HZ=$(getconf CLK_TCK)
base=""
for count in $COUNTS; do
	start "$count"
	sleep 2           # the last READY's GUILD_CREATEs
	r=$(rss "$VIG")
	[ -n "$base" ] || base_n=$count
	[ -n "$base" ] || base=$r
	c0=$(cpu_ticks "$VIG"); w0=$(ctx "$VIG")
	sleep "$IDLE"
	c1=$(cpu_ticks "$VIG"); w1=$(ctx "$VIG")
	awk -v n="$count" -v r="$r" -v b="$base" -v bn="$base_n" -v c=$((c1 - c0)) -v hz="$HZ" \
	    -v w=$((w1 - w0)) -v idle="$IDLE" -v hb="$HB" 'BEGIN {
		beats = n * idle * 1000 / hb
		printf "shards %4d  RSS %6.1f MB", n, r / 1024
		if (n > bn) printf " (%5.1f KB per extra shard)", (r - b) / (n - bn)
		else printf "                           "
		printf "  idle CPU %.2f%%  wake-ups %d in %d s for %d heartbeats (%.2f per beat)\n",
		    100 * c / hz / idle, w, idle, beats, (beats > 0 ? w / beats : 0)
	}'
	stop
done

# A burst over 16 shards: every shard's connection sends its share.
start 16
cpu0=$(cpu_ticks "$VIG"); t0=$(date +%s%N)
target=$(($(counter events_sent) + EV))
conns=$(curl -s "http://127.0.0.1:$PORT/_ctl/sessions" | grep -o '"conn":[0-9]*' | cut -d: -f2)
per=$((EV / 16))
for c in $conns; do
	fault "{\"fault\":\"burst\",\"count\":$per,\"conn\":$c}" >/dev/null
done
wait_for 300 sh -c "[ \$(curl -s http://127.0.0.1:$PORT/_ctl/counters |
	sed -n 's/.*\"events_sent\":\([0-9]*\).*/\1/p') -ge $((target - EV + per * 16)) ]" ||
	die "the burst did not finish"
last=$(cpu_ticks "$VIG"); t1=$(date +%s%N)
while :; do
	sleep 0.1
	c=$(cpu_ticks "$VIG")
	[ "$c" = "$last" ] && break
	last=$c; t1=$(date +%s%N)
done
awk -v n=$((per * 16)) -v t0="$t0" -v t1="$t1" -v c=$((last - cpu0)) -v hz="$HZ" 'BEGIN {
	printf "burst over 16 shards  %d MESSAGE_CREATE: %.0f events/s, %.2f us CPU per event\n",
	    n, n / ((t1 - t0) / 1e9), c / hz * 1e6 / n
}'
stop
