"""Failures: Telegram's 429s and 5xx are retried unseen; other errors get a kind answer."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeTelegram
from models.people import get_person
from tests.conftest import eventually


@pytest.fixture(autouse=True)
def _plain_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ask PTB for plain retry_after numbers (its RetryAfter otherwise warns of a change)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


async def test_flood_errors_and_server_errors_are_retried_unseen(
    bot: Application, telegram: FakeTelegram
) -> None:
    ann = telegram.add_user(first_name="Ann", language_code="en")
    telegram.fail_next("sendMessage", error_code=429, retry_after=1)
    telegram.fail_next("sendMessage", error_code=502)
    await ann.send("/help")
    reply = await ann.next_message(timeout=10)
    assert reply.text.startswith("This is what I can do for you")
    assert len(ann.messages) == 1
    assert telegram.rejected() == []


async def test_an_unexpected_error_gets_a_kind_answer_and_a_log_without_text(
    bot: Application, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    bea = telegram.add_user(first_name="Bea", language_code="nl")
    telegram.fail_next("sendMessage", error_code=400, description="Bad Request: something odd")
    with caplog.at_level(logging.INFO):
        await bea.send("/start mijn-geheime-tekst")
        sorry = await bea.next_message()
        await telegram.wait_for(lambda: "Failure while handling" in caplog.text)
    assert sorry.text.startswith("Sorry, er ging iets mis.")
    assert "callback_query" not in caplog.text
    assert f"user {bea.id}" in caplog.text
    assert "mijn-geheime-tekst" not in caplog.text
    assert telegram.token not in caplog.text

    # The bot keeps running.
    await bea.send("/start")
    assert (await bea.next_message()).button_texts == ["Nederlands", "English"]


async def test_a_person_who_blocked_the_bot_is_remembered(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    cas = telegram.add_user(first_name="Cas")
    telegram.fail_next(
        "sendMessage", error_code=403, description="Forbidden: bot was blocked by the user"
    )
    await cas.send("/help")

    async def blocked() -> bool:
        async with sessionmaker() as session:
            person = await get_person(session, cas.id)
        return person is not None and person.blocked_bot

    await eventually(blocked)
    assert cas.messages == []  # no "sorry" to someone who blocked us

    await cas.send("/help")  # writing again means they unblocked the bot
    await cas.next_message()
    assert not await blocked()
