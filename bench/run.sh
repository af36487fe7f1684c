#!/bin/sh
# make bench: the emulator bursts BENCH_EVENTS (default 200,000)
# MESSAGE_CREATE events at a headless vigil over loopback. Prints events/s,
# vigil's CPU per event (utime + stime from /proc), its peak RSS (VmHWM),
# the emulator's CPU per event, and, for comparison, jansson's raw parse
# rate of the same payload and the in-process profile per event
# (bench/parse.c: framing, JSON, cache, core; what is left of the
# end-to-end figure is the kernel, the loop and lws). Then
# reconnect latency: the emulator closes the connection BENCH_RECONNECTS
# (default 20) times with 4000 and as many times drops it without a close
# frame; vigil's own JSON log times each Connected -> ... -> Connected.
# Then the same burst again with bots/ping.lua loaded (it reads each
# MESSAGE_CREATE's content and ignores it), against the first run's
# `--bot none`: the scripts' extra CPU per event.
# Last, the console's redraw cost (bench/redraw.c), the operations
# endpoints (bench/ops.sh) and the cluster's round trips (bench/cluster.sh).
# BENCH_COMPRESS=1 runs it with zlib-stream transport compression,
# BENCH_COMPRESS=zstd with zstd-stream.
# Figures only: a benchmark never passes or fails on time.
set -eu

N=${BENCH_EVENTS:-200000}
R=${BENCH_RECONNECTS:-20}
NAME=bench
. "$(dirname "$0")/../tests/support/sim-pair.sh"

cpu_ticks() { # utime + stime of pid $1
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

now_ns() { date +%s%N; }

# BENCH_COMPRESS: unset (plain JSON), zstd (zstd-stream), anything else
# (1) zlib-stream.
case ${BENCH_COMPRESS:-} in
"") vargs=""; zname="" ;;
zstd | zstd-stream)
	printf 'compress = zstd-stream\n' >"$TMP/bench.conf"
	vargs="--config $TMP/bench.conf"; zname=", zstd-stream" ;;
*) vargs="--compress"; zname=", zlib-stream" ;;
esac
# shellcheck disable=SC2086 # vigil's arguments are words
start_pair --chatter 0 -- --bot none $vargs

HZ=$(getconf CLK_TCK)

# measure: bursts N at $VIG; sets cpu0 cpu1 (ticks), sim0 sim1 (the
# emulator's ticks) and t0 t1 (ns). The emulator writes as fast as vigil
# reads; then vigil finishes what is buffered. Done when all is sent and
# vigil's CPU time has not moved for 100 ms; the end is the last sample
# (every 20 ms) where it still moved.
measure() {
	cpu0=$(cpu_ticks "$VIG")
	sim0=$(cpu_ticks "$SIM")
	burst "$N" 300
	t0=$BURST_T0
	last=$(cpu_ticks "$VIG"); t1=$(now_ns); still=0
	while [ "$still" -lt 5 ]; do
		sleep 0.02
		c=$(cpu_ticks "$VIG")
		if [ "$c" = "$last" ]; then
			still=$((still + 1))
		else
			still=0; last=$c; t1=$(now_ns)
		fi
	done
	cpu1=$last
	sim1=$(cpu_ticks "$SIM")
}

measure
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$VIG/status")

# reconnects FAULT-JSON: R rounds, each waiting for vigil to be back.
reconnects() {
	i=0
	while [ "$i" -lt "$R" ]; do
		n=$(connected)
		[ "$(fault "$1")" = 200 ] || die "fault refused: $1"
		wait_back "$n" || die "vigil did not come back after $1"
		sleep 0.2
		i=$((i + 1))
	done
}

# latency FIRST LAST: from each "from":"Connected" transition to the next
# "to":"Connected", in those lines of the log; prints median and max ms.
latency() {
	sed -n "$1,$2p" "$TMP/vigil.log" | awk '
	function ms(line,   t, p) {
		match(line, /"time":"[^"]*"/)
		t = substr(line, RSTART + 19, 12)           # HH:MM:SS.mmm
		split(t, p, /[:.]/)
		return ((p[1] * 60 + p[2]) * 60 + p[3]) * 1000 + p[4]
	}
	/"from":"Connected"/ { down = ms($0); next }
	/"to":"Connected"/ && down != "" { d[n++] = ms($0) - down; down = "" }
	END {
		if (n == 0) { print "none"; exit }
		for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (d[j] < d[i]) { t = d[i]; d[i] = d[j]; d[j] = t }
		printf "median %d ms, max %d ms over %d", d[int(n / 2)], d[n - 1], n
	}'
}

line0=$(($(wc -l <"$TMP/vigil.log") + 1))
reconnects '{"fault":"close","code":4000}'
line1=$(($(wc -l <"$TMP/vigil.log") + 1))
reconnects '{"fault":"drop"}'
resume_close=$(latency "$line0" $((line1 - 1)))
resume_drop=$(latency "$line1" '$')

kill -TERM "$VIG"
wait "$VIG" || true
VIG=""
events=$(grep -o 'events=[0-9]*' "$TMP/vigil.log" | tail -n 1 | cut -d= -f2)
gaps=$(grep -o 'seq_gaps=[0-9]*' "$TMP/vigil.log" | tail -n 1 | cut -d= -f2)

awk -v z="$zname" -v n="$N" -v ev="${events:-0}" -v gaps="${gaps:-?}" -v t0="$t0" -v t1="$t1" \
    -v c0="$cpu0" -v c1="$cpu1" -v s0="$sim0" -v s1="$sim1" -v hz="$HZ" -v hwm="$hwm" 'BEGIN {
	secs = (t1 - t0) / 1e9
	cpu = (c1 - c0) / hz
	printf "burst            %d MESSAGE_CREATE over loopback%s (vigil handled %d events, %s seq gaps)\n", n, z, ev, gaps
	printf "throughput       %.0f events/s (%.2f s wall)\n", n / secs, secs
	printf "vigil CPU        %.2f us per event (%.2f s user+sys)\n", cpu * 1e6 / n, cpu
	printf "vigil peak RSS   %.1f MB (VmHWM)\n", hwm / 1024
	sim = (s1 - s0) / hz * 1e6 / n
	slower = sim > cpu * 1e6 / n ? "vigil-sim" : "vigil"
	printf "vigil-sim CPU    %.2f us per event (the sender; the side with more CPU per event sets the pace: %s)\n", sim, slower
}'
printf 'resume after 4000  %s (close frame to RESUMED, over loopback)\n' "$resume_close"
printf 'resume after drop  %s (no close frame: the socket error to RESUMED)\n' "$resume_drop"

none_ticks=$((cpu1 - cpu0))
# shellcheck disable=SC2086 # vigil's arguments are words
VLOG=$TMP/vigil-ping.log VSTATE=$TMP/state-ping start_vigil $vargs
grep -q 'bot ping loaded' "$TMP/vigil-ping.log" || die "vigil did not load bots/ping.lua"
measure
kill -TERM "$VIG"
wait "$VIG" || true
VIG=""
awk -v n="$N" -v a="$none_ticks" -v b="$((cpu1 - cpu0))" -v hz="$HZ" 'BEGIN {
	printf "bots/ping.lua    %.2f us per event with it, %.2f us with --bot none: %+.2f us extra CPU per MESSAGE_CREATE read and ignored\n",
	    b * 1e6 / hz / n, a * 1e6 / hz / n, (b - a) * 1e6 / hz / n
}'
"$B/bench/parse" 100000 >"$TMP/parse.txt"
grep -v '^inproc_ns' "$TMP/parse.txt"
awk -v e2e="$none_ticks" -v hz="$HZ" -v n="$N" -v z="$zname" '/^inproc_ns/ {
	e2e = e2e / hz * 1e9 / n
	what = z == "" ? "the kernel (recv), the loop and lws" : "decompression, the kernel (recv), the loop and lws"
	if (e2e >= $2)
		printf "rest             %.0f ns per event: %s (the --bot none burst less the profile)\n", e2e - $2, what
	else
		printf "rest             n/a: the profile took longer than the burst (the machine was busier)\n"
}' "$TMP/parse.txt"
"$B/bench/redraw" 2000
"$(dirname "$0")/shards.sh"
sh "$(dirname "$0")/ops.sh"
sh "$(dirname "$0")/cluster.sh"
