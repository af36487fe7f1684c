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

N=${SOAK_EVENTS:-300000}
M=${SOAK_RECONNECTS:-60}
MAX_KB=${SOAK_MAX_GROWTH_KB:-4096}
NAME=soak
. "$(dirname "$0")/../support/sim-pair.sh"

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$VIG/status"; }

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
	wait_back "$before" || die "vigil did not come back after $f"
}

start_pair --chatter 2 --ping-share 1 --identify-spacing 1s -- --log-level info
rss_start=$(rss)

# Warm-up: the message cache (10,000) and the log ring fill once.
burst 20000 120
reconnect 0
reconnect 1
sleep 1
rss_base=$(rss)
per=$((N / M)); [ "$per" -gt 0 ] || per=1
t0=$(date +%s)
k=0
while [ "$k" -lt "$M" ]; do
	burst "$per" 120
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
