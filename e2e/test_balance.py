"""Balance monitoring in the browser: the bureau's dashboard, a what-if trial, a district's view,
equity and student aid, and the inspection sheet opened in LibreOffice."""
import json
import pathlib
import tempfile
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from test_libreoffice import SOFFICE, browser_session, convert, token
from test_registry import switch_language, wait


@pytest.fixture(autouse=True)
def signed_out_after(browser):
    """Each test here signs in as it needs; the next test file starts signed out."""
    yield
    browser.delete_all_cookies()


def sign_in(browser, server, user):
    browser.delete_all_cookies()
    browser.get(server + "/login")
    browser.find_element(By.ID, "username").send_keys(user)
    browser.find_element(By.ID, "password").send_keys("xuequ-demo")
    browser.find_element(By.ID, "login-submit").click()
    wait(browser, "#logout")


def api(server, user, path):
    req = urllib.request.Request(server + path, headers={"Authorization": "Bearer " + token(server, user)})
    return json.load(urllib.request.urlopen(req))


def full_page(browser, shot, name):
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1280, min(max(height, 900), 5000))
    shot(name)
    browser.set_window_size(1280, 900)


def test_bureau_dashboard_matches_the_api(server, browser, shot):
    sign_in(browser, server, "admin")
    browser.find_element(By.LINK_TEXT, "均衡监测").click()
    wait(browser, "#coefficient-chart svg")
    county = api(server, "admin", "/api/v1/balance?standard=basic&stage=primary")
    assert browser.find_element(By.ID, "composite").text == "%.3f" % county["composite"]
    assert browser.find_element(By.ID, "verdict").text.startswith("达标" if county["pass"] else "未达标")
    # The demo holds three years: the trend is drawn.
    assert browser.find_elements(By.CSS_SELECTOR, "#trend-chart circle")
    rows = browser.find_elements(By.CSS_SELECTOR, "#coefficients tbody tr")
    assert [r.get_attribute("data-indicator") for r in rows] == [c["indicator"] for c in county["coefficients"]]
    full_page(browser, shot, "balance_dashboard")

    # Switch to the quality standard: the select submits by itself.
    Select(browser.find_element(By.NAME, "standard")).select_by_value("quality")
    wait(browser, "#below-count")
    quality = api(server, "admin", "/api/v1/balance?standard=quality&stage=primary")
    assert browser.find_element(By.ID, "below-count").text == str(len(quality["schoolsBelowStandard"]))
    full_page(browser, shot, "balance_quality")

    # The school that widens the gap most: its own page, values against the standard.
    browser.find_element(By.CSS_SELECTOR, "#ranking-table tbody tr a").click()
    wait(browser, ".quality-table")
    assert "均衡指标" in browser.title
    shot("balance_school")


def test_what_if_trial(server, browser, shot):
    sign_in(browser, server, "admin")
    browser.get(server + "/balance/whatif")
    Select(browser.find_element(By.NAME, "from")).select_by_index(1)
    wait(browser, "#add-move input[name=teacher]")
    boxes = browser.find_elements(By.CSS_SELECTOR, "#add-move input[name=teacher]")
    boxes[0].click()
    boxes[1].click()
    Select(browser.find_element(By.CSS_SELECTOR, "#add-move select[name=to]")).select_by_index(5)
    browser.find_element(By.CSS_SELECTOR, "#add-move button[type=submit]").click()
    wait(browser, "#results")
    assert len(browser.find_elements(By.CSS_SELECTOR, "ul.changes li")) == 2
    # Add floor area to a school: a third change, and the results update.
    Select(browser.find_element(By.CSS_SELECTOR, "#add-facility select[name=fschool]")).select_by_index(3)
    browser.find_element(By.CSS_SELECTOR, "#add-facility input[name=amount]").send_keys("5000")
    old_results = browser.find_element(By.ID, "results")
    browser.find_element(By.CSS_SELECTOR, "#add-facility button[type=submit]").click()
    # The posted form answers with a new page: wait for the old results to go, not for any #results
    # (the old page's would do, and the count was read before the answer came).
    WebDriverWait(browser, 20).until(EC.staleness_of(old_results))
    wait(browser, "#results")
    assert len(browser.find_elements(By.CSS_SELECTOR, "ul.changes li")) == 3
    deltas = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#results td.delta")]
    assert any(d not in ("0", "") for d in deltas), "a trial that changes nothing"
    full_page(browser, shot, "balance_whatif")
    # Nothing was saved: the dashboard's numbers are today's.
    before = api(server, "admin", "/api/v1/balance?standard=basic&stage=primary")
    old_results = browser.find_element(By.ID, "results")
    browser.find_element(By.CSS_SELECTOR, "ul.changes li a").click()
    WebDriverWait(browser, 20).until(EC.staleness_of(old_results))
    wait(browser, "ul.changes")
    assert len(browser.find_elements(By.CSS_SELECTOR, "ul.changes li")) == 2
    assert api(server, "admin", "/api/v1/balance?standard=basic&stage=primary") == before


def test_district_view_equity_and_aid(server, browser, shot):
    sign_in(browser, server, "district1")
    browser.get(server + "/balance")
    wait(browser, "#ranking-table")
    districts = {td.text for td in browser.find_elements(By.CSS_SELECTOR, "#ranking-table tbody td:nth-child(3)")}
    assert len(districts) == 1, "a district admin sees only the own district's schools"
    assert next(iter(districts)) in browser.find_element(By.ID, "balance-heading").text
    shot("balance_district")
    browser.get(server + "/balance/equity")
    wait(browser, "#eq-preschool_gross")
    assert "92.05%" in browser.find_element(By.ID, "eq-preschool_gross").text
    assert not browser.find_elements(By.CSS_SELECTOR, "#equity-form input[name$=_numerator]"), "district admins read equity figures, the bureau enters them"
    shot("balance_equity")

    sign_in(browser, server, "school1")
    browser.get(server + "/balance/aid")
    code = browser.find_element(By.CSS_SELECTOR, "#aid-schools option").get_attribute("value")
    form = browser.find_element(By.ID, "aid-form")
    form.find_element(By.NAME, "schoolCode").send_keys(code)
    form.find_element(By.NAME, "studentName").send_keys("赵小满")
    form.find_element(By.NAME, "residentId").send_keys("110105201506010024")
    form.find_element(By.NAME, "amount").send_keys("1000")
    Select(form.find_element(By.NAME, "stage")).select_by_value("primary")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, ".flash.ok")
    assert "赵小满" in browser.find_element(By.ID, "aid-table").text
    sign_in(browser, server, "admin")
    browser.get(server + "/balance/aid?year=")
    table = browser.find_element(By.ID, "aid-table").text
    assert "赵小满" not in table and "110105201506010024" not in table
    assert "赵**" in table
    full_page(browser, shot, "balance_aid")

    # English on request.
    switch_language(browser, "en")
    try:
        browser.get(server + "/balance")
        wait(browser, "#coefficients")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Balance monitoring"
        shot("balance_en")
    finally:
        # The language is kept on the account: put it back for the tests that follow.
        switch_language(browser, "zh-CN")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (CI installs libreoffice-calc-nogui)")
def test_inspection_sheet_opens_in_libreoffice(server):
    out = pathlib.Path(tempfile.mkdtemp())
    opener = browser_session(server, "admin")
    data = opener.open(server + "/balance/sheet/export?standard=basic&stage=junior&district=0").read()
    path = out / "sheet.xlsx"
    path.write_bytes(data)
    lines = [l.split(",") for l in convert(path, "csv", out).read_text(encoding="utf-8").splitlines()]
    assert lines[0][:5] == ["序号", "学校代码", "学校名称", "学区", "在校生数"]
    county = api(server, "admin", "/api/v1/balance?standard=basic&stage=junior")
    schools = [l for l in lines[1:] if len(l) > 1 and l[1]]
    assert len(schools) == county["schools"]
    cv = next(l for l in lines if len(l) > 2 and l[2] == "差异系数 CV")
    # LibreOffice reads the cells as numbers; they are the API's coefficients.
    assert [float(x) for x in cv[5:13]] == [c["value"] for c in county["coefficients"]]
