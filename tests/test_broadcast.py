"""/omroep end to end: an admin announces; the right people get it once; progress and report."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeTelegram, FakeUser, SentMessage
from models.audit import AuditEntry
from models.broadcasts import Broadcast, Status
from models.people import get_person
from tests.conftest import ADMIN_ID, eventually
from tests.people import linked_group, onboarded


async def test_an_announcement_to_everyone_with_progress_and_report(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    people = [await onboarded(telegram, f"Buur{i}") for i in range(5)]
    people[4].blocked = True  # blocked the bot after onboarding
    outsider = await onboarded(telegram, "Zuid", wijk="Zuid-Oost & <Meer>")

    await admin.send("/omroep")
    assert "Wat wil je omroepen?" in (await admin.next_message()).text
    await admin.send("Koffie-ochtend in <De Boog> & thee 🍵 — iedereen welkom!")
    audience = await admin.next_message()
    await admin.press(audience, "Iedereen")
    preview = await admin.next_message()
    assert "Dit gaat naar 7 ontvangers" in preview.text  # the admin, five neighbours, Zuid
    assert "Koffie-ochtend in <De Boog> & thee 🍵" in preview.text
    await admin.press(preview, "📣 Nu versturen")
    await eventually_message(admin, "wordt nu verstuurd")

    for person in [*people[:4], outsider]:
        got = await person.next_message(timeout=10)
        assert got.text == "Koffie-ochtend in <De Boog> & thee 🍵 — iedereen welkom!"
    report = await eventually_message(admin, "is klaar")
    assert "Aangekomen: 6" in report.text  # the admin gets it too
    assert "Bot geblokkeerd of nooit gestart: 1" in report.text
    async with sessionmaker() as session:
        blocked = await get_person(session, people[4].id)
        item = await session.scalar(select(Broadcast))
    assert blocked is not None
    assert blocked.blocked_bot  # marked: skipped next time
    assert item is not None
    assert item.status == Status.DONE
    async with sessionmaker() as session:
        audit = list(await session.scalars(select(AuditEntry.action)))
    assert audit == ["broadcast.schedule"]
    assert sum(m.text.startswith("Koffie") for m in people[0].messages) == 1

    # Next time, the blocked person is not even counted.
    await admin.send("/omroep")
    await admin.next_message()
    await admin.send("Nog een bericht")
    await admin.press(await admin.next_message(), "Iedereen")
    assert "Dit gaat naar 6 ontvangers" in (await admin.next_message()).text
    await admin.send("/annuleer")
    assert "Er is niets verstuurd" in (await admin.next_message()).text


async def eventually_message(user, text: str):
    """Wait for a message from the bot containing text (skipping progress edits)."""
    while True:
        message = await user.next_message(timeout=15)
        if text in message.text:
            return message


async def test_to_one_wijk_to_groups_and_a_planned_one_cancelled(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    noord = await onboarded(telegram, "Noor")
    zuid = await onboarded(telegram, "Zuid", wijk="Zuid-Oost & <Meer>")
    group = await linked_group(telegram, sessionmaker, [noord])

    await admin.send("/omroep")
    await admin.next_message()
    await admin.send("Alleen voor Zuid")
    await admin.press(await admin.next_message(), "Bewoners van één wijk")
    await admin.press(await admin.next_message(), "Zuid-Oost & <Meer>")
    preview = await admin.next_message()
    assert "naar 1 ontvangers" in preview.text
    await admin.press(preview, "📣 Nu versturen")
    assert (await zuid.next_message(timeout=10)).text == "Alleen voor Zuid"

    await admin.send("/omroep")
    await eventually_message(admin, "Wat wil je omroepen?")
    await admin.send("Voor de groepen")
    await admin.press(await eventually_message(admin, "Naar wie"), "Alle gekoppelde groepen")
    await admin.press(await eventually_message(admin, "Voorbeeld"), "📣 Nu versturen")
    assert (await group.next_message(timeout=10)).text == "Voor de groepen"

    await admin.send("/omroep")
    await eventually_message(admin, "Wat wil je omroepen?")
    await admin.send("Morgen vroeg")
    await admin.press(await eventually_message(admin, "Naar wie"), "Iedereen")
    await admin.press(await eventually_message(admin, "Voorbeeld"), "🌅 Morgen om 09:00")
    await eventually_message(admin, "gaat op")
    await admin.send("/omroep")
    planned = await eventually_message(admin, "Gepland: omroep")
    await admin.press(planned, "Annuleren")
    await telegram.wait_for(lambda: "Geannuleerd" in planned.text)

    async def cancelled() -> bool:
        async with sessionmaker() as session:
            statuses = [
                b.status for b in await session.scalars(select(Broadcast).order_by(Broadcast.id))
            ]
        return statuses[-1] == Status.CANCELLED

    await eventually(cancelled)
    assert all("Alleen voor Zuid" not in m.text for m in noord.messages)


async def test_residents_cannot_broadcast(bot: Application, telegram: FakeTelegram) -> None:
    ann = await onboarded(telegram, "Ann")
    await ann.send("/omroep")
    assert "Dit kan alleen een beheerder" in (await ann.next_message()).text
    await ann.press_data(ann.messages[-1], "om:send:now")  # tampered: no draft, no right
    await telegram.wait_for(
        lambda: ann.answers and "werkt niet meer" in (ann.answers[-1].get("text") or "")
    )


async def test_a_planned_announcement_with_html_is_listed_safely(
    bot: Application, telegram: FakeTelegram
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    await admin.send("/omroep")
    await admin.next_message()
    await admin.send("a" * 198 + " & <thee>")
    await admin.press(await admin.next_message(), "Iedereen")
    await admin.press(await admin.next_message(), "⏰ Over een uur")
    await eventually_message(admin, "gaat op")
    await admin.send("/omroep")
    planned = await eventually_message(admin, "Gepland: omroep")
    assert planned.text.endswith("…")
    assert "Wat wil je omroepen?" in (await admin.next_message()).text
    assert telegram.rejected() == []


async def test_to_the_followers_of_a_theme(bot: Application, telegram: FakeTelegram) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    bob = await onboarded(telegram, "Bob")
    menu = await bob_notifications(bob)
    await bob.press(menu, "✓ 🍲 Eten")  # Bob no longer follows "Eten"
    await telegram.wait_for(lambda: "🍲 Eten" in menu.button_texts)
    await admin.send("/omroep")
    await admin.next_message()
    await admin.send("Kookcursus!")
    await admin.press(await admin.next_message(), "Wie een thema volgt")
    await admin.press(await admin.next_message(), "🍲 Eten")
    assert "naar 1 ontvangers" in (await admin.next_message()).text  # only the admin


async def bob_notifications(user: FakeUser) -> SentMessage:
    """Open the notification choices in /instellingen."""
    await user.send("/instellingen")
    await user.press(await user.next_message(), "🔔 Meldingen")
    return await user.next_message()
