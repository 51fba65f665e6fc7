# Sourced by the benchmarks: a release build and the province data set, seeded once and kept in
# $WORK/province; `province_copy DIR` puts a fresh copy of its database in DIR.
cd "$(dirname "$0")/.."
WORK=${BENCH_DIR:-/tmp/xuequ-bench}
BIN=.build/release/xuequ
export XUEQU_BCRYPT_COST=10

swift build -c release --product xuequ 2>&1 | tail -1
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
