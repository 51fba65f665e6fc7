"""Every demo role's pages on a phone (390 px, emulated by Chromium) in Chinese and in English, and
at 1280 px in English: nothing scrolls sideways except a table inside its card, every page says
something, and a screenshot of each lands in e2e/screenshots/ for a person to look at."""
import re

from selenium.webdriver.common.by import By

from test_registry import login, switch_language, wait

ROLES = ["admin", "district1", "school1", "teacher1", "researcher1", "reviewer", "prefecture", "applicant1", "supervisor", "intern1"]

# The page is wider than the screen only if something outside a .table-wrap (which scrolls on
# its own) sticks out; the offenders are named so the failure says what to fix.
OVERFLOW = """
const w = document.documentElement.clientWidth;
if (document.documentElement.scrollWidth <= w + 1) return [];
const out = [];
for (const el of document.querySelectorAll('body *')) {
  if (el.closest('.table-wrap, .chart-box, pre, .no-print') ) continue;
  const r = el.getBoundingClientRect();
  if (r.width > 0 && r.right > w + 1) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') + ' ' + Math.round(r.right));
  if (out.length > 5) break;
}
return out;
"""


def phone(browser, on):
    if on:
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    else:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def nav_pages(browser, server):
    links = browser.execute_script("return Array.from(document.querySelectorAll('#main-nav a')).map(a => a.getAttribute('href'))")
    pages = ["/"] + [h for h in links if h and h.startswith("/") and h != "/"]
    return list(dict.fromkeys(pages))


def slug(path):
    return re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "home"


def check_pages(browser, server, shot, user, pages, tag, problems):
    for path in pages:
        browser.get(server + path)
        wait(browser, "#logout")
        wider = browser.execute_script(OVERFLOW)
        if wider:
            problems.append("%s %s %s: wider than the screen: %s" % (user, tag, path, ", ".join(wider)))
        text = browser.find_element(By.CSS_SELECTOR, "main").text.strip()
        if len(text) < 20:
            problems.append("%s %s %s: the page says almost nothing (%r)" % (user, tag, path, text))
        shot("phone_%s_%s_%s" % (user, slug(path), tag))


def test_every_role_on_a_phone_in_both_languages(server, browser, shot):
    problems = []
    try:
        for user in ROLES:
            login(browser, server, user)
            pages = nav_pages(browser, server)
            phone(browser, True)
            check_pages(browser, server, shot, user, pages, "zh_390", problems)
            phone(browser, False)
            # The language switch sits in the menu, which a phone folds away: switch at full width.
            browser.get(server + "/")
            switch_language(browser, "en")
            check_pages(browser, server, shot, user, pages, "en_1280", problems)
            phone(browser, True)
            check_pages(browser, server, shot, user, pages, "en_390", problems)
            phone(browser, False)
            browser.get(server + "/")
            switch_language(browser, "zh-CN")
    finally:
        phone(browser, False)
        # Never leave a demo account in English for the tests that follow.
        browser.get(server + "/")
        if browser.execute_script("return document.documentElement.lang") == "en" and browser.find_elements(By.ID, "logout"):
            switch_language(browser, "zh-CN")
        # Signed out, as the next tests expect to find the browser.
        browser.delete_all_cookies()
    assert not problems, "\n".join(problems)
