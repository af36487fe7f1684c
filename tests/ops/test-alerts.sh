# Webhook alerts end to end. A Discord webhook on the emulator (vigil-sim):
# a quick resume pages nobody; an outage longer than alert_after pages once
# (Discord's body) and once more when vigil is back; how long after the
# disconnect the alert left is printed. A generic URL on a loopback sink
# written here: the Slack-compatible body, a 503 retried. The webhook's
# token shows nowhere: not in vigil's output, state directory or argv.
. tests/ops/lib.sh

HOOK_TOKEN=hOoK-t0ken-$$-Zq9
"$VIGIL_BUILD/vigil-sim" --port 0 --heartbeat-interval 1000 --resume-window 60s \
    >"$WORK/sim.json" 2>"$WORK/sim.err" &
EXTRA_PIDS=$!
wait_until 5 grep -q '"port"' "$WORK/sim.json"
SP=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$WORK/sim.json")
SIM=http://127.0.0.1:$SP
ctl_post() { curl --noproxy '*' -s -o /dev/null -X POST -d "$2" "$SIM/_ctl/$1"; }
hooks() { curl --noproxy '*' -s "$SIM/_ctl/webhooks"; }
received() { hooks | python3 -c 'import json,sys; print(json.load(sys.stdin)["received"])'; }
hook_has() { hooks | grep -q -- "$1"; }

cat >"$WORK/config/vigil.conf" <<EOT
alert_after = 2s
alert_interval = 1m
EOT
start_alerting() {
	: >"$WORK/out"
	VIGIL_TOKEN=sim-token VIGIL_ALERT_WEBHOOK="$1" "$VIGIL" --headless \
	    --config "$WORK/config/vigil.conf" --api "$SIM/api" >"$WORK/out" 2>&1 &
	VIGIL_PID=$!
}

start_alerting "$SIM/api/webhooks/4242/$HOOK_TOKEN"
check "vigil connects" wait_log '-> Connected' 15
check "alerts are on, to a Discord webhook (its id, no token)" log_has 'alerts to the Discord webhook 4242'

# A quick resume: nobody is paged.
ctl_post fault '{"fault":"drop"}'
check "a drop is resumed" wait_log 'Resuming -> Connected' 10
sleep 3
check "a quick resume pages nobody" [ "$(received)" -eq 0 ]

# An outage longer than alert_after: DOWN, then UP.
ctl_post fault '{"fault":"refuse","secs":6}'
ctl_post fault '{"fault":"drop"}'
check "DOWN reaches the webhook" wait_until 15 hook_has 'disconnected for'
check "Discord's body: content and username" sh -c "curl --noproxy '*' -s '$SIM/_ctl/webhooks' | python3 -c 'import json,sys; b=json.load(sys.stdin)[\"last\"][-1][\"body\"]; sys.exit(not (b[\"username\"]==\"vigil\" and b[\"content\"].startswith(\"vigil: shard 0 disconnected\")))'"
check "vigil logs when the alert left" wait_log 'alert +sent: shard 0 disconnected for .* after the disconnect' 5
latency=$(sed -n 's/.*alert *sent: shard 0 disconnected.*, \([0-9.]*\) s after the disconnect.*/\1/p' "$WORK/out" | head -n 1)
echo "# the DOWN alert left ${latency}s after the disconnect (alert_after = 2s)"
check "UP follows when vigil is back" wait_until 30 hook_has 'back online after'
check "two alerts in all" [ "$(received)" -eq 2 ]
stop_vigil

# A generic URL: a loopback sink that answers 503 once, then 200.
SINKP=$(free_port)
python3 - "$SINKP" "$WORK/sink.log" <<'EOT' &
import http.server, sys
port, log = int(sys.argv[1]), sys.argv[2]
state = {"n": 0}
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        state["n"] += 1
        code = 503 if state["n"] == 1 else 200
        with open(log, "a") as f:
            f.write("%d %s %s %s\n" % (code, self.path, self.headers.get("Authorization"), body.decode()))
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
EOT
EXTRA_PIDS="$EXTRA_PIDS $!"
wait_until 5 python3 -c "import socket; socket.create_connection(('127.0.0.1', $SINKP))"
: >"$WORK/sink.log"
start_alerting "http://127.0.0.1:$SINKP/hooks/$HOOK_TOKEN"
check "generic: vigil connects" wait_log '-> Connected' 15
check "generic: alerts to a generic webhook" log_has 'alerts to a webhook \(generic JSON\)'
ctl_post fault '{"fault":"refuse","secs":5}'
ctl_post fault '{"fault":"drop"}'
check "generic: the first try gets 503, the retry 200" wait_until 20 grep -q '^200 ' "$WORK/sink.log"
check "generic: the 503 was retried, not dropped" grep -q '^503 ' "$WORK/sink.log"
check "generic: vigil says it retries" log_has 'alert +webhook answered HTTP 5xx: retry 1'
body_ok() {
	sed -n 's/^200 [^ ]* [^ ]* //p' "$WORK/sink.log" | head -n 1 | python3 -c '
import json, sys
b = json.load(sys.stdin)
ok = b["text"].startswith("vigil: shard 0 disconnected") and b["event"] == "down" and \
    b["state"] in ("Disconnected", "Resuming", "Reconnecting") and b["shard"] == 0 and \
    b["time"].endswith("Z") and "detail" in b
sys.exit(not ok)'
}
check "generic: text, event, state, shard, time, detail" body_ok
check "generic: no Authorization header (the bot token never leaves)" sh -c "! grep -v ' None ' '$WORK/sink.log' | grep -q ."
check "generic: UP when back" wait_until 30 sh -c "grep -q '\"event\": *\"up\"' '$WORK/sink.log'"
stop_vigil

# A bot whose listener fails until it is disabled: a "script" alert, and
# the script families in /metrics.
cat >"$WORK/bad.lua" <<'EOT'
vigil.on("MESSAGE_CREATE", function(msg) error("boom") end)
EOT
MP=$(free_port)
ctl_post set '{"chatter":20}'
: >"$WORK/out"
VIGIL_TOKEN=sim-token VIGIL_ALERT_WEBHOOK="$SIM/api/webhooks/4242/$HOOK_TOKEN" "$VIGIL" --headless \
    --config "$WORK/config/vigil.conf" --api "$SIM/api" --bot "$WORK/bad.lua" \
    --script-error-limit 2 --listen "127.0.0.1:$MP" >"$WORK/out" 2>&1 &
VIGIL_PID=$!
check "bots: vigil connects" wait_log '-> Connected' 15
check "bots: a disabled listener pages (script)" wait_until 20 hook_has 'bot script bad disabled'
metrics_has() { curl --noproxy '*' -s "http://127.0.0.1:$MP/metrics" | grep -q -- "$1"; }
check "bots: vigil_script_listeners_disabled{script=\"bad\"} 1" metrics_has '^vigil_script_listeners_disabled{script="bad"} 1$'
check "bots: vigil_script_errors_total counts" metrics_has '^vigil_script_errors_total{script="bad"} [1-9]'
check "bots: vigil_script_memory_bytes" metrics_has '^vigil_script_memory_bytes{script="bad"} [1-9]'
check "bots: vigil_alerts_total{result=\"sent\"}" metrics_has '^vigil_alerts_total{result="sent"} [1-9]'
stop_vigil

# The webhook's token: nowhere but the environment it came from.
check "the webhook token is not in vigil's output" sh -c "! grep -rq -- '$HOOK_TOKEN' '$WORK/out'"
check "nor in the state directory" sh -c "! grep -rq -- '$HOOK_TOKEN' '$WORK/state'"
check "alert_webhook is no flag (argv would show the secret)" sh -c \
    "'$VIGIL' --alert-webhook x 2>&1 | grep -q 'unknown flag --alert-webhook'"
check "a bad alert_webhook is refused without echoing it" sh -c \
    "VIGIL_ALERT_WEBHOOK=ftp://$HOOK_TOKEN '$VIGIL' --headless 2>&1 | grep -q 'VIGIL_ALERT_WEBHOOK: expected an http' && ! VIGIL_ALERT_WEBHOOK=ftp://$HOOK_TOKEN '$VIGIL' --headless 2>&1 | grep -q -- '$HOOK_TOKEN'"
finish
