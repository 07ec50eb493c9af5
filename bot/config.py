"""Load and validate the TOML configuration.

Precedence: built-in defaults < the TOML file < environment variables (for secrets and the
database). Every error names the file, the key, the bad value and what was expected.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import LANGUAGES

DEFAULT_CONFIG_FILE = "config.toml"


class ConfigError(Exception):
    """A configuration value is missing or invalid."""


@dataclass(frozen=True)
class TelegramConfig:
    token: str = ""
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str = "https://api.telegram.org/file/bot"
    # Long-polling timeout for getUpdates, in seconds.
    poll_timeout: int = 30


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = "sqlite+aiosqlite:///buurtbot.db"
    echo: bool = False


@dataclass(frozen=True)
class BotConfig:
    default_language: str = "nl"
    timezone: str = "Europe/Amsterdam"
    admins: tuple[int, ...] = ()
    rate_limiter: bool = True
    max_retries: int = 3

    @property
    def tz(self) -> ZoneInfo:
        """Return the configured time zone."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class AreasConfig:
    file: str = ""
    buurten_file: str = ""


DEFAULT_CATEGORIES = (
    "boodschappen",
    "vervoer",
    "klusje",
    "computer",
    "gezelschap",
    "huisdier",
    "formulieren",
    "anders",
)


@dataclass(frozen=True)
class RequestsConfig:
    # Category slugs; the default ones have texts in the catalogs. A custom category is written
    # "Dutch label / English label", e.g. "Tuin / Garden".
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    description_min: int = 10
    description_max: int = 500
    max_open: int = 3
    max_per_day: int = 5
    expire_grace_hours: int = 24
    still_needed_after_hours: int = 48
    remind_before_minutes: int = 60
    quiet_hours: str = "22:00-08:00"
    followup_interval_seconds: int = 60


@dataclass(frozen=True)
class DeliveryConfig:
    # Telegram's limits, kept by the rate limiter: messages a second overall, a minute per group.
    overall_per_second: int = 30
    group_per_minute: int = 20
    # Messages between "taken" and "recorded" at once: a crash repeats at most these.
    in_flight: int = 20
    # How often announcements are started and their progress shown, in seconds.
    broadcast_check_seconds: int = 2


@dataclass(frozen=True)
class HaConfig:
    # PostgreSQL only: when the leader dies, a standby takes over within this many seconds.
    takeover_seconds: int = 10
    # How often a standby asks for the leader lock and the leader checks that it still holds it.
    check_seconds: int = 1
    # On SIGTERM: finish the updates and sends in hand and exit within this many seconds.
    shutdown_seconds: int = 20


@dataclass(frozen=True)
class ActivitiesConfig:
    # Pin an activity's card in the group (the bot needs the "Pin messages" right).
    pin_cards: bool = False


@dataclass(frozen=True)
class LimitsConfig:
    # Updates (messages, commands, button presses) a person may send: a steady rate per minute
    # and a burst on top. Past it the bot says "slow down" once and ignores the rest until the
    # person is back under the limit. Burst + 1 stays within what Telegram lets a bot send to
    # one chat at once (about 10), so answering a burst never hits Telegram's flood control.
    updates_per_minute: int = 30
    updates_burst: int = 8
    # Activities a resident may propose in 24 hours (buurtassistenten publish without limit).
    # Help requests have their own limits: requests.max_open and requests.max_per_day.
    activity_proposals_per_day: int = 3
    # Updates handled at once, each from a different person (one person's stay in order);
    # 1 handles every update one after the other.
    concurrent_updates: int = 8
    # How often the list of blocked people is read again, in seconds (a block through the bot
    # itself counts at once).
    blocked_refresh_seconds: int = 30


@dataclass(frozen=True)
class EscalationSteps:
    """When a request climbs the ladder, in hours; 0 turns a step off."""

    # An open request without a helper this long after it was posted: tell the buurtassistenten.
    notify_buurtassistent_after_hours: int = 4
    # Still without a helper this long after it was posted: tell the admins.
    notify_admins_after_hours: int = 24
    # Accepted but not reported done this long after its time window ended: tell them again.
    stalled_after_hours: int = 24


@dataclass(frozen=True)
class EscalationConfig(EscalationSteps):
    # The buurtassistenten's daily overview, local time "HH:MM"; "" for none.
    digest_time: str = "08:00"
    # Other hours for some wijken, keyed by wijk code: [escalation.wijk.<code>].
    wijk: dict[str, EscalationSteps] = field(default_factory=dict)

    def steps_for(self, wijk_code: str | None) -> EscalationSteps:
        """Return the ladder of one wijk: its own hours, else the default ones."""
        if wijk_code is not None and wijk_code in self.wijk:
            return self.wijk[wijk_code]
        return EscalationSteps(
            self.notify_buurtassistent_after_hours,
            self.notify_admins_after_hours,
            self.stalled_after_hours,
        )


@dataclass(frozen=True)
class InfopointsConfig:
    # The PDOK Locatieserver (the free Dutch national geocoder), for `infopoints geocode`.
    geocoder_url: str = "https://api.pdok.nl/bzk/locatieserver/search/v3_1"


@dataclass(frozen=True)
class WebhookConfig:
    # Receive updates over HTTPS (TLS ends at a reverse proxy) instead of long polling.
    enabled: bool = False
    # Where the bot's own HTTP server listens; the proxy forwards to it.
    listen: str = "127.0.0.1"
    port: int = 8080
    # The path Telegram posts to, on this server and behind the proxy.
    path: str = "/telegram"
    # The public HTTPS URL Telegram posts to (the proxy's address plus the path).
    url: str = ""
    # Telegram sends it in the X-Telegram-Bot-Api-Secret-Token header; better set
    # BUURTBOT_WEBHOOK_SECRET in the environment.
    secret_token: str = ""
    # Simultaneous connections Telegram may open to deliver updates (1-100).
    max_connections: int = 40


@dataclass(frozen=True)
class MonitoringConfig:
    # Serve /healthz and /metrics over plain HTTP; keep it on localhost or a private network.
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 9090
    # A health check that takes longer than this reports the database as unreachable.
    health_timeout_seconds: int = 3


@dataclass(frozen=True)
class OrganisationConfig:
    name: str = "Buurtbot"
    contact_email: str = ""
    contact_phone: str = ""
    website: str = ""


@dataclass(frozen=True)
class PrivacyConfig:
    # Personal data of a request (description, contact, who asked and who helped) is removed
    # this many days after the request closed; the figures stay.
    retention_days: int = 90
    # Sent and failed messages in the outbox (and other delivery history) are removed after
    # this many days.
    outbox_days: int = 30
    # Your own version of the privacy statement, added to the built-in one. Change it when you
    # change what the statement says (e.g. retention_days or the contact): everyone is asked
    # to agree again the next time they use the bot.
    notice_version: str = ""


@dataclass(frozen=True)
class Config:
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    bot: BotConfig = field(default_factory=BotConfig)
    areas: AreasConfig = field(default_factory=AreasConfig)
    organisation: OrganisationConfig = field(default_factory=OrganisationConfig)
    requests: RequestsConfig = field(default_factory=RequestsConfig)
    infopoints: InfopointsConfig = field(default_factory=InfopointsConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    activities: ActivitiesConfig = field(default_factory=ActivitiesConfig)
    escalation: EscalationConfig = field(default_factory=EscalationConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    monitoring: MonitoringConfig = field(default_factory=MonitoringConfig)
    ha: HaConfig = field(default_factory=HaConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    source: str = "(built-in defaults)"


ORGANISATION_FIELD_MAX = 200
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{1,}$")
_SECTIONS: dict[str, type] = {
    "telegram": TelegramConfig,
    "database": DatabaseConfig,
    "bot": BotConfig,
    "areas": AreasConfig,
    "organisation": OrganisationConfig,
    "requests": RequestsConfig,
    "infopoints": InfopointsConfig,
    "delivery": DeliveryConfig,
    "activities": ActivitiesConfig,
    "escalation": EscalationConfig,
    "privacy": PrivacyConfig,
    "webhook": WebhookConfig,
    "monitoring": MonitoringConfig,
    "ha": HaConfig,
    "limits": LimitsConfig,
}


def resolve_path(cli_path: str | None, env: dict[str, str] | None = None) -> Path | None:
    """Pick the config file: --config, else BUURTBOT_CONFIG, else ./config.toml if present."""
    env = os.environ if env is None else env
    if cli_path:
        return Path(cli_path)
    if env.get("BUURTBOT_CONFIG"):
        return Path(env["BUURTBOT_CONFIG"])
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.exists() else None


def load_config(path: Path | None, env: dict[str, str] | None = None) -> Config:
    """Read, merge and validate the configuration."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {}
    where = "(built-in defaults)"
    if path is not None:
        where = str(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{where}: file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{where}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read the file: {exc.strerror}") from None

    sections: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _SECTIONS:
            raise ConfigError(
                f"{where}: unknown section [{key}]; expected one of: {', '.join(_SECTIONS)}"
            )
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: [{key}] must be a table")
        if key == "escalation":
            sections[key] = _build_escalation(where, value)
        else:
            sections[key] = _build_section(where, key, _SECTIONS[key], value)

    config = Config(source=where, **sections)
    config = _apply_env(config, env)
    _validate(config, where)
    return config


def _build_section(where: str, name: str, cls: type, values: dict[str, Any]) -> Any:
    """Check the keys and types of one section against its dataclass defaults."""
    defaults = cls()
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if not hasattr(defaults, key) or key.startswith("_"):
            known = ", ".join(f for f in cls.__dataclass_fields__)
            raise ConfigError(f"{where}: unknown key {name}.{key}; known keys: {known}")
        expected = getattr(defaults, key)
        kwargs[key] = _coerce(where, f"{name}.{key}", value, expected)
    return cls(**kwargs)


def _build_escalation(where: str, values: dict[str, Any]) -> EscalationConfig:
    """Build [escalation] and its per-wijk tables, which start from the section's hours."""
    values = dict(values)
    overrides = values.pop("wijk", {})
    if not isinstance(overrides, dict) or not all(isinstance(v, dict) for v in overrides.values()):
        raise ConfigError(
            f"{where}: escalation.wijk must hold tables, e.g. [escalation.wijk.N] with "
            "notify_buurtassistent_after_hours = 2"
        )
    base: EscalationConfig = _build_section(where, "escalation", EscalationConfig, values)
    steps: dict[str, EscalationSteps] = {}
    for code, table in overrides.items():
        name = f"escalation.wijk.{code}"
        own = _build_section(where, name, EscalationSteps, table)
        # Keys a wijk leaves out keep the section's value, not the built-in default.
        steps[str(code)] = replace(
            base.steps_for(None), **{key: getattr(own, key) for key in table}
        )
    return replace(base, wijk=steps)


def _coerce(where: str, key: str, value: Any, expected: Any) -> Any:
    """Return value if it has the type of the default, else raise a ConfigError."""
    if isinstance(expected, bool):
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: {key} = {value!r} is not valid; expected true or false")
    if isinstance(expected, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: {key} = {value!r} is not valid; expected a whole number")
    if isinstance(expected, str):
        if isinstance(value, str):
            return value
        raise ConfigError(f"{where}: {key} = {value!r} is not valid; expected a text in quotes")
    if isinstance(expected, tuple) and expected and isinstance(expected[0], str):
        if (
            isinstance(value, list)
            and value
            and all(isinstance(v, str) and v.strip() for v in value)
        ):
            return tuple(v.strip() for v in value)
        raise ConfigError(
            f"{where}: {key} = {value!r} is not valid; expected a non-empty list of texts"
        )
    if isinstance(expected, tuple):
        if isinstance(value, list) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            return tuple(value)
        raise ConfigError(
            f"{where}: {key} = {value!r} is not valid; expected a list of Telegram user ids "
            "(whole numbers), e.g. [12345678]"
        )
    raise ConfigError(f"{where}: {key} has an unsupported type")  # pragma: no cover


def _apply_env(config: Config, env: dict[str, str]) -> Config:
    """Let the environment override the token and the database URL."""
    if env.get("BUURTBOT_TOKEN"):
        config = replace(config, telegram=replace(config.telegram, token=env["BUURTBOT_TOKEN"]))
    if env.get("BUURTBOT_DATABASE_URL"):
        config = replace(
            config, database=replace(config.database, url=env["BUURTBOT_DATABASE_URL"])
        )
    if env.get("BUURTBOT_WEBHOOK_SECRET"):
        config = replace(
            config, webhook=replace(config.webhook, secret_token=env["BUURTBOT_WEBHOOK_SECRET"])
        )
    return config


def _validate(config: Config, where: str) -> None:
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
    url = config.database.url
    if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ConfigError(
            f"{where}: database.url = {_redact_url(url)!r} is not supported; expected "
            "sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/dbname"
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
