#!/usr/bin/env bash
# Server memory under the mixed load of issue 15 over a long run (release build, SQLite, the
# province): Benchmarks/mixed.lua at 32 connections for MINUTES, the server's RSS printed every
# 30 s, then again after a minute idle. The issue asks for ≤ 150 MiB and flat.
# usage: Benchmarks/memory.sh [MINUTES=10]    (needs wrk, sqlite3, python3)
set -euo pipefail
MINUTES=${1:-10}
source "$(dirname "$0")/province.sh"
province_copy "$WORK/memory"
DB="$WORK/memory/xuequ.sqlite"
WINDOW=$(province_window "$DB")
sqlite3 "$DB" "INSERT INTO cert_windows (body_id, name, opens_on, closes_on, types) SELECT id, '压测开放批次', date('now', '-10 days'), date('now', '+20 days'), 'kindergarten,primary,junior,senior,vocational,vocational_practice' FROM cert_bodies WHERE level = 'county' LIMIT 1"
serve_bench "$WORK/memory" 18186
export ADMIN=$(token admin) DISTRICT=$(token district1) REVIEWER=$(token reviewer)
export ADMIN_COOKIE=$(cookie admin) DISTRICT_COOKIE=$(cookie district1)
export DISTRICT_ID=$(sqlite3 "$DB" "SELECT district_id FROM users WHERE username = 'district1'") WINDOW
export QNAME=$(province_name "$DB") OFFSET=5000000
echo "RSS at start: $(rss)"
wrk -t2 -c32 -d$((MINUTES * 60))s --timeout 10s -s Benchmarks/mixed.lua "$BASE" > "$WORK/memory.wrk" &
WRK=$!
for i in $(seq 1 $((MINUTES * 2))); do sleep 30; echo "$((i * 30)) s: RSS $(rss)"; done
wait $WRK
grep RESULT "$WORK/memory.wrk" | sed 's/RESULT /whole run: /'
sleep 60
echo "after 60 s idle: RSS $(rss)"
kill $PID; wait $PID 2>/dev/null || true
trap - EXIT
