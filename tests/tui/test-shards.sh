#!/bin/sh
# Shards in the console (docs/console.md "Shards"): the grid at 16 shards
# on 80x24 and at 64 on 80x24 and 200x60 (summarised by range where they do
# not fit), `shard 5`, `[` and `]`, `resume 0-3`, `reconnect -f 2`; one
# shard keeps today's layout (test-console.sh).
. "$(dirname "$0")/lib.sh"

# Every shard in its own concurrency key: start-up in one 5 s window.
SIM_ARGS="--shards 64 --max-concurrency 16 --guilds 50 --max-sessions 512 --max-connections 512"
mkdir -p "$WORK/state" "$WORK/config"
start_external_sim --shards 16
$TMUX_CMD set -g window-size manual
resize 80 24

check "grid: 16 cells in one row" wait_for_text '^ +0 (█ ){15}█' 15
check "grid: counts" wait_for_text '16 Connected' 15
check "grid: the identify queue" wait_for_text 'identify queue empty' 2
check "status names the shard shown" wait_for_text 'shard 0/16' 2
check "title follows the worst shard" sh -c "$TMUX_CMD display -p -t $PANE '#{pane_title}' | grep -q 'vigil: 16/16 Connected'"

send 'shard 5'
check "shard 5: status" wait_for_text 'shard 5/16' 3
keys ']'
check "]: the next shard" wait_for_text 'shard 6/16' 3
keys '['
keys '['
check "[ twice: back one past 5" wait_for_text 'shard 4/16' 3

send 'resume 0-3'
# The arrows carry every shard's counts: four left Connected, four resumed.
check "resume 0-3: four resumed, no other shard touched" wait_for_text 'C>D 4 D>Rs 4 .*Rs>C 4 ' 10
check "resume 0-3: all 16 connected" wait_for_text '16 Connected' 5

send 'reconnect -f 2'
check "reconnect -f 2: one new session" wait_for_text 'shard 2: IDENTIFY' 10
check "reconnect -f 2: connected again" wait_for_text 'shard 2: Reconnecting -> Connected' 10
check "reconnect -f 2: all 16 connected" wait_for_text '16 Connected' 10
send 'queue'
check "queue: the identify queue per key" wait_for_text 'queue: identify (queue empty|key [0-9]+)' 3
send 'reconnect 99'
check "a shard past the last is refused" wait_for_text 'shard 99 is past the last one' 3

# 64 shards: two rows at 80x24, and at 200x60 a single row.
send 'quit'
check "quit" wait_for_text 'VIGIL-EXITED' 10
run="$(vigil_env VIGIL_TOKEN=sim-token) $VIGIL_BUILD/vigil --api $api --shards 64"
$TMUX_CMD kill-session -t vigil
$TMUX_CMD new-session -d -s vigil -x 80 -y 24 "$run; echo VIGIL-EXITED \$?; sleep 600"
$TMUX_CMD set -g window-size manual
check "64 shards at 80x24: the identify queue while they start" \
    wait_for_text 'waiting +next (IDENTIFY: shard )?[0-9]+ in [0-9]+ ?s, [0-9]+ queued' 10
check "64 shards: all connected" wait_for_text '64 Connected' 40
check "64 shards at 80x24: two rows" wait_for_text '^ +37 (█ ){26}█' 2
resize 200 60
check "64 shards at 200x60: one row" wait_for_text '^ +0 (█ ){63}█' 5
check "64 shards at 200x60: the full layout" wait_for_text '─ State ─' 5
# Out before the directory goes: 64 shards save their state on the way.
send 'quit'
check "quit with 64 shards" wait_for_text 'VIGIL-EXITED 0' 15
finish
