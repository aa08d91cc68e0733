"""Sign-in end to end in Chromium: the whole IsUp (launcher, Reflex prod
server, checker) with WorkOS settings pointed at the stand-in.

One launch serves the module: Ada signs in through AuthKit (the stand-in),
lands on the dashboard and sees the built-in organization's monitor; Bob,
signing in next in another browser, gets his own organization and sees
nothing of hers; signing out ends the WorkOS session.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from isup_app.core.db import make_engine
from isup_app.core.embedded_redis import free_port
from isup_app.core.settings import ROOT
from tests.factories import make_monitor
from tests.standins.workos import WorkOSStandIn
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, START_TIMEOUT, _launcher_env


@pytest.fixture(scope="module")
def workos_idp():
    with WorkOSStandIn() as server:
        server.add_user("ada@example.test", "Ada", "Lovelace")
        yield server


@pytest.fixture(scope="module")
def isup_workos(tmp_path_factory, redis_server, workos_idp):
    tmp = tmp_path_factory.mktemp("isup-workos")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = _launcher_env(tmp, redis_server.url, port)
    env.update(
        {
            "ISUP_PUBLIC_URL": url,
            "ISUP_WORKOS_API_KEY": workos_idp.api_key,
            "ISUP_WORKOS_CLIENT_ID": workos_idp.client_id,
            "ISUP_WORKOS_BASE_URL": workos_idp.url,
            "ISUP_WORKOS_COOKIE_PASSWORD": "a-long-random-cookie-password-for-tests",
        }
    )
    log = tmp / "launcher.log"
    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "isup_app.launch"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        while "IsUp is running" not in log.read_text():
            if process.poll() is not None or time.monotonic() - started > START_TIMEOUT:
                pytest.fail(f"IsUp did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.5)
        engine = make_engine(env["ISUP_DATABASE_URL"])
        with Session(engine) as session:
            make_monitor(
                session,
                organization_id="org_default",
                name="Ada's shop",
                interval_seconds=3600,
            )
        engine.dispose()
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def sign_in_through_authkit(page, base_url: str, idp: WorkOSStandIn) -> None:
    page.goto(f"{base_url}/dashboard")
    # /dashboard -> /sign-in -> AuthKit (stand-in) -> /auth/callback -> /dashboard
    expect(page).to_have_url(re.compile(r"/dashboard/?$"), timeout=30_000)
    expect(page.locator("#monitor-form")).to_be_visible(timeout=30_000)


def test_workos_sign_in_round_trip_in_the_browser(chromium, isup_workos, workos_idp):
    context = chromium.new_context()
    page = context.new_page()

    sign_in_through_authkit(page, isup_workos, workos_idp)

    expect(page.locator("tr.monitor", has_text="Ada's shop")).to_be_visible(
        timeout=15_000
    )
    (cookie,) = [c for c in context.cookies() if c["name"] == "isup_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    paths = [path for _, path in workos_idp.requests]
    assert "/user_management/authenticate" in paths
    assert workos_idp.metadata_writes  # the IsUp ids went back to WorkOS
    context.close()


def test_second_person_sees_nothing_of_the_first(chromium, isup_workos, workos_idp):
    workos_idp.default_user = workos_idp.add_user("bob@example.test", "Bob")
    context = chromium.new_context()
    page = context.new_page()

    sign_in_through_authkit(page, isup_workos, workos_idp)

    expect(page.locator("#no-monitors")).to_have_text(
        "No monitors yet. Add one below.", timeout=15_000
    )
    expect(page.locator("tr.monitor")).to_have_count(0)
    context.close()


def test_sign_out_ends_the_session_in_the_browser(chromium, isup_workos, workos_idp):
    context = chromium.new_context()
    page = context.new_page()
    sign_in_through_authkit(page, isup_workos, workos_idp)

    page.goto(f"{isup_workos}/sign-out")

    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/?$"), timeout=15_000)
    assert not [c for c in context.cookies() if c["name"] == "isup_session"]
    assert workos_idp.revoked
    response = page.request.get(f"{isup_workos}/api/auth/me")
    assert response.status == 401
    context.close()


def test_public_page_loads_all_it_needs_without_a_session(chromium, isup_workos):
    context = chromium.new_context()
    page = context.new_page()
    refused = []
    page.on(
        "response",
        lambda r: (
            refused.append(r.url)
            if r.status in (401, 403) or "/sign-in" in r.headers.get("location", "")
            else None
        ),
    )

    page.goto(f"{isup_workos}/")
    page.wait_for_load_state("networkidle")

    assert refused == []
    assert page.url.rstrip("/") == isup_workos
    context.close()


def test_sign_out_link_in_the_dashboard_signs_out(chromium, isup_workos, workos_idp):
    context = chromium.new_context()
    page = context.new_page()
    sign_in_through_authkit(page, isup_workos, workos_idp)

    page.click("#sign-out")

    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/?$"), timeout=5_000)
    context.close()
