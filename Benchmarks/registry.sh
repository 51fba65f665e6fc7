#!/usr/bin/env bash
# Registry benchmark on the province data set (≈30,000 schools, ≈900,000 teachers), release build.
# Prints: seeding time; teacher import rows/s next to the sqlite3 CLI ceiling for the same rows;
# GET /api/v1/teachers?district=… req/s and p99 next to /healthz in the same run; server RSS.
# usage: Benchmarks/registry.sh [ROWS=100000]   (needs wrk, sqlite3, python3 with openpyxl)
set -euo pipefail
ROWS=${1:-100000}
PORT=18181
source "$(dirname "$0")/province.sh"
province_copy "$WORK/run"
cp "$WORK/province/xuequ.sqlite" "$WORK/ceiling.sqlite"
echo "== data: $(sqlite3 "$WORK/run/xuequ.sqlite" 'SELECT COUNT(*) FROM schools') schools, $(sqlite3 "$WORK/run/xuequ.sqlite" 'SELECT COUNT(*) FROM teachers') teachers"

echo "== making $ROWS import rows (xlsx + the same rows as SQL)"
python3 Benchmarks/make_rows.py "$ROWS" "$WORK/run/xuequ.sqlite" "$WORK"

echo "== ceiling: sqlite3 CLI bulk insert of the same rows (one transaction, 400-row statements, same indexes)"
start=$(date +%s.%N)
sqlite3 "$WORK/ceiling.sqlite" "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;" < /dev/null >/dev/null
sqlite3 -cmd "PRAGMA synchronous=FULL;" "$WORK/ceiling.sqlite" < "$WORK/rows.sql"
end=$(date +%s.%N)
ceiling=$(python3 -c "print(round($ROWS/($end-$start)))")
echo "sqlite3 CLI: $ROWS rows in $(python3 -c "print(round($end-$start,2))") s = $ceiling rows/s"

"$BIN" serve --data-dir "$WORK/run" --port $PORT > "$WORK/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
# The province seed made the demo accounts; admin / xuequ-demo.
TOKEN=$(curl -s -X POST "http://127.0.0.1:$PORT/api/v1/session" -H 'content-type: application/json' -d '{"username":"admin","password":"xuequ-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

echo "== import through the API (parse .xlsx, validate every row, one transaction)"
start=$(date +%s.%N)
curl -s -H "Authorization: Bearer $TOKEN" -F "file=@$WORK/rows.xlsx" "http://127.0.0.1:$PORT/api/v1/imports/teachers"; echo
end=$(date +%s.%N)
rate=$(python3 -c "print(round($ROWS/($end-$start)))")
echo "xuequ import: $ROWS rows in $(python3 -c "print(round($end-$start,2))") s = $rate rows/s = $(python3 -c "print(round($rate/$ceiling,2))") of the ceiling"

DISTRICT=$(sqlite3 "$WORK/run/xuequ.sqlite" "SELECT id FROM districts ORDER BY id LIMIT 1 OFFSET 500")
echo "== wrk -t1 -c32 -d20s: /healthz, then /api/v1/teachers?district=$DISTRICT"
wrk -t1 -c32 -d20s --latency "http://127.0.0.1:$PORT/healthz" | grep -E "Requests/sec|99%|Non-2xx" | sed 's/^/healthz  /'
wrk -t1 -c32 -d20s --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/teachers?district=$DISTRICT" | grep -E "Requests/sec|99%|Non-2xx" | sed 's/^/teachers /'
echo "server RSS after the run: $(grep VmRSS /proc/$PID/status | awk '{print $2/1024 " MiB"}')"
