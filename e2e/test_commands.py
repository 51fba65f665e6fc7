"""The binary's commands that only read: on a directory with no database they stop with exit
code 2 and the path, and create nothing (issue 27: `audit verify --data-dir <typo>` once made an
empty database and key and reported the chain intact)."""
import os
import pathlib
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
BINARY = os.environ.get("XUEQU_BIN", str(ROOT / ".build" / "debug" / "xuequ"))


def run(*args, env_extra=None):
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.pop("XUEQU_AUDIT_KEY", None)
    env.update(env_extra or {})
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=120, cwd="/", env=env)


def test_reading_commands_on_a_missing_directory_create_nothing():
    parent = tempfile.mkdtemp(prefix="xuequ-typo-")
    typo = os.path.join(parent, "dataa")
    for args in (["audit", "verify"], ["verify-aggregates"], ["backup", os.path.join(parent, "b.sqlite")]):
        p = run(*args, "--data-dir", typo)
        assert p.returncode == 2, (args, p.returncode, p.stdout, p.stderr)
        assert typo in p.stderr, p.stderr
        assert "intact" not in p.stdout and "equal" not in p.stdout
        assert not os.path.exists(typo), "the command made %s" % typo
        assert os.listdir(parent) == [], os.listdir(parent)


def test_reading_commands_on_a_real_database_still_work():
    data = tempfile.mkdtemp(prefix="xuequ-real-")
    assert run("migrate", "--data-dir", data).returncode == 0
    p = run("audit", "verify", "--data-dir", data)
    assert p.returncode == 0, p.stderr
    assert "intact" in p.stdout
    p = run("verify-aggregates", "--data-dir", data)
    assert p.returncode == 0, p.stderr


def test_the_audit_head_is_witnessed_outside_the_data_directory_and_a_deleted_tail_is_found():
    import signal
    import socket
    import sqlite3
    import time
    import urllib.request

    data = tempfile.mkdtemp(prefix="xuequ-anchor-")
    outside = tempfile.mkdtemp(prefix="xuequ-witness-")
    witness = os.path.join(outside, "audit-anchors.txt")
    # An anchor file inside the data directory is refused at start.
    p = run("serve", "--data-dir", data, env_extra={"XUEQU_AUDIT_ANCHOR_FILE": os.path.join(data, "anchors.txt")})
    assert p.returncode == 2 and "outside the data directory" in p.stderr, p.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, XUEQU_AUDIT_ANCHOR_FILE=witness, XUEQU_BCRYPT_COST="4")
    env.pop("DATABASE_URL", None)
    env.pop("XUEQU_AUDIT_KEY", None)
    proc = subprocess.Popen([BINARY, "serve", "--data-dir", data, "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd="/", env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
            time.sleep(0.2)  # polling a condition (the server answering), not a guessed wait
    finally:
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=60)[0]
    assert "inside the data directory" in out, "the start warns that the key sits beside the database"
    lines = open(witness).read().split("\n")
    heads = [l for l in lines if l.strip()]
    assert heads and heads[-1].split(" ")[1] == "stop", heads
    assert run("audit", "verify", "--data-dir", data, "--anchors", witness).returncode == 0
    # The newest rows deleted behind the server's back: the witness finds it.
    db = sqlite3.connect(os.path.join(data, "xuequ.sqlite"))
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'").fetchall():
        db.execute('DROP TRIGGER "%s"' % name)  # as someone with the database file would
    db.execute("DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)")
    db.commit()
    db.close()
    p = run("audit", "verify", "--data-dir", data, "--anchors", witness)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "deleted" in p.stderr or "deleted" in p.stdout
