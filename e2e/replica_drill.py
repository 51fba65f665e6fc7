"""CI's replica drill: two `xuequ serve` processes on one PostgreSQL primary, the second with
DATABASE_REPLICA_URL pointing at a streaming replica (made by .ci/run with pg_basebackup). A write
on one process is read on the other; the second's writes reach the primary (a hot standby refuses
writes, so a write routed there would fail); its reports, read from the replica, equal the first
process's (read from the primary) once the replica has replayed the write.

usage: python3 e2e/replica_drill.py BINARY PRIMARY_URL REPLICA_URL REPLICA_PSQL_PORT"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

binary, primary, replica, replica_port = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
key = "ab" * 32
procs = []


def start(port, extra):
    env = dict(os.environ, DATABASE_URL=primary, XUEQU_AUDIT_KEY=key, XUEQU_BCRYPT_COST="4", **extra)
    log = open(os.path.join(tempfile.mkdtemp(), "server.log"), "w")
    args = [binary, "serve", "--port", str(port)] + (["--demo"] if not extra else [])
    p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd="/")
    procs.append(p)
    deadline = time.time() + 300
    while time.time() < deadline:
        if p.poll() is not None:
            raise SystemExit("server on %d exited (%s); log in %s" % (port, p.returncode, log.name))
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=2)
            return "http://127.0.0.1:%d" % port
        except OSError:
            time.sleep(0.3)
    raise SystemExit("server on %d never became healthy" % port)


def call(base, method, path, token=None, body=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"content-type": "application/json", **({"Authorization": "Bearer " + token} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def token(base, user):
    s, b = call(base, "POST", "/api/v1/session", body={"username": user, "password": "xuequ-demo"})
    assert s == 200, (user, s, b)
    return b["token"]


def on_replica(sql):
    return subprocess.run(["psql", "-h", "127.0.0.1", "-p", replica_port, "-U", "postgres", "-d", urllib.parse.urlparse(primary).path.lstrip("/"),
                           "-tAc", sql], capture_output=True, text=True, check=True).stdout.strip()


def eventually(what, check, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise SystemExit("never happened: " + what)


try:
    a = start(18401, {})
    b = start(18402, {"DATABASE_REPLICA_URL": replica})
    admin_a, admin_b, district_b = token(a, "admin"), token(b, "admin"), token(b, "district1")
    assert on_replica("SELECT pg_is_in_recovery()") == "t", "the replica is a standby"
    s, school = call(a, "GET", "/api/v1/schools?per=1", admin_a)
    school_id = school["items"][0]["id"]

    def teacher(base, tok, name, seq):
        head = "13048119900101%03d" % seq
        total = sum(int(c) * w for c, w in zip(head, [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]))
        rid = head + "10X98765432"[total % 11]
        return call(base, "POST", "/api/v1/teachers", tok, {"name": name, "residentId": rid, "schoolId": school_id, "subjects": ["math"], "education": "bachelor",
                                                             "putonghua": "2A", "title": "none", "backbone": "none", "schoolSince": "2020-09-01"})

    # A write on process A, read on process B.
    s, t = teacher(a, admin_a, "副本甲", 901)
    assert s == 201, (s, t)
    eventually("the replica replays the write", lambda: on_replica("SELECT COUNT(*) FROM teachers WHERE name = '副本甲'") == "1")
    s, found = call(b, "GET", "/api/v1/teachers?q=%s" % urllib.parse.quote("副本甲"), admin_b)
    assert s == 200 and found["total"] == 1, found
    # B's writes go to the primary (a standby would refuse them).
    s, t = teacher(b, admin_b, "副本乙", 902)
    assert s == 201, ("a write through the process with a replica", s, t)
    # B's reports come from the replica and agree with A's from the primary once it has caught up.
    path = "/api/v1/balance?standard=basic&stage=primary"
    eventually("the replica's balance equals the primary's",
               lambda: call(b, "GET", path, district_b) == call(a, "GET", path, token(a, "district1")))
    # B's report connections are on the replica (A never connects there).
    assert int(on_replica("SELECT COUNT(*) FROM pg_stat_activity WHERE usename = 'xuequ' AND datname = current_database()")) > 0, "B never read the replica"
    print("replica drill: write on A read on B, B's write on the primary, B's report from the replica equals A's")
finally:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)
