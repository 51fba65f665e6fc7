#!/usr/bin/env bash
# The attacks of issues 10 and 27 against a running demo server (not run in CI): hostile
# spreadsheets through POST /api/v1/imports/teachers, a sign-in flood against one account while a
# signed-in user keeps working, one address's failed sign-ins, form floods and the 个案 diff bomb. For each: the HTTP status, the time, the answer's size and the
# server's peak RSS during the request (VmHWM reset before each attack).
#
# usage: Benchmarks/attack.sh            CONFIG=release|debug (default debug), PORT=18190
#        BCRYPT=12 (the production cost; the flood is only meaningful at the real cost)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-debug}
PORT=${PORT:-18190}
export XUEQU_BCRYPT_COST=${BCRYPT:-12}
WORK=$(mktemp -d /tmp/xuequ-attack.XXXXXX)
BIN=.build/$CONFIG/xuequ
swift build -c "$CONFIG" --product xuequ 2>&1 | tail -1
URL="http://127.0.0.1:$PORT"

echo "== making the hostile files in $WORK"
python3 - "$WORK" <<'PY'
import sys, zipfile, os
d = sys.argv[1]
WB = ('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
HEAD = ["姓名", "身份证号", "学校代码", "任教学科", "学历", "普通话等级", "职称", "骨干级别", "本校任教起始日期"]
def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
header = '<row r="1">' + "".join('<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (col(i), h) for i, h in enumerate(HEAD)) + "</row>"
def book(name, rows=None, chunks=None, shared=None):
    with zipfile.ZipFile(os.path.join(d, name), "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("xl/workbook.xml", WB)
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        if shared:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
                for c in shared(): f.write(c)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            f.write(header.encode())
            if rows: f.write(rows.encode())
            if chunks:
                for c in chunks(): f.write(c)
            f.write(b"</sheetData></worksheet>")
# One cell in column XFD on 2,000 rows (11 KB), and the same at 100 KB.
book("xfd_2000_rows.xlsx", rows="".join('<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>' % (r, r) for r in range(2, 2002)))
def xfd(n):
    def gen():
        for r in range(2, n + 2):
            yield ('<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>' % (r, r)).encode()
    return gen
book("xfd_100kb.xlsx", chunks=xfd(25000))
# A row numbered ten million.
book("row_10000000.xlsx", rows='<row r="10000000"><c r="A10000000" t="inlineStr"><is><t>x</t></is></c></row>')
# 1 GB in one shared string (about 1 MB zipped).
def gigabyte():
    yield b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
    block = b"a" * (1 << 20)
    for _ in range(1024): yield block
    yield b"</t></si></sst>"
book("shared_string_1gb.xlsx", rows='<row r="2"><c r="A2" t="s"><v>0</v></c></row>', shared=gigabyte)
# The same, its headers claiming the shared strings unzip to 1 KB: only reading stops it.
import struct, shutil
src, dst = os.path.join(d, "shared_string_1gb.xlsx"), os.path.join(d, "shared_string_1gb_lying.xlsx")
shutil.copy(src, dst)
with zipfile.ZipFile(src) as z: infos = {i.filename: i for i in z.infolist()}
info = infos["xl/sharedStrings.xml"]
with open(dst, "r+b") as f:
    data = bytearray(f.read())
    def patch_extra(pos, n_fixed):
        # zip64 extra field (0x0001): the first 8 bytes are the uncompressed size
        name_len, extra_len = struct.unpack_from("<HH", data, pos + n_fixed - 4)
        e = pos + n_fixed + name_len
        end = e + extra_len
        while e < end:
            tag, size = struct.unpack_from("<HH", data, e)
            if tag == 1: struct.pack_into("<Q", data, e + 4, 1024)
            e += 4 + size
    lh = info.header_offset
    if struct.unpack_from("<I", data, lh + 22)[0] != 0xFFFFFFFF: struct.pack_into("<I", data, lh + 22, 1024)
    patch_extra(lh, 30)
    cd = data.find(b"PK\x01\x02" + b"", 0)
    while cd != -1:
        name_len = struct.unpack_from("<H", data, cd + 28)[0]
        if bytes(data[cd + 46:cd + 46 + name_len]) == b"xl/sharedStrings.xml":
            if struct.unpack_from("<I", data, cd + 24)[0] != 0xFFFFFFFF: struct.pack_into("<I", data, cd + 24, 1024)
            extra_len = struct.unpack_from("<H", data, cd + 30)[0]
            e, end = cd + 46 + name_len, cd + 46 + name_len + extra_len
            while e < end:
                tag, size = struct.unpack_from("<HH", data, e)
                if tag == 1: struct.pack_into("<Q", data, e + 4, 1024)
                e += 4 + size
        cd = data.find(b"PK\x01\x02", cd + 4)
    f.seek(0); f.write(data)
# The largest ordinary workbook that fits the 20 MB upload limit: 200,000 rows as Xuequ's own
# export writes them (inline strings), every resident ID wrong so nothing is stored.
def ordinary():
    for r in range(2, 200002):
        cells = ["教师%d" % r, "123", "130401001", "数学", "本科", "二级甲等", "中级", "无", "2015-09-01"]
        yield ('<row r="%d">' % r + "".join('<c r="%s%d" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>' % (col(i), r, v) for i, v in enumerate(cells)) + "</row>").encode()
book("xlsx_200000_rows.xlsx", chunks=ordinary)
# A 19 MB CSV of one cell, and 200,000 bad rows.
with open(os.path.join(d, "csv_one_19mb_cell.csv"), "w", encoding="utf-8") as f:
    f.write(",".join(HEAD) + "\n\"" + "长" * (19 * 1024 * 1024 // 3) + "\"\n")
with open(os.path.join(d, "csv_200000_bad_rows.csv"), "w", encoding="utf-8") as f:
    f.write(",".join(HEAD) + "\n")
    for i in range(200000): f.write("教师%d,123,130401001,数学,本科,二级甲等,中级,无,2015-09-01\n" % i)
for n in sorted(os.listdir(d)):
    if n.endswith((".xlsx", ".csv")): print("  %-26s %10d bytes" % (n, os.path.getsize(os.path.join(d, n))))
PY

echo "== starting $BIN serve --demo (bcrypt cost $XUEQU_BCRYPT_COST)"
"$BIN" serve --demo --data-dir "$WORK/data" --port "$PORT" > "$WORK/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 900); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.2; done
token() { curl -s -X POST "$URL/api/v1/session" -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"xuequ-demo\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
ADMIN=$(token admin)
rss() { awk '/VmRSS/ {print int($2/1024)}' /proc/$PID/status; }
peak() { awk '/VmHWM/ {print int($2/1024)}' /proc/$PID/status; }
reset_peak() { echo 5 > /proc/$PID/clear_refs 2>/dev/null || true; }
sleep 1
IDLE=$(rss)
echo "server RSS when idle: ${IDLE} MiB"
printf '\n%-26s %6s %8s %10s %14s  %s\n' "attack" "status" "time s" "answer B" "peak RSS MiB" "code"
for f in xfd_2000_rows.xlsx xfd_100kb.xlsx row_10000000.xlsx shared_string_1gb.xlsx shared_string_1gb_lying.xlsx csv_one_19mb_cell.csv csv_200000_bad_rows.csv xlsx_200000_rows.xlsx; do
  reset_peak
  out=$(curl -s -o "$WORK/answer.json" -w '%{http_code} %{time_total} %{size_download}' -H "Authorization: Bearer $ADMIN" -F "file=@$WORK/$f" "$URL/api/v1/imports/teachers")
  code=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("code",""))' "$WORK/answer.json" 2>/dev/null || echo "-")
  read -r status secs bytes <<< "$out"
  printf '%-26s %6s %8.2f %10s %14s  %s\n' "$f" "$status" "$secs" "$bytes" "$(peak) (+$(( $(peak) - IDLE )))" "$code"
done
echo
echo "reasons as answered:"
for f in row_10000000.xlsx shared_string_1gb.xlsx; do
  curl -s -H "Authorization: Bearer $ADMIN" -H 'Accept-Language: en' -F "file=@$WORK/$f" "$URL/api/v1/imports/teachers" | python3 -c 'import json,sys; print("  " + json.load(sys.stdin)["reason"])'
  curl -s -H "Authorization: Bearer $ADMIN" -F "file=@$WORK/$f" "$URL/api/v1/imports/teachers" | python3 -c 'import json,sys; print("  " + json.load(sys.stdin)["reason"])'
done

echo
echo "== sign-in flood: 40 parallel wrong passwords for district1, while admin reads /api/v1/districts"
reset_peak
start=$(date +%s.%N)
for i in $(seq 1 40); do
  curl -s -o /dev/null -D "$WORK/flood-headers-$i.txt" -w '%{http_code}\n' -X POST "$URL/api/v1/session" -H 'content-type: application/json' \
       -d '{"username":"district1","password":"wrong-password"}' >> "$WORK/flood.txt" &
done
sleep 0.2
for i in $(seq 1 5); do
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $ADMIN" "$URL/api/v1/districts" >> "$WORK/reader.txt"
done
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
end=$(date +%s.%N)
echo "flood statuses:   $(sort "$WORK/flood.txt" | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
echo "signed-in reads:  $(awk '{printf "%s in %.3f s; ", $1, $2}' "$WORK/reader.txt")"
echo "flood wall time:  $(python3 -c "print(round($end-$start,2))") s, peak RSS $(peak) MiB"
echo "Retry-After:      $(cat "$WORK"/flood-headers-*.txt | awk -F': ' 'tolower($1)=="retry-after" {print $2}' | tr -d '\r' | sort -n | uniq -c | awk '{printf "%s×%ss ", $1, $2}')"
echo
echo "== issue 27: 31 failed sign-ins for unknown names from one address, then six real accounts from it"
for i in $(seq 1 31); do
  curl -s -o /dev/null -w '%{http_code}\n' -X POST "$URL/api/v1/session" -H 'content-type: application/json' \
       -d "{\"username\":\"nobody$i\",\"password\":\"wrong-password\"}" >> "$WORK/serial.txt"
done
for u in admin district1 district2 school1 teacher1 reviewer; do
  curl -s -o /dev/null -w '%{http_code}\n' -X POST "$URL/api/v1/session" -H 'content-type: application/json' \
       -d "{\"username\":\"$u\",\"password\":\"xuequ-demo\"}" >> "$WORK/after.txt"
done
echo "failures:         $(sort "$WORK/serial.txt" | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
echo "right passwords:  $(sort "$WORK/after.txt" | uniq -c | awk '{printf "%s×%s ", $1, $2}')"

echo
echo "== issue 27: form floods — 20,000 bracketed fields to an anonymous POST /login, three at once, while /healthz is timed"
python3 -c "print('&'.join('d[%d:music]=1' % i for i in range(20000)))" > "$WORK/flood.form"
python3 -c "print('{\"x\":' + '[' * 5000 + ']' * 5000 + '}')" > "$WORK/deep.json"
reset_peak
for i in 1 2 3; do
  curl -s -o /dev/null -w "form $i: %{http_code} in %{time_total} s\n" -X POST "$URL/login" -H 'content-type: application/x-www-form-urlencoded' --data-binary "@$WORK/flood.form" >> "$WORK/forms.txt" &
done
curl -s -o /dev/null -w "/healthz meanwhile: %{http_code} in %{time_total} s\n" "$URL/healthz" >> "$WORK/forms.txt"
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
curl -s -o /dev/null -w "JSON nested 5,000 deep: %{http_code} in %{time_total} s\n" -X POST "$URL/api/v1/session" -H 'content-type: application/json' --data-binary "@$WORK/deep.json" >> "$WORK/forms.txt"
cat "$WORK/forms.txt"
echo "peak RSS $(peak) MiB"

echo
echo "== issue 27: the diff bomb — a 个案 of eight 4,000-character sections rewritten, its page opened"
T1=$(token teacher1)
python3 - "$URL" "$T1" <<'PY'
import json, random, sys, time, urllib.request
url, token = sys.argv[1], sys.argv[2]
def call(method, path, body=None):
    req = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
names = ["教学目标", "重点难点", "教学准备", "教学过程", "板书设计", "作业", "课题", "教后反思"]
alphabet = "分数的初步认识练习教学目标重点难点过程板书设计作业。，"
text = lambda: "".join(random.choice(alphabet) for _ in range(4000))
# A released 通案 of the demo county (anyone may derive a 个案 from it).
plans = call("GET", "/api/v1/lesson-plans?kind=common")
parent = next(p for p in plans.get("items", []) if p.get("state") == "released")
child = call("POST", "/api/v1/lesson-plans/%d/derive" % parent["id"], {"kind": "personal"})
call("PUT", "/api/v1/lesson-plans/%d" % child["id"], {"version": child["version"], "sections": {n: text() for n in names}})
for _ in range(3):
    t = time.monotonic()
    call("GET", "/api/v1/lesson-plans/%d/diff" % child["id"])
    print("diff of eight rewritten sections: %.3f s" % (time.monotonic() - t))
PY
echo "peak RSS $(peak) MiB"
echo
echo "server log: $WORK/server.log"
