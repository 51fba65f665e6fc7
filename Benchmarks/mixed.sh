#!/usr/bin/env bash
# The mixed load of issue 15 on the province (SQLite, release build): Benchmarks/mixed.lua's fixed
# mix — district and province lists and searches, balance for a district and the province, the
# statistics of a 300,000-application window, three HTML pages, 10% new applications — with wrk at
# 8, 32 and 128 connections (wrk on the same 2 cores). Prints req/s and p50/p95/p99 per level, the
# server's RSS before and after, then verify-aggregates.
# With `roles` as the second argument the mix is Benchmarks/mixed_roles.lua (issue 34): every
# role's variants (bureau, district, school, teacher) and the newer modules' pages.
# usage: Benchmarks/mixed.sh [SECONDS=20] [roles]    (needs wrk, sqlite3, python3)
set -euo pipefail
SECS=${1:-20}
MIX=Benchmarks/mixed.lua
[ "${2:-}" = roles ] && MIX=Benchmarks/mixed_roles.lua
source "$(dirname "$0")/province.sh"
province_copy "$WORK/mixed"
DB="$WORK/mixed/xuequ.sqlite"
WINDOW=$(province_window "$DB")
# An open window for the new applications.
sqlite3 "$DB" "INSERT INTO cert_windows (body_id, name, opens_on, closes_on, types) SELECT id, '压测开放批次', date('now', '-10 days'), date('now', '+20 days'), 'kindergarten,primary,junior,senior,vocational,vocational_practice' FROM cert_bodies WHERE level = 'county' LIMIT 1"
serve_bench "$WORK/mixed" 18184
export ADMIN=$(token admin) DISTRICT=$(token district1) REVIEWER=$(token reviewer) SCHOOL=$(token school1)
export ADMIN_COOKIE=$(cookie admin) DISTRICT_COOKIE=$(cookie district1) SCHOOL_COOKIE=$(cookie school1) TEACHER_COOKIE=$(cookie teacher1)
export QCHAR=$(python3 -c "import urllib.parse; print(urllib.parse.quote('王'))")
export DISTRICT_ID=$(sqlite3 "$DB" "SELECT district_id FROM users WHERE username = 'district1'") WINDOW
export QNAME=$(province_name "$DB")
s=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/api/v1/certification/applications" -H "Authorization: Bearer $REVIEWER" -H 'content-type: application/json' \
  -d '{"name":"压测申请人","residentId":"13048119700101000X","type":"primary","subject":"math","education":"bachelor","normalGraduate":false,"putonghua":"2B","route":"national_exam","examPassedOn":"2025-06-01","physicalExam":"pass"}')
echo "== a trial application: HTTP $s; server RSS before: $(rss)"
for c in 8 32 128; do
  line=$(OFFSET=$((c * 30000)) wrk -t2 -c$c -d${SECS}s --timeout 10s -s "$MIX" "$BASE" | grep RESULT | sed 's/RESULT //')
  printf '%4d connections: %s; RSS %s\n' "$c" "$line" "$(rss)"
done
echo "applications stored: $(sqlite3 "$DB" "SELECT COUNT(*) FROM cert_applications WHERE name = '压测申请人'")"
kill $PID; wait $PID 2>/dev/null || true
trap - EXIT
"$BIN" verify-aggregates --data-dir "$WORK/mixed" | tail -1
