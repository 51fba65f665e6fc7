#!/usr/bin/env bash
# Balance benchmark, release build.
#  1. Province data set (≈30,000 schools, ≈900,000 teachers): all coefficients for both standards
#     and both stages (GET /api/v1/balance/summary, and four GET /api/v1/balance calls), next to Benchmarks/balance_numpy.py computing
#     the same numbers from the same SQLite file in the same run; the two sets of numbers must agree.
#  2. The demo county's dashboard page (/balance): p50/p95 over 200 sequential requests.
# usage: Benchmarks/balance.sh [RUNS=5]   (needs python3 with numpy, sqlite3)
set -euo pipefail
RUNS=${1:-5}
PORT=18182
source "$(dirname "$0")/province.sh"
province_copy "$WORK/balance"

start=$(date +%s.%N)
"$BIN" serve --data-dir "$WORK/balance" --port $PORT > "$WORK/balance/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; kill $CPID 2>/dev/null || true' EXIT
for _ in $(seq 1 3000); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
echo "server up (migrations included) in $(python3 -c "print(round($(date +%s.%N)-$start,1))") s"
YEAR=$(sqlite3 "$WORK/balance/xuequ.sqlite" "SELECT MAX(year) FROM school_conditions")
echo "== data: $(sqlite3 "$WORK/balance/xuequ.sqlite" 'SELECT COUNT(*) FROM schools') schools, $(sqlite3 "$WORK/balance/xuequ.sqlite" 'SELECT COUNT(*) FROM teachers') teachers, year $YEAR"

python3 Benchmarks/balance_http.py coefficients "http://127.0.0.1:$PORT" "$YEAR" 1 >/dev/null   # warm the page cache
python3 Benchmarks/balance_http.py coefficients "http://127.0.0.1:$PORT" "$YEAR" "$RUNS" > "$WORK/balance/xuequ.json"
for _ in $(seq 1 "$RUNS"); do python3 Benchmarks/balance_numpy.py "$WORK/balance/xuequ.sqlite" "$YEAR"; done > "$WORK/balance/numpy.jsonl"
python3 - "$WORK/balance/xuequ.json" "$WORK/balance/numpy.jsonl" <<'PY'
import json, statistics, sys
x = json.load(open(sys.argv[1]))
runs = [json.loads(l) for l in open(sys.argv[2])]
assert x["results"] == runs[-1]["results"], "Xuequ and numpy disagree:\n%s\n%s" % (x["results"], runs[-1]["results"])
xs, ns = statistics.median(x["seconds"]), statistics.median(r["seconds"] for r in runs)
print("numbers agree: %d schools (basic primary), %d coefficients" % (x["results"]["basic/primary"]["schools"], sum(len(v["coefficients"]) for v in x["results"].values())))
ss = statistics.median(x["summary"])
print("xuequ, GET /api/v1/balance/summary (all four, one read): median %.3f s (min %.3f)" % (ss, min(x["summary"])))
print("xuequ, four GET /api/v1/balance calls one after another: median %.3f s (min %.3f)" % (xs, min(x["seconds"])))
print("numpy from the same file:                                median %.3f s (min %.3f)" % (ns, min(r["seconds"] for r in runs)))
print("numpy ÷ xuequ: %.1f× (summary), %.1f× (four calls)" % (ns / ss, ns / xs))
PY
echo "province dashboard, one district and the whole province:"
DISTRICT=$(sqlite3 "$WORK/balance/xuequ.sqlite" "SELECT id FROM districts ORDER BY id LIMIT 1 OFFSET 500")
python3 Benchmarks/balance_http.py page "http://127.0.0.1:$PORT" "/balance?district=$DISTRICT" 50
python3 Benchmarks/balance_http.py page "http://127.0.0.1:$PORT" "/balance?district=0" 20
echo "server RSS: $(grep VmRSS /proc/$PID/status | awk '{print $2/1024 " MiB"}')"
kill $PID

echo "== the demo county's dashboard"
rm -rf "$WORK/county"
"$BIN" serve --demo --data-dir "$WORK/county" --port $((PORT + 1)) > "$WORK/county.log" 2>&1 &
CPID=$!
for _ in $(seq 1 3000); do curl -sf "http://127.0.0.1:$((PORT + 1))/healthz" >/dev/null && break; sleep 0.2; done
python3 Benchmarks/balance_http.py page "http://127.0.0.1:$((PORT + 1))" "/balance" 200
python3 Benchmarks/balance_http.py page "http://127.0.0.1:$((PORT + 1))" "/balance?standard=quality&stage=junior" 200
