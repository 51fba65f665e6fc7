"""Every demo role follows every link its pages offer (GET only, over HTTP with its own session):
no link answers 403, 404 or 500, so no page offers what the role may not open. A role's crawl
takes at most two addresses of each shape (ids and query values collapsed), so it stays bounded
while reaching every kind of page."""
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

ROLES = ["admin", "district1", "school1", "teacher1", "teacher2", "researcher1", "reviewer", "prefecture",
         "expert1", "applicant1", "supervisor", "intern1"]
SKIP = re.compile(r"^/(logout|static/|print\.css|calendar/)|\.(ics|xlsx|csv|pdf|png|jpg)$|/export|/documents/|/attachments/")
HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]+)"')


def session(server, user):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(server + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"_csrf": csrf, "next": "", "username": user, "password": "xuequ-demo"}).encode()
    home = opener.open(server + "/login", data).read().decode()
    assert 'id="logout"' in home, "%s could not sign in" % user
    return opener


def shape(url):
    parts = urllib.parse.urlsplit(url)
    keys = sorted(k for k, _ in urllib.parse.parse_qsl(parts.query) if k != "page")
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(server, user, limit=140):
    opener = session(server, user)
    seen, shapes, bad = set(), {}, []
    queue = [("/", "(start)")]
    while queue and len(seen) < limit:
        url, source = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            res = opener.open(server + url, timeout=30)
            status, ctype, body = res.status, res.headers.get("Content-Type", ""), res.read()
        except urllib.error.HTTPError as e:
            status, ctype, body = e.code, "", b""
        if status in (403, 404) or status >= 500:
            bad.append("%s: %s → %d (linked from %s)" % (user, url, status, source))
            continue
        if "text/html" not in ctype:
            continue
        for href in HREF.findall(body.decode("utf-8", "replace")):
            href = href.replace("&amp;", "&")
            if not href.startswith("/") or href.startswith("//") or SKIP.search(urllib.parse.urlsplit(href).path):
                continue
            key = shape(href)
            if href in seen or shapes.get(key, 0) >= 2:
                continue
            shapes[key] = shapes.get(key, 0) + 1
            queue.append((href, url))
    return seen, bad


def test_no_role_is_offered_a_link_it_cannot_open(server):
    problems, visited = [], {}
    for user in ROLES:
        seen, bad = crawl(server, user)
        visited[user] = len(seen)
        problems += bad
    # Each role reached more than its home page, so the crawl did look around.
    assert all(n > 3 for n in visited.values()), visited
    assert not problems, "\n".join(problems)
