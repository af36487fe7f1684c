# vigil ctl against the console: the same command table as the command
# line, the answer on ctl's stdout, the command shown in the log pane, a
# question the console would ask refused over ctl, quit ends the console.
. tests/tui/lib.sh

CTLS=$WORK/ctl.sock
ctl() { "$VIGIL_BUILD/vigil" ctl --socket "$CTLS" "$@" >"$WORK/ctl.out" 2>"$WORK/ctl.err"; }
status_is() { want=$1; shift; ctl "$@"; [ $? -eq "$want" ]; }
out_has() { grep -Eq -- "$1" "$WORK/ctl.out"; }
err_has() { grep -Eq -- "$1" "$WORK/ctl.err"; }

start_vigil --ctl-socket "$CTLS"
check "console connects" wait_for_text 'Connected' 15
check "ctl resume: exit 0" status_is 0 resume
check "its answer is on ctl's stdout" out_has '^resume: resuming the session now'
check "the log pane shows the command" wait_for_text 'ctl +> resume' 5
check "ctl theme light works in the console" status_is 0 theme light
check "ctl status --json" status_is 0 status --json
check "status --json says Connected" out_has '"state":"Connected"'
send 'budget'
check "budget answers in the log pane" wait_for_text 'budget: [0-9]+ of [0-9]+ used' 5
check "ctl quit: exit 0" status_is 0 quit
check "the console exits 0" wait_for_text 'VIGIL-EXITED 0' 10
finish
