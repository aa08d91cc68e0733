"""The launcher's parts: secret key, database, Redis, and stopping children."""

import os
import stat
import sys
import time

import pytest
import redis
import sqlalchemy as sa

from isup_app.core.settings import Settings
from isup_app.launch import Launcher, prepare_database, secret_key


def settings_for(tmp_path, **overrides) -> Settings:
    fields = {
        "data_dir": str(tmp_path),
        "database_url": f"sqlite:///{tmp_path / 'isup.db'}",
        "redis_url": "",
        "secret_key": "",
        "default_org_id": "org_default",
    }
    fields.update(overrides)
    return Settings(**fields)


def gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A reparented child can linger a moment as a zombie.
        with open(f"/proc/{pid}/stat") as f:
            if f.read().split(")")[-1].split()[0] == "Z":
                return True
        time.sleep(0.05)
    return False


def test_secret_key_is_made_once_and_kept_private(tmp_path):
    settings = settings_for(tmp_path)

    first = secret_key(settings, tmp_path)
    second = secret_key(settings, tmp_path)

    assert first == second and len(first) >= 40
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_a_configured_secret_key_is_used_and_nothing_is_written(tmp_path):
    settings = settings_for(tmp_path, secret_key="from-the-environment")

    assert secret_key(settings, tmp_path) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_prepare_database_migrates_and_seeds_the_builtin_organization(tmp_path):
    settings = settings_for(tmp_path)

    prepare_database(settings)
    prepare_database(settings)  # a second start changes nothing

    engine = sa.create_engine(settings.database_url)
    with engine.connect() as conn:
        orgs = conn.execute(sa.text("SELECT id FROM organizations")).scalars().all()
        roles = conn.execute(sa.text("SELECT count(*) FROM roles")).scalar()
    engine.dispose()
    assert orgs == ["org_default"]
    assert roles == 4


def test_a_configured_redis_is_used_instead_of_an_embedded_one(tmp_path):
    launcher = Launcher(settings_for(tmp_path, redis_url="redis://127.0.0.1:1/0"))

    assert launcher.start_redis() == "redis://127.0.0.1:1/0"
    assert launcher.redis is None


def test_the_embedded_redis_keeps_its_data_across_restarts(tmp_path):
    for expected in (None, "kept"):
        launcher = Launcher(settings_for(tmp_path))
        client = redis.Redis.from_url(launcher.start_redis(), decode_responses=True)
        try:
            assert client.get("isup:test") == expected
            client.set("isup:test", "kept")
        finally:
            client.close()
            launcher.stop()

    assert (tmp_path / "redis").is_dir()


def test_stop_ends_every_process_of_every_child_group(tmp_path):
    launcher = Launcher(settings_for(tmp_path))
    pid_file = tmp_path / "grandchild.pid"
    script = f"sleep 60 & echo $! > {pid_file}; wait"
    launcher.spawn("worker", ["bash", "-c", script], dict(os.environ))
    child = launcher.children["worker"]
    deadline = time.monotonic() + 5
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    grandchild = int(pid_file.read_text())

    launcher.stop()

    assert child.poll() is not None
    assert gone(grandchild)


def test_a_child_that_exits_stops_the_launcher(tmp_path):
    launcher = Launcher(settings_for(tmp_path))
    launcher.spawn("checker", [sys.executable, "-c", "raise SystemExit(3)"], {})
    launcher.children["checker"].wait(5)

    with pytest.raises(RuntimeError, match="checker exited with code 3"):
        launcher.check_children()
    launcher.stop()


def test_the_public_address_follows_the_port_unless_configured(tmp_path):
    derived = Launcher(settings_for(tmp_path, port=4123)).child_env("redis://x")
    configured = Launcher(
        settings_for(tmp_path, port=4123, public_url="https://up.example.test")
    ).child_env("redis://x")

    assert derived["ISUP_PUBLIC_URL"] == "http://localhost:4123"
    assert configured["ISUP_PUBLIC_URL"] == "https://up.example.test"
