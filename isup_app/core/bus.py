"""Names and shapes of what travels over Redis.

Streams carry work and are acknowledged only after the database commit;
pub/sub only says "something changed" to live screens, which reload from the
database.
"""

import json
import logging

import redis
import redis.asyncio as aioredis

logger = logging.getLogger(__name__)

RESULTS_STREAM = "isup:results"
NOTIFY_STREAM = "isup:notify"
EVALUATOR_GROUP = "evaluators"
NOTIFIER_GROUP = "notifiers"
MONITOR_EVENTS = "isup:monitor-events"
CHANGES_PREFIX = "isup:changes:"

# Longest block on XREADGROUP; socket timeouts must exceed it (redis-py's
# default of 5 s would cut blocking reads short).
BLOCK_MS = 1000
SOCKET_TIMEOUT = 30


def changes_channel(organization_id: str) -> str:
    return f"{CHANGES_PREFIX}{organization_id}"


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=SOCKET_TIMEOUT,
        health_check_interval=15,
    )


def connect_async(url: str) -> aioredis.Redis:
    return aioredis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=SOCKET_TIMEOUT,
        health_check_interval=15,
    )


def ensure_group(client: redis.Redis, stream: str, group: str) -> None:
    try:
        client.xgroup_create(stream, group, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def publish_change(client: redis.Redis, organization_id: str, **change) -> None:
    """Tell live screens of one organization that something changed."""
    client.publish(changes_channel(organization_id), json.dumps(change, default=str))


def announce_monitor_change(client: redis.Redis, monitor_id: int, action: str) -> None:
    """Tell probes that a monitor was added, edited, paused or deleted."""
    client.publish(
        MONITOR_EVENTS, json.dumps({"monitor_id": monitor_id, "action": action})
    )
