#!/bin/sh
# make bench, the cluster's part: a redis-server of its own on a unix
# socket in a temp dir (nothing saved), bench/cluster against it, then
# stopped. Skipped with a line when redis-server is missing.
set -eu
B=${VIGIL_BUILD:-build}
if ! command -v redis-server >/dev/null 2>&1; then
	echo "cluster          skipped: no redis-server"
	exit 0
fi
DIR=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench-redis.XXXXXX")
redis-server --port 0 --unixsocket "$DIR/redis.sock" --dir "$DIR" --save "" \
    --appendonly no >"$DIR/redis.log" 2>&1 &
RPID=$!
trap 'kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null; rm -rf "$DIR"' EXIT
tries=50
while [ "$tries" -gt 0 ] && ! [ -S "$DIR/redis.sock" ]; do
	sleep 0.1
	tries=$((tries - 1))
done
"$B/bench/cluster" "unix://$DIR/redis.sock" "${BENCH_CLUSTER_N:-20000}"
