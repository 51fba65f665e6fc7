"""The year's work summary as the bureau writes it: this year's figures from live data (the
seed's 12 districts, 348 schools, 82 applied and 42 certified as 12/22/3/5, the equity rates), a
sentence edited, finalised, printed, downloaded as .docx (LibreOffice opens it) and .xlsx; a
district's summary holds only its district; the command writes the same document."""
import base64
import io
import os
import pathlib
import shutil
import subprocess
import tempfile
import unicodedata

import openpyxl
import pypdf
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from test_commands import run
from test_libreoffice import browser_session
from test_registry import login, wait

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def docx_text(data, out):
    path = out / "summary.docx"
    path.write_bytes(data)
    subprocess.run([SOFFICE, "--headless", "-env:UserInstallation=file://" + str(out / "profile"), "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180)
    return (out / "summary.txt").read_text(encoding="utf-8")


def test_summary_edit_finalise_print_and_files(server, browser, shot):
    login(browser, server, "admin")
    browser.get(server + "/reports/summary")
    wait(browser, "#sec-certification")
    page = browser.find_element(By.CSS_SELECTOR, "article.summary").text
    # The seed's own figures, reproduced from the demo's data.
    assert "设立12个学区" in page
    assert "年末有学校348所" in page
    assert "申请82人，认定通过42人" in page
    assert "小学教师资格12人、初级中学教师资格22人、高级中学教师资格3人、中等职业学校教师资格5人" in page
    assert "学前三年毛入园率92.05%" in page and "高中阶段毛入学率86.20%" in page and "三类残疾儿童少年入学率93.82%" in page
    shot("reports-summary")

    # Edit a sentence of the first section.
    section = browser.find_element(By.ID, "sec-system")
    section.find_element(By.TAG_NAME, "summary").click()
    area = section.find_element(By.NAME, "text")
    area.clear()
    area.send_keys("全市共设{districts}个学区，学区中心校{centralSchools}所，统一管理区域内教育教学工作。")
    section.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, ".flash.ok")
    assert "全市共设12个学区，学区中心校12所" in browser.find_element(By.ID, "sec-system").text

    # Finalise (the confirmation accepted): the edit forms go away.
    button = browser.find_element(By.ID, "finalise")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    browser.switch_to.alert.accept()
    wait(browser, "#final-note")
    assert not browser.find_elements(By.CSS_SELECTOR, "#sec-system textarea")

    pdf = pypdf.PdfReader(io.BytesIO(base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})["data"])))
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in pdf.pages))
    assert "全市共设12个学区" in text and "教师资格认定" in text

    opener = browser_session(server, "admin")
    data = opener.open(server + "/reports/summary?year=2026&format=docx").read()
    xlsx = opener.open(server + "/reports/summary?year=2026&format=xlsx").read()
    rows = [[c for c in r if c is not None] for r in openpyxl.load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True)]
    assert any(r and r[0] == "合计" for r in rows)
    assert any(r[:3] == ["2026年春季", "82", "42"] for r in rows), "the spring window's row"
    if SOFFICE:
        out = pathlib.Path(tempfile.mkdtemp())
        txt = docx_text(data, out)
        assert "全市共设12个学区" in txt and "2026年度教育工作总结" in txt

    # The command writes the same document (the finalised text) from the same database.
    outdir = tempfile.mkdtemp()
    p = run("report", "summary", "--year", "2026", "--out", outdir, "--data-dir", os.environ["XUEQU_E2E_DATA"])
    assert p.returncode == 0, p.stderr
    written = pathlib.Path(outdir) / "summary-2026.docx"
    assert written.exists() and (pathlib.Path(outdir) / "summary-2026.xlsx").exists()
    if SOFFICE:
        out = pathlib.Path(tempfile.mkdtemp())
        assert "全市共设12个学区" in docx_text(written.read_bytes(), out)


def test_district_summary_holds_only_its_district(server, browser, shot):
    login(browser, server, "district1")
    browser.get(server + "/reports/summary")
    wait(browser, "#sec-sharing")
    text = browser.find_element(By.CSS_SELECTOR, "article.summary").text
    rows = browser.find_elements(By.XPATH, "//section[@id='sec-sharing']//table[contains(caption, '按派出学区')]/tbody/tr")
    assert len(rows) == 2, "its own district and the total"
    # Its own alliance (a pairing inside the district) and its own 走教, not district two's alliance.
    assert "对口帮扶" in text and "强弱联盟" not in text and "走教（现行安排）" in text
    assert "教师资格认定" not in text
    for other in ["午汲学区", "骈山学区", "清化学区"]:
        assert other not in text
    shot("reports-district")


def test_certification_office_summary(server, browser, shot):
    """The certification office's own summary, as the county body's reviewer writes it: found
    from the menu, the seed's sentence from the demo's data, a section edited, finalised, printed
    and opened in Word; an internship batch's summary in the supervisor's list."""
    login(browser, server, "reviewer")
    browser.get(server + "/")
    browser.find_element(By.LINK_TEXT, "工作总结").click()
    wait(browser, "#certification-summaries")
    browser.find_element(By.CSS_SELECTOR, "#certification-summaries a").click()
    wait(browser, "#sec-overview")
    page = browser.find_element(By.CSS_SELECTOR, "article.summary").text
    assert "2026年教师资格认定工作总结" in page
    assert "共受理教师资格认定申请82人" in page
    assert "12人具备小学教师资格、22人具备初级中学教师资格、3人具备高级中学教师资格、5人具备中等职业学校教师资格，共42人取得了不同层次的教师资格" in page
    assert "主要原因是普通话水平不达标" in page
    assert "已受理而没有档案袋的申请5份" in page
    shot("reports-certification")

    section = browser.find_element(By.ID, "sec-next")
    section.find_element(By.TAG_NAME, "summary").click()
    area = section.find_element(By.NAME, "text")
    area.clear()
    area.send_keys("明年提前两个月布置认定工作；今年{notCertified}人未通过，重点做好普通话培训。")
    section.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, ".flash.ok")
    assert "今年40人未通过" in browser.find_element(By.ID, "sec-next").text

    button = browser.find_element(By.ID, "finalise")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    browser.switch_to.alert.accept()
    wait(browser, "#final-note")
    assert not browser.find_elements(By.CSS_SELECTOR, "#sec-next textarea")
    pdf = pypdf.PdfReader(io.BytesIO(base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})["data"])))
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in pdf.pages))
    assert "今年40人未通过" in text and "档案袋核对" in text

    opener = browser_session(server, "reviewer")
    data = opener.open(server + "/reports/certification?year=2026&format=docx").read()
    rows = [[c for c in r if c is not None] for r in openpyxl.load_workbook(io.BytesIO(opener.open(server + "/reports/certification?year=2026&format=xlsx").read())).active.iter_rows(values_only=True)]
    assert any(r[:3] == ["2026年春季", "82", "42"] for r in rows)
    if SOFFICE:
        txt = docx_text(data, pathlib.Path(tempfile.mkdtemp()))
        assert "2026年教师资格认定工作总结" in txt and "今年40人未通过" in txt

    login(browser, server, "supervisor")
    browser.get(server + "/reports")
    wait(browser, "#internship-summaries")
    browser.find_element(By.CSS_SELECTOR, "#internship-summaries a").click()
    wait(browser, "#sec-grades")
    assert "名实习生分" in browser.find_element(By.ID, "sec-overview").text
    assert not browser.find_elements(By.ID, "finalise"), "the bureau finalises a batch's summary, not its supervisor"
