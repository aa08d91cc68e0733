"""Live changes: from Redis pub/sub to every open dashboard, over Reflex's
websocket.

Each backend worker runs one listener (a lifespan task) subscribed to every
organization's changes channel. A dashboard tab registers its client token
here when its page loads, which Reflex repeats after a reconnect, so the
registry always names the tabs whose sockets this worker serves. On a
message the listener reads the changed monitor once from the database,
scoped to the channel's organization, and writes it into the state of each
registered tab with ``app.modify_state``; Reflex sends the delta. Tabs whose
socket is gone are dropped from the registry.

Changes are coalesced: the listener takes every message already waiting, then
pushes once per organization with all the monitors they name, so a burst
costs one push per tab and a backlog cannot grow. The rows are read (one
query per organization and burst) into the organization's shared
``MonitorTable`` (``isup_app.states.monitors``), and each tab works out what
it shows from that.

Messages only say what changed; the rows come from the database, so a lost
message costs freshness until the next one or the next load, never truth.
After the listener reconnects to Redis it reloads every watched table and
tab.
"""

import asyncio
import json
import logging

import redis.asyncio as aioredis
import reflex as rx

from isup_app.core import bus
from isup_app.core.settings import get_settings

logger = logging.getLogger(__name__)

# organization id -> client tokens of the open dashboards this worker serves
_watchers: dict[str, set[str]] = {}

RECONNECT_DELAY = 1.0
POLL_SECONDS = 1.0
# Messages taken at most into one burst, so pushes go on under a flood.
BURST_MAX = 1000

# Other live views (the monitor detail page) add an
# ``async fn(app, organization_id, monitor_ids: frozenset[int] | None)`` here;
# each runs after the list's push for every burst of an organization's
# messages (``monitor_ids`` None: the whole organization), and with
# (None, None), meaning all of its views, after a Redis reconnect.
_pushers: list = []


def add_pusher(pusher) -> None:
    if pusher not in _pushers:
        _pushers.append(pusher)


async def push_everywhere(
    app: rx.App, organization_id: str, monitor_ids: frozenset[int] | None
):
    await push_change(app, organization_id, monitor_ids)
    for pusher in list(_pushers):
        try:
            await pusher(app, organization_id, monitor_ids)
        except Exception:
            logger.exception("live pusher failed org=%s", organization_id)


def watch(organization_id: str, token: str) -> None:
    for tokens in _watchers.values():
        tokens.discard(token)
    _watchers.setdefault(organization_id, set()).add(token)


def watchers(organization_id: str) -> set[str]:
    return set(_watchers.get(organization_id, ()))


def forget(organization_id: str, token: str) -> None:
    tokens = _watchers.get(organization_id)
    if tokens is not None:
        tokens.discard(token)
        if not tokens:
            _watchers.pop(organization_id, None)


def organization_of(channel: str) -> str | None:
    if not channel.startswith(bus.CHANGES_PREFIX):
        return None
    return channel.removeprefix(bus.CHANGES_PREFIX) or None


def monitor_id_of(data: str) -> int | None:
    try:
        change = json.loads(data)
        return int(change["monitor_id"])
    except (ValueError, TypeError, KeyError):
        return None


def add_message(changes: dict[str, set[int] | None], channel: str, data: str) -> None:
    """Note one message in a burst: organization id -> the monitors it
    names, None once any message asks for the whole list."""
    organization_id = organization_of(channel)
    if organization_id is None:
        return
    monitor_id = monitor_id_of(data)
    if monitor_id is None:
        changes[organization_id] = None
        return
    ids = changes.setdefault(organization_id, set())
    if ids is not None:
        ids.add(monitor_id)


async def push_change(
    app: rx.App, organization_id: str, monitor_ids: frozenset[int] | None
):
    """Bring every open dashboard of one organization up to date with the
    database: the named monitors, or (``monitor_ids`` None) the whole list."""
    from isup_app.states.monitors import (
        MonitorListState,
        drop_table,
        reload_table,
        update_table,
    )

    tokens = watchers(organization_id)
    if not tokens:
        drop_table(organization_id)
        return
    if monitor_ids is None:
        table = await reload_table(organization_id)
    else:
        table = await update_table(organization_id, monitor_ids)

    # Reflex keeps no public "is this tab still open"; its token manager
    # knows, for local and Redis-backed sockets alike.
    token_manager = app.event_namespace._token_manager
    for token in tokens:
        if not await token_manager.is_token_connected(token):
            forget(organization_id, token)
            continue
        state_token = rx.BaseStateToken(ident=token, cls=MonitorListState)
        try:
            async with app.modify_state(state_token) as root:
                view = await root.get_state(MonitorListState)
                view._show(table, monitor_ids)
        except Exception:
            # One tab's trouble must not hold back the others.
            logger.exception("live push to a tab failed org=%s", organization_id)


async def _next_burst(pubsub) -> dict[str, set[int] | None]:
    """Every message waiting (after the first, waited for up to a poll),
    grouped by organization; empty when none came."""
    changes: dict[str, set[int] | None] = {}
    message = await pubsub.get_message(
        ignore_subscribe_messages=True, timeout=POLL_SECONDS
    )
    taken = 0
    while message is not None:
        add_message(changes, message["channel"], message["data"])
        taken += 1
        if taken >= BURST_MAX:
            break
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0)
    return changes


async def _listen_once(app: rx.App, client: aioredis.Redis, resubscribed: bool):
    from isup_app.states.monitors import drop_tables

    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        await pubsub.psubscribe(f"{bus.CHANGES_PREFIX}*")
        logger.info("live listener subscribed pattern=%s*", bus.CHANGES_PREFIX)
        if resubscribed:
            # Messages published while we were away are lost: reload all.
            drop_tables()
            for organization_id in list(_watchers):
                await push_change(app, organization_id, None)
            for pusher in list(_pushers):
                await pusher(app, None, None)
        while True:
            changes = await _next_burst(pubsub)
            for organization_id, ids in changes.items():
                monitor_ids = None if ids is None else frozenset(ids)
                try:
                    await push_everywhere(app, organization_id, monitor_ids)
                except Exception:
                    logger.exception(
                        "live push failed org=%s monitors=%s",
                        organization_id,
                        "all" if ids is None else len(ids),
                    )
    finally:
        await pubsub.aclose()


async def listen_for_changes(app: rx.App) -> None:
    """Lifespan task: forward pub/sub changes to open dashboards, forever."""
    url = get_settings().redis_url
    if not url:
        logger.warning("live listener off: ISUP_REDIS_URL is empty")
        return
    resubscribed = False
    while True:
        client = bus.connect_async(url)
        try:
            await _listen_once(app, client, resubscribed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.warning("live listener lost redis error=%r; retrying", exc)
            await asyncio.sleep(RECONNECT_DELAY)
        finally:
            await client.aclose()
        resubscribed = True
