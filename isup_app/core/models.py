"""The tables, after the reference design's Convex and Tinybird schemas.

Column names follow the reference in snake case. Every time is UTC; the
``UTCDateTime`` column type hands back aware datetimes on SQLite too.
Kind-specific monitor options beyond the reference's own columns (redirects,
TLS verification, DNS record types, heartbeat grace, retries, ...) are plain
columns too, so that the database can be queried and checked like the rest.
"""

import secrets
from datetime import UTC, date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Column, Field, SQLModel

APP_ID = "isup"


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always read back timezone-aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; IsUp stores UTC-aware times")
        value = value.astimezone(UTC)
        # SQLite keeps no zone; store the UTC wall time so that text order is
        # time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def now() -> datetime:
    return datetime.now(UTC)


def _time(nullable: bool = True, index: bool = False):
    return Field(
        default=None, sa_column=Column(UTCDateTime, nullable=nullable, index=index)
    )


def _created():
    return Field(default_factory=now, sa_column=Column(UTCDateTime, nullable=False))


def _json(default=None):
    factory = (lambda: None) if default is None else (lambda: type(default)(default))
    return Field(
        default_factory=factory, sa_column=Column(sa.JSON, nullable=default is None)
    )


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


# --- enumerations -----------------------------------------------------------


class MonitorType(StrEnum):
    HTTP = "http"
    KEYWORD = "keyword"
    PORT = "port"
    PING = "ping"
    SSL = "ssl"
    DNS = "dns"
    HEARTBEAT = "heartbeat"


class MonitorStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DELETED = "deleted"


class MonitorState(StrEnum):
    UP = "up"
    DOWN = "down"
    DEGRADED = "degraded"
    UNKNOWN = "unknown"
    PENDING = "pending"


class KeywordType(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"


class ContactType(StrEnum):
    EMAIL = "email"
    SLACK = "slack"
    DISCORD = "discord"
    TELEGRAM = "telegram"
    WEBHOOK = "webhook"
    SMS = "sms"
    VOICE = "voice"


class RoleName(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


class ResolvedBy(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


def _enum(enum: type[StrEnum], name: str):
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        values_callable=lambda e: [m.value for m in e],
        length=16,
    )


# --- shared tables: users, organizations, roles -----------------------------


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: str = Field(
        default_factory=lambda: new_id("usr"), primary_key=True, max_length=40
    )
    app_id: str = Field(default=APP_ID, max_length=16)
    workos_user_id: str | None = Field(default=None, unique=True, max_length=64)
    email: str = Field(unique=True, index=True, max_length=320)
    name: str = Field(default="", max_length=200)
    password_hash: str | None = Field(default=None, max_length=400)
    email_verified: bool = False
    created_at: datetime = _created()
    updated_at: datetime = _created()


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: str = Field(
        default_factory=lambda: new_id("org"), primary_key=True, max_length=40
    )
    app_id: str = Field(default=APP_ID, max_length=16)
    name: str = Field(max_length=200)
    personal: bool = False
    plan: str = Field(default="free", max_length=40)
    stripe_customer_id: str | None = Field(default=None, index=True, max_length=64)
    stripe_subscription_id: str | None = Field(default=None, max_length=64)
    subscription_status: str | None = Field(default=None, max_length=32)
    subscription_updated_at: datetime | None = _time()
    created_at: datetime = _created()
    updated_at: datetime = _created()


class Role(SQLModel, table=True):
    """The four roles and what each may do; rows are seeded by the migration."""

    __tablename__ = "roles"

    name: RoleName = Field(
        sa_column=Column(_enum(RoleName, "role_name"), primary_key=True)
    )
    rank: int
    description: str = Field(default="", max_length=200)


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "organization_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(foreign_key="users.id", index=True, max_length=40)
    organization_id: str = Field(
        foreign_key="organizations.id", index=True, max_length=40
    )
    role: RoleName = Field(
        sa_column=Column(_enum(RoleName, "membership_role"), nullable=False)
    )
    created_at: datetime = _created()


class Invitation(SQLModel, table=True):
    __tablename__ = "invitations"

    id: int | None = Field(default=None, primary_key=True)
    organization_id: str = Field(
        foreign_key="organizations.id", index=True, max_length=40
    )
    email: str = Field(max_length=320)
    role: RoleName = Field(
        sa_column=Column(_enum(RoleName, "invitation_role"), nullable=False)
    )
    token: str = Field(default_factory=lambda: secrets.token_urlsafe(24), unique=True)
    invited_by: str | None = Field(default=None, max_length=40)
    accepted_at: datetime | None = _time()
    created_at: datetime = _created()


# --- monitors ---------------------------------------------------------------


class Monitor(SQLModel, table=True):
    __tablename__ = "monitors"
    __table_args__ = (
        sa.Index("ix_monitors_by_next_check", "status", "last_checked_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: str = Field(default=APP_ID, max_length=16)
    user_id: str | None = Field(
        default=None, foreign_key="users.id", index=True, max_length=40
    )
    organization_id: str = Field(
        foreign_key="organizations.id", index=True, max_length=40
    )
    name: str = Field(max_length=200)
    type: MonitorType = Field(
        sa_column=Column(_enum(MonitorType, "monitor_type"), nullable=False)
    )
    url: str = Field(default="", max_length=2048)
    interval_seconds: int = 60
    timeout_seconds: float = 30
    regions: list = _json([])
    tags: list = _json([])

    # http
    http_method: str | None = Field(default="GET", max_length=10)
    http_headers: dict | None = _json()
    http_body: str | None = None
    expected_status_codes: str | None = Field(default="200-299", max_length=400)
    follow_redirects: bool = True
    max_redirects: int = 5
    verify_tls: bool = True
    body_max_bytes: int = 1_048_576
    # keyword
    keyword: str | None = Field(default=None, max_length=1000)
    keyword_type: KeywordType | None = Field(
        default=None,
        sa_column=Column(_enum(KeywordType, "keyword_type"), nullable=True),
    )
    keyword_case_sensitive: bool = True
    # port
    port: int | None = None
    # ping
    ping_count: int = 3
    # ssl
    ssl_expiry_alert_days: list = _json([30, 14, 7, 1])
    ca_bundle: str | None = None
    # dns
    dns_record_type: str | None = Field(default=None, max_length=8)
    dns_server: str | None = Field(default=None, max_length=255)
    dns_expected: list = _json([])
    dns_match: str = Field(default="any", max_length=8)
    # heartbeat
    heartbeat_token: str | None = Field(default=None, unique=True, max_length=64)
    heartbeat_grace_seconds: int = 60
    last_ping_at: datetime | None = _time()
    last_ping_kind: str | None = Field(default=None, max_length=16)
    last_ping_body: str | None = None
    last_start_at: datetime | None = _time()
    # thresholds and confirmation
    response_time_threshold: int | None = None
    retries: int = 0
    retry_interval_seconds: int | None = None
    recovery_checks: int = 1
    reminder_minutes: int | None = None

    # state
    status: MonitorStatus = Field(
        default=MonitorStatus.ACTIVE,
        sa_column=Column(
            _enum(MonitorStatus, "monitor_status"), nullable=False, index=True
        ),
    )
    current_state: MonitorState = Field(
        default=MonitorState.UNKNOWN,
        sa_column=Column(
            _enum(MonitorState, "monitor_state"), nullable=False, index=True
        ),
    )
    state_reason: str | None = Field(default=None, max_length=1000)
    notified_state: MonitorState | None = Field(
        default=None,
        sa_column=Column(_enum(MonitorState, "notified_state"), nullable=True),
    )
    failure_count: int = 0
    success_count: int = 0
    last_checked_at: datetime | None = _time()
    last_state_change_at: datetime | None = _time()
    last_response_time_ms: int | None = None
    last_status_code: int | None = None

    # denormalized stats
    uptime_percent_24h: float | None = None
    uptime_percent_7d: float | None = None
    uptime_percent_30d: float | None = None
    avg_response_time_24h: float | None = None

    created_at: datetime = _created()
    updated_at: datetime = _created()


class AlertContact(SQLModel, table=True):
    __tablename__ = "alert_contacts"

    id: int | None = Field(default=None, primary_key=True)
    app_id: str = Field(default=APP_ID, max_length=16)
    user_id: str | None = Field(
        default=None, foreign_key="users.id", index=True, max_length=40
    )
    organization_id: str = Field(
        foreign_key="organizations.id", index=True, max_length=40
    )
    name: str = Field(max_length=200)
    type: ContactType = Field(
        sa_column=Column(_enum(ContactType, "contact_type"), nullable=False)
    )
    config: dict = _json({})
    is_verified: bool = False
    is_default: bool = False
    verification_code_hash: str | None = Field(default=None, max_length=200)
    verification_sent_at: datetime | None = _time()
    last_error: str | None = Field(default=None, max_length=1000)
    disabled_reason: str | None = Field(default=None, max_length=1000)
    created_at: datetime = _created()


class MonitorAlertContact(SQLModel, table=True):
    __tablename__ = "monitor_alert_contacts"

    monitor_id: int = Field(foreign_key="monitors.id", primary_key=True, index=True)
    alert_contact_id: int = Field(
        foreign_key="alert_contacts.id", primary_key=True, index=True
    )


# --- incidents --------------------------------------------------------------


class Incident(SQLModel, table=True):
    __tablename__ = "incidents"
    __table_args__ = (
        sa.Index("ix_incidents_by_active", "monitor_id", "ended_at"),
        # At most one open incident per monitor, enforced by the database.
        sa.Index(
            "uq_incidents_one_open",
            "monitor_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: str = Field(default=APP_ID, max_length=16)
    monitor_id: int = Field(foreign_key="monitors.id", index=True)
    organization_id: str = Field(
        foreign_key="organizations.id", index=True, max_length=40
    )
    started_at: datetime = Field(
        sa_column=Column(UTCDateTime, nullable=False, index=True)
    )
    ended_at: datetime | None = _time()
    duration_seconds: int | None = None
    cause: str = Field(max_length=64)
    error_message: str | None = Field(default=None, max_length=2000)
    affected_regions: list = _json([])
    resolved_by: ResolvedBy | None = Field(
        default=None, sa_column=Column(_enum(ResolvedBy, "resolved_by"), nullable=True)
    )
    notes: str | None = None
    created_at: datetime = _created()


class Notification(SQLModel, table=True):
    """One attempt to tell one contact about one event: the reference's
    ``notificationsSent`` entries, as rows."""

    __tablename__ = "notifications"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(
        default=None, foreign_key="incidents.id", index=True
    )
    monitor_id: int | None = Field(default=None, foreign_key="monitors.id", index=True)
    contact_id: int = Field(foreign_key="alert_contacts.id", index=True)
    organization_id: str = Field(
        foreign_key="organizations.id", index=True, max_length=40
    )
    # down, up, reminder, ssl_expiry, test, verification
    type: str = Field(max_length=24)
    event_key: str = Field(max_length=200, index=True)
    attempt: int = 1
    sent_at: datetime = _created()
    success: bool
    permanent: bool = False
    error: str | None = Field(default=None, max_length=1000)


class NotificationOutbox(SQLModel, table=True):
    """What must be told to whom, written in the same transaction as the
    change that calls for it; the notifier delivers each row once.

    ``event_key`` (event + contact) is unique, so deciding the same event
    twice writes one row. ``status``: pending, sent, failed.
    """

    __tablename__ = "notification_outbox"
    __table_args__ = (
        sa.Index("ix_notification_outbox_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(unique=True, max_length=200)
    organization_id: str = Field(
        foreign_key="organizations.id", index=True, max_length=40
    )
    monitor_id: int | None = Field(default=None, foreign_key="monitors.id", index=True)
    incident_id: int | None = Field(
        default=None, foreign_key="incidents.id", index=True
    )
    contact_id: int = Field(foreign_key="alert_contacts.id", index=True)
    # down, up, reminder, ssl_expiry, test
    type: str = Field(max_length=24)
    message: dict = _json({})
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = _created()
    enqueued_at: datetime | None = _time()
    claimed_until: datetime | None = _time()
    last_error: str | None = Field(default=None, max_length=1000)
    decided_at: datetime = _created()
    sent_at: datetime | None = _time()
    created_at: datetime = _created()


class IncidentUpdate(SQLModel, table=True):
    __tablename__ = "incident_updates"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    organization_id: str = Field(
        foreign_key="organizations.id", index=True, max_length=40
    )
    # investigating, identified, monitoring, resolved
    status: str = Field(max_length=16)
    message: str
    created_at: datetime = _created()


class MaintenanceWindow(SQLModel, table=True):
    __tablename__ = "maintenance_windows"

    id: int | None = Field(default=None, primary_key=True)
    organization_id: str = Field(
        foreign_key="organizations.id", index=True, max_length=40
    )
    title: str = Field(max_length=200)
    # once, daily, weekly
    recurrence: str = Field(default="once", max_length=8)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    timezone: str = Field(default="UTC", max_length=64)
    weekdays: list = _json([])
    monitor_ids: list = _json([])
    created_at: datetime = _created()


# --- status pages -----------------------------------------------------------


class StatusPage(SQLModel, table=True):
    __tablename__ = "status_pages"

    id: int | None = Field(default=None, primary_key=True)
    app_id: str = Field(default=APP_ID, max_length=16)
    user_id: str | None = Field(
        default=None, foreign_key="users.id", index=True, max_length=40
    )
    organization_id: str = Field(
        foreign_key="organizations.id", index=True, max_length=40
    )
    slug: str = Field(unique=True, index=True, max_length=64)
    name: str = Field(max_length=200)
    description: str | None = None
    custom_domain: str | None = Field(
        default=None, unique=True, index=True, max_length=255
    )
    custom_domain_verified: bool | None = None
    domain_verification_token: str = Field(
        default_factory=lambda: secrets.token_hex(16), max_length=64
    )
    theme: dict | None = _json()
    is_public: bool = True
    password_hash: str | None = Field(default=None, max_length=400)
    allow_indexing: bool = True
    created_at: datetime = _created()
    updated_at: datetime = _created()


class StatusPageMonitor(SQLModel, table=True):
    __tablename__ = "status_page_monitors"

    id: int | None = Field(default=None, primary_key=True)
    status_page_id: int = Field(foreign_key="status_pages.id", index=True)
    monitor_id: int = Field(foreign_key="monitors.id", index=True)
    display_name: str | None = Field(default=None, max_length=200)
    sort_order: int = 0


# --- time series ------------------------------------------------------------


class CheckResult(SQLModel, table=True):
    """One check in one region: the reference's ``check_results``."""

    __tablename__ = "check_results"
    __table_args__ = (
        sa.Index("ix_check_results_monitor_time", "monitor_id", "timestamp"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
    )
    check_id: str = Field(unique=True, max_length=40)
    monitor_id: int = Field(index=False)
    organization_id: str = Field(max_length=40, index=True)
    timestamp: datetime = Field(
        sa_column=Column(UTCDateTime, nullable=False, index=True)
    )
    region: str = Field(max_length=32)
    status: str = Field(max_length=16)
    response_time_ms: int = 0
    status_code: int | None = None
    error_message: str | None = Field(default=None, max_length=2000)
    phase: str | None = Field(default=None, max_length=16)
    dns_time_ms: int | None = None
    connect_time_ms: int | None = None
    tls_time_ms: int | None = None
    ttfb_ms: int | None = None
    ssl_expiry_date: datetime | None = _time()
    ssl_issuer: str | None = Field(default=None, max_length=500)
    details: dict | None = _json()


class CheckResultHourly(SQLModel, table=True):
    """Hourly rollups per monitor and region: the reference's
    ``check_results_hourly``, kept current as results arrive."""

    __tablename__ = "check_results_hourly"

    monitor_id: int = Field(primary_key=True)
    hour: datetime = Field(sa_column=Column(UTCDateTime, primary_key=True))
    region: str = Field(primary_key=True, max_length=32)
    check_count: int = 0
    up_count: int = 0
    degraded_count: int = 0
    # Results that count for neither side of uptime: no verdict, or taken
    # inside a maintenance window (these are not in up/degraded either).
    unknown_count: int = 0
    maintenance_count: int = 0
    avg_response_time: float = 0
    max_response_time: int = 0
    min_response_time: int = 0


class CheckResultDaily(SQLModel, table=True):
    """Daily rollups per monitor and region, with response-time percentiles
    read from ``check_results_daily_buckets``; kept current as results
    arrive (see isup_app.core.history)."""

    __tablename__ = "check_results_daily"

    monitor_id: int = Field(primary_key=True)
    day: date = Field(sa_column=Column(sa.Date, primary_key=True))
    region: str = Field(primary_key=True, max_length=32)
    check_count: int = 0
    up_count: int = 0
    degraded_count: int = 0
    unknown_count: int = 0
    maintenance_count: int = 0
    avg_response_time: float = 0
    max_response_time: int = 0
    min_response_time: int = 0
    p50_response_time: float | None = None
    p95_response_time: float | None = None
    p99_response_time: float | None = None


class CheckResultDailyBucket(SQLModel, table=True):
    """A mergeable response-time histogram per monitor, day and region:
    logarithmic buckets of a fixed relative width, counted by upserts."""

    __tablename__ = "check_results_daily_buckets"

    monitor_id: int = Field(primary_key=True)
    day: date = Field(sa_column=Column(sa.Date, primary_key=True))
    region: str = Field(primary_key=True, max_length=32)
    bucket: int = Field(primary_key=True)
    count: int = 0


# --- billing ----------------------------------------------------------------


class StripeEvent(SQLModel, table=True):
    """A Stripe webhook event already handled: a replay changes nothing. For
    subscription events, the subscription and the state it carried, so that
    an older event arriving late cannot undo a newer one."""

    __tablename__ = "stripe_events"
    __table_args__ = (
        sa.Index("ix_stripe_events_subscription", "subscription_id", "created"),
    )

    id: str = Field(primary_key=True, max_length=255)
    type: str = Field(max_length=100)
    created: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    organization_id: str | None = Field(default=None, max_length=40, index=True)
    subscription_id: str | None = Field(default=None, max_length=255)
    subscription_status: str | None = Field(default=None, max_length=32)
    # Whether the event changed the organization (False: stale or unrelated).
    applied: bool = False
    processed_at: datetime = _created()


# --- API keys ---------------------------------------------------------------


class ApiKey(SQLModel, table=True):
    """A key for scripts calling ``/api/v1/``: only its sha256 is kept. It
    acts in one organization with its own role, never above its maker's."""

    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    organization_id: str = Field(
        foreign_key="organizations.id", index=True, max_length=40
    )
    created_by: str = Field(foreign_key="users.id", index=True, max_length=40)
    name: str = Field(default="", max_length=200)
    # The start of the key, to tell keys apart in a list (not a secret).
    prefix: str = Field(max_length=16)
    key_hash: str = Field(unique=True, max_length=64)
    role: RoleName = Field(
        sa_column=Column(_enum(RoleName, "api_key_role"), nullable=False)
    )
    created_at: datetime = _created()
    last_used_at: datetime | None = _time()
    revoked_at: datetime | None = _time()
