#!/bin/sh
# The layout at the sizes a tmux pane often has, during a refused-connection
# backoff (docs/console.md, "Narrow terminals"): a live console is resized
# through 120x40, 100x30, 80x24 and two compact sizes, and each screen, its
# times masked, must equal tests/tui/golden/*.result, where no field is cut
# inside a word or number. The log shows errors only, so what it holds does
# not depend on how many attempts have run.
. "$(dirname "$0")/lib.sh"

start_vigil --sim-chatter 0
check "starts Connected" expect_state Connected 15
# Every attempt waits 30 s: the screens are taken inside one wait.
send 'delay preset exponential 30 30'
check "a constant 30 s delay" wait_for_text 'formula exponential min\(30\*2\^\(a-1\), 30\)' 3
send 'log level error'
check "errors only in the log" wait_for_text 'log: showing ERROR and above' 3
send 'sim refuse 20'
check "the emulator refuses" wait_for_text 'sim: refuse' 3
send 'sim drop'
check "backoff: waiting for attempt 2" wait_for_text 'attempt 2 \(resume\) in [0-9]+s of 30s' 10
check "backoff: Resuming" expect_state Resuming 2

for size in 120x40 100x30 80x24 79x23 60x16; do
	resize "${size%x*}" "${size#*x}"
	check "$size during a backoff" expect_golden "backoff-$size" 3
done

send 'quit'
check "quit exits 0" wait_for_text 'VIGIL-EXITED 0' 10
finish
