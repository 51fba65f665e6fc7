#!/usr/bin/env bash
# Exchange benchmark, release build: the suggested rotation plan for the demo county (county-wide
# and one district) and for one district of the province data set, each next to the time of one
# what-if evaluation of the same area (so the optimiser's cost reads as a number of
# evaluations); then the itinerant timetable of a district of 30 schools and 15 teachers.
# usage: Benchmarks/exchange.sh [RUNS=5]
set -euo pipefail
RUNS=${1:-5}
PORT=18192
source "$(dirname "$0")/province.sh"

echo "== the demo county"
rm -rf "$WORK/exchange-county"
"$BIN" serve --demo --data-dir "$WORK/exchange-county" --port $PORT > "$WORK/exchange-county.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 3000); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
python3 Benchmarks/exchange_http.py suggest "http://127.0.0.1:$PORT" county "$RUNS"
python3 Benchmarks/exchange_http.py suggest "http://127.0.0.1:$PORT" 1 "$RUNS"
kill $PID; wait $PID 2>/dev/null || true

echo "== the province"
province_copy "$WORK/exchange"
"$BIN" serve --data-dir "$WORK/exchange" --port $PORT > "$WORK/exchange/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 3000); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
echo "data: $(sqlite3 "$WORK/exchange/xuequ.sqlite" 'SELECT COUNT(*) FROM schools') schools, $(sqlite3 "$WORK/exchange/xuequ.sqlite" 'SELECT COUNT(*) FROM teachers') teachers"
DISTRICT=$(sqlite3 "$WORK/exchange/xuequ.sqlite" "SELECT district_id FROM teachers GROUP BY district_id ORDER BY COUNT(*) DESC LIMIT 1")
python3 Benchmarks/exchange_http.py suggest "http://127.0.0.1:$PORT" "$DISTRICT" "$RUNS"
python3 Benchmarks/exchange_http.py timetable "http://127.0.0.1:$PORT" "$RUNS"
echo "server RSS: $(grep VmRSS /proc/$PID/status | awk '{print $2/1024 " MiB"}')"
