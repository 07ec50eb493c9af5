"""The configuration's sections: every key with its default (each one is documented in
config.example.toml).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo


class ConfigError(Exception):
    """A configuration value is missing or invalid."""


@dataclass(frozen=True)
class TelegramConfig:
    token: str = ""
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str = "https://api.telegram.org/file/bot"
    # Long-polling timeout for getUpdates, in seconds.
    poll_timeout: int = 30
    # The HTTP client for the Bot API: "aiohttp" (bot/transport.py, lean) or "httpx" (PTB's own,
    # which also does proxies and HTTP/2).
    http: str = "aiohttp"


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = "sqlite+aiosqlite:///buurtbot.db"
    echo: bool = False
    # SQLite only: "normal" or "full" (models/db.py says what each risks and costs).
    sqlite_synchronous: str = "normal"
    # PostgreSQL only: connections kept open (models/db.py says why no more are opened).
    pool_size: int = 10


@dataclass(frozen=True)
class BotConfig:
    default_language: str = "nl"
    timezone: str = "Europe/Amsterdam"
    admins: tuple[int, ...] = ()
    rate_limiter: bool = True
    max_retries: int = 3
    # "auto" (uvloop where installed), "uvloop" or "asyncio" (bot/loop.py says why).
    event_loop: str = "auto"

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
