"""Where Reflex keeps tab states: in memory for one worker, in Redis when
``REFLEX_REDIS_URL`` names one (never Reflex's default disk manager, which
wrote every tab's state back after every live push)."""

import os
import subprocess
import sys

import pytest

from isup_app.core.settings import ROOT

# In a process of its own: Reflex reads rxconfig.py once per process.
PROBE = (
    "from reflex.istate.manager import StateManager; "
    "print(type(StateManager.create()).__name__)"
)


def state_manager_with(**env: str) -> str:
    child_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REFLEX_REDIS_URL", "REFLEX_STATE_MANAGER_MODE")
    }
    child_env.update(env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "redis, manager",
    [(False, "StateManagerMemory"), (True, "StateManagerRedis")],
    ids=["one-worker-memory", "workers-redis"],
)
def test_tab_states_live_in_memory_or_in_the_named_redis(redis_url, redis, manager):
    env = {"REFLEX_REDIS_URL": redis_url} if redis else {}

    assert state_manager_with(**env) == manager
