#!/usr/bin/env bash
# Certification benchmark, release build, SQLite in WAL with synchronous=FULL (the defaults):
#  1. durable submissions per second: 64 concurrent clients creating applications through
#     POST /api/v1/certification/applications (each one committed to disk before its 201),
#     next to the raw SQLite autocommit rate (one INSERT per transaction, same pragmas, same
#     disk) measured in the same run;
#  2. the statistics of a window of 300,000 applications (GET /api/v1/certification/statistics).
# usage: Benchmarks/certification.sh [SECONDS=15] [APPLICATIONS=300000]   (needs wrk, sqlite3, python3)
set -euo pipefail
SECS=${1:-15}
N=${2:-300000}
PORT=18182
cd "$(dirname "$0")/.."
WORK=${BENCH_DIR:-/tmp/xuequ-bench}/cert
BIN=.build/release/xuequ
export XUEQU_BCRYPT_COST=10
swift build -c release --product xuequ 2>&1 | tail -1
rm -rf "$WORK" && mkdir -p "$WORK/run"

"$BIN" serve --demo --data-dir "$WORK/run" --port $PORT > "$WORK/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -s -X POST "http://127.0.0.1:$PORT/api/v1/session" -H 'content-type: application/json' -d '{"username":"reviewer","password":"xuequ-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
DB="$WORK/run/xuequ.sqlite"
count() { sqlite3 "$DB" "SELECT COUNT(*) FROM cert_applications"; }

echo "== raw SQLite autocommit on the same disk: one connection, one INSERT per transaction, WAL + synchronous=FULL, ${SECS}s"
RAW=$(python3 Benchmarks/raw_autocommit.py "$WORK/raw.sqlite" "$SECS")
echo "raw autocommit: $RAW commits/s"

echo "== xuequ: wrk -t2 -c64 -d${SECS}s, each request a new application"
before=$(count)
start=$(date +%s.%N)
TOKEN=$TOKEN WRK_THREADS=2 wrk -t2 -c64 -d${SECS}s --timeout 10s --latency -s Benchmarks/submissions.lua "http://127.0.0.1:$PORT" > "$WORK/wrk.txt"
end=$(date +%s.%N)
after=$(count)
grep -E "Requests/sec|50%|99%|Non-2xx|errors" "$WORK/wrk.txt" | sed 's/^/wrk /'
RATE=$(python3 -c "print(round(($after-$before)/($end-$start)))")
M=$(curl -s "http://127.0.0.1:$PORT/metrics")
W=$(echo "$M" | awk '/^xuequ_sqlite_writers_total/ {print $2}'); C=$(echo "$M" | awk '/^xuequ_sqlite_commits_total/ {print $2}')
echo "group commit: $W writers in $C commits = $(python3 -c "print(round($W/$C,1))") writers per commit (per fsync)"
echo "xuequ: $((after-before)) applications stored in $(python3 -c "print(round($end-$start,1))") s = $RATE submissions/s = $(python3 -c "print(round($RATE/$RAW,2))") of raw autocommit"

echo "== statistics of a $N-application window"
kill $PID; wait $PID 2>/dev/null || true
WINDOW=$(python3 Benchmarks/cert_window.py "$DB" "$N")
"$BIN" serve --data-dir "$WORK/run" --port $PORT > "$WORK/server2.log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -s -X POST "http://127.0.0.1:$PORT/api/v1/session" -H 'content-type: application/json' -d '{"username":"reviewer","password":"xuequ-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/certification/statistics?window=$WINDOW" | python3 -c 'import json,sys; s=json.load(sys.stdin); print("applied", s["applied"], "certified", s["certified"], "byType", s["byType"]); print("days in state", s["daysInState"])'
times=()
for _ in $(seq 1 10); do
  times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/certification/statistics?window=$WINDOW")")
done
python3 -c "import statistics,sys; t=sorted(float(x) for x in sys.argv[1:]); print('statistics of %d applications: median %.3f s, max %.3f s (10 requests)' % ($N, statistics.median(t), t[-1]))" "${times[@]}"
