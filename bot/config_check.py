"""Check a loaded configuration: every error names the file, the key, the value and what was
expected, and never echoes a secret.
"""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config_sections import (
    DEFAULT_CATEGORIES,
    ORGANISATION_FIELD_MAX,
    Config,
    ConfigError,
    EscalationConfig,
    EscalationSteps,
    HaConfig,
    LimitsConfig,
    MonitoringConfig,
    PrivacyConfig,
    RequestsConfig,
    WebhookConfig,
)
from bot.i18n import LANGUAGES
from bot.loop import EVENT_LOOPS, uvloop_installed
from models.db import SQLITE_SYNCHRONOUS

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{1,}$")
HTTP_CLIENTS = ("aiohttp", "httpx")


def validate(config: Config, where: str) -> None:
    """Check values that have a type but also a shape."""
    bot = config.bot
    if bot.default_language not in LANGUAGES:
        raise ConfigError(
            f"{where}: bot.default_language = {bot.default_language!r} is not valid; "
            f"expected one of: {', '.join(LANGUAGES)}"
        )
    try:
        ZoneInfo(bot.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: bot.timezone = {bot.timezone!r} is not a known time zone; "
            "expected a name like 'Europe/Amsterdam'"
        ) from None
    if bot.max_retries < 0 or bot.max_retries > 10:
        raise ConfigError(
            f"{where}: bot.max_retries = {bot.max_retries} is not valid; expected 0 to 10"
        )
    if bot.event_loop not in EVENT_LOOPS:
        raise ConfigError(
            f"{where}: bot.event_loop = {bot.event_loop!r} is not valid; "
            f"expected one of: {', '.join(EVENT_LOOPS)}"
        )
    if bot.event_loop == "uvloop" and not uvloop_installed():
        raise ConfigError(
            f"{where}: bot.event_loop = 'uvloop', but uvloop is not installed here "
            "(it exists for Linux and macOS); install it, or use 'auto' or 'asyncio'"
        )
    if any(a <= 0 for a in bot.admins):
        raise ConfigError(
            f"{where}: bot.admins = {list(bot.admins)} is not valid; "
            "Telegram user ids are positive whole numbers"
        )
    token = config.telegram.token
    if token and not _TOKEN_RE.match(token):
        # Never echo the token itself: it is a secret.
        raise ConfigError(
            f"{where}: telegram.token (or BUURTBOT_TOKEN) does not look like a bot token; "
            "expected the form 123456789:ABC-... that @BotFather gives you"
        )
    for key in ("api_base_url", "api_file_url"):
        url = getattr(config.telegram, key)
        if not url.startswith(("http://", "https://")):
            raise ConfigError(
                f"{where}: telegram.{key} = {url!r} is not valid; expected an http(s) URL"
            )
    if config.telegram.poll_timeout < 0 or config.telegram.poll_timeout > 60:
        raise ConfigError(
            f"{where}: telegram.poll_timeout = {config.telegram.poll_timeout} is not valid; "
            "expected 0 to 60 seconds"
        )
    if config.telegram.http not in HTTP_CLIENTS:
        raise ConfigError(
            f"{where}: telegram.http = {config.telegram.http!r} is not valid; "
            f"expected one of: {', '.join(HTTP_CLIENTS)}"
        )
    url = config.database.url
    if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ConfigError(
            f"{where}: database.url = {_redact_url(url)!r} is not supported; expected "
            "sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/dbname"
        )
    if config.database.sqlite_synchronous not in SQLITE_SYNCHRONOUS:
        raise ConfigError(
            f"{where}: database.sqlite_synchronous = {config.database.sqlite_synchronous!r} is not "
            f"valid; expected one of: {', '.join(SQLITE_SYNCHRONOUS)}"
        )
    if not 1 <= config.database.pool_size <= 100:
        raise ConfigError(
            f"{where}: database.pool_size = {config.database.pool_size} is not valid; "
            "expected 1 to 100"
        )
    side_by_side = config.limits.concurrent_updates
    if url.startswith("postgresql") and config.database.pool_size <= side_by_side:
        raise ConfigError(
            f"{where}: database.pool_size = {config.database.pool_size} is too small; expected "
            f"more than limits.concurrent_updates ({side_by_side}), so that the outbox and "
            "the health check get a connection while every update in hand holds one"
        )
    if config.areas.file and not Path(config.areas.file).exists():
        raise ConfigError(f"{where}: areas.file = {config.areas.file!r}: file not found")
    if config.areas.buurten_file and not Path(config.areas.buurten_file).exists():
        raise ConfigError(
            f"{where}: areas.buurten_file = {config.areas.buurten_file!r}: file not found"
        )
    _validate_requests(config.requests, where)
    for key in ("overall_per_second", "group_per_minute", "in_flight", "broadcast_check_seconds"):
        value = getattr(config.delivery, key)
        if not 1 <= value <= 10_000:
            raise ConfigError(
                f"{where}: delivery.{key} = {value} is not valid; expected 1 to 10000"
            )
    _validate_ha(config.ha, where)
    _validate_limits(config.limits, where)
    if not config.infopoints.geocoder_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"{where}: infopoints.geocoder_url = {config.infopoints.geocoder_url!r} is not valid; "
            "expected an http(s) URL"
        )
    _validate_escalation(config.escalation, where)
    if not config.organisation.name.strip():
        raise ConfigError(f"{where}: organisation.name must not be empty")
    _validate_webhook(config.webhook, where)
    _validate_monitoring(config.monitoring, where)
    for key in ("name", "contact_email", "contact_phone", "website"):
        # The privacy statement holds them all and must fit in one Telegram message.
        if len(getattr(config.organisation, key)) > ORGANISATION_FIELD_MAX:
            raise ConfigError(
                f"{where}: organisation.{key} is too long; expected at most "
                f"{ORGANISATION_FIELD_MAX} characters"
            )
    _validate_privacy(config.privacy, where)


_VERSION_RE = re.compile(r"^[A-Za-z0-9._-]{0,20}$")


def _validate_privacy(privacy: PrivacyConfig, where: str) -> None:
    """Check the retention periods and the statement's version."""
    for key in ("retention_days", "outbox_days"):
        value = getattr(privacy, key)
        if not 1 <= value <= 3650:
            raise ConfigError(f"{where}: privacy.{key} = {value} is not valid; expected 1 to 3650")
    if not _VERSION_RE.match(privacy.notice_version):
        raise ConfigError(
            f"{where}: privacy.notice_version = {privacy.notice_version!r} is not valid; expected "
            "at most 20 letters, digits, dots, dashes or underscores, e.g. '2027-01'"
        )


def _redact_url(url: str) -> str:
    """Hide a password in a database URL."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


_LIMIT_RANGES = {
    "updates_per_minute": (1, 10_000),
    "updates_burst": (1, 10_000),
    "activity_proposals_per_day": (1, 1000),
    "concurrent_updates": (1, 256),
    "blocked_refresh_seconds": (1, 3600),
}


def _validate_limits(limits: LimitsConfig, where: str) -> None:
    """Check the per-person limits."""
    for key, (low, high) in _LIMIT_RANGES.items():
        value = getattr(limits, key)
        if not low <= value <= high:
            raise ConfigError(
                f"{where}: limits.{key} = {value} is not valid; expected {low} to {high}"
            )


_QUIET_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _validate_escalation(escalation: EscalationConfig, where: str) -> None:
    """Check the escalation ladder and the digest time."""
    ladders = {"escalation": escalation.steps_for(None)}
    ladders |= {f"escalation.wijk.{code}": steps for code, steps in escalation.wijk.items()}
    for name, steps in ladders.items():
        for key in EscalationSteps.__dataclass_fields__:
            if not 0 <= getattr(steps, key) <= 24 * 60:
                raise ConfigError(
                    f"{where}: {name}.{key} = {getattr(steps, key)} is not valid; "
                    "expected 0 (off) to 1440 hours"
                )
    if escalation.digest_time and not _TIME_RE.match(escalation.digest_time):
        raise ConfigError(
            f"{where}: escalation.digest_time = {escalation.digest_time!r} is not valid; "
            "expected HH:MM, e.g. '08:00', or '' for none"
        )


def _validate_requests(requests: RequestsConfig, where: str) -> None:
    """Check the help-request settings."""
    if not 1 <= requests.description_min < requests.description_max <= 3000:
        raise ConfigError(
            f"{where}: requests.description_min/max = {requests.description_min}/"
            f"{requests.description_max} are not valid; expected 1 <= min < max <= 3000"
        )
    for key in ("max_open", "max_per_day", "followup_interval_seconds"):
        if getattr(requests, key) < 1:
            raise ConfigError(f"{where}: requests.{key} must be at least 1")
    for key in ("expire_grace_hours", "still_needed_after_hours", "remind_before_minutes"):
        if getattr(requests, key) < 0:
            raise ConfigError(f"{where}: requests.{key} must not be negative")
    if requests.quiet_hours and not _QUIET_RE.match(requests.quiet_hours):
        raise ConfigError(
            f"{where}: requests.quiet_hours = {requests.quiet_hours!r} is not valid; "
            "expected HH:MM-HH:MM, e.g. '22:00-08:00', or '' for none"
        )
    if len(requests.categories) > 24:
        raise ConfigError(f"{where}: requests.categories has more than 24 entries")
    for category in requests.categories:
        if category not in DEFAULT_CATEGORIES and "/" not in category:
            raise ConfigError(
                f"{where}: requests.categories entry {category!r} is not a known category; "
                f"use one of {', '.join(DEFAULT_CATEGORIES)}, or 'Dutch label / English label'"
            )


# Telegram's rule for setWebhook's secret_token.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _validate_webhook(webhook: WebhookConfig, where: str) -> None:
    """Check the webhook settings; with webhook.enabled, the URL and the secret are required."""
    _check_port(where, "webhook.port", webhook.port)
    if not webhook.path.startswith("/") or any(c in webhook.path for c in " ?#"):
        raise ConfigError(
            f"{where}: webhook.path = {webhook.path!r} is not valid; expected a path like "
            "'/telegram'"
        )
    if not 1 <= webhook.max_connections <= 100:
        raise ConfigError(
            f"{where}: webhook.max_connections = {webhook.max_connections} is not valid; "
            "expected 1 to 100"
        )
    if webhook.secret_token and not _SECRET_RE.match(webhook.secret_token):
        # Never echo the secret itself.
        raise ConfigError(
            f"{where}: webhook.secret_token (or BUURTBOT_WEBHOOK_SECRET) is not valid; expected "
            "1 to 256 characters A-Z, a-z, 0-9, _ and -, e.g. from: openssl rand -hex 32"
        )
    if webhook.url and not webhook.url.startswith("https://"):
        raise ConfigError(
            f"{where}: webhook.url = {webhook.url!r} is not valid; Telegram only posts to an "
            "https:// URL (let the reverse proxy handle TLS)"
        )
    if webhook.enabled:
        check_webhook_ready(webhook, where)


def check_webhook_ready(webhook: WebhookConfig, where: str) -> None:
    """Require what webhook mode cannot run without: the public URL and a secret."""
    if not webhook.url:
        raise ConfigError(
            f"{where}: webhook mode needs webhook.url, the public https:// URL of the bot "
            "(e.g. 'https://bot.example.org/telegram')"
        )
    if not webhook.secret_token:
        raise ConfigError(
            f"{where}: webhook mode needs a secret: set BUURTBOT_WEBHOOK_SECRET (or "
            "webhook.secret_token), e.g. to the output of: openssl rand -hex 32"
        )


def _validate_monitoring(monitoring: MonitoringConfig, where: str) -> None:
    """Check the health and metrics server's settings."""
    _check_port(where, "monitoring.port", monitoring.port)
    if not monitoring.host.strip():
        raise ConfigError(f"{where}: monitoring.host must not be empty; e.g. '127.0.0.1'")
    if not 1 <= monitoring.health_timeout_seconds <= 60:
        raise ConfigError(
            f"{where}: monitoring.health_timeout_seconds = "
            f"{monitoring.health_timeout_seconds} is not valid; expected 1 to 60"
        )


def _check_port(where: str, key: str, port: int) -> None:
    """Require a TCP port number (0 picks a free port, for tests)."""
    if not 0 <= port <= 65535:
        raise ConfigError(f"{where}: {key} = {port} is not valid; expected a port, 1 to 65535")


def _validate_ha(ha: HaConfig, where: str) -> None:
    """Check the active/standby timings: a standby must look often enough to take over in time."""
    if not 2 <= ha.takeover_seconds <= 600:
        raise ConfigError(
            f"{where}: ha.takeover_seconds = {ha.takeover_seconds} is not valid; expected 2 to 600"
        )
    if not 1 <= ha.check_seconds <= ha.takeover_seconds // 2:
        raise ConfigError(
            f"{where}: ha.check_seconds = {ha.check_seconds} is not valid; expected 1 to half "
            f"of ha.takeover_seconds ({ha.takeover_seconds // 2})"
        )
    if not 1 <= ha.shutdown_seconds <= 600:
        raise ConfigError(
            f"{where}: ha.shutdown_seconds = {ha.shutdown_seconds} is not valid; expected 1 to 600"
        )
