"""Spreadsheets across programs: what Xuequ exports opens in LibreOffice with the right content,
and a sheet LibreOffice wrote imports into Xuequ."""
import http.cookiejar
import json
import pathlib
import re
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request
import uuid

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (CI installs libreoffice-calc-nogui)")


def convert(path, target, outdir):
    # UTF-8 (76) CSV, comma-separated (44), double quotes (34).
    fmt = "csv:Text - txt - csv (StarCalc):44,34,76" if target == "csv" else target
    subprocess.run([SOFFICE, "--headless", "-env:UserInstallation=file://" + str(outdir / "profile"), "--convert-to", fmt, "--outdir", str(outdir), str(path)],
                   check=True, capture_output=True, timeout=180)
    return outdir / (path.stem + "." + target)


def browser_session(server, user):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(server + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    opener.open(server + "/login", urllib.parse.urlencode({"username": user, "password": "xuequ-demo", "_csrf": csrf, "next": "/"}).encode())
    return opener


def token(server, user):
    req = urllib.request.Request(server + "/api/v1/session", data=json.dumps({"username": user, "password": "xuequ-demo"}).encode(), headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))["token"]


def test_export_opens_in_libreoffice(server):
    out = pathlib.Path(tempfile.mkdtemp())
    opener = browser_session(server, "district1")
    data = opener.open(server + "/teachers/export?format=xlsx").read()
    path = out / "teachers.xlsx"
    path.write_bytes(data)
    csv_path = convert(path, "csv", out)
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("姓名,身份证号,学校代码,任教学科,学历,普通话等级,职称,骨干级别,本校任教起始日期")
    api = json.load(urllib.request.urlopen(urllib.request.Request(server + "/api/v1/teachers?per=1", headers={"Authorization": "Bearer " + token(server, "district1")})))
    assert len(lines) - 1 == api["total"], "every teacher of the district, no more"
    # IDs stay text (no 1.30481E+17) and keep their check character.
    ids = [l.split(",")[1] for l in lines[1:]]
    assert all(len(i) == 18 for i in ids)


def test_sheet_written_by_libreoffice_imports(server):
    out = pathlib.Path(tempfile.mkdtemp())
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

    def rid(birth, seq):
        head = "320106" + birth + "%03d" % seq
        return head + "10X98765432"[sum(int(a) * b for a, b in zip(head, w)) % 11]

    rows = [["姓名", "身份证号", "学校代码", "任教学科", "学历", "普通话等级", "职称", "骨干级别", "本校任教起始日期"],
            ["吕一", rid("19880808", 17), "130401001", "英语", "本科", "二级乙等", "初级", "无", "2019-09-01"],
            ["吕二", rid("19890909", 28), "130401001", "体育", "专科", "二级乙等", "初级", "校级", "2020-09-01"]]
    src = out / "lo_teachers.csv"
    # IDs quoted with a leading apostrophe would be text in Excel; LibreOffice reads a plain CSV as
    # numbers unless told otherwise, so write them the way a clerk's text-formatted column ends up.
    src.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    subprocess.run([SOFFICE, "--headless", "-env:UserInstallation=file://" + str(out / "profile"), "--infilter=CSV:44,34,76,1,1/2/2/2/3/2/4/2/5/2/6/2/7/2/8/2/9/2",
                    "--convert-to", "xlsx", "--outdir", str(out), str(src)], check=True, capture_output=True, timeout=180)
    xlsx = (out / "lo_teachers.xlsx").read_bytes()
    boundary = uuid.uuid4().hex
    body = (("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"lo.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n" % boundary).encode()
            + xlsx + ("\r\n--%s--\r\n" % boundary).encode())
    req = urllib.request.Request(server + "/api/v1/imports/teachers", data=body, headers={
        "Authorization": "Bearer " + token(server, "admin"), "Content-Type": "multipart/form-data; boundary=" + boundary})
    assert json.load(urllib.request.urlopen(req)) == {"imported": 2}
