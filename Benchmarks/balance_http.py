#!/usr/bin/env python3
"""HTTP timings for Benchmarks/balance.sh.

  balance_http.py coefficients URL YEAR RUNS  → the four county computations (basic/quality ×
      primary/junior), once as GET /api/v1/balance/summary and once as four sequential
      GET /api/v1/balance calls per run; prints JSON with each run's seconds and the coefficients.
  balance_http.py page URL PATH N             → signs in as admin in a browser session, GETs PATH
      N times one after another; prints p50/p95/max in ms.
"""
import http.cookiejar
import json
import re
import sys
import time
import urllib.parse
import urllib.request


def token(url):
    req = urllib.request.Request(url + "/api/v1/session", data=json.dumps({"username": "admin", "password": "xuequ-demo"}).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))["token"]


def coefficients(url, year, runs):
    auth = {"Authorization": "Bearer " + token(url)}
    times, summary, last = [], [], {}
    for _ in range(runs):
        start = time.perf_counter()
        body = json.load(urllib.request.urlopen(urllib.request.Request("%s/api/v1/balance/summary?year=%s" % (url, year), headers=auth)))
        summary.append(time.perf_counter() - start)
        assert len(body["results"]) == 4
        start = time.perf_counter()
        for standard in ("basic", "quality"):
            for stage in ("primary", "junior"):
                req = urllib.request.Request("%s/api/v1/balance?standard=%s&stage=%s&year=%s" % (url, standard, stage, year), headers=auth)
                one = json.load(urllib.request.urlopen(req))
                last["%s/%s" % (standard, stage)] = {"schools": one["schools"], "coefficients": [{"indicator": c["indicator"], "value": c["value"]} for c in one["coefficients"]]}
        times.append(time.perf_counter() - start)
    from_summary = {"%s/%s" % (r["standard"], r["stage"]): {"schools": r["schools"], "coefficients": [{"indicator": c["indicator"], "value": c["value"]} for c in r["coefficients"]]}
                    for r in body["results"]}
    assert from_summary == last, "the summary and the four calls disagree"
    print(json.dumps({"seconds": times, "summary": summary, "results": last}, ensure_ascii=False))


def page(url, path, n):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = opener.open(url + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', login).group(1)
    opener.open(url + "/login", urllib.parse.urlencode({"username": "admin", "password": "xuequ-demo", "_csrf": csrf, "next": "/"}).encode())
    opener.open(url + path).read()  # warm
    ms = []
    for _ in range(n):
        start = time.perf_counter()
        body = opener.open(url + path).read()
        ms.append((time.perf_counter() - start) * 1000)
    assert b"coefficients" in body
    ms.sort()
    print("%s: n=%d p50 %.1f ms, p95 %.1f ms, max %.1f ms, %d KiB" % (path, n, ms[len(ms) // 2], ms[int(len(ms) * 0.95) - 1], ms[-1], len(body) // 1024))


if __name__ == "__main__":
    if sys.argv[1] == "coefficients":
        coefficients(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        page(sys.argv[2], sys.argv[3], int(sys.argv[4]))
