#!/bin/sh
# The console in a cluster (docs/cluster.md) at 80x24, with a redis-server
# of its own on a unix socket in the test's directory: `cluster` shows the
# store, the shared budget, the identify key's holder and the shard owned
# by this process; with Redis killed, op 9 false leaves the shard waiting
# ("cluster store unreachable") instead of identifying; `reconnect -f
# --local` overrides that once.
. "$(dirname "$0")/lib.sh"

start_redis
start_vigil --cluster "unix://$WORK/redis.sock" --cluster-name tui --cluster-lease 2s
resize 80 24
check "starts Connected (its shard's lease taken)" expect_state Connected 20
send 'cluster'
check "cluster: the shard is this process's" wait_for_text 'shard 0: Connected by [^ ]+ \(this' 5
check "cluster: the shared budget" wait_for_text 'shared budget: 1 session starts used' 5
check "cluster: who holds the identify key" \
    wait_for_text 'identify key 0: (free|held by [^ ]+ shard 0)' 5

kill -9 "$REDIS_PID"
REDIS_PID=
send 'sim invalid false'
check "Redis down: no IDENTIFY, it says why" wait_for_text 'cluster store unreachable' 20
check "Redis down: still not Connected" expect_state Reconnecting 3
send 'cluster'
check "cluster: the store is unreachable" wait_for_text 'store unreachable' 5
send 'reconnect -f --local'
check "--local: said so" wait_for_text "without the cluster's" 5
check "--local: Connected on its own count" expect_state Connected 20
send 'quit'
check "quits" wait_for_text 'VIGIL-EXITED 0' 10
finish
