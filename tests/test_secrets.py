"""Secrets and personal text stay out of the logs, whoever logs and at whatever level."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.config import Config
from bot.sandbox.telegram import FakeTelegram
from tests.conftest import BotRunner
from tests.people import linked_group, message_with, onboarded
from tests.test_activities import wait_text_document

PHONE = "+31624681357"
SECRET_TEXT = "Mijn geheime boodschappenlijst"

# Someone debugging lowers every level, including the HTTP libraries' (which log URLs, and
# Telegram's URLs contain the token).
DEBUG_LOGGERS = ("buurtbot", "telegram", "httpx", "httpcore", "aiohttp", "apscheduler")


@pytest.fixture(autouse=True)
def _plain_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ask PTB for plain retry_after numbers (its RetryAfter otherwise warns of a change)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.mark.parametrize("http", ["aiohttp", "httpx"])
async def test_a_whole_scenario_at_debug_logs_no_token_no_phone_and_no_text(
    http: str,
    bot_runner: BotRunner,
    config: Config,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    await bot_runner.start(replace(config, telegram=replace(config.telegram, http=http)))
    caplog.set_level(logging.DEBUG)
    for name in DEBUG_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    ann = await onboarded(telegram, "Ann")
    group = await linked_group(telegram, sessionmaker, [ann])
    await ann.send("/vraag")
    await ann.press(await ann.next_message(), "🛒 Boodschappen")
    await ann.next_message()
    await ann.send(f"{SECRET_TEXT}: melk en brood, bel 06 2468 1357")
    await ann.press(await ann.next_message(), "Morgen")
    await ann.next_message()
    await ann.next_message()  # the keyboard that shares her number
    await ann.share_contact(PHONE)
    preview = await message_with(ann, "Zo ziet je vraag eruit")
    await ann.press(preview, "✅ Plaatsen")
    await ann.next_message()
    await group.next_message()  # the card
    await ann.send("/mijngegevens")
    document = await wait_text_document(ann)
    assert telegram.token not in document.decode()
    assert PHONE in document.decode()  # her own number is hers to see
    # An error while handling an update.
    telegram.fail_next("sendMessage", error_code=400, description="Bad Request: something odd")
    await ann.send(f"/start {SECRET_TEXT.replace(' ', '_')}")
    await telegram.wait_for(lambda: "Failure while handling" in caplog.text)

    logged = caplog.text
    if http == "httpx":
        assert "HTTP Request" in logged  # httpx did log its request lines, at our request
        assert "<token>" in logged  # ... with the token taken out
    else:
        assert "HTTP Request" not in logged  # aiohttp logs no request lines at all
    assert telegram.token not in logged
    assert telegram.token.split(":")[1] not in logged
    # Our own loggers never hold what people typed. (python-telegram-bot's own DEBUG lines
    # show whole updates; that level is for a developer's machine, never for production.)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("buurtbot"))
    assert PHONE not in ours
    assert SECRET_TEXT not in ours
    assert SECRET_TEXT.replace(" ", "_") not in ours


async def test_a_traceback_that_holds_the_token_is_logged_without_it(
    bot: Application, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"{telegram.base_url}{telegram.token}/getMe"
    try:
        raise ConnectionError(f"could not reach {url}")
    except ConnectionError as exc:
        logging.getLogger("buurtbot.errors").error("Failure reaching %s", url, exc_info=exc)
    assert "Failure reaching" in caplog.text
    assert "could not reach" in caplog.text
    assert telegram.token not in caplog.text
