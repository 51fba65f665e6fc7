#!/usr/bin/env bash
# The inspection's readiness and report, and the year's summary, on the demo county and on the
# province data set (one 30,000-school county: an upper bound for a 350-school county), cold (just
# after a write) and kept; then the survey's answers per second on the demo county, alone and
# beside a stream of list reads. Release build, SQLite.
# usage: Benchmarks/inspection.sh      (needs wrk, sqlite3, python3; not run in CI)
set -euo pipefail
source "$(dirname "$0")/province.sh"
time_get() { # label auth path
  local t
  t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $2" "$BASE$3")
  printf '| %-52s | %s ms |\n' "$1" "$(echo "$t" | awk '{printf "%s %.0f", $1, $2 * 1000}')"
}
touch_registry() { sqlite3 "$1" "UPDATE districts SET name = name WHERE id = (SELECT MIN(id) FROM districts)"; }
measure() { # data-dir label
  local tok
  tok=$(token admin)
  touch_registry "$1/xuequ.sqlite"
  time_get "$2: readiness, cold" "$tok" "/api/v1/inspection"
  time_get "$2: readiness, kept" "$tok" "/api/v1/inspection"
  time_get "$2: self-evaluation report .docx (kept readiness)" "$tok" "/api/v1/inspection/report?format=docx"
  touch_registry "$1/xuequ.sqlite"
  time_get "$2: year summary, cold" "$tok" "/api/v1/reports/summary"
  time_get "$2: year summary .docx" "$tok" "/api/v1/reports/summary?format=docx"
}
echo "| request | status, time |"
echo "|---|---|"
rm -rf "$WORK/demo" && mkdir -p "$WORK/demo"
"$BIN" seed --data-dir "$WORK/demo" > /dev/null
serve_bench "$WORK/demo" 18190
measure "$WORK/demo" "demo county"
kill $PID; while kill -0 $PID 2>/dev/null; do sleep 0.2; done
province_copy "$WORK/insp"
serve_bench "$WORK/insp" 18191
measure "$WORK/insp" "province as one county"
kill $PID; while kill -0 $PID 2>/dev/null; do sleep 0.2; done

# The survey: a round with 20 parents a school (6,960 codes), answered by wrk once per code.
serve_bench "$WORK/demo" 18192
TOK=$(token admin)
curl -s -o /dev/null -X POST "$BASE/api/v1/inspection/survey/rounds" -H "Authorization: Bearer $TOK" -H 'content-type: application/json' \
  -d '{"year": '"$(date +%Y)"', "name": "bench", "perSchool": {"parent": 20}}'
sqlite3 "$WORK/demo/xuequ.sqlite" "SELECT code FROM inspection_survey_codes WHERE used_at IS NULL AND round_id = (SELECT MAX(id) FROM inspection_survey_rounds) ORDER BY code" > "$WORK/codes.txt"
head -n 3400 "$WORK/codes.txt" > "$WORK/codes-a.txt"; tail -n +3401 "$WORK/codes.txt" > "$WORK/codes-b.txt"
BODY='{"q1":1,"q2":2,"q3":1,"q4":3,"q5":1}'
echo "survey alone: $(CODES=$WORK/codes-a.txt BODY=$BODY wrk -t2 -c8 -d5s -s Benchmarks/survey.lua "$BASE" | grep RESULT)"
AUTH=$TOK wrk -t1 -c8 -d5s -s Benchmarks/p95.lua "$BASE/api/v1/teachers?per=50" > "$WORK/beside.txt" 2>&1 &
BG=$!
echo "survey beside list reads: $(CODES=$WORK/codes-b.txt BODY=$BODY wrk -t2 -c8 -d5s -s Benchmarks/survey.lua "$BASE" | grep RESULT)"
wait $BG || true
echo "the list reads meanwhile: $(grep RESULT "$WORK/beside.txt")"
kill $PID
