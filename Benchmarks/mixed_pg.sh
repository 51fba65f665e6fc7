#!/usr/bin/env bash
# The mixed load of Benchmarks/mixed.sh on PostgreSQL 15 (release build): the province seeded into
# a cluster of its own (default settings: fsync on; max_connections 300), a 300,000-application
# window, then the same mix against one app process and against two processes sharing the
# database (one wrk per process, half the connections each: what a round-robin proxy would do,
# without a proxy's own cost on these 2 cores). Prints req/s and p50/p95/p99 per run.
# With `roles` as the second argument the mix is Benchmarks/mixed_roles.lua (every role's variants
# and the newer modules' pages, issue 34), as for Benchmarks/mixed.sh.
# usage: Benchmarks/mixed_pg.sh [SECONDS=20] [roles]   (needs PostgreSQL 15 from Debian, wrk, psycopg2)
set -euo pipefail
SECS=${1:-20}
MIX=Benchmarks/mixed.lua
[ "${2:-}" = roles ] && MIX=Benchmarks/mixed_roles.lua
cd "$(dirname "$0")/.."
WORK=${BENCH_DIR:-/tmp/xuequ-bench}/pg
BIN=.build/release/xuequ
PGBIN=/usr/lib/postgresql/15/bin
PGPORT=54332
export XUEQU_BCRYPT_COST=10
[ -n "${BENCH_NO_BUILD:-}" ] || swift build -c release --product xuequ 2>&1 | tail -1
mkdir -p "$WORK/log" && chown postgres "$WORK/log"
URL="postgres://xuequ:xuequ@127.0.0.1:$PGPORT/xuequ_bench?sslmode=disable"
ADMINURL="postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable"

if [ ! -d "$WORK/data" ]; then
  mkdir -p "$WORK/data" && chown postgres "$WORK/data"
  su postgres -c "$PGBIN/initdb -D $WORK/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
fi
su postgres -c "$PGBIN/pg_ctl -D $WORK/data -l $WORK/log/pg.log -o '-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=512MB' status" >/dev/null 2>&1 \
  || su postgres -c "$PGBIN/pg_ctl -D $WORK/data -l $WORK/log/pg.log -o '-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=512MB' -w start" >/dev/null
if ! psql "$ADMINURL" -tAc "SELECT 1 FROM pg_database WHERE datname = 'xuequ_bench'" | grep -q 1; then
  psql "$ADMINURL" -qc "CREATE ROLE xuequ LOGIN PASSWORD 'xuequ'" 2>/dev/null || true
  psql "$ADMINURL" -qc "CREATE DATABASE xuequ_bench OWNER xuequ"
  echo "== seeding the province into PostgreSQL (once; kept in $WORK/data)"
  /usr/bin/time -f "seed: %e s wall, %M KiB max RSS" env DATABASE_URL="$URL" "$BIN" seed --scale province --data-dir "$WORK/app"
fi
if [ ! -s "$WORK/window" ]; then
  psql "$URL" -qc "INSERT INTO cert_bodies (code, name, level) SELECT 'BENCH', '基准县认定机构', 'county' WHERE NOT EXISTS (SELECT 1 FROM cert_bodies WHERE level = 'county')"
  echo "== a 300,000-application window"
  /usr/bin/time -f "window: %e s wall" python3 Benchmarks/cert_window.py "$URL" 300000 > "$WORK/window"
  psql "$URL" -qc "INSERT INTO cert_windows (body_id, name, opens_on, closes_on, types) SELECT id, '压测开放批次', CAST(CURRENT_DATE - 10 AS TEXT), CAST(CURRENT_DATE + 20 AS TEXT), 'kindergarten,primary,junior,senior,vocational,vocational_practice' FROM cert_bodies WHERE level = 'county' LIMIT 1"
fi
export WINDOW=$(cat "$WORK/window")
# The database is kept between runs and each run uses the same resident IDs: the previous run's
# applications go first, or every new one would be a 409 duplicate (the trigger takes their figures out).
psql "$URL" -qc "DELETE FROM cert_applications WHERE name = '压测申请人'"

PIDS=()
serve() { # PORT
  DATABASE_URL="$URL" "$BIN" serve --data-dir "$WORK/app" --port "$1" > "$WORK/serve-$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && break; sleep 0.2; done
}
trap 'kill ${PIDS[@]} 2>/dev/null || true' EXIT
serve 18185
BASE=http://127.0.0.1:18185
source Benchmarks/http.sh
export ADMIN=$(token admin) DISTRICT=$(token district1) REVIEWER=$(token reviewer) SCHOOL=$(token school1)
export ADMIN_COOKIE=$(cookie admin) DISTRICT_COOKIE=$(cookie district1) SCHOOL_COOKIE=$(cookie school1) TEACHER_COOKIE=$(cookie teacher1)
export QCHAR=$(python3 -c "import urllib.parse; print(urllib.parse.quote('王'))")
export DISTRICT_ID=$(psql "$URL" -tAc "SELECT district_id FROM users WHERE username = 'district1'")
export QNAME=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "$(psql "$URL" -tAc "SELECT name FROM teachers WHERE length(name) = 3 ORDER BY id LIMIT 1 OFFSET 400000")")
# Warm both the server's caches and PostgreSQL's buffers once.
OFFSET=900000 wrk -t1 -c4 -d5s -s "$MIX" "$BASE" > /dev/null

echo "== one process, wrk -t2 -c32 -d${SECS}s"
OFFSET=1000000 wrk -t2 -c32 -d${SECS}s --timeout 10s -s "$MIX" "$BASE" | grep RESULT | sed 's/RESULT /one process: /'

serve 18186
curl -s -o /dev/null "http://127.0.0.1:18186/healthz"
echo "== two processes on one database, a wrk -t1 -c16 each, ${SECS}s"
OFFSET=2000000 wrk -t1 -c16 -d${SECS}s --timeout 10s -s "$MIX" "http://127.0.0.1:18185" | grep RESULT | sed 's/RESULT /process 1: /' &
W1=$!
OFFSET=3000000 wrk -t1 -c16 -d${SECS}s --timeout 10s -s "$MIX" "http://127.0.0.1:18186" | grep RESULT | sed 's/RESULT /process 2: /'
wait $W1
echo "applications stored: $(psql "$URL" -tAc "SELECT COUNT(*) FROM cert_applications WHERE name = '压测申请人'")"
kill ${PIDS[@]} 2>/dev/null || true
trap - EXIT
DATABASE_URL="$URL" "$BIN" verify-aggregates --data-dir "$WORK/app" | tail -1
