#!/usr/bin/env python3
"""HTTP timings for Benchmarks/exchange.sh.

  exchange_http.py suggest URL DISTRICT|county RUNS → POST /api/v1/exchange/plans/suggest for the
      next round, RUNS times; prints the moves, the quota, the optimiser's evaluations, its own
      time and the time of one what-if evaluation of the area, and the request's median time.
  exchange_http.py timetable URL RUNS              → sets up itinerant teaching in the district with
      the most schools (15 teachers of five subjects, two periods of three subjects at every
      school, travel times 5–24 minutes) through the pages, then times
      GET /api/v1/exchange/itinerant/timetable.
"""
import http.cookiejar
import json
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request


def token(url):
    req = urllib.request.Request(url + "/api/v1/session", data=json.dumps({"username": "admin", "password": "xuequ-demo"}).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))["token"]


def call(url, path, auth, body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = dict(auth, **({"Content-Type": "application/json"} if data else {}))
    return json.load(urllib.request.urlopen(urllib.request.Request(url + path, data=data, headers=headers), timeout=600))


def suggest(url, district, runs):
    auth = {"Authorization": "Bearer " + token(url)}
    body = {} if district == "county" else {"district": int(district)}
    times, last = [], None
    for _ in range(runs):
        start = time.perf_counter()
        last = call(url, "/api/v1/exchange/plans/suggest", auth, body)
        times.append(time.perf_counter() - start)
    q = last["quota"]
    print("  %s: %d moves (eligible %d, required %d, backbone %d/%d, met %s); %d evaluations in %d ms (one evaluation %.2f ms); request median %.2f s, max %.2f s"
          % ("county" if district == "county" else "district %s" % district, len(last["moves"]), q["eligible"], q["required"], q["backboneMoved"], q["backboneRequired"],
             q["met"], last["evaluations"], last["milliseconds"], last["evaluationMicroseconds"] / 1000, statistics.median(times), max(times)))


def session(url):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = opener.open(url + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', login).group(1)
    opener.open(url + "/login", urllib.parse.urlencode({"username": "admin", "password": "xuequ-demo", "_csrf": csrf, "next": "/"}).encode()).read()
    page = opener.open(url + "/account/password").read().decode()
    return opener, re.search(r'name="_csrf" value="([^"]+)"', page).group(1)


def timetable(url, runs):
    auth = {"Authorization": "Bearer " + token(url)}
    opener, csrf = session(url)
    districts = call(url, "/api/v1/districts", auth)["items"]
    best = None
    for d in districts[:40]:
        schools = call(url, "/api/v1/schools?district=%d&status=active&per=200" % d["id"], auth)["items"]
        if best is None or len(schools) > len(best[1]):
            best = (d["id"], schools)
    district, schools = best
    ids = [s["id"] for s in schools][:30]
    subjects = ["music", "art", "pe", "english", "it"]
    teachers = call(url, "/api/v1/teachers?district=%d&per=200" % district, auth)["items"]
    chosen = 0
    for k, subject in enumerate(subjects):
        for t in [t for t in teachers if subject in t["subjects"]][:3]:
            form = {"teacherId": t["id"], "subject": subject, "maxPeriods": 20, "_csrf": csrf}
            opener.open(url + "/exchange/itinerant/teachers?district=%d" % district, urllib.parse.urlencode(form).encode()).read()
            chosen += 1
    demand = {"_csrf": csrf}
    for i, s in enumerate(ids):
        for k, subject in enumerate(subjects):
            if (i + k) % 5 < 3:
                demand["d_%d:%s" % (s, subject)] = 2
    opener.open(url + "/exchange/itinerant/demand?district=%d" % district, urllib.parse.urlencode(demand).encode()).read()
    all_ids = [s["id"] for s in schools]
    travel = {"_csrf": csrf}
    for i, a in enumerate(all_ids):
        for b in all_ids[i + 1:]:
            travel["m_%d:%d" % (a, b)] = 5 + (a * 7 + b * 3) % 20
    opener.open(url + "/exchange/itinerant/travel?district=%d" % district, urllib.parse.urlencode(travel).encode()).read()
    times, last = [], None
    for _ in range(runs):
        start = time.perf_counter()
        last = call(url, "/api/v1/exchange/itinerant/timetable?district=%d" % district, auth)
        times.append(time.perf_counter() - start)
    needed = sum(2 for i in range(len(ids)) for k in range(5) if (i + k) % 5 < 3)
    print("  district %d: %d schools with demand (%d in the district), %d itinerant teachers, %d periods needed, %d placed, %d left with a reason; solver %d ms, request median %.0f ms"
          % (district, len(ids), len(all_ids), chosen, needed, len(last["placements"]), sum(u["periods"] for u in last["unplaced"]), last["milliseconds"],
             statistics.median(times) * 1000))


if __name__ == "__main__":
    if sys.argv[1] == "suggest":
        suggest(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        timetable(sys.argv[2], int(sys.argv[3]))
