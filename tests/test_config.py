"""Configuration: defaults, the file, the environment, and errors that say what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, resolve_path

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file() -> None:
    config = load_config(None, env={})
    assert config.database.url == "sqlite+aiosqlite:///buurtbot.db"
    assert config.bot.default_language == "nl"
    assert config.bot.timezone == "Europe/Amsterdam"
    assert config.telegram.token == ""


def test_example_config_is_valid_and_documents_every_key() -> None:
    example = REPO / "config.example.toml"
    config = load_config(example, env={})
    text = example.read_text(encoding="utf-8")
    for section in (
        "telegram",
        "database",
        "bot",
        "areas",
        "organisation",
        "webhook",
        "monitoring",
    ):
        for key in getattr(config, section).__dataclass_fields__:
            assert f"{key} =" in text or f"# {key} =" in text, f"{section}.{key} not documented"


def test_environment_overrides_token_and_database(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[telegram]\ntoken = "1:file"\n[database]\nurl = "sqlite+aiosqlite:///a.db"\n'
    )
    config = load_config(
        path,
        env={"BUURTBOT_TOKEN": "2:env", "BUURTBOT_DATABASE_URL": "postgresql+asyncpg://u@h/db"},
    )
    assert config.telegram.token == "2:env"
    assert config.database.url == "postgresql+asyncpg://u@h/db"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[bot]\ndefault_language = 'fr'",
            "bot.default_language = 'fr' is not valid; expected one of: nl, en",
        ),
        ("[bot]\ntimezone = 'Mars/Base'", "bot.timezone = 'Mars/Base' is not a known time zone"),
        (
            "[bot]\nadmins = ['me']",
            "bot.admins = ['me'] is not valid; expected a list of Telegram user ids",
        ),
        ("[bot]\nadmins = 5", "expected a list of Telegram user ids"),
        ("[bot]\nlanguage = 'nl'", "unknown key bot.language"),
        (
            "[bot]\nevent_loop = 'trio'",
            "bot.event_loop = 'trio' is not valid; expected one of: auto, uvloop, asyncio",
        ),
        ("[telegrm]\ntoken = '1:a'", "unknown section [telegrm]"),
        ("[telegram]\ntoken = 'secret-but-wrong'", "does not look like a bot token"),
        (
            "[telegram]\npoll_timeout = 'soon'",
            "telegram.poll_timeout = 'soon' is not valid; expected a whole number",
        ),
        (
            "[telegram]\nhttp = 'requests'",
            "telegram.http = 'requests' is not valid; expected one of: aiohttp, httpx",
        ),
        ("[database]\nurl = 'mysql://x'", "database.url = 'mysql://x' is not supported"),
        (
            "[database]\nsqlite_synchronous = 'off'",
            "database.sqlite_synchronous = 'off' is not valid; expected one of: normal, full",
        ),
        ("[database]\npool_size = 0", "database.pool_size = 0 is not valid; expected 1 to 100"),
        (
            "[database]\nurl = 'postgresql+asyncpg://db/b'\npool_size = 8",
            "database.pool_size = 8 is too small; expected more than limits.concurrent_updates (8)",
        ),
        ("[areas]\nfile = 'nowhere.geojson'", "areas.file = 'nowhere.geojson': file not found"),
        ("[bot\n", "not valid TOML"),
        ("[requests]\nquiet_hours = '25:00-08:00'", "requests.quiet_hours = '25:00-08:00'"),
        ("[requests]\ncategories = ['fietsen']", "'fietsen' is not a known category"),
        ("[requests]\ncategories = []", "expected a non-empty list of texts"),
        ("[requests]\ndescription_min = 600", "requests.description_min/max = 600/500"),
        ("[escalation]\ndigest_time = '8 uur'", "escalation.digest_time = '8 uur' is not valid"),
        ("[escalation]\nstalled_after_hours = -1", "escalation.stalled_after_hours = -1"),
        ("[escalation.wijk.N]\nnotify_after = 2", "unknown key escalation.wijk.N.notify_after"),
        ("[escalation]\nwijk = 3", "escalation.wijk must hold tables"),
        (
            "[escalation.wijk.N]\nnotify_admins_after_hours = 99999",
            "escalation.wijk.N.notify_admins_after_hours = 99999 is not valid",
        ),
        ("[organisation]\nwebsite = '" + "w" * 201 + "'", "organisation.website is too long"),
        ("[privacy]\nretention_days = 0", "privacy.retention_days = 0 is not valid; expected 1"),
        ("[privacy]\noutbox_days = 9999", "privacy.outbox_days = 9999 is not valid"),
        ("[privacy]\nnotice_version = 'v 2!'", "privacy.notice_version = 'v 2!' is not valid"),
        ("[webhook]\nport = 70000", "webhook.port = 70000 is not valid"),
        ("[webhook]\npath = 'telegram'", "webhook.path = 'telegram' is not valid"),
        ("[webhook]\nmax_connections = 0", "webhook.max_connections = 0 is not valid"),
        ("[webhook]\nurl = 'http://bot.example.org/t'", "Telegram only posts to an https://"),
        ("[webhook]\nsecret_token = 'secret-but-wrong!'", "webhook.secret_token (or BUURTBOT_"),
        ("[webhook]\nenabled = true", "webhook mode needs webhook.url"),
        (
            "[webhook]\nenabled = true\nurl = 'https://b.example.org/t'",
            "webhook mode needs a secret: set BUURTBOT_WEBHOOK_SECRET",
        ),
        ("[monitoring]\nport = -1", "monitoring.port = -1 is not valid"),
        ("[monitoring]\nhost = ' '", "monitoring.host must not be empty"),
        ("[monitoring]\nhealth_timeout_seconds = 0", "health_timeout_seconds = 0 is not valid"),
        ("[monitoring]\nenabled = 'yes'", "monitoring.enabled = 'yes' is not valid"),
        ("[ha]\ntakeover_seconds = 1", "ha.takeover_seconds = 1 is not valid; expected 2 to 600"),
        ("[ha]\ncheck_seconds = 6", "ha.check_seconds = 6 is not valid; expected 1 to half"),
        ("[ha]\nshutdown_seconds = 0", "ha.shutdown_seconds = 0 is not valid"),
    ],
)
def test_errors_name_file_key_value_and_expectation(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    message = str(info.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "secret-but-wrong" not in message


def test_database_password_is_not_shown(tmp_path: Path) -> None:
    path = write(tmp_path, "[database]\nurl = 'mysql://bob:hunter2@db/x'")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert "hunter2" not in str(info.value)


def test_config_file_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_path(None, env={}) is None
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    assert resolve_path(None, env={}) == Path("config.toml")
    assert resolve_path(None, env={"BUURTBOT_CONFIG": "/etc/b.toml"}) == Path("/etc/b.toml")
    assert resolve_path("x.toml", env={"BUURTBOT_CONFIG": "/etc/b.toml"}) == Path("x.toml")


def test_custom_categories_have_both_labels(tmp_path: Path) -> None:
    from bot.i18n import translator
    from handlers.requests.render import categories

    path = write(tmp_path, "[requests]\ncategories = ['boodschappen', 'Tuin & erf / Garden']\n")
    config = load_config(path, env={})
    found = categories(config.requests)
    assert [c.slug for c in found] == ["boodschappen", "c-tuin-erf"]
    assert found[1].label(translator("nl")) == "Tuin &amp; erf"
    assert found[1].label(translator("en")) == "Garden"


def test_escalation_hours_per_wijk_start_from_the_section(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[escalation]\nnotify_admins_after_hours = 12\ndigest_time = ''\n"
        "[escalation.wijk.N]\nnotify_buurtassistent_after_hours = 2\n"
        "[escalation.wijk.'WK 01']\nstalled_after_hours = 0\n",
    )
    escalation = load_config(path, env={}).escalation
    assert escalation.digest_time == ""
    noord, other, rest = (escalation.steps_for(c) for c in ("N", "WK 01", "Z"))
    assert (noord.notify_buurtassistent_after_hours, noord.notify_admins_after_hours) == (2, 12)
    assert (other.stalled_after_hours, other.notify_admins_after_hours) == (0, 12)
    assert (rest.notify_buurtassistent_after_hours, rest.notify_admins_after_hours) == (4, 12)


def test_webhook_secret_comes_from_the_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[webhook]\nenabled = true\nurl = 'https://bot.example.org/telegram'\n"
        "secret_token = 'from-the-file'\n",
    )
    assert load_config(path, env={}).webhook.secret_token == "from-the-file"
    config = load_config(path, env={"BUURTBOT_WEBHOOK_SECRET": "from_the_env-123"})
    assert config.webhook.secret_token == "from_the_env-123"
    assert config.webhook.enabled
    assert config.webhook.path == "/telegram"
    assert not config.monitoring.enabled
    assert config.monitoring.host == "127.0.0.1"
