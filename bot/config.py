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
class InfopointsConfig:
    # The PDOK Locatieserver (the free Dutch national geocoder), for `infopoints geocode`.
    geocoder_url: str = "https://api.pdok.nl/bzk/locatieserver/search/v3_1"


@dataclass(frozen=True)
class OrganisationConfig:
    name: str = "Buurtbot"
    contact_email: str = ""
    contact_phone: str = ""
    website: str = ""


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
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    source: str = "(built-in defaults)"


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
    _validate_limits(config.limits, where)
    if not config.infopoints.geocoder_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"{where}: infopoints.geocoder_url = {config.infopoints.geocoder_url!r} is not valid; "
            "expected an http(s) URL"
        )
    if not config.organisation.name.strip():
        raise ConfigError(f"{where}: organisation.name must not be empty")


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
