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
