"""Teacher certification in the browser: the applicant's checklist, a reviewer taking an application
through to the public notice, the public notice without full IDs, and the certificate check."""
import base64
import io
import os
import re
import tempfile

import pypdf
import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from test_balance import api, full_page, sign_in
from test_registry import wait


WORK = tempfile.mkdtemp(prefix="xuequ-e2e-docs-")


def pdf_file(browser, name):
    """A real PDF: the current page printed by Chromium (CDP Page.printToPDF)."""
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(base64.b64decode(browser.print_page()))
    return path


def png_file(browser, name):
    """A real PNG: a screenshot of the current page."""
    path = os.path.join(WORK, name)
    browser.save_screenshot(path)
    return path


def upload(browser, kind, path):
    row = browser.find_element(By.ID, "doc-" + kind)
    row.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(path)
    # The old page (with the previous upload's flash) must be gone before the flash is read.
    browser.execute_script("document.documentElement.dataset.before = '1'")
    row.find_element(By.ID, "upload-" + kind).click()
    WebDriverWait(browser, 20, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return document.readyState === 'complete' && !document.documentElement.dataset.before"))
    wait(browser, ".flash.ok")


def resident_id(head17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return head17 + "10X98765432"[sum(int(c) * w for c, w in zip(head17, weights)) % 11]


def sign_in_with(browser, server, user, password):
    browser.delete_all_cookies()
    browser.get(server + "/login")
    browser.find_element(By.ID, "username").send_keys(user)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "login-submit").click()
    wait(browser, "#logout")


def act(browser, event, **fields):
    """Sends one event from an application's page (accepting the confirmation of danger buttons)."""
    form = wait(browser, "#event-" + event).find_element(By.XPATH, "./ancestor::form")
    for name, value in fields.items():
        el = form.find_element(By.NAME, name)
        if el.tag_name == "select":
            Select(el).select_by_value(value)
        else:
            el.send_keys(value)
    confirm = form.get_attribute("data-confirm")
    # Mark this page: the answer is read only once a new page (without the mark) has loaded,
    # since the old one may carry a flash of its own.
    browser.execute_script("document.documentElement.dataset.before = '1'")
    browser.find_element(By.ID, "event-" + event).click()
    if confirm:
        browser.switch_to.alert.accept()
    WebDriverWait(browser, 20, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return document.readyState === 'complete' && !document.documentElement.dataset.before"))
    wait(browser, ".flash.ok")
    return browser.find_element(By.ID, "app-state").text


def record_physical(browser, result="pass"):
    """The body enters the physical examination's result from the hospital's report."""
    form = wait(browser, "#physical-form")
    Select(form.find_element(By.NAME, "physicalExam")).select_by_value(result)
    browser.execute_script("document.documentElement.dataset.before = '1'")
    form.find_element(By.ID, "physical-submit").click()
    WebDriverWait(browser, 20, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return document.readyState === 'complete' && !document.documentElement.dataset.before"))
    wait(browser, ".flash.ok")


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
    # 补正: the hospital's report arrived. The result is not hers to declare: her form says the
    # body enters it; she uploads the report (a real PDF, printed by Chromium) and resubmits.
    app_url = browser.current_url
    browser.find_element(By.ID, "edit-link").click()
    wait(browser, "#physical-note")
    assert not browser.find_elements(By.CSS_SELECTOR, "#apply-form select[name=physicalExam]")
    browser.get(app_url)
    wait(browser, "#checklist")
    assert "缺少材料：指定医院体检表" in browser.find_element(By.ID, "checklist").text
    assert "未上传" in browser.find_element(By.ID, "doc-physical_exam").text
    upload(browser, "physical_exam", pdf_file(browser, "体检表.pdf"))
    checklist = browser.find_element(By.ID, "checklist").text
    assert "缺少材料" not in checklist and "体检" in checklist, "the result is still the body's to enter"
    assert not browser.find_elements(By.ID, "physical-form"), "an applicant has no form for it"
    assert "体检表.pdf" in browser.find_element(By.ID, "doc-physical_exam").text
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
    assert act(browser, "accept") == "审核中"
    assert re.match(r"受理：\S+ 小学教师资格", browser.find_element(By.CSS_SELECTOR, ".flash.ok").text), "the flash says what happened to whom"
    record_physical(browser)
    assert act(browser, "approve") == "已通过"
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
    Select(form.find_element(By.NAME, "entry")).select_by_index(1)
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
    # As in the seed's year, a few accepted applications' folders never reached the office: named here.
    archive = browser.find_element(By.ID, "archive").text
    assert "缺少档案袋的申请" in archive and len(archive.split("：", 1)[1].split("\n")[0].split("、")) == 5
    shot("cert_statistics")


# One application of each type, each through the browser by the people who do it in life: the
# applicant registers, applies and uploads; the county reviewer accepts and decides types 1–3 or
# forwards 4–6; the panel's experts score the ability test; the prefecture decides 4–6; both
# bodies publish their notices. (type, route, subject, education, Putonghua, how it ends)
JOURNEYS = [
    ("kindergarten", "national_exam", "preschool", "junior_college", "3A", "rejected"),
    ("primary", "national_exam", "math", "junior_college", "2B", "approved"),
    ("junior", "two_exams", "chinese", "bachelor", "2A", "approved"),
    ("senior", "national_exam", "physics", "bachelor", "2B", "approved"),
    ("vocational", "national_exam", "it", "bachelor", "2B", "approved"),
    ("vocational_practice", "national_exam", "other", "secondary", "2B", "approved"),
]


def test_each_type_through_the_browser(server, browser, shot):
    browser.get(server + "/verify")
    scan, photo = pdf_file(browser, "scan.pdf"), png_file(browser, "photo.png")
    ids = {}
    for n, (ctype, route, subject, education, putonghua, _) in enumerate(JOURNEYS):
        rid = resident_id("13048119960%d%02d03%d" % (n + 1, 10 + n, n))
        password = "pass-word-%d-ok" % n
        browser.delete_all_cookies()
        browser.get(server + "/register")
        form = wait(browser, "#register-form")
        for name, value in [("name", "申请人%s" % "甲乙丙丁戊己"[n]), ("residentId", rid), ("phone", "1390000000%d" % n),
                            ("password", password), ("confirm", password)]:
            form.find_element(By.NAME, name).send_keys(value)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(browser, "#login-submit")
        sign_in_with(browser, server, rid, password)
        browser.get(server + "/certification/apply")
        form = wait(browser, "#apply-form")
        form.find_element(By.NAME, "residentId").send_keys(rid)
        for name, value in [("type", ctype), ("subject", subject), ("education", education), ("putonghua", putonghua), ("route", route)]:
            Select(form.find_element(By.NAME, name)).select_by_value(value)
        form.find_element(By.NAME, "examPassedOn").send_keys("2025-06-20")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(browser, "#documents")
        ids[ctype] = int(browser.current_url.rstrip("/").split("/")[-1])
        assert "缺少材料" in browser.find_element(By.ID, "checklist").text
        for kind in ["id_card", "degree", "putonghua", "exam_pass", "physical_exam", "photo", "commitment"]:
            upload(browser, kind, photo if kind == "photo" else scan)
        if ctype == "primary":
            full_page(browser, shot, "cert_documents")
        assert "缺少材料" not in browser.find_element(By.ID, "checklist").text
        assert act(browser, "submit") == "已提交"

    # The county: accept everything; the ability test for the two-exams applicant.
    sign_in(browser, server, "reviewer")
    for ctype, route, *_ in JOURNEYS:
        browser.get(server + "/certification/applications/%d" % ids[ctype])
        assert act(browser, "accept") == ("待能力测试" if route == "two_exams" else "审核中")
    junior = server + "/certification/applications/%d" % ids["junior"]
    for user, score in [("reviewer", "82"), ("expert1", "78"), ("expert2", "85")]:
        sign_in(browser, server, user)
        browser.get(junior)
        if user != "reviewer":
            assert "评委评分" in browser.find_element(By.ID, "panel-sealed").text, "an expert scores before seeing the others"
        box = wait(browser, "#score-form input[name=score]")
        box.clear()
        box.send_keys(score)
        browser.find_element(By.ID, "score-submit").click()
        wait(browser, ".flash.ok")
        if user == "reviewer":
            # One of three has scored: no mean yet, only how many have.
            assert not browser.find_elements(By.ID, "panel-mean")
            assert "满 3 人后显示平均分" in browser.find_element(By.ID, "panel-progress").text
    assert browser.find_element(By.ID, "panel-mean").text == "81.7"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#panel-scores tbody tr")) == 3
    full_page(browser, shot, "cert_panel")
    sign_in(browser, server, "reviewer")
    browser.get(junior)
    assert act(browser, "score_ability_test") == "审核中"
    for ctype, *_ , outcome in JOURNEYS:
        browser.get(server + "/certification/applications/%d" % ids[ctype])
        record_physical(browser)
        if outcome == "rejected":
            assert "普通话" in browser.find_element(By.ID, "checklist").text
            assert act(browser, "reject", reason="putonghua_below_minimum") == "未通过"
        elif ctype in ("senior", "vocational", "vocational_practice"):
            assert not browser.find_elements(By.ID, "event-approve"), "the county does not decide types 4–6"
            assert act(browser, "forward") == "已报送市(州)"
        else:
            assert act(browser, "approve") == "已通过"

    # The prefecture decides what was forwarded, then both bodies publish their decisions.
    sign_in(browser, server, "prefecture")
    for ctype in ("senior", "vocational", "vocational_practice"):
        browser.get(server + "/certification/applications/%d" % ids[ctype])
        assert act(browser, "approve") == "已通过"
    for user, mine in [("prefecture", ("senior", "vocational", "vocational_practice")), ("reviewer", ("primary", "junior"))]:
        sign_in(browser, server, user)
        browser.get(server + "/certification?state=approved")
        wait(browser, "#notice-form")
        for ctype in mine:
            browser.find_element(By.CSS_SELECTOR, "#cert-list input[value='%d']" % ids[ctype]).click()
        browser.find_element(By.ID, "notice-submit").click()
        rows = wait(browser, "#notice-table").text
        assert len(browser.find_elements(By.CSS_SELECTOR, "#notice-table tbody tr")) == len(mine)
        assert not re.search(r"\d{17}[\dX]", rows)

    # Before the period ends, no certificate: the rule is enforced on the page too.
    browser.get(server + "/certification/applications/%d" % ids["primary"])
    assert browser.find_element(By.ID, "app-state").text == "公示中"
    assert not browser.find_elements(By.ID, "event-issue_certificate"), "no certificate button while the notice runs"
    assert "公示期至" in browser.find_element(By.TAG_NAME, "main").text

    # Applications whose notice ran out last week (demo data): the county and the prefecture issue.
    for user, type_label in [("reviewer", "小学教师资格"), ("prefecture", "高级中学教师资格")]:
        sign_in(browser, server, user)
        browser.get(server + "/certification?state=noticed")
        wait(browser, "#cert-list")
        links = [a.get_attribute("href") for r in browser.find_elements(By.CSS_SELECTOR, "#cert-list tbody tr") if type_label in r.text
                 for a in r.find_elements(By.TAG_NAME, "a")]
        ready = [h for h in links if int(h.split("/")[-1]) not in ids.values()]
        assert ready, "a demo application past its notice period"
        browser.get(ready[0])
        assert act(browser, "issue_certificate") == "已发证"
        browser.find_element(By.ID, "certificate-link").click()
        number = wait(browser, "#certificate-number").text
        holder = browser.find_element(By.ID, "certificate-name").text
        assert re.fullmatch(r"\d{17}", number)
        # The national form's fields, one date style, the photo box, and a QR code of the check's address.
        card = browser.find_element(By.ID, "certificate").text
        for field in ["身份证件类型", "身份证件号码", "出生日期", "资格种类", "任教学科", "证书号码", "发证机关", "颁发日期"]:
            assert field in card, field
        assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", browser.find_element(By.ID, "certificate-date").text)
        assert browser.find_elements(By.CSS_SELECTOR, "#certificate-qr svg.qr path")
        verify_url = browser.find_element(By.CSS_SELECTOR, ".cert-note .code").text
        assert verify_url.endswith("/verify?number=" + number)
        shot("cert_certificate_" + user)
        pdf = pypdf.PdfReader(io.BytesIO(base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})["data"])))
        assert len(pdf.pages) == 1, "the certificate is one sheet"
        assert number in pdf.pages[0].extract_text()
        # Scanning the code opens the check with the number filled in; the holder's name completes it.
        browser.delete_all_cookies()
        browser.get(verify_url)
        assert browser.find_element(By.NAME, "number").get_attribute("value") == number
        assert not browser.find_elements(By.ID, "verify-result"), "no answer on the number alone"
        browser.find_element(By.NAME, "name").send_keys(holder)
        browser.find_element(By.CSS_SELECTOR, "#verify-form button").click()
        assert "证书有效" in wait(browser, "#verify-result").text

    # The applicants see where they stand.
    states = {c: api(server, "reviewer", "/api/v1/certification/applications/%d" % i)["state"] for c, i in ids.items()}
    assert states == {"kindergarten": "rejected", "primary": "noticed", "junior": "noticed", "senior": "noticed", "vocational": "noticed", "vocational_practice": "noticed"}


def test_bureau_edits_the_rules(server, browser, shot):
    sign_in(browser, server, "admin")
    browser.get(server + "/certification/rules")
    form = wait(browser, "#rules-form")
    Select(form.find_element(By.NAME, "education_primary")).select_by_value("junior_college")
    mark = form.find_element(By.NAME, "abilityPassMark")
    mark.clear()
    mark.send_keys("120")
    form.find_element(By.NAME, "note").send_keys("本省小学教师资格学历要求提高至专科")
    browser.find_element(By.ID, "rules-save").click()
    assert "合格线应在0到100之间" in wait(browser, ".field-error").text
    mark = browser.find_element(By.NAME, "abilityPassMark")
    mark.clear()
    mark.send_keys("60")
    browser.find_element(By.ID, "rules-save").click()
    wait(browser, ".flash.ok")
    assert "本省小学教师资格学历要求提高至专科" in browser.find_element(By.ID, "rules-versions").text
    primary = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#rules-current tr") if "小学教师资格" in r.text]
    assert primary and "专科" in primary[0]
    full_page(browser, shot, "cert_rules")


def test_bureau_opens_a_window(server, browser, shot):
    sign_in(browser, server, "admin")
    browser.get(server + "/certification")
    wait(browser, "#windows-link").click()
    form = wait(browser, "#window-form")
    form.find_element(By.NAME, "name").send_keys("2027年春季")
    form.find_element(By.NAME, "opensOn").send_keys("2027-03-01")
    form.find_element(By.NAME, "closesOn").send_keys("2027-02-01")
    browser.find_element(By.ID, "window-save").click()
    assert "截止日期不能早于开始日期" in wait(browser, ".field-error").text
    closes = browser.find_element(By.NAME, "closesOn")
    closes.clear()
    closes.send_keys("2027-04-15")
    for box in browser.find_elements(By.CSS_SELECTOR, "#window-form input[type=checkbox]"):
        if box.get_attribute("value") in ("senior", "vocational", "vocational_practice"):
            box.click()
    browser.find_element(By.ID, "window-save").click()
    wait(browser, ".flash.ok")
    row = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#window-list tbody tr") if "2027年春季" in r.text]
    assert row and "未开始" in row[0] and "小学教师资格" in row[0] and "高级中学" not in row[0]
    full_page(browser, shot, "cert_windows")
