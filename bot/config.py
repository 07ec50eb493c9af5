"""Load and validate the TOML configuration.

Precedence: built-in defaults < the TOML file < environment variables (for secrets and the
database). Every error names the file, the key, the bad value and what was expected.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.config_check import check_webhook_ready, validate
from bot.config_sections import (
    DEFAULT_CATEGORIES,
    ORGANISATION_FIELD_MAX,
    ActivitiesConfig,
    AreasConfig,
    BotConfig,
    Config,
    ConfigError,
    DatabaseConfig,
    DeliveryConfig,
    EscalationConfig,
    EscalationSteps,
    HaConfig,
    InfopointsConfig,
    LimitsConfig,
    MonitoringConfig,
    OrganisationConfig,
    PrivacyConfig,
    RequestsConfig,
    TelegramConfig,
    WebhookConfig,
)

__all__ = [
    "DEFAULT_CATEGORIES",
    "DEFAULT_CONFIG_FILE",
    "ORGANISATION_FIELD_MAX",
    "ActivitiesConfig",
    "AreasConfig",
    "BotConfig",
    "Config",
    "ConfigError",
    "DatabaseConfig",
    "DeliveryConfig",
    "EscalationConfig",
    "EscalationSteps",
    "HaConfig",
    "InfopointsConfig",
    "LimitsConfig",
    "MonitoringConfig",
    "OrganisationConfig",
    "PrivacyConfig",
    "RequestsConfig",
    "TelegramConfig",
    "WebhookConfig",
    "check_webhook_ready",
    "load_config",
    "resolve_path",
]

DEFAULT_CONFIG_FILE = "config.toml"
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
    validate(config, where)
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
