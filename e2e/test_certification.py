"""Teacher certification in the browser: the applicant's checklist, a reviewer taking an application
through to the public notice, the public notice without full IDs, and the certificate check."""
import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from test_balance import api, full_page, sign_in
from test_registry import wait


@pytest.fixture(autouse=True)
def signed_out_after(browser):
    yield
    browser.delete_all_cookies()


def test_applicant_sees_what_is_missing(server, browser, shot):
    sign_in(browser, server, "applicant1")
    browser.find_element(By.LINK_TEXT, "教师资格认定").click()
    wait(browser, "#cert-list")
    browser.find_element(By.CSS_SELECTOR, "#cert-list tbody a").click()
    wait(browser, "#checklist")
    assert "体检" in browser.find_element(By.ID, "checklist").text
    assert browser.find_element(By.ID, "correction-due").text.startswith("请在")
    full_page(browser, shot, "cert_applicant")
    # 补正: the hospital's result arrived; the checklist clears, and the application goes back in.
    browser.find_element(By.ID, "edit-link").click()
    Select(wait(browser, "#apply-form select[name=physicalExam]")).select_by_value("pass")
    browser.find_element(By.CSS_SELECTOR, "#apply-form button[type=submit]").click()
    wait(browser, ".flash.ok")
    assert "各项条件均已满足" in browser.find_element(By.ID, "checklist").text
    browser.find_element(By.ID, "event-submit").click()
    wait(browser, ".flash.ok")
    assert browser.find_element(By.ID, "app-state").text == "已提交"


def test_reviewer_to_notice_and_public_pages(server, browser, shot):
    sign_in(browser, server, "reviewer")
    browser.get(server + "/certification?state=submitted")
    wait(browser, "#cert-list")
    # A primary application: accept, then approve.
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "#cert-list tbody tr") if "小学教师资格" in r.text)
    row.find_element(By.TAG_NAME, "a").click()
    wait(browser, "#event-accept").click()
    wait(browser, ".flash.ok")
    assert browser.find_element(By.ID, "app-state").text == "审核中"
    browser.find_element(By.ID, "event-approve").click()
    wait(browser, ".flash.ok")
    assert browser.find_element(By.ID, "app-state").text == "已通过"
    timeline = browser.find_element(By.ID, "timeline").text
    assert "已提交 → 审核中" in timeline and "审核中 → 已通过" in timeline
    full_page(browser, shot, "cert_detail")

    # Publish every approved application of the window.
    browser.get(server + "/certification?state=approved")
    wait(browser, "#notice-form")
    boxes = browser.find_elements(By.CSS_SELECTOR, "#cert-list input[type=checkbox]")
    assert len(boxes) >= 3
    for b in boxes:
        b.click()
    browser.find_element(By.ID, "notice-submit").click()
    wait(browser, "#notice-table")
    notice_url = browser.current_url
    shot("cert_notice")

    # The public: no sign-in, masked IDs, an objection form.
    browser.delete_all_cookies()
    browser.get(notice_url)
    table = browser.find_element(By.ID, "notice-table").text
    assert not re.search(r"\d{17}[\dX]", table), "a full resident ID on a public page"
    assert "*" in table
    form = browser.find_element(By.ID, "objection-form")
    form.find_element(By.NAME, "filedBy").send_keys("李某")
    form.find_element(By.NAME, "contact").send_keys("13900000000")
    form.find_element(By.NAME, "text").send_keys("名单中有人学历证书存疑，请核查。")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, "#objection-filed")

    # Verify a certificate of the closed window.
    number = api(server, "reviewer", "/api/v1/certificates")["items"][0]
    browser.get(server + "/verify")
    browser.find_element(By.NAME, "number").send_keys(number["number"])
    browser.find_element(By.NAME, "name").send_keys(number["name"])
    browser.find_element(By.CSS_SELECTOR, "#verify-form button").click()
    wait(browser, "#verify-result")
    assert "证书有效" in browser.find_element(By.ID, "verify-result").text
    shot("cert_verify")


def test_statistics_match_the_seed(server, browser, shot):
    sign_in(browser, server, "reviewer")
    windows = api(server, "reviewer", "/api/v1/certification/windows")["items"]
    closed = min(windows, key=lambda w: w["closesOn"])
    browser.get(server + "/certification/statistics?window=%d" % closed["id"])
    wait(browser, "#applied")
    assert browser.find_element(By.ID, "applied").text == "82"
    assert browser.find_element(By.ID, "certified").text == "42"
    assert "没有差异" in browser.find_element(By.ID, "archive").text
    shot("cert_statistics")
