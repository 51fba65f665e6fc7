"""A person's way through the foundation: sign in, browse, import a good and a bad sheet, sign out."""
import pathlib
import tempfile

import openpyxl
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

HEAD = ["姓名", "身份证号", "学校代码", "任教学科", "学历", "普通话等级", "职称", "骨干级别", "本校任教起始日期"]


def rid(birth, seq, area="110105"):
    head = area + birth + "%03d" % seq
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return head + "10X98765432"[sum(int(a) * b for a, b in zip(head, w)) % 11]


def sheet(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEAD)
    for r in rows:
        ws.append(r)
    path = pathlib.Path(tempfile.mkdtemp()) / "teachers.xlsx"
    wb.save(path)
    return str(path)


def wait(browser, css):
    return WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


def wait_text(browser, css, text):
    """Waits until the element (looked up afresh each time: the page may be navigating) holds the text."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException

    def holds(d):
        try:
            return text in d.find_element(By.CSS_SELECTOR, css).text
        except WebDriverException as error:
            # Chromium reports an element of the page being replaced as "does not belong to the
            # document" (a plain WebDriverException, not a stale element): look again.
            if "does not belong to the document" in str(error):
                return False
            raise
    WebDriverWait(browser, 20, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(holds)
    return browser.find_element(By.CSS_SELECTOR, css).text


def switch_language(browser, lang):
    """Clicks the language switch and waits for the page it leads to (html lang="en" / "zh-CN"):
    the next step must not race the form's POST, or the account keeps the other language."""
    browser.find_element(By.CSS_SELECTOR, "form.lang button").click()
    wait(browser, "html[lang='%s'] #logout" % lang)


def login(browser, server, user, password="xuequ-demo"):
    # Signed out first, so that one failed test does not leave the next one signed in as someone else.
    browser.get(server + "/login")
    browser.delete_all_cookies()
    browser.get(server + "/login")
    browser.find_element(By.ID, "username").send_keys(user)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "login-submit").click()
    wait(browser, "#logout")


def test_sign_in_browse_import_sign_out(server, browser, shot):
    browser.get(server + "/")
    wait(browser, "#login-submit")
    shot("01-login")
    # A wrong password says so, in Chinese.
    browser.find_element(By.ID, "username").send_keys("admin")
    browser.find_element(By.ID, "password").send_keys("not-the-password")
    browser.find_element(By.ID, "login-submit").click()
    assert "用户名或密码错误" in wait(browser, "#login-error").text

    login(browser, server, "admin")
    assert "待办事项" in browser.page_source
    shot("02-home-admin")

    browser.find_element(By.LINK_TEXT, "学区").click()
    cards = wait(browser, "#district-list").find_elements(By.CSS_SELECTOR, "a.card")
    assert len(cards) == 12
    shot("03-districts")
    cards[0].click()
    rows = wait(browser, "#district-schools").find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) > 10
    shot("04-district")
    rows[0].find_element(By.TAG_NAME, "a").click()
    wait(browser, "#history")
    assert "办学条件" in browser.page_source
    shot("05-school")

    browser.get(server + "/teachers?district=1")
    teachers = wait(browser, "#teacher-list").find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(teachers) == 50
    shot("06-teachers")

    # Import a good sheet.
    good = sheet([
        ["测试一", rid("19900101", 11), "130401001", "语文", "本科", "二级甲等", "中级", "县级", "2018-09-01"],
        ["<b>测试二</b>", rid("19910202", 22), "130401001", "数学、科学", "专科", "二级乙等", "初级", "无", "2020-09-01"],
    ])
    browser.get(server + "/imports")
    form = wait(browser, "#import-teachers")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(good)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert "2" in wait(browser, "#import-ok").text
    shot("07-import-ok")

    # A bad sheet: every row's problem is listed, nothing is imported.
    bad = sheet([
        ["坏行一", rid("19900101", 33)[:-1] + "0", "130401001", "语文", "本科", "二级甲等", "中级", "县级", "2018-09-01"],
        ["坏行二", rid("19920303", 44), "NOSUCH", "数学", "本科", "二级甲等", "中级", "无", "2018-09-01"],
        ["好行", rid("19930404", 55), "130401001", "数学", "本科", "二级甲等", "中级", "无", "2018-09-01"],
    ])
    form = wait(browser, "#import-teachers")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(bad)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    errors = wait(browser, "#import-errors")
    text = errors.text
    assert "校验位" in text and "NOSUCH" in text
    cells = [r.find_elements(By.TAG_NAME, "td")[0].text for r in errors.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert cells == ["2", "3"]
    shot("08-import-errors")
    browser.get(server + "/teachers?q=好行")
    assert "没有符合条件的记录" in browser.page_source

    # The imported name with markup is shown as text, not run.
    browser.get(server + "/teachers?q=测试二")
    assert "<b>测试二</b>" in wait(browser, "#teacher-list").text

    browser.find_element(By.ID, "logout").click()
    wait(browser, "#login-submit")
    browser.get(server + "/teachers")
    assert "/login" in browser.current_url


def test_scopes_and_english(server, browser, shot):
    login(browser, server, "school1")
    shot("09-home-school-admin")
    browser.get(server + "/schools")
    rows = wait(browser, "#school-list").find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 1
    switch_language(browser, "en")
    assert "Schools" in browser.page_source
    shot("10-school-admin-english")
    switch_language(browser, "zh-CN")
    browser.find_element(By.ID, "logout").click()
    wait(browser, "#login-submit")

    login(browser, server, "teacher1")
    browser.get(server + "/teachers")
    ids = [r.find_elements(By.TAG_NAME, "td")[2].text for r in wait(browser, "#teacher-list").find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert sum(1 for i in ids if "*" not in i) == 1, "a teacher sees only their own ID in full"
    shot("11-teacher-colleagues")
    browser.find_element(By.ID, "logout").click()
    wait(browser, "#login-submit")


def test_phone_layout(server, browser, shot):
    browser.set_window_size(390, 844)
    try:
        login(browser, server, "district1")
        shot("12-phone-home")
        browser.get(server + "/teachers")
        wait(browser, "#teacher-list")
        shot("13-phone-teachers")
        browser.find_element(By.CSS_SELECTOR, ".nav-toggle").click()
        shot("14-phone-menu")
    finally:
        browser.set_window_size(1280, 900)
        browser.get(server + "/")
        for b in browser.find_elements(By.ID, "logout"):
            if b.is_displayed():
                b.click()
