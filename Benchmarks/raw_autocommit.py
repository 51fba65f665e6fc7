"""The raw SQLite autocommit rate on this disk: one connection, one INSERT per transaction, WAL and
synchronous=FULL (the server's defaults), for SECONDS; prints commits per second. The write
benchmarks compare durable submissions with it.
usage: python3 raw_autocommit.py FILE SECONDS"""
import sqlite3
import sys
import time

c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode=WAL")
c.execute("PRAGMA synchronous=FULL")
c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, resident_id TEXT, body TEXT, at REAL)")
n, t0 = 0, time.time()
while time.time() - t0 < float(sys.argv[2]):
    c.execute("INSERT INTO t (name, resident_id, body, at) VALUES (?, ?, ?, ?)", ("压测申请人", "13048119700101001%d" % (n % 10), "x" * 300, time.time()))
    n += 1
print(round(n / (time.time() - t0)))
