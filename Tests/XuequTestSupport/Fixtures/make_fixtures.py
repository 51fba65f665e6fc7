#!/usr/bin/env python3
"""Makes the spreadsheet fixtures the tests import, with openpyxl (as Excel/WPS users' files are
made by other programs, not by Xuequ). Run from this folder: python3 make_fixtures.py

The school code 130401001 is the demo county's first school (central school of district 1);
test fixtures create a school with that code too.
"""
import datetime
import openpyxl

HEAD = ["姓名", "身份证号", "学校代码", "任教学科", "学历", "普通话等级", "职称", "骨干级别", "本校任教起始日期"]


def check_char(first17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(a) * b for a, b in zip(first17, w)) % 11]


def rid(birth, seq):
    head = "130481" + birth + "%03d" % seq
    return head + check_char(head)


good = [
    ["李明", rid("19850312", 11), "T0001", "语文、数学", "本科", "二级甲等", "中级", "县级", datetime.date(2015, 9, 1)],
    ["王芳", rid("19900708", 22), "T0001", "英语", "专科", "二级乙等", "初级", "无", datetime.date(2019, 9, 1)],
    ["<script>alert(1)</script>", rid("19921111", 31), "T0002", "音乐", "本科", "二级乙等", "未定级", "无", "2021-09-01"],
]

wb = openpyxl.Workbook()
ws = wb.active
ws.title = "教师"
ws.append(HEAD)
for r in good:
    ws.append(r)
# IDs as text, the way a careful clerk formats the column.
for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
    for c in row:
        c.number_format = "@"
wb.save("teachers_good.xlsx")

bad = [
    ["赵六", rid("19850312", 41)[:-1] + ("0" if rid("19850312", 41)[-1] != "0" else "1"), "T0001", "语文", "本科", "二级甲等", "中级", "县级", datetime.date(2015, 9, 1)],
    ["孙七", "130481198502301234", "T0001", "数学", "本科", "二级甲等", "中级", "无", datetime.date(2016, 9, 1)],
    ["周八", rid("19880101", 51), "NOPE9", "数学", "本科", "二级甲等", "中级", "无", datetime.date(2016, 9, 1)],
    ["吴九", rid("19880202", 61), "T0001", "数学", "本科", "二级甲等", "中级", "无", datetime.date(2099, 9, 1)],
    ["郑十", rid("19880303", 71), "T0001", "烹饪", "本科", "四级", "中级", "无", datetime.date(2016, 9, 1)],
    ["钱一", rid("19880404", 81), "T0001", "数学", "本科", "二级甲等", "中级", "无", datetime.date(2016, 9, 1)],
    ["钱一", rid("19880404", 81), "T0001", "数学", "本科", "二级甲等", "中级", "无", datetime.date(2016, 9, 1)],
]
wb = openpyxl.Workbook()
ws = wb.active
ws.append(HEAD)
for r in bad:
    ws.append(r)
wb.save("teachers_bad.xlsx")

wb = openpyxl.Workbook()
ws = wb.active
ws.append(["姓名", "身份证号", "学校代码"])
ws.append(["李明", rid("19850312", 11), "T0001"])
wb.save("teachers_missing_headers.xlsx")

# CSV as Excel on Chinese Windows saves it: GB18030/GBK, CRLF.
lines = [",".join(HEAD)]
lines.append(",".join(["刘洋", rid("19870505", 91), "T0001", "物理", "硕士研究生", "二级甲等", "高级", "市级", "2012-09-01"]))
lines.append(",".join(["陈静", rid("19930606", 102), "T0002", "美术、音乐", "本科", "二级乙等", "初级", "校级", "2020/9/1"]))
with open("teachers_gbk.csv", "wb") as f:
    f.write(("\r\n".join(lines) + "\r\n").encode("gb18030"))
with open("teachers_utf8_bom.csv", "wb") as f:
    f.write(("\ufeff" + "\r\n".join(lines).replace("刘洋", "刘阳").replace(rid("19870505", 91), rid("19870506", 93)).replace(rid("19930606", 102), rid("19930607", 104)) + "\r\n").encode("utf-8"))

# Schools.
wb = openpyxl.Workbook()
ws = wb.active
ws.append(["学校代码", "学校名称", "学区代码", "办学类型", "城乡类型", "在校生数", "寄宿制", "中心校", "标准化"])
ws.append(["S9001", "新建小学", "D1", "小学", "乡村", 320, "否", "否", "是"])
ws.append(["S9002", "新建九年一贯制学校", "D1", "九年一贯制", "镇区", 900, "是", "否", "是"])
wb.save("schools_good.xlsx")

# A PNG with a spreadsheet's name.
with open("picture.xlsx", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
print("fixtures written")

# School conditions (办学条件): one row per school and year, headers with their units as people write them.
COND = ["学校代码", "年度", "小学在校生数", "初中在校生数", "高中在校生数", "教学及辅助用房面积（平方米）", "体育运动场馆面积(平方米)",
        "教学仪器设备值(元)", "计算机台数", "图书册数", "网络多媒体教室数"]
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "办学条件"
ws.append(COND)
ws.append(["T0001", 2026, 200, 0, 0, 900.5, 1600, 500000, 20, 1000, 4])
ws.append(["T0002", 2026, 300, 100, 0, 1800, 3200, 1000000.25, 40, 1400, 8])
ws.append([])
ws.append(["T0003", 2025, 100, None, None, 450, 800, 250000, 10, 800, 2])
wb.save("conditions_good.xlsx")

wb = openpyxl.Workbook()
ws = wb.active
ws.append(COND)
ws.append(["T0001", 2026, -5, 0, 0, 900, 1600, 500000, 20, 1000, 4])      # negative students
ws.append(["T0001", 2026, 200, 0, 0, "九百", 1600, 500000, 20, 1000, 4])  # same school and year again, and text for an area
ws.append(["T9999", 2026, 200, 0, 0, 900, 1600, 500000, 20, 1000, 4])     # unknown school
ws.append(["T0003", 1990, 200, 0, 0, 900, 1600, 500000, 20, 1000, 4])     # year out of range
wb.save("conditions_bad.xlsx")

# The university's intern list (internship import): one good sheet, one with every kind of error.
INTERN_HEAD = ["学号", "姓名", "专业", "实习学科", "手机号", "志愿1", "志愿2", "志愿3", "小组"]
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "实习生名单"
ws.append(INTERN_HEAD)
ws.append(["20230101", "李思雨", "数学与应用数学", "数学", "13800001111", "T0001", "T0002", None, "第一组"])
ws.append(["20230102", "王浩然", "数学与应用数学", "数学", None, "T0001", None, None, "第一组"])
ws.append(["20230103", "张欣怡", "汉语言文学", "语文", None, "T0002", "T0001", None, None])
wb.save("interns_good.xlsx")

wb = openpyxl.Workbook()
ws = wb.active
ws.append(INTERN_HEAD)
ws.append(["20230201", "赵一", "数学与应用数学", "数学", "12345", "T0001", None, None, None])
ws.append(["20230201", "钱二", "汉语言文学", "书法", None, "T9999", None, None, "第九组"])
ws.append(["2023-0203", "", "", "语文", None, None, None, None, None])
wb.save("interns_bad.xlsx")

# The inspection's columns on the same sheet: class sizes (comma- or 、-separated) and the music
# and art rooms with their areas.
ROOMS = COND + ["小学各班人数", "初中各班人数", "音乐专用教室数", "音乐专用教室面积(平方米)", "美术专用教室数", "美术专用教室面积(平方米)"]
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "办学条件"
ws.append(ROOMS)
ws.append(["T0001", 2026, 130, 0, 0, 900, 1600, 500000, 20, 1000, 4, "46,44,40", None, 1, 100, 1, 92])
ws.append(["T0002", 2026, 80, 52, 0, 1800, 3200, 1000000, 40, 1400, 8, "40、40", "52", 1, 96, 1, 90])
wb.save("conditions_rooms.xlsx")

wb = openpyxl.Workbook()
ws = wb.active
ws.append(ROOMS)
ws.append(["T0001", 2026, 130, 0, 0, 900, 1600, 500000, 20, 1000, 4, "46,四十四", None, 1, 100, 1, 92])  # a class size in words
ws.append(["T0003", 2026, 60, 0, 0, 450, 800, 250000, 10, 800, 2, "30,30", None, 0, 80, 1, 90])          # an area without a room
ws.append(["T0002", 2026, 80, 52, 0, 1800, 3200, 1000000, 40, 1400, 8, "40,40", "200", 1, 96, 1, 90])   # a class of 200
wb.save("conditions_rooms_bad.xlsx")
