#!/bin/sh
# Operations figures (part of make bench): the cost of one /metrics scrape
# (vigil's CPU per scrape, from /proc, and the client's wall time per
# scrape over one keep-alive connection), BENCH_SCRAPES (default 10000)
# scrapes. Figures only, never pass/fail.
set -eu

S=${BENCH_SCRAPES:-10000}
NAME=bench-ops
. "$(dirname "$0")/../tests/support/sim-pair.sh"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
now_ns() { date +%s%N; }

MPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_pair --chatter 0 -- --listen "127.0.0.1:$MPORT"
URL=http://127.0.0.1:$MPORT/metrics
size=$(curl --noproxy '*' -s "$URL" | wc -c)
series=$(curl --noproxy '*' -s "$URL" | grep -vc '^#')
i=0
: >"$TMP/urls"
while [ "$i" -lt "$S" ]; do echo "url = \"$URL\"" >>"$TMP/urls"; echo "output = /dev/null" >>"$TMP/urls"; i=$((i + 1)); done
HZ=$(getconf CLK_TCK)
c0=$(cpu_ticks "$VIG"); t0=$(now_ns)
curl --noproxy '*' -s -K "$TMP/urls"
t1=$(now_ns); c1=$(cpu_ticks "$VIG")
awk -v n="$S" -v c0="$c0" -v c1="$c1" -v hz="$HZ" -v t0="$t0" -v t1="$t1" -v size="$size" \
    -v series="$series" 'BEGIN {
	printf "metrics scrape   %.0f us vigil CPU, %.0f us wall per scrape (%d scrapes, %d bytes, %d samples)\n",
	    (c1 - c0) / hz * 1e6 / n, (t1 - t0) / 1e3 / n, n, size, series
}'
