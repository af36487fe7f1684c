#!/bin/sh
# The operator's Lua bot in the console (docs/bots.md): the status line's
# bot health, `bot` listing the script and its listeners, a listener error
# shown with script:line, the breaker turning a listener off and `bot
# enable` turning it on, `bot reload` of a broken file refused while the old
# script still answers, then a good reload, and completion of the command.
. "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/bots"
BOT=$WORK/bots/echo.lua
cat >"$BOT" <<'LUA'
local n = 0
vigil.on("MESSAGE_CREATE", function(msg)
  n = n + 1
  vigil.log.info("v1 saw message %d", n)
end)
vigil.on("MESSAGE_CREATE", function(msg)
  if msg.content == "!ping" then error("boom on ping") end
end)
LUA

# The highest "v1 saw message N" on screen.
last_seen() {
	capture | sed -n 's/.*v1 saw message \([0-9][0-9]*\).*/\1/p' | sort -n | tail -n 1
}

# still_counting N SECONDS: a "v1 saw message" above N shows up.
still_counting() {
	tries=$(( $2 * 10 ))
	while [ "$tries" -gt 0 ]; do
		now=$(last_seen)
		[ -n "$now" ] && [ "$now" -gt "$1" ] && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

start_vigil --sim-chatter 20 --bot "$BOT"
check "starts Connected" wait_for_text '\[ Connected \]' 15
check "status line: one bot" wait_for_text 'bots 1' 5
check "the script sees messages" wait_for_text 'v1 saw message [0-9]+' 10
check "a listener error is shown with script:line" wait_for_text 'echo.lua:7: boom on ping' 10
check "status line: errors in the last minute" wait_for_text 'bots 1, [0-9]+ err/min' 5
check "the breaker turns the failing listener off" wait_for_text 'err/min, 1 off' 15
send 'log level warn'
send 'bot'
check "bot lists the script" wait_for_text 'bot echo \(.*echo.lua\): 2 listeners \(1 disabled\)' 3
check "bot lists its listeners" wait_for_text '#1 MESSAGE_CREATE [0-9]+/0, #2 MESSAGE_CREATE [0-9]+/[0-9]+ DISABLED' 3
check "bot shows the last error" wait_for_text 'last error: echo.lua:7: boom on ping' 3
send 'bot enable echo'
send 'log level info'
check "bot enable" wait_for_text 'bot: enabled' 3

# A broken file: the reload is refused, the old code runs on.
printf 'vigil.on("MESSAGE_CREATE", function(m)\n' >"$BOT"
send 'bot reload echo'
check "broken reload refused with the error" wait_for_text 'reload failed, the old code runs on: echo.lua:2:' 3
seen=$(last_seen)
check "the old script still answers" still_counting "${seen:-0}" 10

cat >"$BOT" <<'LUA'
vigil.on("MESSAGE_CREATE", function(msg) vigil.log.info("v2 saw %s", msg.id) end)
LUA
send 'bot reload'
check "good reload" wait_for_text 'bot: reloaded every bot' 3
check "the new code gets the events" wait_for_text 'v2 saw [0-9]+' 10

keys 'bot rel' Tab
check "completion: bot reload" wait_for_text 'vigil> bot reload' 3
keys C-u
send 'quit'
check "quits" wait_for_text 'VIGIL-EXITED 0' 10
finish
