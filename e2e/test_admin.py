"""The bureau admin's pages: accounts (create one, see its password once) and the audit log."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from test_registry import login, wait, wait_text


def test_create_account_and_see_it_in_the_audit_log(server, browser, shot):
    login(browser, server, "admin")
    browser.get(server + "/admin/users")
    rows = wait(browser, "#user-list").find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) >= 11
    shot("15-users")
    browser.get(server + "/admin/users/new")
    form = wait(browser, "#user-form")
    form.find_element(By.NAME, "username").send_keys("zhangxz")
    form.find_element(By.NAME, "displayName").send_keys("张校长")
    Select(form.find_element(By.NAME, "role")).select_by_value("school_admin")
    code = form.find_element(By.NAME, "schoolCode")
    assert code.is_displayed(), "the school-code field shows for a school admin"
    assert not form.find_element(By.NAME, "teacherResidentId").is_displayed()
    code.send_keys("130402001")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    shot("16a-after-submit")
    password = wait(browser, "#new-password").find_element(By.TAG_NAME, "code").text
    assert len(password) >= 10
    shot("16-user-created")

    # The log reads in sentences; the filters are lists.
    browser.get(server + "/admin/audit")
    Select(wait(browser, "#audit-filter select[name=action]")).select_by_value("user.create")
    browser.find_element(By.CSS_SELECTOR, "#audit-filter button[type=submit]").click()
    text = wait_text(browser, "#audit-list", "新建了账号")
    assert "zhangxz，角色 学校管理员" in text and "user.create" not in text and "school_admin" not in text
    assert "xuequ audit" not in browser.find_element(By.TAG_NAME, "main").text
    shot("17-audit")
    browser.get(server + "/")
    assert "新建了账号" in wait(browser, "main").text

    browser.get(server + "/teachers/1")
    wait(browser, "dl.facts")
    shot("18-teacher")
    browser.get(server + "/schools/2/merge")
    wait(browser, "form[data-confirm]")
    shot("19-merge-form")
    browser.find_element(By.ID, "logout").click()
    wait(browser, "#login-submit")

    # The new account signs in with the password shown once, and must choose its own first:
    # until then it is offered nothing else.
    login(browser, server, "zhangxz", password)
    assert "初始密码" in wait(browser, ".flash").text
    assert "/account/password" in browser.current_url
    # Any other page sends it back to the password page, saying why.
    browser.get(server + "/teachers")
    assert "/account/password" in browser.current_url
    assert "初始密码" in wait(browser, ".flash").text
    form = wait(browser, "form[action='/account/password']")
    form.find_element(By.NAME, "current").send_keys(password)
    form.find_element(By.NAME, "new").send_keys("zhang-own-password-1")
    form.find_element(By.NAME, "confirm").send_keys("zhang-own-password-1")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, ".flash")
    browser.get(server + "/teachers")
    assert "张校长" in browser.page_source and "没有权限" not in browser.page_source
    browser.find_element(By.ID, "logout").click()
    wait(browser, "#login-submit")
