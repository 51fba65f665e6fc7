"""Adds one certification window with N applications (default 300,000) to a Xuequ database — a
SQLite file, or a PostgreSQL URL (needs psycopg2): states, types, failure reasons and times in each
state spread like a real window, with history rows and archive folders for the accepted. Prints
the window id.
usage: python3 cert_window.py DB|postgres://… [N]"""
import random
import sqlite3
import sys

db, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300_000
rnd = random.Random(300_000)
pg = db.startswith("postgres")
if pg:
    import psycopg2
    import psycopg2.extras
    conn = psycopg2.connect(db)
    cur = conn.cursor()

    class PG:
        """The few sqlite3 calls below, on PostgreSQL."""
        def execute(self, q, args=()):
            cur.execute(q.replace("?", "%s"), args)
            return cur
        def executemany(self, q, rows):
            # Committed every 2,000 rows: the window figures' row trigger updates the same few
            # rows for every application, and PostgreSQL keeps every version of a row a
            # transaction wrote, so one transaction of 300,000 slows down quadratically.
            head, values = q.split("VALUES")
            for k in range(0, len(rows), 2000):
                psycopg2.extras.execute_values(cur, head + "VALUES %s", rows[k:k + 2000], page_size=2000)
                conn.commit()
        def commit(self):
            conn.commit()
    c = PG()
else:
    c = sqlite3.connect(db)
    c.execute("PRAGMA synchronous=OFF")
body = c.execute("SELECT id FROM cert_bodies WHERE level = 'county' ORDER BY id LIMIT 1").fetchone()[0]
c.execute("INSERT INTO cert_windows (body_id, name, opens_on, closes_on, types) VALUES (?, '全省批量窗口', '2026-03-01', '2026-04-30', 'kindergarten,primary,junior,senior,vocational,vocational_practice')", (body,))
window = c.execute("SELECT MAX(id) FROM cert_windows").fetchone()[0]
first = (c.execute("SELECT COALESCE(MAX(id), 0) FROM cert_applications").fetchone()[0]) + 1
types = ["kindergarten", "primary", "junior", "senior", "vocational", "vocational_practice"]
reasons = ["putonghua_below_minimum", "ability_test_failed", "exam_missing", "education_below_minimum", "physical_exam_failed"]
states = [("certified", 50), ("rejected", 30), ("withdrawn", 4), ("review", 6), ("submitted", 4), ("deficient", 2), ("noticed", 2), ("forwarded", 2)]
pool = [s for s, w in states for _ in range(w)]
base = 1772323200.0  # 2026-03-01
apps, history, folders = [], [], []
for k in range(n):
    i = first + k
    state = rnd.choice(pool)
    t = rnd.choice(types)
    sub = base + rnd.random() * 60 * 86400
    secs = [rnd.random() * 5 * 86400, 0.0, rnd.random() * 3 * 86400, 0.0, rnd.random() * 20 * 86400, 0.0, rnd.random() * 3 * 86400, rnd.random() * 10 * 86400]
    accepted = state not in ("submitted", "deficient", "withdrawn")
    apps.append((i, window, "申请人%d" % k, "130481%011d" % k + "0", "female" if k % 2 else "male", t, "math", "bachelor", False, "2B", "national_exam",
                 "2025-06-01", "pass", False, state, 3, rnd.choice(reasons) if state == "rejected" else None, sub, sub + 86400, sub,
                 sub + 20 * 86400 if state in ("certified", "rejected", "noticed") else None, sub + 25 * 86400, *secs))
    history.append((i, "draft", "submitted", "submit", "applicant", sub))
    if accepted:
        history.append((i, "submitted", "review", "accept", "reviewer", sub + 86400))
        folders.append((i, "DB%09d" % i, "2026-03-10", "[]"))
        history.append((i, "review", "approved" if state != "rejected" else "rejected", "approve" if state != "rejected" else "reject", "reviewer", sub + 20 * 86400))
c.executemany("""INSERT INTO cert_applications (id, window_id, name, resident_id, gender, type, subject, education, normal_graduate, putonghua, route,
  exam_passed_on, physical_exam, township, state, version, reason_code, created_at, updated_at, submitted_at, decided_at, state_since,
  secs_submitted, secs_deficient, secs_accepted, secs_ability_test, secs_review, secs_forwarded, secs_approved, secs_noticed)
  VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""", apps)
c.executemany("INSERT INTO cert_history (application_id, from_state, to_state, event, actor, at) VALUES (?,?,?,?,?,?)", history)
c.executemany("INSERT INTO archive_folders (application_id, folder_no, received_on, contents) VALUES (?,?,?,?)", folders)
if pg:
    # The ids were given explicitly: move the sequence past them.
    c.execute("SELECT setval(pg_get_serial_sequence('cert_applications', 'id'), (SELECT MAX(id) FROM cert_applications))")
c.commit()
if pg:
    conn.autocommit = True
c.execute("ANALYZE")
print(window)
