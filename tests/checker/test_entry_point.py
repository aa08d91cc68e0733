"""``python -m checker`` as the launcher runs it: checks, then stops cleanly."""

import os
import signal
import subprocess
import sys
import time

from sqlmodel import Session

from isup_app.core.models import Monitor
from isup_app.core.settings import ROOT
from tests.factories import make_monitor


def checker_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISUP_")}
    env.update(PYTHONPATH=str(ROOT), ISUP_LOG_LEVEL="INFO", **extra)
    return env


def test_the_checker_process_checks_and_stops_on_sigterm(
    session, engine, database_url, redis_url, target, tmp_path
):
    monitor = make_monitor(session, url=target.url, interval_seconds=1)
    process = subprocess.Popen(
        [sys.executable, "-m", "checker", "--region", "local"],
        cwd=tmp_path,
        env=checker_env(
            ISUP_DATABASE_URL=database_url,
            ISUP_REDIS_URL=redis_url,
            ISUP_MONITOR_REFRESH_SECONDS="0.5",
        ),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with Session(engine) as fresh:
                if fresh.get(Monitor, monitor.id).current_state == "up":
                    break
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    with Session(engine) as fresh:
        assert fresh.get(Monitor, monitor.id).current_state == "up"
    assert process.returncode == 0
    assert "checker stopping" in log
    assert "evaluator stopped" in log
    assert "Traceback" not in log


def test_the_checker_refuses_to_start_without_a_redis_url(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "checker"],
        cwd=tmp_path,
        env=checker_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2
    assert "ISUP_REDIS_URL" in done.stderr
