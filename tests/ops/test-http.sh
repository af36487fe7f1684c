# /healthz, /readyz and /metrics on a real headless vigil: answers and
# methods, the exposition format checked by promtool, route labels without
# ids, /readyz 503 during the emulator's `refuse` fault and 200 after, and
# a real Prometheus server scraping vigil, asked through its own API.
. tests/ops/lib.sh

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
get() { curl --noproxy '*' -s -o "$WORK/body" -w '%{http_code}' "$@"; }
code_is() { want=$1; shift; [ "$(get "$@")" = "$want" ]; }
body_has() { grep -Eq -- "$1" "$WORK/body"; }
ctl() { "$VIGIL" ctl "$@" >"$WORK/ctl.out" 2>&1; }

start_vigil --listen "127.0.0.1:$PORT"
check "vigil says where it serves" wait_log "serving /healthz /readyz /metrics on $URL" 10
check "vigil connects" wait_log '-> Connected' 15
check "/healthz 200" code_is 200 "$URL/healthz"
check "/healthz says state, phase, uptime, loop lag" \
    body_has '"state":"Connected".*"phase":"connected".*"uptime_seconds":.*"loop_lag_ms":'
check "/readyz 200 while Connected" code_is 200 "$URL/readyz"
check "POST /metrics is 405" code_is 405 -X POST "$URL/metrics"
check "PUT /healthz is 405" code_is 405 -X PUT "$URL/healthz"
check "another path is 404" code_is 404 "$URL/_ctl/settings"
check "/metrics 200" code_is 200 "$URL/metrics"
cp "$WORK/body" "$WORK/metrics"
check "promtool check metrics passes" sh -c "promtool check metrics <'$WORK/metrics'"
for fam in vigil_gateway_state vigil_gateway_events_total vigil_gateway_seq_gaps_total \
    vigil_heartbeat_rtt_seconds vigil_reconnects_total vigil_zombies_total \
    vigil_state_seconds_total vigil_session_starts_used vigil_session_starts_remaining \
    vigil_session_starts_limit vigil_rest_requests_total vigil_rest_queue_depth \
    vigil_rest_429_total vigil_rest_invalid_requests vigil_cache_entries \
    vigil_log_lines_total process_resident_memory_bytes process_cpu_seconds_total \
    process_start_time_seconds; do
	check "family $fam" grep -q "^# TYPE $fam " "$WORK/metrics"
done
check "one-hot state: Connected 1" grep -q '^vigil_gateway_state{shard="0",state="Connected"} 1$' "$WORK/metrics"
check "no raw id in any label" sh -c "! grep -Eq '\"[^\"]*[0-9]{6,}[^\"]*\"' '$WORK/metrics'"

# A real Prometheus server scraping vigil every second.
PPORT=$(free_port)
cat >"$WORK/prometheus.yml" <<EOT
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: vigil
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOT
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom" \
    --web.listen-address="127.0.0.1:$PPORT" >"$WORK/prom.log" 2>&1 &
EXTRA_PIDS="$!"
prom_has_state() {
	get "http://127.0.0.1:$PPORT/api/v1/query?query=vigil_gateway_state%7Bstate%3D%22Connected%22%7D" >/dev/null &&
	    body_has '"status":"success"' && body_has '"state":"Connected".*"value":\[[0-9.]+,"1"\]'
}
check "Prometheus scraped vigil_gateway_state (its API says Connected 1)" wait_until 60 prom_has_state
up_is_1() {
	get "http://127.0.0.1:$PPORT/api/v1/query?query=up%7Bjob%3D%22vigil%22%7D" >/dev/null && body_has '"value":\[[0-9.]+,"1"\]'
}
check "Prometheus's target is up" up_is_1
[ -s "$WORK/body" ] || sed 's/^/    prom| /' "$WORK/prom.log" | tail -n 20
# The emulator's chatter makes the ping bot post: a route with an id.
templated() { code_is 200 "$URL/metrics" && body_has 'route="/channels/\{id\}/messages"'; }
check "route labels are templates" wait_until 30 templated
check "still no raw id in any label" sh -c "! grep -Eq '\"[^\"]*[0-9]{6,}[^\"]*\"' '$WORK/body'"

# /readyz follows the gateway: the emulator refuses handshakes, the
# connection drops; 503 until refuse is over and vigil is back.
check "ctl sim refuse 4" ctl sim refuse 4
check "the fault fired" wait_log 'sim: refuse fired' 10
check "ctl sim drop" ctl sim drop
check "/readyz 503 during refuse" wait_until 10 code_is 503 "$URL/readyz"
check "its reason is JSON, not ready" body_has '"ready":false.*"reason":"[^"]+'
check "/healthz stays 200 meanwhile" code_is 200 "$URL/healthz"
check "/readyz 200 again after refuse" wait_until 40 code_is 200 "$URL/readyz"
finish
