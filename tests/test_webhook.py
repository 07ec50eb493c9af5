"""Webhook mode end to end: the fake Telegram POSTs updates to the real bot's webhook."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.app import build_application
from bot.cli import setup_logging
from bot.config import Config, WebhookConfig
from bot.sandbox.telegram import FakeTelegram
from bot.webhook import webhook_options
from models.people import get_person
from tests.conftest import FakeClock
from tests.people import onboarded

SECRET = "s3cret-Token_for-the-webhook-0123456789"
PUBLIC = "https://bot.example.org"


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_config(config: Config, port: int) -> Config:
    """Return the test config in webhook mode, listening on 127.0.0.1:port."""
    return replace(
        config,
        webhook=WebhookConfig(
            enabled=True,
            listen="127.0.0.1",
            port=port,
            path="/telegram",
            url=f"{PUBLIC}/telegram",
            secret_token=SECRET,
            max_connections=5,
        ),
    )


async def start_webhook_bot(config: Config, clock: FakeClock) -> Application:
    """Start the real bot the way ``buurtbot run --webhook`` does."""
    app = build_application(config, clock=clock)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_webhook(**webhook_options(config))
    await app.start()
    return app


async def stop_bot(app: Application) -> None:
    """Stop the webhook server and the bot, with the same hooks as run_webhook."""
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    assert app.post_stop is not None
    assert app.post_shutdown is not None
    await app.post_stop(app)
    await app.shutdown()
    await app.post_shutdown(app)


@pytest.fixture
async def webhook_bot(
    config: Config, clock: FakeClock, telegram: FakeTelegram
) -> AsyncIterator[Application]:
    """Run the real bot in webhook mode, behind the fake's "reverse proxy"."""
    port = free_port()
    config = webhook_config(config, port)
    telegram.route_webhook(PUBLIC, f"http://127.0.0.1:{port}")
    app = await start_webhook_bot(config, clock)
    try:
        yield app
    finally:
        await stop_bot(app)


def assert_every_update_delivered(telegram: FakeTelegram) -> None:
    """Check that the bot answered 200 to every update the fake posted.

    PTB calls setWebhook just before its server listens, so a first attempt may be refused;
    Telegram (and the fake) retries, so that loses nothing.
    """
    attempts = telegram.webhook_attempts
    assert attempts
    assert {a.update_id for a in attempts if a.status == 200} == {a.update_id for a in attempts}
    assert telegram.updates == []


async def post_update(port: int, update: dict[str, object], secret: str | None) -> int:
    """POST an update to the bot's webhook as someone other than Telegram might."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://127.0.0.1:{port}/telegram", json=update, headers=headers) as response,
    ):
        return response.status


async def test_a_person_gets_replies_over_the_webhook(
    webhook_bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    set_webhook = [r for r in telegram.requests if r.method == "setWebhook"]
    assert len(set_webhook) == 1
    assert set_webhook[0].params["url"] == f"{PUBLIC}/telegram"
    assert set_webhook[0].params["secret_token"] == SECRET
    assert "callback_query" in set_webhook[0].params["allowed_updates"]
    assert "inline_query" in set_webhook[0].params["allowed_updates"]
    assert not [r for r in telegram.requests if r.method == "getUpdates"]

    ann = await onboarded(telegram, "Ann")
    await ann.send("/help")
    assert (await ann.next_message()).text
    info = await webhook_bot.bot.get_webhook_info()
    assert info.url == f"{PUBLIC}/telegram"
    assert info.pending_update_count == 0
    assert info.last_error_message is None
    assert_every_update_delivered(telegram)
    async with sessionmaker() as session:
        person = await get_person(session, ann.id)
    assert person is not None
    assert person.home_wijk_id is not None
    assert telegram.rejected() == []


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET[:-1]])
async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_processed(
    webhook_bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    secret: str | None,
) -> None:
    mallory = telegram.add_user("Mallory")
    mallory.started = True  # she pressed Start: the bot may write to her
    update = {
        "update_id": 999_001,
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": mallory.to_chat(),
            "from": mallory.to_api(),
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    port = webhook_bot.bot_data["services"].config.webhook.port
    assert await post_update(port, update, secret) in (401, 403)
    await asyncio.sleep(0.3)
    assert not [s for s in telegram.sent if s.chat_id == mallory.id]
    async with sessionmaker() as session:
        assert await get_person(session, mallory.id) is None
    # The same update with the right secret is handled: the refusal was the secret's doing.
    assert await post_update(port, update, SECRET) == 200
    await telegram.wait_for(lambda: [s for s in telegram.sent if s.chat_id == mallory.id])


async def test_the_webhook_does_not_log_the_secret_or_the_token(
    config: Config, clock: FakeClock, telegram: FakeTelegram, capfd: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    config = webhook_config(config, port)
    telegram.route_webhook(PUBLIC, f"http://127.0.0.1:{port}")
    root = logging.getLogger()
    saved = root.level, list(root.handlers)
    setup_logging(config, logging.DEBUG)  # PTB logs each call's parameters at DEBUG
    try:
        app = await start_webhook_bot(config, clock)
        try:
            assert await post_update(port, {"update_id": 1}, "wrong") == 403
            ann = telegram.add_user("Ann")
            await ann.send("/start")
            await ann.next_message()
        finally:
            await stop_bot(app)
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
    err = capfd.readouterr().err
    assert "setWebhook" in err  # the parameters were logged ...
    assert "<webhook secret>" in err  # ... with the secret blanked out
    assert SECRET not in err
    assert telegram.token not in err


async def test_buurtbot_run_webhook_as_a_real_process(
    tmp_path: Path,
    telegram: FakeTelegram,
    db_url: str,
    area_files: tuple[Path, Path],
) -> None:
    port, monitoring_port = free_port(), free_port()
    telegram.route_webhook(PUBLIC, f"http://127.0.0.1:{port}")
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[telegram]
token = "{telegram.token}"
api_base_url = "{telegram.base_url}"
api_file_url = "{telegram.base_file_url}"

[database]
url = "{db_url}"

[areas]
file = "{area_files[0]}"
buurten_file = "{area_files[1]}"

[webhook]
port = {port}
url = "{PUBLIC}/hook"
path = "/hook"

[monitoring]
enabled = true
port = {monitoring_port}
""",
        encoding="utf-8",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(path),
        "run",
        "--webhook",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "BUURTBOT_WEBHOOK_SECRET": SECRET},
    )
    try:
        await telegram.wait_for(
            lambda: [r for r in telegram.requests if r.method == "setWebhook"], timeout=30
        )
        ann = telegram.add_user(first_name="Ann", language_code="en")
        await ann.send("/start")
        await ann.press(await ann.next_message(timeout=15), "English")
        assert "About your data" in (await ann.next_message(timeout=15)).text
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"http://127.0.0.1:{port}/hook",
                json={"update_id": 5},
                headers={"X-Telegram-Bot-Api-Secret-Token": "guess"},
            ) as response:
                assert response.status == 403
            async with session.get(f"http://127.0.0.1:{monitoring_port}/healthz") as response:
                assert response.status == 200
                assert (await response.json())["database"] == "ok"
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        _, raw = await asyncio.wait_for(proc.communicate(), timeout=30)
    err = raw.decode()
    assert proc.returncode == 0, err[-2000:]
    assert "webhook https://bot.example.org/hook" in err
    assert SECRET not in err
    assert telegram.token not in err
    assert_every_update_delivered(telegram)


async def test_run_webhook_without_a_url_or_secret_says_what_is_missing(
    tmp_path: Path, telegram: FakeTelegram
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[telegram]\ntoken = "{telegram.token}"\n', encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(path),
        "run",
        "--webhook",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 2
    assert "webhook.url" in err.decode()
    assert "Traceback" not in err.decode()


async def test_the_fake_refuses_what_telegram_refuses_in_set_webhook(
    telegram: FakeTelegram,
) -> None:
    import telegram as tg

    async with tg.Bot(telegram.token, base_url=telegram.base_url) as bot:
        with pytest.raises(tg.error.BadRequest, match=r"(?i)https url"):
            await bot.set_webhook("http://bot.example.org/hook")
        with pytest.raises(tg.error.BadRequest, match=r"(?i)ports 80, 88, 443 or 8443"):
            await bot.set_webhook("https://bot.example.org:8080/hook")
        with pytest.raises(tg.error.BadRequest, match=r"(?i)unallowed characters"):
            await bot.set_webhook("https://bot.example.org/hook", secret_token="no spaces")
        # An unreachable webhook keeps the update queued and reports why, as Telegram does.
        await bot.set_webhook("https://nowhere.example.org/hook", secret_token="abc")
        ann = telegram.add_user("Ann")
        await ann.send("hallo")
        await telegram.wait_for(lambda: telegram.webhook_attempts)
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 1
        assert info.last_error_message is not None
        await bot.delete_webhook()
        assert len(await bot.get_updates(timeout=0)) == 1
