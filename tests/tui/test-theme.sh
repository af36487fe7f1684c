#!/bin/sh
# Themes and colour: --theme, `theme NAME` at run time, a missing theme
# keeps the current one, NO_COLOR gives no colour at all, and the
# unknown-key warning.
. "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/config/vigil/themes"
printf '# test\nstate_connected="#ff0000"\nbogus_key="#000000"\n' \
    >"$WORK/config/vigil/themes/red.theme"

start_vigil --theme red
check "starts Connected" expect_state Connected 15
check "unknown key logged once" wait_for_text 'red.theme: 1 unknown key ignored \(first: bogus_key\)' 3
# #ff0000 quantises to 196 on a 256-colour tmux pane.
check "theme colour in use" sh -c "$TMUX_CMD capture-pane -e -p -t $PANE | grep -q '38;5;196'"

send 'theme'
check "theme lists" wait_for_text 'theme: red; available: .*default.*mono' 3
send 'theme nosuch'
check "missing theme keeps the current" wait_for_text "theme 'nosuch' not found" 3
send 'theme mono'
check "theme mono" wait_for_text 'theme: mono' 3
check "mono has no colour" sh -c "! $TMUX_CMD capture-pane -e -p -t $PANE | grep -q '38;5;'"
send 'theme light'
check "theme light" wait_for_text 'theme: light' 3
send 'quit'
check "quit" wait_for_text 'VIGIL-EXITED 0' 10

# NO_COLOR: attributes only.
$TMUX_CMD kill-session -t vigil
[ -z "$SIM_PID" ] || kill "$SIM_PID" 2>/dev/null
SIM_PID=
NO_COLOR=1
export NO_COLOR
start_vigil
check "NO_COLOR: Connected" expect_state Connected 15
check "NO_COLOR: no colour codes" sh -c "! $TMUX_CMD capture-pane -e -p -t $PANE | grep -Eq '\[(3|4)8;5;'"
send 'q'
check "q quits" wait_for_text 'VIGIL-EXITED 0' 10
finish
