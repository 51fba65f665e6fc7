#!/usr/bin/env python3
"""The same difference coefficients as GET /api/v1/balance, computed with numpy straight from the
SQLite file: read schools, conditions and teachers, count teachers per school and part, split
nine-year / complete / twelve-year schools, weight by enrolment. Used by Benchmarks/balance.sh as
the baseline to beat and as an independent check of Xuequ's numbers.

usage: balance_numpy.py DB YEAR   → prints JSON {"seconds": s, "results": {"basic/primary": {...}}}
"""
import json
import sqlite3
import sys
import time

import numpy as np

EDU = ["high_school", "secondary", "junior_college", "bachelor", "master", "doctor"]
COMPULSORY = ("primary", "junior", "nine_year", "complete_secondary", "twelve_year", "teaching_point")
PARTS = {"primary": ["primary"], "teaching_point": ["primary"], "junior": ["junior"], "nine_year": ["primary", "junior"],
         "complete_secondary": ["junior", "senior"], "twelve_year": ["primary", "junior", "senior"]}
LIMIT = {("basic", "primary"): 0.65, ("basic", "junior"): 0.55, ("quality", "primary"): 0.50, ("quality", "junior"): 0.45}
REQUIRED = {"primary": 2, "junior": 3}     # index into EDU: 专科 / 本科
BASIC = ["floor_area", "sports_area", "equipment_value", "computers_per_100", "books", "teacher_ratio", "above_required_education", "intermediate_title"]
QUALITY = ["above_required_education_per_100", "backbone_per_100", "pe_art_per_100", "floor_area", "sports_area", "equipment_value", "multimedia_per_100"]


def main(db, year):
    t0 = time.perf_counter()
    con = sqlite3.connect(db)
    schools = con.execute(
        "SELECT s.id, s.stage, c.students_primary, c.students_junior, c.students_senior, c.floor_area_centi, c.sports_area_centi, "
        "c.equipment_value_fen, c.computers, c.books, c.multimedia_rooms FROM schools s JOIN school_conditions c ON c.school_id = s.id AND c.year = ? "
        "WHERE s.stage IN (%s) AND (s.status = 'active' OR s.merged_on > ?)" % ",".join("?" * len(COMPULSORY)),
        (year, *COMPULSORY, "%d-12-31" % year)).fetchall()
    teachers = con.execute("SELECT school_id, COALESCE(stage_part, ''), education, title, backbone, subjects FROM teachers").fetchall()
    con.close()

    ids = np.array([s[0] for s in schools])
    index = {sid: i for i, sid in enumerate(ids)}
    n = len(ids)
    stage = np.array([s[1] for s in schools])
    P = {"primary": np.array([s[2] for s in schools], float), "junior": np.array([s[3] for s in schools], float), "senior": np.array([s[4] for s in schools], float)}
    fac = {"floor_area": np.array([s[5] for s in schools], float) / 100, "sports_area": np.array([s[6] for s in schools], float) / 100,
           "equipment_value": np.array([s[7] for s in schools], float) / 100, "computers": np.array([s[8] for s in schools], float),
           "books": np.array([s[9] for s in schools], float), "multimedia": np.array([s[10] for s in schools], float)}

    # Teacher counts per school row and part key: 0 = none, 1 primary, 2 junior, 3 senior.
    part_key = {"": 0, "primary": 1, "junior": 2, "senior": 3}
    rows = np.array([index.get(t[0], -1) for t in teachers])
    keep = rows >= 0
    rows = rows[keep]
    t = [x for x, k in zip(teachers, keep) if k]
    part = np.array([part_key[x[1]] for x in t])
    edu = np.array([EDU.index(x[2]) for x in t])
    inter = np.array([x[3] in ("intermediate", "senior", "professor") for x in t], float)
    backbone = np.array([x[4] in ("county", "city", "province") for x in t], float)
    peart = np.array([bool(x[5]) and all(s in ("pe", "music", "art") for s in x[5].split(",")) for x in t], float)
    slot = rows * 4 + part

    def count(weights=None):
        return np.bincount(slot, weights=weights, minlength=n * 4).reshape(n, 4)

    counts = {"total": count(), "edu2": count((edu >= 2).astype(float)), "edu3": count((edu >= 3).astype(float)),
              "inter": count(inter), "backbone": count(backbone), "peart": count(peart)}

    def share(p):
        a, b, c = P["primary"], P["junior"], P["senior"]
        out = np.zeros(n)
        nine, comp, twelve = stage == "nine_year", stage == "complete_secondary", stage == "twelve_year"
        single = ~(nine | comp | twelve)
        with np.errstate(invalid="ignore", divide="ignore"):
            if p == "primary":
                out = np.where(nine, a / (a + 1.1 * b), out)
                out = np.where(twelve, a / (a + 1.1 * b + 1.32 * c), out)
            else:
                out = np.where(nine, 1.1 * b / (a + 1.1 * b), out)
                out = np.where(comp, b / (b + 1.2 * c), out)
                out = np.where(twelve, 1.1 * b / (a + 1.1 * b + 1.32 * c), out)
        out = np.nan_to_num(out)
        return np.where(single, 1.0, out), single

    results = {}
    for p in ("primary", "junior"):
        has = np.array([p in PARTS[s] for s in stage])
        sh, single = share(p)
        col = 1 if p == "primary" else 2
        def teachers_of(key):
            c = counts[key]
            return np.where(single, c.sum(axis=1), c[:, col] + c[:, 0] * sh)
        amounts = {k: v * sh for k, v in fac.items()}
        tot, above, inter_, bb, pa = teachers_of("total"), teachers_of("edu2" if p == "primary" else "edu3"), teachers_of("inter"), teachers_of("backbone"), teachers_of("peart")
        students = P[p]
        values = {"floor_area": amounts["floor_area"], "sports_area": amounts["sports_area"], "equipment_value": amounts["equipment_value"],
                  "computers_per_100": amounts["computers"] * 100, "books": amounts["books"], "teacher_ratio": tot, "above_required_education": above,
                  "intermediate_title": inter_, "above_required_education_per_100": above * 100, "backbone_per_100": bb * 100,
                  "pe_art_per_100": pa * 100, "multimedia_per_100": amounts["multimedia"] * 100}
        for standard, keys in (("basic", BASIC), ("quality", QUALITY)):
            tp = stage == "teaching_point"
            mask = has & (students > 0) & (~tp if standard == "basic" else ~(tp & (P["primary"] < 50)))
            w = students[mask]
            coefs = []
            for k in keys:
                x = values[k][mask] / w
                mean = (w * x).sum() / w.sum()
                sd = np.sqrt(((w / w.sum()) * (x - mean) ** 2).sum())
                coefs.append({"indicator": k, "value": round(float(sd / mean), 3) if mean > 0 else None})
            results["%s/%s" % (standard, p)] = {"schools": int(mask.sum()), "coefficients": coefs}
    return time.perf_counter() - t0, results


if __name__ == "__main__":
    seconds, results = main(sys.argv[1], int(sys.argv[2]))
    print(json.dumps({"seconds": seconds, "results": results}, ensure_ascii=False))
