"""Browser tests: the real server (`xuequ serve --demo`) driven by Debian's headless Chromium.

Set XUEQU_BIN to the built binary (default: ../.build/debug/xuequ). Screenshots land in
e2e/screenshots/ for a person to look at.
"""
import contextlib
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHOTS = pathlib.Path(__file__).resolve().parent / "screenshots"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url, proc, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        # Polling a condition (the server answering), not sleeping for a guessed time.
        time.sleep(0.2)
    raise RuntimeError("server did not become healthy")


BINARY = os.environ.get("XUEQU_BIN", str(ROOT / ".build" / "debug" / "xuequ"))


def server_env():
    env = dict(os.environ, XUEQU_BCRYPT_COST="8")
    env.pop("DATABASE_URL", None)
    return env


@contextlib.contextmanager
def running_server(data, *args):
    """`xuequ serve --data-dir DATA ARGS…` on a free port until the block ends; yields its URL."""
    port = free_port()
    log = open(os.path.join(data, "server.log"), "w")
    proc = subprocess.Popen([BINARY, "serve", *args, "--data-dir", data, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, cwd="/", env=server_env())
    url = "http://127.0.0.1:%d" % port
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def server():
    data = tempfile.mkdtemp(prefix="xuequ-e2e-")
    # Commands run against the same data (`xuequ report summary --data-dir`).
    os.environ["XUEQU_E2E_DATA"] = data
    with running_server(data, "--demo") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    os.environ.setdefault("SE_OFFLINE", "true")
    opts = Options()
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=zh-CN"]:
        opts.add_argument(a)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    opts.binary_location = chromium
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(service=service, options=opts)
    driver.implicitly_wait(5)
    SHOTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture
def shot(browser):
    def take(name):
        browser.save_screenshot(str(SHOTS / (name + ".png")))
    return take
