"""One settings object, read from ``ISUP_*`` variables and an optional ``.env``.

Every setting is listed in the README's settings table; keep the two in step.
A secret can also come from a file: ``ISUP_<NAME>_FILE`` names the file.
"""

import os
from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ISUP_", env_file=".env", extra="ignore", secrets_dir=None
    )

    database_url: str = f"sqlite:///{ROOT / 'data' / 'isup.db'}"
    redis_url: str = ""
    region: str = "local"
    regions: str = "local"
    public_url: str = "http://localhost:3000"
    log_level: str = "INFO"
    secret_key: str = ""
    default_org_id: str = "org_default"
    monitor_refresh_seconds: float = 2.0
    result_batch_size: int = 200
    checker_concurrency: int = 2000
    retention_interval_seconds: float = 3600.0
    # web app and launcher (isup_app.launch)
    host: str = "127.0.0.1"
    port: int = 3000
    data_dir: str = str(ROOT / "data")
    # alerts (checker.channels, checker.notifier)
    email_from: str = "IsUp <alerts@isup.localhost>"
    resend_api_key: str = ""
    resend_api_url: str = "https://api.resend.com"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_security: str = "starttls"
    slack_webhook_base: str = "https://hooks.slack.com/"
    discord_webhook_base: str = "https://discord.com/api/webhooks/"
    telegram_api_url: str = "https://api.telegram.org"
    telegram_bot_token: str = ""
    twilio_api_url: str = "https://api.twilio.com"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    notify_timeout_seconds: float = 10.0
    notify_max_attempts: int = 8
    notify_backoff_seconds: float = 5.0
    notify_sweep_seconds: float = 5.0
    notify_lease_seconds: float = 60.0
    verification_code_minutes: int = 30
    stripe_secret_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_api_base: str = ""
    stripe_price_pro: str = ""
    stripe_price_business: str = ""
    # accounts and sign-in (isup_app.core.auth)
    workos_api_key: str = ""
    workos_client_id: str = ""
    workos_cookie_password: str = ""
    workos_base_url: str = ""
    session_days: int = 14
    allow_signup: bool = True
    # public status pages (isup_app.api.status_pages)
    status_cache_seconds: float = 30.0
    # the editor's custom-domain check: nameservers to ask, else the system's
    domain_nameservers: str = ""

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        # PostgreSQL URLs as most tools write them mean psycopg 3 here.
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @property
    def region_list(self) -> list[str]:
        return [r.strip() for r in self.regions.split(",") if r.strip()]


def _load_secret_files() -> None:
    """Let ``ISUP_X_FILE=/path`` stand for ``ISUP_X=<contents of /path>``."""
    for name, path in list(os.environ.items()):
        if name.startswith("ISUP_") and name.endswith("_FILE"):
            target = name.removesuffix("_FILE")
            if target not in os.environ:
                os.environ[target] = Path(path).read_text().strip()


@lru_cache
def get_settings() -> Settings:
    _load_secret_files()
    return Settings()
