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
    for section in ("telegram", "database", "bot", "areas", "organisation"):
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
        ("[telegrm]\ntoken = '1:a'", "unknown section [telegrm]"),
        ("[telegram]\ntoken = 'secret-but-wrong'", "does not look like a bot token"),
        (
            "[telegram]\npoll_timeout = 'soon'",
            "telegram.poll_timeout = 'soon' is not valid; expected a whole number",
        ),
        ("[database]\nurl = 'mysql://x'", "database.url = 'mysql://x' is not supported"),
        ("[areas]\nfile = 'nowhere.geojson'", "areas.file = 'nowhere.geojson': file not found"),
        ("[bot\n", "not valid TOML"),
        ("[requests]\nquiet_hours = '25:00-08:00'", "requests.quiet_hours = '25:00-08:00'"),
        ("[requests]\ncategories = ['fietsen']", "'fietsen' is not a known category"),
        ("[requests]\ncategories = []", "expected a non-empty list of texts"),
        ("[requests]\ndescription_min = 600", "requests.description_min/max = 600/500"),
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
