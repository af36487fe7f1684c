# log_file and SIGUSR1 under load: the emulator chatters, vigil logs at
# debug level, a loop of `vigil ctl resume` keeps it resuming (a dozen log
# lines each), and the file is moved away and vigil signalled again and
# again. Every line vigil printed on stdout (the same ring, the same level)
# is in exactly one of the files: none lost, none twice. Then logrotate
# itself runs contrib/logrotate/vigil's way.
. tests/ops/lib.sh

LOG=$WORK/vigil.log
start_vigil --log-file "$LOG" --log-level debug --sim-chatter 300
check "vigil connects" wait_log '-> Connected' 15
check "the log file fills" wait_until 10 test -s "$LOG"
(while [ ! -e "$WORK/stop" ]; do "$VIGIL" ctl resume >/dev/null 2>&1; done) &
LOAD=$!
EXTRA_PIDS="$EXTRA_PIDS $LOAD"
rotations=8
i=1
while [ "$i" -le "$rotations" ]; do
	mv "$LOG" "$LOG.$i"
	kill -USR1 "$VIGIL_PID"
	wait_until 10 test -s "$LOG" || break
	sleep 0.3
	i=$((i + 1))
done
touch "$WORK/stop"
wait "$LOAD"
check "$rotations rotations, each a new file" [ "$i" -gt "$rotations" ]
check "vigil says it reopened the file" grep -q 'SIGUSR1: log file .* reopened' "$WORK/out"
stop_vigil
check "vigil exits 0" [ "$VIGIL_STATUS" -eq 0 ]
cat "$LOG".* "$LOG" | sort >"$WORK/files.sorted"
sort "$WORK/out" >"$WORK/out.sorted"
lines=$(wc -l <"$WORK/out.sorted")
check "a load worth the name: over 300 lines ($lines)" [ "$lines" -gt 300 ]
check "no line lost, none written twice" cmp -s "$WORK/files.sorted" "$WORK/out.sorted"
cmp -s "$WORK/files.sorted" "$WORK/out.sorted" || diff "$WORK/out.sorted" "$WORK/files.sorted" | head -n 10
check "no line says lines were dropped" sh -c "! grep -q 'lines dropped' '$LOG'"

# SIGUSR1 when the directory is gone: the old file stays in use.
start_vigil --log-file "$WORK/sub/vigil.log"
mkdir -p "$WORK/sub"
sleep 0.1
rm -rf "$WORK/sub"

kill -USR1 "$VIGIL_PID" 2>/dev/null
check "a log file that cannot be created is an error, vigil carries on" \
    wait_log 'cannot open the log file|cannot reopen .*still writing the old file' 10
stop_vigil

# logrotate with the shipped file's settings (its path and signal adapted).
if command -v logrotate >/dev/null 2>&1; then
	start_vigil --log-file "$LOG" --sim-chatter 50
	wait_log '-> Connected' 15
	sed -e "s|/var/log/vigil/vigil.log|$LOG|" \
	    -e "s|systemctl kill .*|kill -USR1 $VIGIL_PID|" contrib/logrotate/vigil >"$WORK/lr.conf"
	check "logrotate -f rotates" logrotate -f -s "$WORK/lr.state" "$WORK/lr.conf"
	check "vigil reopened after logrotate" wait_until 10 test -s "$LOG"
	stop_vigil
else
	skip "logrotate -f rotates" "no logrotate here"
	skip "vigil reopened after logrotate" "no logrotate here"
fi
finish
