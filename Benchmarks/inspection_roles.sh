#!/usr/bin/env bash
# The inspection's and the summary's pages as each role that sends them, on the province copy
# (release): cold after a registry write, then kept. usage: Benchmarks/inspection_roles.sh (not in CI)
set -euo pipefail
source Benchmarks/province.sh
province_copy "$WORK/newroles"
DB="$WORK/newroles/xuequ.sqlite"
serve_bench "$WORK/newroles" 18193
declare -A C
for u in admin district1 school1; do C[$u]=$(cookie "$u"); done
S=$(sqlite3 "$DB" "SELECT school_id FROM users WHERE username = 'school1'")
get() { curl -s -o /dev/null -w "%{http_code} %{time_total}" -H "Cookie: ${C[$2]}" "$BASE$3" | awk -v l="$1" -v u="$2" '{printf "| %-40s | %-9s | %s | %.0f ms |\n", l, u, $1, $2*1000}'; }
touch() { sqlite3 "$DB" "UPDATE districts SET name = name WHERE id = (SELECT MIN(id) FROM districts)"; }
touch; get "inspection: district's schools, cold" district1 "/inspection/schools"
get "inspection: district's schools, kept" district1 "/inspection/schools"
get "inspection: own school page, kept" school1 "/inspection/schools/$S"
get "inspection: readiness page, cold" admin "/inspection"
get "inspection: readiness page, kept" admin "/inspection"
get "home page (inspection figures)" admin "/"
get "year summary, district" district1 "/reports/summary"
get "year summary, county" admin "/reports/summary"
