#!/bin/sh
# The console end to end against the emulator: the state diagram, resume
# and reconnect, the countdown and the budget, the delay formula, the
# cache, the log filter, resizing and quitting (the issue's Tests list).
. "$(dirname "$0")/lib.sh"

start_vigil
check "starts Connected" expect_state Connected 15
check "diagram current state" wait_for_text 'in Connected for' 5
check "status line names the emulator" wait_for_text 'gateway emulator' 2
check "countdown idle" wait_for_text 'connected — no reconnect pending' 2
check "pane title" sh -c "$TMUX_CMD display -p -t $PANE '#{pane_title}' | grep -q 'vigil: Connected'"

# A dropped connection resumes: Resuming, then Connected, counts updated.
send 'sim drop'
check "sim drop: Resuming" wait_for_text 'Disconnected -> Resuming' 5
check "sim drop: Connected again" wait_for_text 'Resuming -> Connected' 10
check "sim drop: the diagram shows Connected" expect_state Connected 3
check "sim drop: counts" wait_for_text 'last .* Rs>C: RESUMED' 5
check "bell on a lost connection" sh -c "$TMUX_CMD display -p -t $PANE '#{window_bell_flag}' | grep -q 1"

# An op 9 (not resumable) is a new session: Reconnecting, a countdown,
# one more session start used.
# Not within 5 s of the first start: vigil's identify spacing and the
# emulator's are measured at different ends of the connect, and an
# IDENTIFY right at the edge gets a second op 9 (and a second start).
check "identify spacing passed" wait_for_text ' up ([6-9]|[1-9][0-9])s' 10
used=$(screen_number 'used ')
# Unread, $((used + 1)) would be 1, the count already shown.
check "budget count read" test -n "$used"
send 'sim invalid false'
# The log still holds the first start's lines; the state view's "last"
# line shows only the newest transition, so follow that in order.
check "sim invalid false: Reconnecting" wait_for_text 'last [0-9:]+ D>Rc: op 9' 5
check "sim invalid false: countdown" wait_for_text 'attempt [0-9]+ \(new session\) in [0-9]+s' 5
check "sim invalid false: Connected" wait_for_text 'last [0-9:]+ Rc>C' 10
check "sim invalid false: the diagram shows Connected" expect_state Connected 3
check "budget used +1" wait_for_text "used $((used + 1))/" 5

# The delay formula: a*2 changes the countdown and the projection; a bad
# one is refused and the old one stays.
send 'delay a*2'
check "delay a*2: countdown formula" wait_for_text 'formula a\*2' 3
check "delay a*2: projection" wait_for_text '293 starts' 3
send 'delay a*/2'
check "bad formula refused" wait_for_text 'refused, the formula stays: column 3' 3
check "bad formula: old one kept" wait_for_text 'formula a\*2' 1
send 'delay preset linear 5'
check "delay preset" wait_for_text 'formula linear' 3

# The cache: flush empties it.
send 'cache flush'
check "cache flush" wait_for_text 'cache: flushed' 3
send 'cache stats'
check "cache stats after flush" wait_for_text 'cache: 0 entries|cache: [0-9] entries' 3

# The log filter hides lines without deleting them.
check "info lines shown" wait_for_text 'INFO  (cache|delay|session)' 2
send 'log level error'
check "log level error hides info" wait_for_gone 'INFO  (cache|delay|session)' 3
check "the answer still shows" wait_for_text 'log: showing ERROR and above' 2
send 'log level debug'
check "log level debug brings them back" wait_for_text 'INFO  (cache|delay|session)' 3

# Resizing keeps the layout sane, down to 80x24 and below.
resize 80 24
check "80x24: the full layout" wait_for_text 'in Connected for' 3
check "80x24: diagram" expect_state Connected 3
check "80x24: prompt on the last line" sh -c "$TMUX_CMD capture-pane -p -t $PANE | tail -n 1 | grep -q '^vigil>'"
resize 60 16
check "60x16: one-line views" wait_for_text '^Connected [0-9]+' 3
check "60x16: state" expect_state Connected 1
check "60x16: prompt" sh -c "$TMUX_CMD capture-pane -p -t $PANE | tail -n 1 | grep -q '^vigil>'"
resize 120 40
check "120x40 again: the full layout" wait_for_text 'in Connected for' 3
check "120x40 again: diagram" expect_state Connected 1

# quit closes the session, restores the terminal and exits 0.
send 'quit'
check "quit exits 0" wait_for_text 'VIGIL-EXITED 0' 10
check "terminal restored (normal screen)" sh -c "$TMUX_CMD display -p -t $PANE '#{alternate_on}' | grep -q 0"
finish
