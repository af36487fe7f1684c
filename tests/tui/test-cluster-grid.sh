#!/bin/sh
# The shard grid of a clustered console (docs/console.md "Shards", docs/
# cluster.md): the console runs shards 0-3 of 8, a headless vigil 4-7, on
# one redis-server and one vigil-sim. The grid shows all eight, the other
# process's marked as elsewhere; once that process is killed (-9) and its
# leases lapse, its shards are marked lapsed, in the grid and in `cluster`.
. "$(dirname "$0")/lib.sh"

OTHER_PID=
trap '[ -z "$OTHER_PID" ] || kill -9 "$OTHER_PID" 2>/dev/null; cleanup' EXIT

start_redis
CLUSTER="--shards 8 --cluster unix://$WORK/redis.sock --cluster-name grid --cluster-lease 2s"
SIM_ARGS="--shards 8 --max-concurrency 8 --guilds 16"
start_external_sim $CLUSTER --shard-ids 0-3
resize 80 24
mkdir -p "$WORK/other"
# shellcheck disable=SC2086 # CLUSTER is several flags
env XDG_STATE_HOME="$WORK/other" XDG_CONFIG_HOME="$WORK/other" HOME="$WORK/other" \
    VIGIL_TOKEN=sim-token "$VIGIL_BUILD/vigil" --headless --api "$api" $CLUSTER \
    --shard-ids 4-7 >"$WORK/other.log" 2>&1 &
OTHER_PID=$!

check "grid: four here, four elsewhere" wait_for_text '^ +0 (█ ){4}(· ){3}·' 30
check "grid: the counts" wait_for_text '4 Connected · 4 elsewhere' 5
kill -9 "$OTHER_PID"
OTHER_PID=
check "grid: the dead process's shards lapse" wait_for_text '^ +0 (█ ){4}(! ){3}!' 15
check "grid: counted as lapsed" wait_for_text '4 Connected · 4 lease lapsed' 5
send 'cluster'
check "cluster: a lapsed lease" wait_for_text 'shard 7: lease lapsed \(last: Connected' 5
send 'quit'
check "quits" wait_for_text 'VIGIL-EXITED 0' 10
finish
