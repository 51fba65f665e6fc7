#!/usr/bin/env bash
# Province-scale reads, release build, SQLite: the rows of issue 15's table that recomputed the
# province per request or scanned every teacher for a name, each alone with wrk (16 connections,
# 10 s, after one warming request): teacher name search across the province and in a district,
# balance for the province (one computation and the four-in-one summary), the statistics of a
# 300,000-application window, the bureau admin's home page; /healthz as the machine's ceiling.
# Then `xuequ verify-aggregates` on the same file. RSS of the server before and after.
# usage: Benchmarks/province_reads.sh [SECONDS=10]    (needs wrk, sqlite3, python3)
set -euo pipefail
SECS=${1:-10}
source "$(dirname "$0")/province.sh"
province_copy "$WORK/reads"
DB="$WORK/reads/xuequ.sqlite"
echo "== data: $(sqlite3 "$DB" 'SELECT COUNT(*) FROM schools') schools, $(sqlite3 "$DB" 'SELECT COUNT(*) FROM teachers') teachers"
start=$(date +%s.%N)
WINDOW=$(province_window "$DB")
echo "== a 300,000-application window added (id $WINDOW) in $(python3 -c "print(round($(date +%s.%N)-$start,1))") s, its figures kept by the triggers as the rows went in"

serve_bench "$WORK/reads" 18183
echo "server RSS at start: $(rss)"
ADMIN=$(token admin); REVIEWER=$(token reviewer); COOKIE=$(cookie admin)
curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE/" | grep -q 200 || { echo "signing in for the home page failed"; exit 1; }
QNAME=$(province_name "$DB")
NAME=$(python3 -c "import urllib.parse,sys; print(urllib.parse.unquote(sys.argv[1]))" "$QNAME")
QSUR=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1][:1]))" "$NAME")
DISTRICT=$(sqlite3 "$DB" "SELECT id FROM districts ORDER BY id LIMIT 1 OFFSET 500")

run() { # label, path, auth, cookie
  local label=$1 path=$2
  # wrk counts only 4xx/5xx as errors: a redirect to the login page would pass for a fast page.
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${3:-}" -H "Cookie: ${4:-}" "$BASE$path")
  case $code in 2??) ;; *) echo "!! $label answers HTTP $code: the figures below measure that answer" ;; esac
  local line
  line=$(AUTH=${3:-} COOKIE=${4:-} wrk -t1 -c16 -d${SECS}s --timeout 10s -s Benchmarks/p95.lua "$BASE$path" | grep RESULT | sed 's/RESULT //')
  printf '%-58s %s\n' "$label" "$line"
}
echo "== each request alone: wrk -t1 -c16 -d${SECS}s"
run "/healthz" "/healthz"
run "teacher search q=$NAME across the province (API)" "/api/v1/teachers?q=$QNAME" "$ADMIN"
run "teacher search q=${NAME:0:1} (one character) across the province" "/api/v1/teachers?q=$QSUR" "$ADMIN"
run "teacher search q=$NAME in one district" "/api/v1/teachers?district=$DISTRICT&q=$QNAME" "$ADMIN"
run "balance across the province (basic, primary)" "/api/v1/balance?standard=basic&stage=primary" "$ADMIN"
run "balance summary across the province (4 computations)" "/api/v1/balance/summary" "$ADMIN"
run "certification statistics, 300,000 applications" "/api/v1/certification/statistics?window=$WINDOW" "$REVIEWER"
run "the bureau admin's home page (HTML)" "/" "" "$COOKIE"
# A page against its API: the same district's teachers and schools, as its district admin.
DTOKEN=$(token district1); DCOOKIE=$(cookie district1)
DID=$(sqlite3 "$DB" "SELECT district_id FROM users WHERE username = 'district1'")
run "one district's teachers (API)" "/api/v1/teachers?district=$DID" "$DTOKEN"
run "one district's teachers (HTML page)" "/teachers?district=$DID" "" "$DCOOKIE"
run "one district's schools (API)" "/api/v1/schools?district=$DID" "$DTOKEN"
run "one district's schools (HTML page)" "/schools" "" "$DCOOKIE"
echo "server RSS after: $(rss)"
# Every 30 s the server drops the kept results nobody read for 60 s and gives freed memory back
# (malloc_trim): look after 40 s (a trim, nothing old enough yet) and after 100 s (all dropped).
sleep 40
echo "server RSS after 40 s idle: $(rss)"
sleep 60
echo "server RSS after 100 s idle: $(rss)"
kill $PID; wait $PID 2>/dev/null || true
trap - EXIT
echo "== xuequ verify-aggregates"
/usr/bin/time -f "verify-aggregates: %e s" "$BIN" verify-aggregates --data-dir "$WORK/reads"
