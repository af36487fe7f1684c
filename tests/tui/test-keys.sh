#!/bin/sh
# The command line and the keys: help, completion, unknown commands,
# arity errors, log scrollback and search, confirmation, history, Ctrl-D.
. "$(dirname "$0")/lib.sh"

start_vigil
check "starts Connected" expect_state Connected 15

send 'help'
check "help lists every command" wait_for_text 'help: theme' 3
check "help names the keys" wait_for_text 'help: keys:' 2
send 'help delay'
check "help delay" wait_for_text 'help:   delay preset javacord' 2

send 'frobnicate'
check "unknown command" wait_for_text "unknown command 'frobnicate'" 2
send 'cache'
check "arity error with usage" wait_for_text 'usage: cache flush \| stats' 2
send 'log level loud'
check "bad argument" wait_for_text 'levels are debug, info, warn, error' 2
send 'resume 0 now'
check "too many arguments" wait_for_text 'resume: too many arguments' 2

# Tab completes commands and their arguments.
keys -l 'ca'
keys Tab
check "complete a command" wait_for_text '^vigil> cache ?$' 2
keys -l 'f'
keys Tab
check "complete an argument" wait_for_text '^vigil> cache flush ?$' 2
keys C-u
keys -l 'log level d'
keys Tab
check "complete a provider" wait_for_text '^vigil> log level debug ?$' 2
keys C-u
keys -l 'log '
keys Tab Tab
check "list completions in the log pane" wait_for_text 'completions: level  filter  clear|completions: clear  filter  level' 2
keys C-u
keys -l 'sim inv'
keys Tab
check "complete a fault from the emulator" wait_for_text '^vigil> sim invalid_session ?$' 3
keys C-u

# Scrollback: PgUp leaves the bottom, End (on an empty line) comes back.
for i in 1 2 3 4 5 6; do send 'help'; done
# Not a check: the first help's answer already shows this.
wait_for_text 'help: keys:' 3
keys PageUp
check "PgUp scrolls back" wait_for_text 'SCROLLED \(End: live\)' 2
keys PageDown PageDown PageDown PageDown
check "PgDn returns to live" wait_for_gone 'SCROLLED' 2
keys PageUp Home
# PageUp alone shows SCROLLED too: the top is where vigil's first line is.
check "Home goes to the top" wait_for_text 'SCROLLED' 2
check "Home shows the first line" sh -c "$TMUX_CMD capture-pane -p -t $PANE |
    sed -n '/─ Log/{n;p;q;}' | grep -q 'INFO  app      vigil [0-9]'"
keys End
check "End goes live" wait_for_gone 'SCROLLED' 2

# Search: /text jumps back to a match and highlights it (the match role:
# the default theme's yellow background), and says so when nothing matches.
send '/session start'
check "search term on the rule" wait_for_text '/session start  SCROLLED' 2
check "search highlights the match" wait_for_match 'session start' 2
send '/zzq-nowhere'
check "search without a match says so" wait_for_text '/zzq-nowhere \(no match\)' 2
keys End
check "and in the log" wait_for_text 'search: no line matches "zzq-nowhere"' 2

# reconnect asks first when the budget is low (here it is not: no question).
send 'reconnect'
check "reconnect" wait_for_text 'reconnect: starting a new session' 3
check "reconnected" wait_for_text 'Reconnecting -> Connected' 10
# The startup's own Reconnecting -> Connected is in the log too: the
# diagram's history must list this reconnect, and show Connected.
check "the diagram lists the reconnect" wait_for_text '[0-9:]+ D>Rc operator asked for a new session' 3
check "and shows Connected" expect_state Connected 3

# History: Up recalls the last command.
keys Up
check "history recalls" wait_for_text '^vigil> reconnect$' 2
keys C-u

# Ctrl-D on an empty line quits cleanly; the history file is written.
keys C-d
check "Ctrl-D exits 0" wait_for_text 'VIGIL-EXITED 0' 10
check "history file" grep -q '^reconnect$' "$WORK/state/vigil/history"
finish
