"""The quality-balance inspection as the bureau uses it: the demo county's readiness, a failing
indicator's schools, the self-evaluation report printed and downloaded as .docx (LibreOffice
opens it), and the satisfaction survey answered by code on a phone."""
import base64
import io
import pathlib
import re
import shutil
import subprocess
import tempfile
import unicodedata

import pypdf
import pytest
from selenium.webdriver.common.by import By

from test_libreoffice import browser_session
from test_phone import phone
from test_registry import login, wait

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def test_readiness_failing_schools_report_and_docx(server, browser, shot):
    login(browser, server, "admin")
    browser.get(server + "/inspection")
    wait(browser, "#readiness")
    verdict = browser.find_element(By.CSS_SELECTOR, "#readiness .stat-value").text
    met, total = [int(x) for x in re.findall(r"\d+", verdict)[:2]]
    assert total == 32 and 0 < met < 32
    rows = browser.find_elements(By.CSS_SELECTOR, "section[id^=aspect-] tbody tr")
    assert len(rows) == 32
    shot("inspection-readiness")
    # The rooms indicator fails in the demo: its schools are listed with what they lack.
    browser.find_element(By.CSS_SELECTOR, "#ind-G3 a[href*='/inspection/indicators/G3']").click()
    wait(browser, "#failing tbody tr")
    shortfalls = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#failing tbody tr")]
    assert any("缺音乐专用教室" in s or "缺美术专用教室" in s or "平均" in s for s in shortfalls)
    shot("inspection-g3")
    # A school's own page, from the list.
    browser.find_element(By.CSS_SELECTOR, "#failing tbody tr a").click()
    wait(browser, "#school-indicators")
    assert "未达标" in browser.find_element(By.ID, "school-indicators").text

    browser.get(server + "/inspection/report")
    wait(browser, "article.inspection-report")
    pdf = pypdf.PdfReader(io.BytesIO(base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})["data"])))
    # PDF text comes back with Kangxi radicals (⾃ for 自): NFKC folds them.
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in pdf.pages))
    assert "自评报告" in text and "一票否决" in text
    assert len(pdf.pages) >= 2

    opener = browser_session(server, "admin")
    res = opener.open(server + "/inspection/report?format=docx")
    assert res.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    data = res.read()
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed")
    out = pathlib.Path(tempfile.mkdtemp())
    (out / "report.docx").write_bytes(data)
    subprocess.run([SOFFICE, "--headless", "-env:UserInstallation=file://" + str(out / "profile"), "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(out), str(out / "report.docx")],
                   check=True, capture_output=True, timeout=180)
    txt = (out / "report.txt").read_text(encoding="utf-8")
    assert "县域义务教育优质均衡发展自评报告" in txt
    for name in ["每12个班级配备音乐、美术专用教室", "社会认可度（满意度调查）", "以考试方式招生"]:
        assert name in txt


def test_survey_round_codes_and_phone_answer(server, browser, shot):
    login(browser, server, "admin")
    browser.get(server + "/inspection/survey")
    wait(browser, "#open-round")
    form = browser.find_element(By.ID, "open-round")
    name = form.find_element(By.NAME, "name")
    name.clear()
    name.send_keys("浏览器测试调查")
    for g, n in [("parent", "1"), ("student", "0"), ("teacher", "0"), ("other", "0")]:
        f = form.find_element(By.NAME, "count_" + g)
        f.clear()
        f.send_keys(n)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, "#by-school")
    round_url = browser.current_url
    browser.find_element(By.CSS_SELECTOR, "#by-school a[href*='/codes?school=']").click()
    wait(browser, ".code-card")
    shot("inspection-codes")
    code = browser.find_element(By.CSS_SELECTOR, ".code-card .code").text.strip()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", code)

    # The parent answers on a phone, signed out.
    browser.delete_all_cookies()
    phone(browser, True)
    try:
        browser.get(server + "/survey/" + code)
        wait(browser, "article.survey fieldset")
        questions = browser.find_elements(By.CSS_SELECTOR, "article.survey fieldset")
        for i, q in enumerate(questions):
            if i == 1:
                continue
            q.find_elements(By.CSS_SELECTOR, "input[type=radio]")[0].click()
        browser.find_element(By.CSS_SELECTOR, "article.survey button[type=submit]").click()
        wait(browser, "fieldset.unanswered")
        assert browser.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
        shot("inspection-survey-phone-missing")
        browser.find_elements(By.CSS_SELECTOR, "article.survey fieldset")[1].find_elements(By.CSS_SELECTOR, "input[type=radio]")[1].click()
        browser.find_element(By.CSS_SELECTOR, "article.survey button[type=submit]").click()
        wait(browser, "#survey-message")
        assert "提交成功" in browser.find_element(By.ID, "survey-message").text
        browser.get(server + "/survey/" + code)
        wait(browser, "#survey-message")
        assert "只能填写一次" in browser.find_element(By.ID, "survey-message").text
    finally:
        phone(browser, False)
    login(browser, server, "admin")
    browser.get(round_url)
    wait(browser, "#by-group")
    assert "1 / " in browser.find_element(By.CSS_SELECTOR, ".stats .stat-value").text
