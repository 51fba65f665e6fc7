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
PORT=18183
source "$(dirname "$0")/province.sh"
province_copy "$WORK/reads"
DB="$WORK/reads/xuequ.sqlite"
echo "== data: $(sqlite3 "$DB" 'SELECT COUNT(*) FROM schools') schools, $(sqlite3 "$DB" 'SELECT COUNT(*) FROM teachers') teachers"
start=$(date +%s.%N)
# The province seed has no certifying bodies (the county demo's come with its applications).
sqlite3 "$DB" "INSERT INTO cert_bodies (code, name, level) SELECT 'BENCH', '基准县认定机构', 'county' WHERE NOT EXISTS (SELECT 1 FROM cert_bodies WHERE level = 'county')"
WINDOW=$(python3 Benchmarks/cert_window.py "$DB" 300000)
echo "== a 300,000-application window added (id $WINDOW) in $(python3 -c "print(round($(date +%s.%N)-$start,1))") s, its figures kept by the triggers as the rows went in"

"$BIN" serve --data-dir "$WORK/reads" --port $PORT > "$WORK/reads.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
rss() { awk '/VmRSS/ {printf "%d MiB", $2/1024}' "/proc/$PID/status"; }
echo "server RSS at start: $(rss)"
token() { curl -s -X POST "http://127.0.0.1:$PORT/api/v1/session" -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"xuequ-demo\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
ADMIN=$(token admin); REVIEWER=$(token reviewer)
JAR=$(mktemp)
CSRF=$(curl -s -c "$JAR" "http://127.0.0.1:$PORT/login" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
curl -s -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "username=admin" --data-urlencode "password=xuequ-demo" --data-urlencode "_csrf=$CSRF" --data-urlencode "next=/" "http://127.0.0.1:$PORT/login"
COOKIE=$(sed 's/^#HttpOnly_//' "$JAR" | awk '!/^#/ && NF >= 7 {printf "%s=%s; ", $6, $7}')
curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT/" | grep -q 200 || { echo "signing in for the home page failed"; exit 1; }
NAME=$(sqlite3 "$DB" "SELECT name FROM teachers WHERE length(name) = 3 ORDER BY id LIMIT 1 OFFSET 400000")
QNAME=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "$NAME")
QSUR=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1][:1]))" "$NAME")
DISTRICT=$(sqlite3 "$DB" "SELECT id FROM districts ORDER BY id LIMIT 1 OFFSET 500")

run() { # label, path, auth, cookie
  local label=$1 path=$2
  curl -s -o /dev/null -H "Authorization: Bearer ${3:-}" -H "Cookie: ${4:-}" "http://127.0.0.1:$PORT$path"
  local line
  line=$(AUTH=${3:-} COOKIE=${4:-} wrk -t1 -c16 -d${SECS}s --timeout 10s -s Benchmarks/p95.lua "http://127.0.0.1:$PORT$path" | grep RESULT | sed 's/RESULT //')
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
echo "server RSS after: $(rss)"
kill $PID; wait $PID 2>/dev/null || true
trap - EXIT
echo "== xuequ verify-aggregates"
/usr/bin/time -f "verify-aggregates: %e s" "$BIN" verify-aggregates --data-dir "$WORK/reads"
