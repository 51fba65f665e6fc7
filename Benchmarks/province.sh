# Sourced by the benchmarks: a release build and the province data set, seeded once and kept in
# $WORK/province; `province_copy DIR` puts a fresh copy of its database in DIR.
cd "$(dirname "$0")/.."
WORK=${BENCH_DIR:-/tmp/xuequ-bench}
BIN=.build/release/xuequ
export XUEQU_BCRYPT_COST=10

# BENCH_NO_BUILD=1: the release binary already there is the one to measure.
[ -n "${BENCH_NO_BUILD:-}" ] || swift build -c release --product xuequ 2>&1 | tail -1
mkdir -p "$WORK"
if [ ! -f "$WORK/province/xuequ.sqlite" ]; then
  echo "== seeding the province (once; kept in $WORK/province)"
  /usr/bin/time -f "seed: %e s wall, %M KiB max RSS" "$BIN" seed --scale province --data-dir "$WORK/province"
fi
sqlite3 "$WORK/province/xuequ.sqlite" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null

province_copy() {
  rm -rf "$1" && mkdir -p "$1"
  cp "$WORK/province/xuequ.sqlite" "$1/xuequ.sqlite"
}

# A 300,000-application window in DB (with a county body: the province seed has none); prints its id.
province_window() {
  sqlite3 "$1" "INSERT INTO cert_bodies (code, name, level) SELECT 'BENCH', '基准县认定机构', 'county' WHERE NOT EXISTS (SELECT 1 FROM cert_bodies WHERE level = 'county')"
  python3 Benchmarks/cert_window.py "$1" 300000
}

# Starts `xuequ serve` on DIR and PORT (log in $WORK/serve-PORT.log), waits until healthy; sets PID
# and a trap that stops it.
serve_bench() {
  "$BIN" serve --data-dir "$1" --port "$2" > "$WORK/serve-$2.log" 2>&1 &
  PID=$!
  trap 'kill $PID 2>/dev/null || true' EXIT
  BASE="http://127.0.0.1:$2"
  for _ in $(seq 1 600); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done
}
rss() { awk '/VmRSS/ {printf "%d MiB", $2/1024}' "/proc/$PID/status"; }
source Benchmarks/http.sh
# A three-character name from the middle of the province, URL-encoded.
province_name() {
  python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "$(sqlite3 "$1" "SELECT name FROM teachers WHERE length(name) = 3 ORDER BY id LIMIT 1 OFFSET 400000")"
}
