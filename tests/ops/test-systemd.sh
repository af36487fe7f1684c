# systemd's Type=notify without systemd: the test binds the NOTIFY_SOCKET
# datagram socket itself and reads what vigil sends: READY=1 once
# Connected, STATUS= on state changes, WATCHDOG=1 at half WATCHDOG_USEC
# while the loop turns, STOPPING=1 on SIGTERM. Then the shipped unit
# through systemd-analyze verify, where that tool exists.
. tests/ops/lib.sh

NS=$WORK/notify
# One line per datagram: seconds, then the message with "\n" as "|".
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "a", buffering=1)
while True:
    m = s.recv(4096).decode()
    out.write("%.3f %s\n" % (time.monotonic(), m.replace("\n", "|")))
' "$NS" "$WORK/notify.log" &
EXTRA_PIDS=$!
wait_until 5 test -S "$NS"
: >>"$WORK/notify.log"
sent() { grep -Eq -- "$1" "$WORK/notify.log"; }
count() { grep -c -- "$1" "$WORK/notify.log"; }

NOTIFY_SOCKET=$NS WATCHDOG_USEC=400000 start_vigil
check "READY=1 once Connected" wait_until 15 sent ' READY=1\|STATUS=Connected to '
check "READY=1 is sent once" [ "$(count 'READY=1')" -eq 1 ]
check "WATCHDOG=1 keeps coming while the loop turns" wait_until 10 sh -c \
    "[ \$(grep -c WATCHDOG=1 '$WORK/notify.log') -ge 10 ]"
# Half of WATCHDOG_USEC apart: not a flood, and (bar a stalled machine)
# well inside the watchdog. Loose bounds: the machine is shared.
gaps_ok() {
	grep ' WATCHDOG=1$' "$WORK/notify.log" | awk 'NR > 1 { d = $1 - p; if (d > 1.0 || d < 0.15) bad++ } { p = $1 } END { exit bad > 0 }'
}
check "the pings are about 0.2 s apart" gaps_ok
"$VIGIL" ctl sim refuse 3 >/dev/null 2>&1
wait_log 'sim: refuse fired' 10
"$VIGIL" ctl sim drop >/dev/null 2>&1
check "STATUS= follows a state change" wait_until 10 sent 'STATUS=(Disconnected|Resuming|Reconnecting)'
check "STATUS= back to Connected" wait_until 30 sh -c "tail -n 3 '$WORK/notify.log' | grep -q 'STATUS=Connected to '"
check "still one READY=1" [ "$(count 'READY=1')" -eq 1 ]
# A wedged loop stops the pings: SIGSTOP freezes it.
kill -STOP "$VIGIL_PID"
n0=$(count WATCHDOG=1)
sleep 1
check "a stopped loop sends no WATCHDOG=1" [ "$(count WATCHDOG=1)" -eq "$n0" ]
kill -CONT "$VIGIL_PID"
check "pings resume with the loop" wait_until 5 sh -c "[ \$(grep -c WATCHDOG=1 '$WORK/notify.log') -gt $n0 ]"
stop_vigil
check "STOPPING=1 on SIGTERM" sent 'STOPPING=1'
check "vigil exits 0" [ "$VIGIL_STATUS" -eq 0 ]

# Without NOTIFY_SOCKET nothing is sent and nothing breaks.
: >"$WORK/notify.log"
start_vigil
check "without NOTIFY_SOCKET vigil connects" wait_log '-> Connected' 15
stop_vigil
check "... and sends nothing" [ ! -s "$WORK/notify.log" ]

# An abstract NOTIFY_SOCKET (@name), as systemd may give.
ABS=vigil-test-$$
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + sys.argv[1])
s.settimeout(20)
while True:
    m = s.recv(4096).decode()
    if "READY=1" in m:
        open(sys.argv[2], "w").write(m)
        break
' "$ABS" "$WORK/abstract.log" &
ABSPID=$!
EXTRA_PIDS="$EXTRA_PIDS $ABSPID"
sleep 0.2
NOTIFY_SOCKET=@$ABS start_vigil
check "READY=1 reaches an abstract socket" wait_until 15 grep -q 'READY=1' "$WORK/abstract.log"
stop_vigil

# The shipped unit.
if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|/usr/local/bin/vigil|$VIGIL|" contrib/systemd/vigil.service >"$WORK/vigil.service"
	systemd-analyze verify --man=no "$WORK/vigil.service" >"$WORK/verify.out" 2>&1
	rc=$?
	check "systemd-analyze verify: no complaint" sh -c "[ $rc -eq 0 ] && [ ! -s '$WORK/verify.out' ]"
	[ ! -s "$WORK/verify.out" ] || sed 's/^/    | /' "$WORK/verify.out"
	sed 's/^Type=notify/Type=notifyy/' "$WORK/vigil.service" >"$WORK/broken.service"
	systemd-analyze verify --man=no "$WORK/broken.service" >"$WORK/verify.out" 2>&1
	check "... and it would complain about a broken unit" test -s "$WORK/verify.out"
else
	skip "systemd-analyze verify" "no systemd-analyze here"
	skip "... and it would complain about a broken unit" "no systemd-analyze here"
fi
for key in Type=notify WatchdogSec= Restart=on-failure RestartPreventExitStatus=1 \
    StateDirectory= NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes; do
	check "the unit sets $key" grep -q "^$key" contrib/systemd/vigil.service
done
finish
