#!/bin/sh
# make soak: a headless vigil against vigil-sim for SOAK_EVENTS events
# (default 300,000, in bursts) and SOAK_RECONNECTS forced reconnects
# (default 60: closes, drops, op 7, op 9 resumable and not), with "!ping"
# chatter keeping the REST queue busy all along. vigil's RSS is sampled
# from /proc after every round. Prints the RSS at start (just connected),
# after a warm-up (the cache and log ring full once), at the end, and the
# growth since the warm-up, which must stay under SOAK_MAX_GROWTH_KB
# (default 4096): logs, cache and queues are bounded, so memory is flat.
set -eu

B=${VIGIL_BUILD:-build}
N=${SOAK_EVENTS:-300000}
M=${SOAK_RECONNECTS:-60}
MAX_KB=${SOAK_MAX_GROWTH_KB:-4096}
TMP=$(mktemp -d /tmp/vigil-soak.XXXXXX)
SIM=""
VIG=""

cleanup() {
	[ -n "$VIG" ] && kill "$VIG" 2>/dev/null || true
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

die() { echo "soak: $*" >&2; exit 1; }

# wait_for SECONDS COMMAND...: polls every 50 ms until COMMAND succeeds.
wait_for() {
	n=$(($1 * 20)); shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1)); [ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
}

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$VIG/status"; }

counter() { # an emulator counter
	curl -s "http://127.0.0.1:$PORT/_ctl/counters" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}

fault() { curl -s -o /dev/null -w '%{http_code}' -X POST -d "$1" "http://127.0.0.1:$PORT/_ctl/fault"; }

connected() { grep -c '"to":"Connected"' "$TMP/vigil.log" || true; }

# burst COUNT: the emulator sends COUNT MESSAGE_CREATE; waits until sent.
burst() {
	target=$(($(counter events_sent) + $1))
	[ "$(fault "{\"fault\":\"burst\",\"count\":$1}")" = 200 ] || die "burst refused"
	wait_for 120 sh -c "[ \$(curl -s http://127.0.0.1:$PORT/_ctl/counters |
		sed -n 's/.*\"events_sent\":\([0-9]*\).*/\1/p') -ge $target ]" ||
		die "a burst of $1 did not finish in 120 s"
}

# reconnect K: the K-th forced reconnect; waits until vigil is back.
reconnect() {
	before=$(connected)
	case $(($1 % 5)) in
	0) f='{"fault":"close","code":4000}' ;;
	1) f='{"fault":"drop"}' ;;
	2) f='{"fault":"reconnect"}' ;;
	3) f='{"fault":"invalid_session","resumable":true}' ;;
	*) f='{"fault":"invalid_session","resumable":false}' ;;
	esac
	[ "$(fault "$f")" = 200 ] || die "fault $f refused"
	wait_for 30 sh -c "[ \$(grep -c '\"to\":\"Connected\"' $TMP/vigil.log) -gt $before ]" ||
		die "vigil did not come back after $f"
}

"$B/vigil-sim" --port 0 --chatter 2 --ping-share 1 --identify-spacing 1s \
	>"$TMP/sim.json" 2>"$TMP/sim.err" &
SIM=$!
wait_for 5 grep -q '"port"' "$TMP/sim.json" || die "vigil-sim did not start"
PORT=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$TMP/sim.json")

"$B/vigil" --headless --log-json --log-level info --api "http://127.0.0.1:$PORT/api" \
	--state-dir "$TMP/state" >"$TMP/vigil.log" 2>&1 </dev/null &
VIG=$!
wait_for 10 grep -q '"to":"Connected"' "$TMP/vigil.log" || die "vigil did not connect"
rss_start=$(rss)

# Warm-up: the message cache (10,000) and the log ring fill once.
burst 20000
reconnect 0
reconnect 1
sleep 1
rss_base=$(rss)
per=$((N / M)); [ "$per" -gt 0 ] || per=1
t0=$(date +%s)
k=0
while [ "$k" -lt "$M" ]; do
	burst "$per"
	reconnect "$k"
	k=$((k + 1))
	if [ $((k % 10)) -eq 0 ]; then
		echo "soak: round $k/$M: $((k * per)) events, RSS $(rss) kB"
	fi
done
sleep 2
rss_end=$(rss)
secs=$(($(date +%s) - t0))

kill -TERM "$VIG"
wait "$VIG" || true
VIG=""
stat() { grep -o "$1=[0-9]*" "$TMP/vigil.log" | tail -n 1 | cut -d= -f2; }
growth=$((rss_end - rss_base))
echo "soak: $((M * per)) events and $M forced reconnects in $secs s; vigil: $(stat events) events," \
	"$(stat identifies) identifies, $(stat resumed) resumed, $(stat seq_gaps) seq gaps," \
	"$(stat rest_ok) REST ok, $(stat rest_failed) failed"
echo "soak: RSS at start $rss_start kB, after warm-up $rss_base kB, at the end $rss_end kB:" \
	"growth $growth kB (limit $MAX_KB kB)"
[ "$(stat seq_gaps)" = 0 ] || die "sequence gaps"
[ "$(stat rest_failed)" = 0 ] || die "REST requests failed"
[ "$growth" -le "$MAX_KB" ] || die "RSS grew by $growth kB: something is unbounded"
echo "soak: flat"
