#!/usr/bin/env python3
"""A plan with 50 versions and long sections, and its 个案: the character diff and the plan's
page, timed through the server.

    xuequ serve --demo --data-dir /tmp/xuequ-bench/teaching --port 8089 &
    python3 Benchmarks/teaching_http.py [--server http://127.0.0.1:8089] [--requests 200]

Signs in as the demo's teacher1 (who leads district one's group), writes a 通案 whose eight
sections hold about 12,000 characters, saves it 49 more times (each save a version), derives a
个案 and rewrites a tenth of it, then times GET …/diff (the section-by-section character diff
against the 通案) and GET /teaching/plans/{id} (the page: diff, 50 versions, lineage,
attachments). Prints p50/p95/max in milliseconds, measured at the client.
"""
import argparse
import json
import random
import statistics
import time
import urllib.error
import urllib.request

SECTIONS = ["课题", "教学目标", "重点难点", "教学准备", "教学过程", "板书设计", "作业"]
PHRASES = "情境导入 小组合作 动手操作 分层练习 当堂反馈 课堂小结 思维导图 拓展提升 核心素养 探究归纳 迁移运用 巩固练习".split()


def call(server, method, path, token=None, body=None, cookie=None):
    req = urllib.request.Request(server + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")


def text(rng, chars):
    out = ""
    while len(out) < chars:
        out += "".join(rng.choice(PHRASES) for _ in range(4)) + "。"
    return out[:chars]


def timed(fn, n):
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(n * 0.95) - 1)], samples[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default="http://127.0.0.1:8089")
    ap.add_argument("--requests", type=int, default=200)
    a = ap.parse_args()
    rng = random.Random(3)
    token = call(a.server, "POST", "/api/v1/session", body={"username": "teacher1", "password": "xuequ-demo"})["token"]
    sections = {s: text(rng, 3000 if s == "教学过程" else 1500) for s in SECTIONS}
    # teacher1's group is in their own subject: the subject a 通案 of theirs is accepted in.
    plan = None
    for subject in ["chinese", "math", "english", "it", "science", "music", "art", "pe", "moral", "history", "geography", "physics", "chemistry", "biology"]:
        try:
            plan = call(a.server, "POST", "/api/v1/lesson-plans", token, {"kind": "common", "title": "基准：复习课", "subject": subject, "grade": "三年级", "sections": sections})
            break
        except urllib.error.HTTPError:
            continue
    pid, version = plan["id"], plan["version"]
    for k in range(49):
        sections["作业"] = text(rng, 1500)
        version = call(a.server, "PUT", "/api/v1/lesson-plans/%d" % pid, token, {"sections": {"作业": sections["作业"]}, "version": version})["version"]
    call(a.server, "POST", "/api/v1/lesson-plans/%d/events" % pid, token, {"event": "submit"})
    child = call(a.server, "POST", "/api/v1/lesson-plans/%d/derive" % pid, token, {"kind": "personal"})
    process = sections["教学过程"]
    mine = process[:1200] + text(rng, 300) + process[1500:]
    call(a.server, "PUT", "/api/v1/lesson-plans/%d" % child["id"], token, {"sections": {"教学过程": mine}, "version": child["version"]})
    print("plan %d: %d versions, %d characters; 个案 %d" % (pid, version, sum(len(v) for v in sections.values()), child["id"]))

    diff = timed(lambda: call(a.server, "GET", "/api/v1/lesson-plans/%d/diff" % child["id"], token), a.requests)
    print("diff of a 个案 with its 通案 (API)   p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms" % diff)
    versions = timed(lambda: call(a.server, "GET", "/api/v1/lesson-plans/%d/diff?from=1&to=%d" % (pid, version), token), a.requests)
    print("diff of version 1 and 50 (API)     p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms" % versions)

    # The page, with a browser session.
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    login = opener.open(a.server + "/login").read().decode()
    csrf = login.split('name="_csrf" value="')[1].split('"')[0]
    opener.open(urllib.request.Request(a.server + "/login", data=("username=teacher1&password=xuequ-demo&_csrf=%s&next=/" % csrf).encode()))
    page = timed(lambda: opener.open(a.server + "/teaching/plans/%d" % pid).read(), a.requests)
    print("the plan's page, 50 versions (HTML) p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms" % page)


if __name__ == "__main__":
    main()
