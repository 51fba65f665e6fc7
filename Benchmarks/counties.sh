#!/usr/bin/env bash
# Counties under a city and a province (issue 30), on the province set (11 cities, 172 counties,
# ≈30,000 schools; SQLite, release build): the province's and a city's comparison pages and API,
# a county bureau's own dashboard, home and lists, and a county's dashboard opened by the city.
# wrk at 16 connections for SECONDS each; p95 from Benchmarks/p95.lua. The first request of each
# comparison is timed alone (cold: computed), then the load (kept until a write).
# usage: Benchmarks/counties.sh [SECONDS=8]    (needs wrk, sqlite3, python3; not run in CI)
set -euo pipefail
SECS=${1:-8}
source "$(dirname "$0")/province.sh"
province_copy "$WORK/counties"
DB="$WORK/counties/xuequ.sqlite"
C=$(sqlite3 "$DB" "SELECT code FROM areas WHERE level = 'county' AND code <> '130481' ORDER BY code LIMIT 1")
serve_bench "$WORK/counties" 18190
# A set seeded before each county had its certifying body (migration 088, run as the server started): give county C its own,
# with an open window, as `xuequ seed --scale province` now does for every county.
if [ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM cert_bodies WHERE area_code = '$C'")" = 0 ]; then
  sqlite3 "$DB" "INSERT INTO cert_bodies (code, name, level, area_code) VALUES ('13777', '县认定机构', 'county', '$C');
    INSERT INTO cert_windows (body_id, name, opens_on, closes_on, types) SELECT id, '压测批次', date('now', '-10 days'), date('now', '+20 days'),
      'kindergarten,primary,junior,senior,vocational,vocational_practice' FROM cert_bodies WHERE area_code = '$C'"
fi
declare -A TOKEN COOKIE
for u in province city "admin-$C" district1; do TOKEN[$u]=$(token "$u"); COOKIE[$u]=$(cookie "$u"); done
cold() { # label user kind path
  local header
  if [ "$2" = api ]; then header="Authorization: Bearer ${TOKEN[$3]}"; else header="Cookie: ${COOKIE[$3]}"; fi
  printf '| %-52s | %-12s | cold %s s |\n' "$1" "$3" "$(curl -s -o /dev/null -w '%{time_total}' -H "$header" "$BASE$4")"
}
run() { # label user kind(api|page) path
  local label=$1 user=$2 kind=$3 path=$4 auth="" cook="" out status
  if [ "$kind" = api ]; then auth=${TOKEN[$user]}; status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $auth" "$BASE$path")
  else cook=${COOKIE[$user]}; status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cook" "$BASE$path"); fi
  out=$(AUTH=$auth COOKIE=$cook wrk -t2 -c16 -d"${SECS}s" --timeout 10s -s Benchmarks/p95.lua "$BASE$path" 2>&1)
  printf '| %-52s | %-12s | %3s | %7s | %8s |\n' "$label" "$user" "$status" "$(echo "$out" | awk '/^RESULT/ {print $2}')" "$(echo "$out" | awk '/^RESULT/ {print $8}')"
}
echo "counties: $(sqlite3 "$DB" "SELECT COUNT(*) FROM areas WHERE level = 'county'"), schools: $(sqlite3 "$DB" "SELECT COUNT(*) FROM schools")"
cold "province comparison, basic primary (API)" api province "/api/v1/balance/counties?standard=basic&stage=primary"
cold "province comparison, quality junior (page)" page province "/balance/counties?standard=quality&stage=junior"
cold "province home (four comparisons)" page province "/"
cold "a county's own dashboard" page "admin-$C" "/balance"
cold "the counties' work, the province (page)" page province "/reports/counties"
cold "a county bureau's inspection (API)" api "admin-$C" "/api/v1/inspection"
cold "a county bureau's inspection schools (page)" page "admin-$C" "/inspection/schools"
cold "a county bureau's audit log" page "admin-$C" "/admin/audit"
printf '| %-52s | %-12s | %3s | %7s | %8s |\n' "request" "as" "st" "req/s" "p95 ms"
printf '|%s|%s|%s|%s|%s|\n' "------------------------------------------------------" "--------------" "-----" "---------" "----------"
run "province comparison (API)" province api "/api/v1/balance/counties?standard=basic&stage=primary"
run "province comparison page" province page "/balance/counties?standard=quality&stage=junior&sort=worst"
run "a city's comparison page" city page "/balance/counties"
run "the counties' work, the province (page)" province page "/reports/counties?sort=rotation"
run "the counties' work, a city (API)" city api "/api/v1/reports/counties"
run "province home" province page "/"
run "a county's dashboard, opened by the city" city page "/balance?district=0&county=130481"
run "a county bureau's dashboard" "admin-$C" page "/balance"
run "a county bureau's home" "admin-$C" page "/"
run "a county bureau's teacher list (API)" "admin-$C" api "/api/v1/teachers"
run "a county bureau's districts page" "admin-$C" page "/districts"
run "a district's teacher list (API)" district1 api "/api/v1/teachers"
run "a county bureau's inspection (API)" "admin-$C" api "/api/v1/inspection"
run "a county bureau's inspection page" "admin-$C" page "/inspection"
run "a county bureau's audit log" "admin-$C" page "/admin/audit"
run "a county bureau's accounts" "admin-$C" page "/admin/users"
run "a county bureau's internship" "admin-$C" page "/internship"
run "a county bureau's certification queue" "admin-$C" page "/certification"
run "a county bureau's transfers between counties" "admin-$C" page "/county-transfers"
run "the province's inspection thresholds" province page "/inspection/rules"
echo "server RSS at end: $(rss)"
