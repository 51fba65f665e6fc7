#!/usr/bin/env bash
# Each kind of request as each role that sends it, alone, on the province (SQLite, release build):
# wrk at 16 connections for SECONDS each, and the server's CPU per request (user + system time of
# the server process over the run, divided by the requests answered). Issue 34: a district's
# one-character name search once cost 90 ms of CPU against the bureau's 9 ms; every scoped search
# should be within 2× of the bureau's, and each request ≤ 3 ms (computations apart).
# usage: Benchmarks/roles.sh [SECONDS=8]    (needs wrk, sqlite3, python3; not run in CI)
#        ONLY='exchange|audit' Benchmarks/roles.sh   runs the rows whose label or role matches
set -euo pipefail
SECS=${1:-8}
source "$(dirname "$0")/province.sh"
province_copy "$WORK/roles"
DB="$WORK/roles/xuequ.sqlite"
serve_bench "$WORK/roles" 18186
declare -A TOKEN COOKIE
for u in admin district1 school1 teacher1; do TOKEN[$u]=$(token "$u"); COOKIE[$u]=$(cookie "$u"); done
D=$(sqlite3 "$DB" "SELECT district_id FROM users WHERE username = 'district1'")
Q=$(python3 -c "import urllib.parse; print(urllib.parse.quote('王'))")
QN=$(province_name "$DB")
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
HZ=$(getconf CLK_TCK)
run() { # label user kind(api|page) path
  local label=$1 user=$2 kind=$3 path=$4 auth="" cook="" header before after out reqs
  if [ -n "${ONLY:-}" ] && ! [[ "$label $user" =~ $ONLY ]]; then return; fi
  if [ "$kind" = api ]; then auth=${TOKEN[$user]}; header="Authorization: Bearer $auth"; else cook=${COOKIE[$user]}; header="Cookie: $cook"; fi
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "$header" "$BASE$path")
  before=$(ticks)
  out=$(AUTH=$auth COOKIE=$cook wrk -t2 -c16 -d"${SECS}s" --timeout 10s -s Benchmarks/p95.lua "$BASE$path" 2>&1)
  after=$(ticks)
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  rate=$(echo "$out" | awk '/^RESULT/ {print $2}')
  p95=$(echo "$out" | awk '/^RESULT/ {print $8}')
  cpu=$(python3 -c "print('%.2f' % ((($after) - ($before)) * 1000 / $HZ / max(1, $reqs)))")
  printf '| %-44s | %-9s | %3s | %7s | %8s | %6s |\n' "$label" "$user" "$status" "$rate" "$p95" "$cpu"
}
echo "server RSS at start: $(rss)"
printf '| %-44s | %-9s | %3s | %7s | %8s | %6s |\n' "request" "as" "st" "req/s" "p95 ms" "CPU ms"
printf '|%s|%s|%s|%s|%s|%s|\n' "----------------------------------------------" "-----------" "-----" "---------" "----------" "--------"
run "one-character name search (API)" admin api "/api/v1/teachers?q=$Q"
run "one-character name search (API)" district1 api "/api/v1/teachers?q=$Q"
run "one-character name search (API)" school1 api "/api/v1/teachers?q=$Q"
run "three-character name search (API)" admin api "/api/v1/teachers?q=$QN"
run "three-character name search (API)" district1 api "/api/v1/teachers?q=$QN"
run "teacher list, first page (API)" admin api "/api/v1/teachers"
run "teacher list, first page (API)" district1 api "/api/v1/teachers"
run "teacher list, first page (API)" school1 api "/api/v1/teachers"
run "teacher list page (HTML)" district1 page "/teachers"
run "teacher list page (HTML)" school1 page "/teachers"
run "school list (API)" admin api "/api/v1/schools"
run "school list (API)" district1 api "/api/v1/schools"
run "balance, a district (API)" district1 api "/api/v1/balance?standard=basic&stage=primary&district=$D"
run "balance, the province (API)" admin api "/api/v1/balance?standard=basic&stage=primary"
run "home page" admin page "/"
run "home page" district1 page "/"
run "home page" school1 page "/"
run "home page" teacher1 page "/"
run "exchange: plans and report" admin page "/exchange"
run "exchange: plans and report" district1 page "/exchange"
run "exchange: eligible list" district1 page "/exchange/eligible"
run "teaching: plans" admin page "/teaching"
run "teaching: plans" district1 page "/teaching"
run "teaching: training hours" district1 page "/teaching/training/hours"
run "internship" admin page "/internship"
run "audit log" admin page "/admin/audit"
echo
echo "== computations: a district's rotation suggestion (one request, timed)"
for i in 1 2 3; do
  curl -s -o /dev/null -w "suggestion for district $D: %{http_code} in %{time_total} s\n" -H "Cookie: ${COOKIE[district1]}" "$BASE/exchange/plans/new?suggest=1&district=$D"
done
curl -s -o /dev/null -w "training hours for the province: %{http_code} in %{time_total} s\n" -H "Cookie: ${COOKIE[admin]}" "$BASE/teaching/training/hours"
echo "server RSS at the end: $(rss)"
