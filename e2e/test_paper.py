"""Paper: pages printed to PDF by Chromium as a user's print dialog does (the page's own @page
size), read back with pypdf: the first page holds the table's header row and its last column, a
long table's header repeats, every page carries its number and the printing date, no page is
empty, and official papers end with the seal block."""
import base64
import datetime
import io
import re
import unicodedata

import pypdf
import pytest
from selenium.webdriver.common.by import By

from test_balance import api, sign_in
from test_registry import wait


@pytest.fixture(autouse=True)
def signed_out_after(browser):
    yield
    browser.delete_all_cookies()


def print_pdf(browser):
    """Chromium's print, honouring the page's CSS page size and margin boxes."""
    data = browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})["data"]
    return pypdf.PdfReader(io.BytesIO(base64.b64decode(data)))


# The CJK font maps some characters to radical code points in the PDF's text layer (⻚ for 页,
# ⼩ for 小): NFKC folds the Kangxi radicals, the table the supplement's few that occur.
RADICALS = str.maketrans({"⻚": "页", "⻓": "长", "⻔": "门", "⻢": "马", "⻋": "车", "⻅": "见", "⻛": "风", "⻜": "飞", "⻥": "鱼", "⻦": "鸟", "⻰": "龙", "⻄": "西", "⺠": "民", "⺟": "母"})


def normal(text):
    return unicodedata.normalize("NFKC", text).translate(RADICALS)


def texts(pdf):
    return [normal(p.extract_text() or "") for p in pdf.pages]


def check_running_footer(pages):
    # The county's today (Beijing time), as the server prints it: after 16:00 UTC it is tomorrow.
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date().isoformat()
    for i, t in enumerate(pages, start=1):
        assert normal("第 %d 页，共 %d 页" % (i, len(pages))) in t, "page %d has no page number" % i
        assert today in t, "page %d has no printing date" % i


def test_difference_coefficient_sheet_prints_landscape_with_its_header_on_every_page(server, browser, shot):
    sign_in(browser, server, "admin")
    browser.get(server + "/balance/sheet?standard=basic&stage=primary&district=0")
    wait(browser, "#sheet-table")
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#sheet-table thead th")]
    rows = len(browser.find_elements(By.CSS_SELECTOR, "#sheet-table tbody tr"))
    pdf = print_pdf(browser)
    pages = texts(pdf)
    first = pdf.pages[0].mediabox
    assert float(first.width) > float(first.height), "the wide sheet prints landscape"
    flat = [re.sub(r"\s+", "", t) for t in pages]
    assert re.sub(r"\s+", "", headers[1]) in flat[0] and re.sub(r"\s+", "", headers[-1]) in flat[0], "page 1 holds the header row, last column included"
    assert rows > 20 and len(pages) >= 2, "the county's %d schools need more than one page" % rows
    for i, t in enumerate(flat[1:], start=2):
        assert re.sub(r"\s+", "", headers[1]) in t, "the header row repeats on page %d" % i
    # No page is empty: each carries school rows (a code of nine digits), and the count fits the rows.
    for i, t in enumerate(pages[:-1], start=1):
        assert re.search(r"\d{9}", t), "page %d has no rows" % i
    assert len(pages) <= rows // 8 + 2
    check_running_footer(pages)
    assert normal("单位（盖章）") in pages[-1] and "经办人" in pages[-1]


def test_public_notice_and_statistics_print_with_seal(server, browser, shot):
    sign_in(browser, server, "reviewer")
    notices = browser.get(server + "/certification")
    link = wait(browser, "a[href^='/notices/']")
    browser.get(link.get_attribute("href"))
    wait(browser, "#notice-table")
    pdf = print_pdf(browser)
    pages = texts(pdf)
    assert "姓名" in pages[0] and "学科" in re.sub(r"\s+", "", pages[0])
    assert normal("单位（盖章）") in pages[-1]
    assert not any("提出异议" in t and "联系方式" in t for t in pages), "the objection form does not print"
    check_running_footer(pages)

    windows = api(server, "reviewer", "/api/v1/certification/windows")["items"]
    browser.get(server + "/certification/statistics?window=%d" % windows[0]["id"])
    wait(browser, "#applied")
    pages = texts(print_pdf(browser))
    assert normal("单位（盖章）") in pages[-1]
    check_running_footer(pages)


def test_school_page_prints_without_a_scrollbar_or_empty_first_page(server, browser, shot):
    sign_in(browser, server, "admin")
    browser.get(server + "/schools/1")
    wait(browser, "#history")
    name = browser.find_element(By.TAG_NAME, "h1").text
    pdf = print_pdf(browser)
    pages = texts(pdf)
    assert re.sub(r"\s+", "", name)[:6] in re.sub(r"\s+", "", pages[0])
    assert "办学条件" in "".join(pages)
    check_running_footer(pages)


def test_application_form_prints_on_one_portrait_page_with_its_boxes(server, browser, shot):
    sign_in(browser, server, "reviewer")
    # The queue opens on the newest window, which the certification tests may have left empty:
    # take the first window whose queue lists an application.
    href = None
    for w in api(server, "reviewer", "/api/v1/certification/windows")["items"]:
        browser.get(server + "/certification?window=%d" % w["id"])
        wait(browser, "main")
        links = browser.find_elements(By.CSS_SELECTOR, "#cert-list a[href^='/certification/applications/']")
        if links:
            href = links[0].get_attribute("href").split("?")[0]
            break
    assert href, "no window lists an application"
    browser.get(href + "/form")
    wait(browser, "#application-form")
    name = browser.find_element(By.ID, "form-name").text
    shot("paper_application_form")
    pdf = print_pdf(browser)
    pages = texts(pdf)
    assert len(pages) == 1, "the 申请表 is one sheet, not %d pages" % len(pages)
    box = pdf.pages[0].mediabox
    assert float(box.height) > float(box.width), "A4 portrait"
    flat = re.sub(r"\s+", "", pages[0])
    for words in ("教师资格认定申请表", "申请人承诺", "受理意见", "认定机构意见", re.sub(r"\s+", "", name)):
        assert normal(words) in flat, words
    assert "打印" not in flat.replace("打印日期", ""), "the print button does not print"
    check_running_footer(pages)
