"""Burenhulp end to end: ask, card, accept, introduction, follow-up, done, feedback."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeGroup, FakeTelegram, FakeUser
from models.help_requests import Feedback, HelpRequest, Status
from tests.conftest import FakeClock
from tests.people import linked_group, onboarded


async def ask(
    user: FakeUser, text: str, when: str = "Morgen", category: str = "🛒 Boodschappen"
) -> int:
    """Ask for help through /vraag in four taps and one sentence; return the request number."""
    await user.send("/vraag")
    await user.press(await user.next_message(), category)  # tap 1
    assert "Wat is je vraag?" in (await user.next_message()).text
    await user.send(text)  # the sentence
    await user.press(await user.next_message(), when)  # tap 2
    contact = await user.next_message()
    await user.next_message()  # the "share my phone number" keyboard
    await user.press(contact, "💬 Via Telegram")  # tap 3
    await user.next_message()  # "noted"
    preview = await user.next_message()
    assert "Zo ziet je vraag eruit in de groep" in preview.text
    await user.press(preview, "✅ Plaatsen")  # tap 4
    posted = await user.next_message()
    match = re.search(r"#(\d+)", posted.text)
    assert match, posted.text
    return int(match.group(1))


def group_texts(group: FakeGroup) -> str:
    """Everything the group ever saw, edits included."""
    versions = []
    for message in group.messages:
        versions += [message.text or ""] + [v.text or "" for v in message.edits]
    return "\n".join(versions)


async def test_ask_accept_follow_up_done_and_feedback(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    ann = await onboarded(telegram, "Ann", username="ann_noord")
    bob = await onboarded(telegram, "Bob")
    cem = await onboarded(telegram, "Cem")
    group = await linked_group(telegram, sessionmaker, [ann, bob, cem])

    number = await ask(ann, "Wie kan morgen boodschappen doen bij de supermarkt? <script> & 🍎")
    card = await group.next_message()
    assert f"Hulpvraag #{number}" in card.text
    assert "Boodschappen" in card.text
    assert "Noord" in card.text
    assert "Morgen" in card.text
    assert "<script> & 🍎" in card.text
    assert card.button_texts == ["🤝 Ik help", "ℹ️ Meer info"]
    assert card.buttons[0][1]["url"].endswith(f"?start=req_{number}")

    await bob.press(card, "🤝 Ik help")
    await telegram.wait_for(lambda: "Een buur helpt al" in card.text)
    assert card.buttons == []
    to_bob = await bob.next_message()
    to_ann = await ann.next_message()
    assert "Je helpt Ann" in to_bob.text
    assert "Bob helpt je" in to_ann.text
    assert "@ann_noord" in to_bob.text
    code = re.search(r"Codewoord: (\w+)", to_bob.text)
    assert code
    assert f"Codewoord: {code.group(1)}" in to_ann.text

    # Cem is a moment too late.
    answered = len(cem.answers)
    await cem.press_data(card, f"req:claim:{number}")
    await telegram.wait_for(lambda: len(cem.answers) > answered)
    assert "was je net voor" in cem.answers[-1]["text"]

    # After the agreed time, both are asked whether it worked out (once each).
    clock.advance(days=2)
    check_ann = await ann.next_message(timeout=10)
    check_bob = await bob.next_message(timeout=10)
    assert f"Is het gelukt met vraag #{number}?" in check_ann.text
    assert check_bob.button_texts == ["✅ Klaar", "⏳ Nog niet", "✖️ Het lukt niet"]
    await bob.press(check_bob, "⏳ Nog niet")
    assert "morgen nog eens" in (await bob.next_message()).text
    await ann.press(check_ann, "✅ Klaar")
    # The reply comes straight away, the thanks through the outbox: either may be first.
    first, second = await ann.next_message(), await ann.next_message()
    reply, thanks_ann = (first, second) if "Fijn dat" in (first.text or "") else (second, first)
    assert "Fijn dat het gelukt is" in reply.text
    await telegram.wait_for(lambda: "Geholpen" in card.text)

    thanks_bob = await bob.next_message()
    assert thanks_ann.button_texts == ["😊", "😐", "🙁"]
    assert "Dank je wel" in thanks_bob.text
    await ann.press(thanks_ann, "😊")
    assert "Wil je er nog iets over zeggen?" in (await ann.next_message()).text
    await ann.send("Bob was heel aardig!")
    assert "Dank je voor je antwoord" in (await ann.next_message()).text

    async with sessionmaker() as session:
        request = await session.get(HelpRequest, number)
        feedback = await session.scalar(select(Feedback))
    assert request is not None
    assert request.status == Status.DONE
    assert feedback is not None
    assert (feedback.score, feedback.comment, feedback.role) == (
        3,
        "Bob was heel aardig!",
        "requester",
    )

    # A day later, nothing more is sent: the check-in Bob postponed ended with "done".
    sent_before = len(telegram.sent)
    clock.advance(days=2)
    await telegram.wait_for(lambda: True)
    await bot.job_queue.jobs()[0].run(bot)  # one more due-check, right now
    assert len(telegram.sent) == sent_before

    everything = group_texts(group)
    assert "Ann" not in everything
    assert "ann_noord" not in everything
    assert telegram.rejected() == []


async def test_withdraw_reopens_and_someone_else_accepts(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    cem = await onboarded(telegram, "Cem")
    group = await linked_group(telegram, sessionmaker, [ann, bob, cem])
    number = await ask(
        ann, "Kan iemand mijn lamp ophangen in de woonkamer?", "Deze week", "🔧 Klusje in huis"
    )
    card = await group.next_message()
    await bob.press(card, "🤝 Ik help")
    await bob.next_message()
    await ann.next_message()

    await bob.send("/mijn")
    assert "Jouw vragen en hulp" in (await bob.next_message()).text
    task = await bob.next_message()
    assert task.button_texts == ["✅ Klaar", "Lukt me toch niet"]
    await bob.press(task, "Lukt me toch niet")
    sure = await bob.next_message()
    await bob.press(sure, "Ja, zeker")
    assert "staat weer open" in (await bob.next_message()).text
    assert "kan toch niet helpen" in (await ann.next_message()).text
    await telegram.wait_for(lambda: card.button_texts == ["🤝 Ik help", "ℹ️ Meer info"])

    await cem.press(card, "🤝 Ik help")
    assert "Je helpt Ann" in (await cem.next_message()).text
    assert "Cem helpt je" in (await ann.next_message()).text
    async with sessionmaker() as session:
        request = await session.get(HelpRequest, number)
    assert request is not None
    assert request.status == Status.CLAIMED
    assert telegram.rejected() == []


async def test_cancel_by_the_requester_updates_the_card_and_tells_the_helper(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    group = await linked_group(telegram, sessionmaker, [ann, bob])
    number = await ask(
        ann, "Wie wil er met mij een rondje wandelen?", "Vandaag", "☕ Gezelschap of wandelen"
    )
    card = await group.next_message()
    await bob.press(card, "🤝 Ik help")
    await bob.next_message()
    await ann.next_message()

    await ann.send("/mijn")
    await ann.next_message()
    mine = await ann.next_message()
    assert mine.button_texts == ["✅ Klaar", "Intrekken"]
    await ann.press(mine, "Intrekken")
    sure = await ann.next_message()
    await ann.press(sure, "Nee, laten staan")
    await telegram.wait_for(lambda: "verandert niets" in sure.text)
    await ann.press(mine, "Intrekken")
    await ann.press(await ann.next_message(), "Ja, zeker")
    assert f"Vraag #{number} is ingetrokken" in (await ann.next_message()).text
    assert "ingetrokken" in (await bob.next_message()).text
    await telegram.wait_for(lambda: "ingetrokken" in card.text)
    assert card.buttons == []
    assert telegram.rejected() == []


async def test_an_open_request_expires_after_its_time(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    ann = await onboarded(telegram, "Ann")
    group = await linked_group(telegram, sessionmaker, [ann])
    number = await ask(
        ann, "Wie kan vandaag mijn pakketje ophalen?", "Vandaag", "📄 Post en formulieren"
    )
    card = await group.next_message()
    clock.advance(hours=39)  # past the end of today (23:00 UTC) plus the 24-hour grace
    assert f"Je vraag #{number} is verlopen" in (await ann.next_message(timeout=10)).text
    await telegram.wait_for(lambda: "verlopen" in card.text)
    assert card.buttons == []
    assert telegram.rejected() == []
