#!/usr/bin/env bash
# The write path (issue 15, part 3), release build, SQLite in WAL with synchronous=FULL:
#   raw SQLite autocommit on the same disk (one connection, one INSERT per transaction);
#   GET /healthz requests/s (the server's ceiling for a request that does nothing);
#   durable submissions (POST /api/v1/certification/applications, 64 clients, each 201 after
#   its commit) with the writer's own connection and thread (the default), and with
#   XUEQU_SQLITE_WRITER=pool (each commit group borrows a pool connection, as before);
#   an API read (one district's teachers) with the signed-in caller kept (the default) and with
#   XUEQU_CALLER_CACHE=off (token, account and scope read on every request, as before).
# usage: Benchmarks/writes.sh [SECONDS=15]   (needs wrk, sqlite3, python3)
set -euo pipefail
SECS=${1:-15}
PORT=18183
cd "$(dirname "$0")/.."
WORK=${BENCH_DIR:-/tmp/xuequ-bench}/writes
BIN=.build/release/xuequ
export XUEQU_BCRYPT_COST=10
swift build -c release --product xuequ 2>&1 | tail -1
rm -rf "$WORK" && mkdir -p "$WORK"
BASE="http://127.0.0.1:$PORT"

start_server() { # DIR, then env assignments
  local dir=$1; shift
  env "$@" "$BIN" serve --demo --data-dir "$dir" --port $PORT > "$dir.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 3000); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done
}
stop_server() { kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; }
trap 'stop_server' EXIT
source Benchmarks/http.sh
rps() { awk '/Requests\/sec/ {printf "%d", $2}' "$1"; }
pct() { awk -v p="$2" '$1 == p {print $2}' "$1"; }

echo "== raw SQLite autocommit on the same disk, ${SECS}s"
RAW=$(python3 Benchmarks/raw_autocommit.py "$WORK/raw.sqlite" "$SECS")
echo "raw autocommit: $RAW commits/s"

submissions() { # LABEL DIR ENV...
  local label=$1 dir=$2; shift 2
  start_server "$dir" "$@"
  local tok db before after t0 t1 rate m w c
  tok=$(token reviewer)
  db="$dir/xuequ.sqlite"
  before=$(sqlite3 "$db" "SELECT COUNT(*) FROM cert_applications")
  t0=$(date +%s.%N)
  TOKEN=$tok WRK_THREADS=2 wrk -t2 -c64 -d${SECS}s --timeout 10s --latency -s Benchmarks/submissions.lua "$BASE" > "$dir.wrk"
  t1=$(date +%s.%N)
  after=$(sqlite3 "$db" "SELECT COUNT(*) FROM cert_applications")
  rate=$(python3 -c "print(round(($after-$before)/($t1-$t0)))")
  m=$(curl -s "$BASE/metrics")
  w=$(echo "$m" | awk '/^xuequ_sqlite_writers_total/ {print $2}'); c=$(echo "$m" | awk '/^xuequ_sqlite_commits_total/ {print $2}')
  echo "$label: $rate submissions/s stored = $(python3 -c "print(round($rate/$RAW,2))") of raw autocommit, = $(python3 -c "print(round($rate/$HEALTH,2))") of /healthz; p50 $(pct "$dir.wrk" 50%) p99 $(pct "$dir.wrk" 99%); $(python3 -c "print(round($w/$c,1))") writers per commit; $(grep -E 'Non-2xx' "$dir.wrk" || echo 'all 2xx')"
  stop_server
}

echo "== /healthz, wrk -t2 -c64 -d${SECS}s"
start_server "$WORK/health"
wrk -t2 -c64 -d${SECS}s --latency "$BASE/healthz" > "$WORK/health.wrk"
HEALTH=$(rps "$WORK/health.wrk")
echo "/healthz: $HEALTH req/s, p99 $(pct "$WORK/health.wrk" 99%)"
stop_server

echo "== durable submissions, wrk -t2 -c64 -d${SECS}s, each request a new application"
submissions "writer's own connection and thread" "$WORK/own"
submissions "XUEQU_SQLITE_WRITER=pool (before)" "$WORK/pool" XUEQU_SQLITE_WRITER=pool

echo "== one district's teachers (API), wrk -t2 -c32 -d${SECS}s"
for mode in on off; do
  start_server "$WORK/read-$mode" XUEQU_CALLER_CACHE=$mode
  tok=$(token district1)
  wrk -t2 -c32 -d${SECS}s --latency -H "Authorization: Bearer $tok" "$BASE/api/v1/teachers?per=50" > "$WORK/read-$mode.wrk"
  echo "caller cache $mode: $(rps "$WORK/read-$mode.wrk") req/s, p50 $(pct "$WORK/read-$mode.wrk" 50%) p99 $(pct "$WORK/read-$mode.wrk" 99%)"
  stop_server
done
