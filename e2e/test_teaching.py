"""Teaching research in the browser, in Chinese: the group's leader writes a 通案 and passes the
first review, the district's researcher passes the second and releases it, a member derives a
个案, adapts it and adds the reflection after teaching; then an observer scores last term's open
class on a phone, and the teacher's calendar and its .ics feed."""
import datetime
import re
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from test_balance import full_page, sign_in
from test_registry import wait, wait_text


@pytest.fixture(autouse=True)
def signed_out_after(browser):
    yield
    browser.set_window_size(1280, 900)
    browser.delete_all_cookies()


def click(browser, css):
    browser.find_element(By.CSS_SELECTOR, css).click()


def test_common_plan_to_personal_plan(server, browser, shot):
    # The leader (teacher1) writes the district's 通案 in their own subject.
    sign_in(browser, server, "teacher1")
    browser.get(server + "/teaching")
    wait(browser, "#new-plan")
    Select(browser.find_element(By.ID, "new-kind")).select_by_value("common")
    browser.find_element(By.ID, "new-title").send_keys("第四单元 复习课（学区通案）")
    browser.find_element(By.CSS_SELECTOR, "#new-plan input[name=grade]").send_keys("三年级")
    click(browser, "#create-plan")
    wait(browser, "#plan-form")
    browser.find_element(By.NAME, "s1").send_keys("梳理本单元知识，形成知识网络。")
    browser.find_element(By.NAME, "s4").send_keys("一、回顾整理（10分钟）\n二、重点练习（20分钟）\n三、拓展提升（10分钟）")
    click(browser, "#plan-form button[type=submit]")
    wait_text(browser, "h1", "第四单元 复习课")
    plan_url = browser.current_url
    click(browser, "#submit")
    assert "审核中" in wait_text(browser, "#plan-state", "审核中")
    # The leader wrote it: nobody approves their own work, so it waits at level 2 with no button of hers.
    wait(browser, "#review-wait")
    assert not browser.find_elements(By.ID, "approve")
    assert "第 2 级" in browser.find_element(By.ID, "review-wait").text
    shot("teaching_in_review")

    # The district centre's researcher sees the task, passes level 2 and releases it for today.
    sign_in(browser, server, "researcher1")
    assert "待教研室/教研中心审核" in browser.find_element(By.TAG_NAME, "main").text
    browser.get(plan_url)
    assert "第 2 级" in wait(browser, "#approve").text
    click(browser, "#approve")
    assert "已审核" in wait_text(browser, "#plan-state", "已审核")
    today = datetime.date.today().isoformat()
    date = browser.find_element(By.NAME, "releaseOn")
    browser.execute_script("arguments[0].value = arguments[1]", date, today)
    click(browser, "#release")
    assert "已发布" in wait_text(browser, "#plan-state", "已发布")
    shot("teaching_released")

    # A member of the group derives a 个案, adapts it, and adds the reflection after teaching.
    sign_in(browser, server, "teacher2")
    browser.get(plan_url)
    click(browser, "#derive")
    wait(browser, "#plan-form")
    process = browser.find_element(By.NAME, "s4")
    process.clear()
    process.send_keys("一、用思维导图回顾整理（8分钟）\n二、分层练习：基础组与提高组（22分钟）\n三、拓展提升（10分钟）")
    click(browser, "#plan-form button[type=submit]")
    ratio = wait_text(browser, "#ratio", "改动")
    assert re.search(r"改动 \d+\.\d%", ratio)
    assert "几乎未改动" not in browser.find_element(By.TAG_NAME, "main").text
    assert browser.find_elements(By.CSS_SELECTOR, ".plan-section.changed ins"), "the teacher's changes are marked"
    click(browser, "#edit")
    browser.find_element(By.NAME, "s7").send_keys("分层练习效果好，提高组时间略紧。")
    click(browser, "#plan-form button[type=submit]")
    wait_text(browser, ".flash", "已保存")
    assert "分层练习效果好" in browser.find_element(By.TAG_NAME, "main").text
    # The lineage draws the district's 通案 above this 个案, and two versions compare.
    tree = browser.find_element(By.ID, "lineage").text
    assert "第四单元 复习课" in tree and "本教案" in tree
    full_page(browser, shot, "teaching_personal_plan")
    click(browser, "#compare")
    wait(browser, "#cmp-ratio")
    assert "教后反思" in browser.find_element(By.TAG_NAME, "main").text


def test_open_class_rubric_on_a_phone_and_calendar(server, browser, shot):
    sign_in(browser, server, "teacher2")
    browser.get(server + "/teaching/activities")
    past = wait(browser, "#past")
    past.find_element(By.PARTIAL_LINK_TEXT, "公开课").click()
    wait(browser, "#rubric")
    browser.set_window_size(412, 915)
    click(browser, "#observe")
    wait(browser, "#observe-form")
    for label in browser.find_elements(By.CSS_SELECTOR, ".score-row label:last-child span"):
        label.click()
    comment = browser.find_element(By.NAME, "comment")
    comment.clear()
    comment.send_keys("目标达成度高，建议小结由学生完成。")
    shot("teaching_observe_phone")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 412, "the rubric fits a phone without scrolling sideways"
    click(browser, "#observe-submit")
    wait_text(browser, ".flash", "已提交观课评分")
    assert "总分 25" in browser.find_element(By.ID, "rubric").text
    browser.set_window_size(1280, 900)

    # The calendar shows the coming open class; the feed address serves iCalendar.
    browser.get(server + "/teaching/calendar")
    wait(browser, "#calendar")
    click(browser, "#make-feed")
    feed = wait_text(browser, ".flash", "/calendar/")
    url = re.search(r"https?://\S+\.ics", feed).group(0)
    body = urllib.request.urlopen(url).read().decode("utf-8")
    assert body.startswith("BEGIN:VCALENDAR") and "公开课" in body
    shot("teaching_calendar")

    # The district researcher's office view of the activity: attendance and minutes.
    sign_in(browser, server, "researcher1")
    browser.get(server + "/teaching/activities")
    wait(browser, "#past").find_element(By.PARTIAL_LINK_TEXT, "集体备课").click()
    wait(browser, "#record-form")
    assert "分层" in browser.find_element(By.NAME, "minutes").get_attribute("value")
    full_page(browser, shot, "teaching_activity_office")


def test_training_hours_count_every_teacher(server, browser, shot):
    # The county's training-hours page counts all its teachers (it once stopped at 200): the count
    # it states, its table by district and its .xlsx agree with the teacher list's total.
    from test_balance import api
    total = api(server, "admin", "/api/v1/teachers?per=1")["total"]
    year = datetime.date.today().year
    sign_in(browser, server, "admin")
    browser.get(server + "/teaching/training/hours?year=%d" % year)
    stated = re.search(r"(\d+) / (\d+) 名教师学时不足", wait(browser, "#short-count").text)
    assert stated and int(stated.group(2)) == total and total > 200
    rows = browser.find_elements(By.CSS_SELECTOR, "#short-by-district tbody tr")
    cells = [[td.text for td in r.find_elements(By.TAG_NAME, "td")] for r in rows]
    assert sum(int(c[1]) for c in cells) == total
    assert sum(int(c[2]) for c in cells) == int(stated.group(1))
    full_page(browser, shot, "training-hours-county")
    # The spreadsheet: one row per teacher under its header.
    import io
    import openpyxl
    cookie = "; ".join("%s=%s" % (c["name"], c["value"]) for c in browser.get_cookies())
    req = urllib.request.Request(server + "/teaching/training/hours?year=%d&format=xlsx" % year, headers={"Cookie": cookie})
    sheet = openpyxl.load_workbook(io.BytesIO(urllib.request.urlopen(req).read())).active
    assert sheet.max_row - 1 == total
