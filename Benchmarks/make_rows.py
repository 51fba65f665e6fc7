#!/usr/bin/env python3
"""Writes N teacher rows for the province data set, once as .xlsx (what a county uploads) and once
as SQL (the sqlite3 command-line ceiling for the same rows), so both insert exactly the same data.

usage: make_rows.py N DB OUT_DIR
"""
import datetime
import os
import random
import sqlite3
import sys

import openpyxl

n, db, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(7)
con = sqlite3.connect(db)
schools = con.execute("SELECT id, code, district_id FROM schools WHERE status = 'active' AND stage IN ('primary','junior','nine_year')").fetchall()
con.close()

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def rid(i):
    # Area 510104 is not used by the seed, so every ID is new; the sequence walks dates and numbers.
    day = datetime.date(1965, 1, 1) + datetime.timedelta(days=i % 12000)
    head = "510104" + day.strftime("%Y%m%d") + "%03d" % (i // 12000)
    return head + "10X98765432"[sum(int(a) * b for a, b in zip(head, W)) % 11], day


subjects = [("语文", "chinese"), ("数学", "math"), ("英语", "english"), ("科学", "science"), ("音乐", "music")]
edu = [("本科", "bachelor"), ("专科", "junior_college")]
wb = openpyxl.Workbook(write_only=True)
ws = wb.create_sheet("教师")
ws.append(["姓名", "身份证号", "学校代码", "任教学科", "学历", "普通话等级", "职称", "骨干级别", "本校任教起始日期"])
sql = open(os.path.join(out, "rows.sql"), "w")
sql.write("BEGIN;\n")
batch = []
for i in range(n):
    r, birth = rid(i)
    sid, code, did = schools[rng.randrange(len(schools))]
    sz, se = subjects[rng.randrange(len(subjects))]
    ez, ee = edu[rng.randrange(len(edu))]
    since = "%d-09-01" % rng.randint(max(birth.year + 22, 1990), 2025)
    name = "测" + "试教师甲乙丙丁"[rng.randrange(7)] + str(i % 97)
    ws.append([name, r, code, sz, ez, "二级甲等", "中级", "无", since])
    sex = "male" if int(r[16]) % 2 else "female"
    batch.append("('%s','%s','%s','%s',%d,%d,'%s','%s','2A','intermediate','none','%s',NULL,NULL,1.0,1.0,1)" % (name, r, birth.isoformat(), sex, sid, did, se, ee, since))
    if len(batch) == 400:
        sql.write("INSERT INTO teachers (name,resident_id,birth_date,gender,school_id,district_id,subjects,education,putonghua,title,backbone,school_since,stage_part,phone,created_at,updated_at,version) VALUES " + ",".join(batch) + ";\n")
        batch = []
if batch:
    sql.write("INSERT INTO teachers (name,resident_id,birth_date,gender,school_id,district_id,subjects,education,putonghua,title,backbone,school_since,stage_part,phone,created_at,updated_at,version) VALUES " + ",".join(batch) + ";\n")
sql.write("COMMIT;\n")
sql.close()
wb.save(os.path.join(out, "rows.xlsx"))
print("wrote %d rows" % n)
