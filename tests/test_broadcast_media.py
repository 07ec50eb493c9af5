"""/omroep with a photo or a file: stored by file_id, previewed, delivered once as photo/file."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeTelegram, FakeUser, SentMessage
from models.broadcasts import Broadcast
from tests.conftest import ADMIN_ID
from tests.people import linked_group, onboarded


async def wait_for_text(user: FakeUser, text: str) -> SentMessage:
    """Return the next bot message to user whose text or caption contains text."""
    while True:
        message = await user.next_message(timeout=15)
        if text in (message.text or ""):
            return message


async def test_an_announcement_with_a_photo_reaches_everyone_once_as_a_photo(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    group = await linked_group(telegram, sessionmaker, [ann])

    await admin.send("/omroep")
    assert "foto of een bestand" in (await admin.next_message()).text
    # Premium users may type long captions; Telegram shows only 1024 under a photo.
    await admin.send_photo("Lang " * 250)
    refusal = await admin.next_message()
    assert "hooguit 1024 tekens" in refusal.text
    assert "1249" in refusal.text
    sent = await admin.send_photo("Koffie <vanmiddag> & taart 🍰 in De Boog")
    assert sent is not None
    file_id = sent["photo"][-1]["file_id"]  # the largest size
    await admin.press(await admin.next_message(), "Iedereen")
    preview_photo = await admin.next_message()
    assert preview_photo.kind == "photo"
    assert preview_photo.caption == "Koffie <vanmiddag> & taart 🍰 in De Boog"
    intro = await admin.next_message()
    assert "Dit gaat naar 3 ontvangers" in intro.text
    await admin.press(intro, "📣 Nu versturen")

    for person in (ann, bob):
        got = await person.next_message(timeout=10)
        assert got.kind == "photo"
        assert got.caption == "Koffie <vanmiddag> & taart 🍰 in De Boog"
        assert got.media["photo"][0]["file_id"] == file_id
    report = await wait_for_text(admin, "is klaar")
    assert "Aangekomen: 3" in report.text
    await asyncio.sleep(1.0)
    for person in (ann, bob):
        assert [m.kind for m in person.messages].count("photo") == 1
    assert [m for m in group.messages if m.kind == "photo"] == []  # not an audience here
    async with sessionmaker() as session:
        item = await session.scalar(select(Broadcast))
    assert item is not None
    assert (item.media_kind, item.file_id) == ("photo", file_id)
    assert telegram.rejected() == []


async def test_a_file_without_text_to_groups_and_a_planned_one_shows_a_clip(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    ann = await onboarded(telegram, "Ann")
    group = await linked_group(telegram, sessionmaker, [ann])

    await admin.send("/omroep")
    await admin.next_message()
    await admin.send_document("rooster.pdf", b"%PDF rooster", caption=None)
    await admin.press(await admin.next_message(), "Alle gekoppelde groepen")
    preview = await admin.next_message()
    assert preview.kind == "document"
    assert preview.caption is None
    await admin.press(await admin.next_message(), "📣 Nu versturen")
    card = await group.next_message(timeout=10)
    assert card.kind == "document"
    assert card.document is not None
    assert card.document["filename"] == "rooster.pdf"
    await wait_for_text(admin, "is klaar")

    # Planned for later: the list of planned announcements marks it as a file.
    await admin.send("/omroep")
    await admin.next_message()
    await admin.send_document("flyer.pdf", caption="Flyer <voor> de markt")
    await admin.press(await admin.next_message(), "Iedereen")
    await admin.next_message()
    await admin.press(await admin.next_message(), "⏰ Over een uur")
    await admin.next_message()
    await admin.send("/omroep")
    planned = await admin.next_message()
    assert "📎 Flyer <voor> de markt" in planned.text
    assert telegram.rejected() == []
