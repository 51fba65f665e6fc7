"""Numbers that agree, seen in the browser in Chinese and English, at 1280 px and on a phone:
a school account's district header and card count the same district; a school's students are
the figure of its latest conditions, shown (not typed) on its edit form; a research group's
leader and members are picked by name; a certificate's subject must fit its type."""
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from test_phone import OVERFLOW, phone
from test_registry import login, rid, switch_language, wait


def numbers(text):
    return [int(n) for n in re.findall(r"\d+", text.replace(",", ""))]


def no_sideways(browser, where):
    wider = browser.execute_script(OVERFLOW)
    assert not wider, "%s is wider than the screen: %s" % (where, wider)


def test_a_school_account_sees_one_district_in_header_and_card(server, browser, shot):
    login(browser, server, "school1")
    try:
        for lang, width in [("zh-CN", None), ("en", None), ("en", 390)]:
            if browser.find_element(By.TAG_NAME, "html").get_attribute("lang") != lang:
                switch_language(browser, lang)
            phone(browser, width is not None)
            browser.get(server + "/districts")
            summary = numbers(wait(browser, ".page-head p.muted").text)
            card = [int(dd.text) for dd in browser.find_elements(By.CSS_SELECTOR, "#district-list .card dd")]
            # Header: districts, schools, teachers, students; the one card: schools, teachers, students.
            assert summary[0] == 1 and summary[1:] == card, (summary, card)
            shot("numbers_districts_school1_%s_%s" % (lang, width or 1280))
            browser.find_element(By.CSS_SELECTOR, "#district-list a.card").click()
            wait(browser, ".stats")
            stats = [int(s.text) for s in browser.find_elements(By.CSS_SELECTOR, ".stats .stat-value")]
            assert stats == summary[1:], (stats, summary)
            assert browser.find_elements(By.CSS_SELECTOR, "a[href*='/teachers?district=']") == [], "no link to a list narrower than the number"
            no_sideways(browser, "the district page")
            shot("numbers_district_school1_%s_%s" % (lang, width or 1280))
    finally:
        phone(browser, False)
        if browser.find_element(By.TAG_NAME, "html").get_attribute("lang") != "zh-CN":
            switch_language(browser, "zh-CN")


def test_students_shown_from_the_conditions_not_typed(server, browser, shot):
    login(browser, server, "admin")
    browser.get(server + "/schools/1/edit")
    shown = int(wait(browser, "#current-students").text)
    assert browser.find_elements(By.CSS_SELECTOR, "input[name=students]") == []
    shot("numbers_school_edit")
    browser.get(server + "/schools/1")
    wait(browser, "#history")
    # The school page: its students figure, and its conditions newest year first, whose pupils
    # (primary / junior / senior) add up to that figure.
    figure = int(browser.find_element(By.XPATH, "//dt[text()='在校生数']/following-sibling::dd").text)
    cell = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "table tbody tr td.num") if re.fullmatch(r"\d+ / \d+ / \d+", td.text)][0]
    assert figure == shown == sum(numbers(cell)), (figure, shown, cell)
    shot("numbers_school_students")


def test_a_group_leader_is_picked_by_name(server, browser, shot):
    login(browser, server, "district1")
    browser.get(server + "/teaching/groups")
    form = wait(browser, "#finder")
    form.find_element(By.NAME, "cq").send_keys("王")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # The search reloads the page: wait for the old one to go before reading the new list (its
    # own #member-list could answer first and go stale under the next read).
    WebDriverWait(browser, 20).until(EC.staleness_of(form))
    wait(browser, "#member-list")
    assert "王" in Select(browser.find_element(By.NAME, "leader")).options[1].text
    browser.find_element(By.NAME, "name").send_keys("学区语文新组")
    Select(browser.find_element(By.NAME, "subject")).select_by_value("chinese")
    leader = Select(browser.find_element(By.NAME, "leader"))
    leader.select_by_index(1)
    chosen = leader.first_selected_option.text.split(" · ")[0]
    boxes = browser.find_elements(By.CSS_SELECTOR, "#member-list input[type=checkbox]")
    boxes[2].click()
    member = boxes[2].find_element(By.XPATH, "..").text.split(" · ")[0].strip()
    no_sideways(browser, "the groups page")
    shot("numbers_group_picker")
    browser.find_element(By.CSS_SELECTOR, "#add-group form.stack button[type=submit]").click()
    wait(browser, ".flash")
    row = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "main table tbody tr") if "学区语文新组" in r.text]
    assert row and chosen in row[0], (row, chosen, member)


def test_a_subject_the_certificate_type_cannot_name_is_refused(server, browser, shot):
    login(browser, server, "applicant1")
    browser.get(server + "/certification/apply")
    form = wait(browser, "#apply-form")
    form.find_element(By.NAME, "name").clear()
    form.find_element(By.NAME, "name").send_keys("学科测试")
    form.find_element(By.NAME, "residentId").send_keys(rid("19990101", 7, "130481"))
    for name, value in [("type", "kindergarten"), ("subject", "math")]:
        Select(form.find_element(By.NAME, name)).select_by_value(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    text = wait(browser, "#subject-error").text
    assert "任教学科不能是“数学”" in text and "学前教育" in text, text
    shot("numbers_cert_subject")
