"""BuurtBot's calls without a parsed answer: the same request as PTB's own, the same errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import Defaults

from bot.sandbox.telegram import FakeTelegram
from bot.telegram_bot import BuurtBot
from bot.transport import AiohttpRequest


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """Run a fake Telegram with default settings."""
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[BuurtBot]:
    """Return a BuurtBot with the application's defaults: HTML, no link previews."""
    defaults = Defaults(
        parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
    )
    client = BuurtBot(
        fake.token, base_url=fake.base_url, request=AiohttpRequest(), defaults=defaults
    )
    async with client:
        yield client


async def test_send_text_sends_what_send_message_sends(fake: FakeTelegram, bot: BuurtBot) -> None:
    ann = fake.add_user("Ann")
    ann.started = True
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ik help 🤝", callback_data="req:1")]])
    await bot.send_message(ann.id, "Zie <b>https://buurt.nl</b>", reply_markup=markup)
    await bot.send_text(ann.id, "Zie <b>https://buurt.nl</b>", markup)
    ours, theirs = (r.params for r in fake.requests[-2:])
    assert ours == theirs
    assert theirs["parse_mode"] == "HTML"
    assert theirs["link_preview_options"] == {"is_disabled": True}
    first, second = ann.messages[-2:]
    assert second.html == first.html == "Zie <b>https://buurt.nl</b>"
    assert second.button_texts == ["Ik help 🤝"]


async def test_send_text_fails_as_send_message_does(fake: FakeTelegram, bot: BuurtBot) -> None:
    ann = fake.add_user("Ann")  # never started the bot
    with pytest.raises(Forbidden):
        await bot.send_text(ann.id, "Hallo")
    ann.started = True
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_text(ann.id, "<b>niet gesloten")
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_text(ann.id, "x" * 4097)


async def test_retire_buttons_takes_them_off_or_replaces_the_text(
    fake: FakeTelegram, bot: BuurtBot
) -> None:
    ann = fake.add_user("Ann")
    ann.started = True
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="ja")]])
    await bot.send_text(ann.id, "Doe je mee?", markup)
    await bot.send_text(ann.id, "Welke taal?", markup)
    first, second = ann.messages[-2:]
    await bot.retire_buttons(ann.id, first.message_id)
    assert first.buttons == []
    assert first.html == "Doe je mee?"
    await bot.retire_buttons(ann.id, second.message_id, "Je taal is <b>Nederlands</b>.")
    assert second.buttons == []
    assert second.html == "Je taal is <b>Nederlands</b>."
    # A second press edits again: Telegram refuses it as "not modified", as it would the edit.
    with pytest.raises(BadRequest, match="not modified"):
        await bot.retire_buttons(ann.id, first.message_id)
