# vigil ctl against a real headless vigil: the default socket path and its
# modes, done / refused / no vigil exit statuses, output on stdout and
# refusals on stderr, status --json, the peer uid check, quit.
. tests/ops/lib.sh

SOCK=$WORK/run/vigil/emulator.sock
ctl() { "$VIGIL" ctl "$@" >"$WORK/ctl.out" 2>"$WORK/ctl.err"; }
status_is() { want=$1; shift; ctl "$@"; [ $? -eq "$want" ]; }
out_has() { grep -Eq -- "$1" "$WORK/ctl.out"; }
err_has() { grep -Eq -- "$1" "$WORK/ctl.err"; }
mode_of() { stat -c %a "$1"; }

check "no vigil: exit 2" status_is 2 status
check "no vigil: says where it looked" err_has "no vigil answers in $WORK/run/vigil"

start_vigil
check "vigil connects" wait_log 'Disconnected -> Connected|Reconnecting -> Connected' 15
check "the socket is at \$XDG_RUNTIME_DIR/vigil/ENDPOINT.sock" test -S "$SOCK"
check "its directory is 0700" [ "$(mode_of "$WORK/run/vigil")" = 700 ]
check "the socket is 0600" [ "$(mode_of "$SOCK")" = 600 ]

check "ctl status --json (found without --socket): exit 0" status_is 0 status --json
check "status --json is one JSON object, Connected and ready" \
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["state"]=="Connected" and d["ready"] and d["pid"]>0))' "$WORK/ctl.out"
check "ctl --socket PATH resume: exit 0" status_is 0 --socket "$SOCK" resume
check "resume says what it did, on stdout" out_has '^resume: resuming the session now'
check "the log names the command" wait_log 'ctl +> resume' 5
check "a quoted argument arrives as one word" status_is 0 delay 'min(2^a,300)'
check "delay shows the new formula" out_has 'now min\(2\^a,300\)'
check "an unknown command is refused: exit 1" status_is 1 frobnicate
check "the refusal is on stderr" err_has "unknown command 'frobnicate'"
check "nothing on stdout then" [ ! -s "$WORK/ctl.out" ]
check "ctl bot reload (the issue's example): exit 0" status_is 0 bot reload
check "ctl bot list names the ping bot" sh -c "'$VIGIL' ctl bot list | grep -q ping"
check "theme is refused headless: exit 1" status_is 1 theme light
check "a bad formula is refused: exit 1" status_is 1 delay '2^'
check "the old formula stays" status_is 0 delay
check "... and is shown" out_has 'formula min\(2\^a,300\)'

# SO_PEERCRED: another uid is refused even when the socket's mode lets it in.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$WORK/run/vigil" "$WORK" "$WORK/run"
	chmod 666 "$SOCK"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$VIGIL" ctl --socket "$SOCK" status \
	    >"$WORK/ctl.out" 2>"$WORK/ctl.err"
	rc=$?
	check "another uid gets no answer: exit 2" [ "$rc" -eq 2 ]
	check "and vigil says whom it refused" wait_log 'refused pid [0-9]+ of uid 65534' 5
	chmod 700 "$WORK/run/vigil"
	chmod 600 "$SOCK"
else
	skip "another uid gets no answer" "needs root and setpriv"
	skip "and vigil says whom it refused" "needs root and setpriv"
fi

check "ctl quit: exit 0" status_is 0 quit
wait "$VIGIL_PID"
rc=$?
VIGIL_PID=
check "vigil exits 0 after ctl quit" [ "$rc" -eq 0 ]
check "the socket is gone" [ ! -e "$SOCK" ]
check "gone vigil: exit 2" status_is 2 --socket "$SOCK" status
finish
