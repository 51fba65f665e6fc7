"""Counties under a city (issue 30), in the browser: a second server seeded with four counties of
邯郸 (`xuequ seed --scale city`). Two county bureaus each see only their own county; the city's
comparison agrees with each county's own dashboard and opens it read-only."""
import json
import subprocess
import tempfile
import urllib.request

import pytest
from selenium.webdriver.common.by import By

from conftest import BINARY, running_server, server_env
from test_balance import full_page, sign_in
from test_libreoffice import token
from test_registry import wait


@pytest.fixture(scope="module")
def city_server():
    data = tempfile.mkdtemp(prefix="xuequ-e2e-city-")
    subprocess.run([BINARY, "seed", "--scale", "city", "--data-dir", data], check=True, cwd="/", env=server_env(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with running_server(data) as url:
        yield url


def api(server, user, path):
    req = urllib.request.Request(server + path, headers={"Authorization": "Bearer " + token(server, user)})
    return json.load(urllib.request.urlopen(req))


def district_names(browser):
    return [h.text.split(" ")[0] for h in browser.find_elements(By.CSS_SELECTOR, "#district-list a.card h2")]


def test_two_bureaus_each_see_their_own_county(city_server, browser, shot):
    seen = {}
    for user, county in [("admin", "武安市"), ("admin-130402", "邯山区")]:
        sign_in(browser, city_server, user)
        assert county in browser.find_element(By.ID, "home-scope").text
        browser.get(city_server + "/districts")
        wait(browser, "#district-list a.card")
        names = district_names(browser)
        assert names and all(n.startswith(county) for n in names), names
        seen[user] = set(names)
        shot("county-districts-" + user)
        # Another county's school by its id: refused.
        other = api(city_server, "admin-130403", "/api/v1/schools?per=1")["items"][0]["id"]
        browser.get(city_server + "/schools/%d" % other)
        assert "403" in wait(browser, ".error-page h1").text
    assert not seen["admin"] & seen["admin-130402"]
    # Every module knows counties: balance, exchange, teaching research, internship, the
    # inspection, accounts and the log, the year summary and certification.
    sign_in(browser, city_server, "admin-130402")
    menu = browser.find_element(By.ID, "main-nav").text
    for entry in ["均衡监测", "交流轮岗", "教研备课", "教育实习", "督导评估", "年度总结", "账户", "审计日志", "教师资格认定"]:
        assert entry in menu, (entry, menu)
    # It certifies through its own county's body: its windows are its body's, no other county's.
    browser.get(city_server + "/certification/windows")
    windows = wait(browser, "main").text
    assert "邯山区教育局" in windows and "武安市教育局" not in windows and "丛台区教育局" not in windows, windows
    shot("county-cert-windows-admin-130402")
    # Its training hours are its county's: each district it counts is its own.
    browser.get(city_server + "/teaching/training/hours")
    districts = [r.find_elements(By.TAG_NAME, "td")[0].text for r in browser.find_elements(By.CSS_SELECTOR, "#short-by-district tbody tr")]
    assert districts and set(districts) <= seen["admin-130402"], districts
    shot("county-hours-admin-130402")
    # Its accounts are its county's: none of another county's bureau.
    browser.get(city_server + "/admin/users")
    users = wait(browser, "#user-list").text
    assert "admin-130402" in users and "admin-130403" not in users and "admin-130481" not in users
    # Its inspection is its county's: every school it lists is in one of its own districts.
    browser.get(city_server + "/inspection/schools")
    listed = wait(browser, "#inspection-schools").text
    other = [r["name"] for r in api(city_server, "admin-130403", "/api/v1/schools?per=5")["items"]]
    assert listed and not any(n in listed for n in other), other
    shot("county-inspection-schools-admin-130402")
    # Its exchange page is its county's: every district it lists against the quota is its own.
    browser.get(city_server + "/exchange")
    quotas = [r.find_elements(By.TAG_NAME, "td")[0].text for r in browser.find_elements(By.CSS_SELECTOR, "#quotas tbody tr")]
    assert quotas and set(quotas) <= seen["admin-130402"], quotas
    shot("county-exchange-admin-130402")


def test_city_compares_its_counties(city_server, browser, shot):
    sign_in(browser, city_server, "city")
    assert "邯郸市" in browser.find_element(By.ID, "home-scope").text
    browser.find_element(By.LINK_TEXT, "各县对比").click()
    rows = wait(browser, "#counties-table tbody") and browser.find_elements(By.CSS_SELECTOR, "#counties-table tbody tr")
    assert [r.get_attribute("data-county") for r in rows] == ["130402", "130403", "130404", "130481"]
    full_page(browser, shot, "city-counties")
    # Each row is the county's own dashboard: the bureau's coefficients, to three places.
    api_items = {i["county"]["code"]: i for i in api(city_server, "city", "/api/v1/balance/counties?standard=basic&stage=primary")["items"]}
    own = api(city_server, "admin-130402", "/api/v1/balance?standard=basic&stage=primary")
    assert [c["value"] for c in api_items["130402"]["coefficients"]] == [c["value"] for c in own["coefficients"]]
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "tr[data-county='130402'] td.num")][2:2 + len(own["coefficients"])]
    assert cells == ["%.3f" % c["value"] for c in own["coefficients"]]
    # Open the county: its dashboard, read-only (no what-if, no entering figures).
    browser.find_element(By.LINK_TEXT, "邯山区").click()
    wait(browser, "#coefficient-chart svg")
    assert "邯山区" in browser.find_element(By.ID, "balance-heading").text
    assert browser.find_element(By.ID, "composite").text == "%.3f" % own["composite"]
    tabs = browser.find_element(By.CSS_SELECTOR, "nav.tabs").text
    assert "模拟测算" not in tabs and "公平指标" not in tabs
    shot("city-county-dashboard")
    # Printed, the comparison is one landscape sheet.
    browser.get(city_server + "/balance/counties?standard=quality&stage=junior&sort=worst")
    wait(browser, "#counties-table")
    pdf = browser.print_page()
    assert len(pdf) > 1000


def test_teacher_moves_between_counties(city_server, browser, shot):
    """丛台区 releases a teacher to 邯山区 from the teacher's page; 邯山区's bureau finds it on its
    home page, places the teacher in one of its schools, and both keep the record."""
    teacher = api(city_server, "admin-130403", "/api/v1/teachers?per=1")["items"][0]
    sign_in(browser, city_server, "admin-130403")
    browser.get(city_server + "/teachers/%d" % teacher["id"])
    browser.find_element(By.ID, "county-out-link").click()
    form = wait(browser, "#county-out-form")
    for option in form.find_elements(By.CSS_SELECTOR, "select[name=toCounty] option"):
        if option.text.endswith("邯山区"):
            option.click()
    form.find_element(By.NAME, "reason").send_keys("夫妻两地分居")
    browser.find_element(By.ID, "county-out-submit").click()
    row = wait(browser, "#county-transfers tbody tr[data-direction=out]")
    assert teacher["name"] in row.text and "待接收" in row.text
    shot("county-transfer-released")

    sign_in(browser, city_server, "admin-130402")
    browser.find_element(By.PARTIAL_LINK_TEXT, "名教师待调入本县").click()
    wait(browser, "#county-transfers tr.row-actions select[name=toSchoolId]")
    school = browser.find_elements(By.CSS_SELECTOR, "tr.row-actions select[name=toSchoolId] option")[1]
    school_name, school_id = school.text.split(" ", 1)[1].split("（")[0], int(school.get_attribute("value"))
    school.click()
    browser.find_element(By.CSS_SELECTOR, "tr.row-actions button.primary").click()
    row = wait(browser, "#county-transfers tbody tr[data-direction=in]")
    assert "已调入" in row.text and school_name in row.text
    shot("county-transfer-received")
    # The teacher is 邯山区's now, and 丛台区 no longer reads them but keeps the record.
    mine = api(city_server, "admin-130402", "/api/v1/teachers/%d" % teacher["id"])
    assert mine["schoolId"] == school_id
    kept = api(city_server, "admin-130403", "/api/v1/county-transfers")["items"]
    assert kept[0]["status"] == "accepted" and kept[0]["teacherName"] == teacher["name"]
