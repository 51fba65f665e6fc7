#!/usr/bin/env python3
"""Lesson-plan search at province scale on the embedded database: N plans (default 500,000) in a
SQLite file with the schema of migration 061 (lesson_plans and the FTS5 table of character
bigrams), then the statements TeachingService.list issues — the bigram phrase MATCH narrowed by the
caller's scope tokens inside the full-text query, the newest 5,000 matches ranked by bm25, the
exact scope applied in SQL — for a district's researcher and for the county, timed next to a
LIKE '%…%' scan of the same rows for the same phrases.

    python3 Benchmarks/teaching_search.py [--plans 500000] [--queries 200] [--db /tmp/xuequ-bench/plans.sqlite]

The bigram document is built as Teaching's Bigrams.document builds it (runs of letters and
digits, lower-cased, every two adjacent characters). Prints p50/p95/max in milliseconds.
"""
import argparse
import json
import os
import random
import sqlite3
import statistics
import time

WORDS = ("分数 小数 方程 几何 面积 周长 乘法 除法 加法 减法 比例 统计 概率 图形 角度 三角形 平行四边形 圆的认识 "
         "古诗 朗读 生字 阅读理解 作文 修辞 比喻 拟人 说明文 记叙文 议论文 文言文 口语交际 习作 "
         "情境导入 小组合作 动手操作 分层练习 当堂反馈 课堂小结 板书 课件 学习单 思维导图 拓展提升 "
         "重点 难点 教学目标 核心素养 探究 归纳 迁移 巩固 评价 反思 预习 复习 单元整合 跨学科").split()
SUBJECTS = ["chinese", "math", "english", "science", "music", "art", "pe", "it"]


def bigrams(text):
    out, run = [], []
    def flush():
        if len(run) == 1:
            out.append(run[0])
        for i in range(len(run) - 1):
            out.append(run[i] + run[i + 1])
    for ch in text.lower():
        if ch.isalnum():
            run.append(ch)
        else:
            flush(); run.clear()
    flush()
    return out


def sentence(rng, n):
    return "，".join("".join(rng.choice(WORDS) for _ in range(3)) for _ in range(n)) + "。"


def build(path, plans, districts=120):
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path)
    db.executescript("""
        PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;
        CREATE TABLE lesson_plans (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, level TEXT NOT NULL, group_id INTEGER, parent_id INTEGER,
          owner_teacher_id INTEGER NOT NULL, district_id INTEGER NOT NULL, school_id INTEGER NOT NULL, title TEXT NOT NULL, subject TEXT NOT NULL,
          grade TEXT NOT NULL, edition TEXT, unit TEXT, sections TEXT NOT NULL, state TEXT NOT NULL, review_level INTEGER NOT NULL, release_on TEXT,
          version INTEGER NOT NULL, updated_at REAL NOT NULL);
        CREATE VIRTUAL TABLE lesson_plan_search USING fts5(grams, tokenize = 'unicode61');
        CREATE TABLE teaching_group_members (group_id INTEGER NOT NULL, teacher_id INTEGER NOT NULL);
    """)
    rng = random.Random(7)
    t0 = time.perf_counter()
    batch, grams = [], []
    for i in range(1, plans + 1):
        d = rng.randrange(1, districts + 1)
        title = "".join(rng.choice(WORDS) for _ in range(2))
        sections = {"教学目标": sentence(rng, 3), "重点难点": sentence(rng, 2), "教学过程": sentence(rng, 12), "作业": sentence(rng, 1)}
        kind = "common" if i % 10 == 0 else "personal"
        batch.append((i, kind, "district" if kind == "common" else "personal", None, None, i % 900_000 + 1, d, d * 250 + rng.randrange(250), title,
                      rng.choice(SUBJECTS), "三年级", "人教版", "第一单元", json.dumps(sections, ensure_ascii=False, sort_keys=True),
                      "released" if kind == "common" else "draft", 0, "2026-09-01" if kind == "common" else None, 1, float(i)))
        owner, school = i % 900_000 + 1, batch[-1][7]
        tokens = ["xqo%d" % owner, "xqd%d" % d, "xqs%d" % school] + (["xqrd%d" % d] if kind == "common" else [])
        doc = " ".join(bigrams(title) + [g for k in ["教学目标", "重点难点", "教学过程", "作业"] for g in bigrams(sections[k])] + tokens)
        grams.append((i, doc))
        if len(batch) == 10_000:
            db.executemany("INSERT INTO lesson_plans VALUES (" + ",".join("?" * 19) + ")", batch)
            db.executemany("INSERT INTO lesson_plan_search (rowid, grams) VALUES (?, ?)", grams)
            batch, grams = [], []
    if batch:
        db.executemany("INSERT INTO lesson_plans VALUES (" + ",".join("?" * 19) + ")", batch)
        db.executemany("INSERT INTO lesson_plan_search (rowid, grams) VALUES (?, ?)", grams)
    db.executescript("""
        CREATE INDEX lesson_plans_scope ON lesson_plans (kind, subject, district_id, school_id);
        CREATE INDEX lesson_plans_owner ON lesson_plans (owner_teacher_id);
        INSERT INTO lesson_plan_search (lesson_plan_search) VALUES ('optimize');
    """)
    db.commit()
    print("built %d plans in %.0f s (%.0f MB)" % (plans, time.perf_counter() - t0, os.path.getsize(path) / 1e6))
    db.close()


COLUMNS = "p.id, p.kind, p.level, p.group_id, p.parent_id, p.owner_teacher_id, p.district_id, p.school_id, p.title, p.subject, p.grade, p.edition, p.unit, p.sections, p.state, p.review_level, p.release_on, p.version, p.updated_at"
# A district office's reader (the researcher of district 7) — the scope TeachingService.list writes.
SCOPE = "(p.owner_teacher_id = ? OR p.group_id IN (SELECT group_id FROM teaching_group_members WHERE teacher_id = ?) OR p.district_id = ? OR (p.kind = 'common' AND p.state = 'released' AND p.release_on <= '2026-12-01' AND (p.level = 'county' OR (p.level = 'district' AND p.district_id = ?))))"


def timed(db, sql, args):
    t = time.perf_counter()
    rows = db.execute(sql, args).fetchall()
    return (time.perf_counter() - t) * 1000, len(rows)


def report(name, samples):
    samples = sorted(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print("%-34s p50 %8.1f ms   p95 %8.1f ms   max %8.1f ms" % (name, statistics.median(samples), p95, samples[-1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plans", type=int, default=500_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--like-queries", type=int, default=20)
    ap.add_argument("--db", default="/tmp/xuequ-bench/plans.sqlite")
    a = ap.parse_args()
    os.makedirs(os.path.dirname(a.db), exist_ok=True)
    db_ok = False
    if os.path.exists(a.db):
        c = sqlite3.connect(a.db)
        try:
            db_ok = c.execute("SELECT COUNT(*) FROM lesson_plans").fetchone()[0] == a.plans
        except sqlite3.Error:
            pass
        c.close()
    if not db_ok:
        build(a.db, a.plans)
    db = sqlite3.connect(a.db)
    rng = random.Random(11)
    phrases = [rng.choice(WORDS) + (rng.choice(WORDS) if i % 3 == 0 else "") for i in range(a.queries)]
    window = 5000
    fts, hits, county = [], [], []
    tokens = "xqrc OR xqo1 OR xqd7 OR xqrd7 OR xqrs1750"
    for q in phrases:
        phrase = '"' + " ".join(bigrams(q)) + '"'
        ms, n = timed(db, "SELECT " + COLUMNS + " FROM (SELECT rowid AS id, bm25(lesson_plan_search) AS score FROM lesson_plan_search WHERE lesson_plan_search MATCH ? "
                      "ORDER BY rowid DESC LIMIT %d) m JOIN lesson_plans p ON p.id = m.id WHERE " % window + SCOPE + " ORDER BY m.score, p.id DESC LIMIT 200",
                      (phrase + " AND (" + tokens + ")", 1, 1, 7, 7))
        fts.append(ms); hits.append(n)
        ms, _ = timed(db, "SELECT " + COLUMNS + " FROM (SELECT rowid AS id, bm25(lesson_plan_search) AS score FROM lesson_plan_search WHERE lesson_plan_search MATCH ? "
                      "ORDER BY rowid DESC LIMIT %d) m JOIN lesson_plans p ON p.id = m.id ORDER BY m.score, p.id DESC LIMIT 200" % window, (phrase,))
        county.append(ms)
    like = []
    for q in phrases[: a.like_queries]:
        ms, _ = timed(db, "SELECT " + COLUMNS + " FROM lesson_plans p WHERE " + SCOPE + " AND (p.title LIKE ? OR p.sections LIKE ?) ORDER BY p.updated_at DESC LIMIT 200",
                      (1, 1, 7, 7, "%" + q + "%", "%" + q + "%"))
        like.append(ms)
    print("%d plans, %d phrase searches in one district's scope (median %d hits, at most 200 returned)" % (a.plans, len(phrases), statistics.median(hits)))
    report("FTS5, a district's researcher", fts)
    report("FTS5, the county (no scope)", county)
    report("LIKE '%%…%%' scan (same scope)", like)


if __name__ == "__main__":
    main()
