"""Burenhulp at its edges: strangers, crowds, tampering, odd text, quiet hours, restarts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeTelegram
from handlers.requests.ask.prompts import Step
from models.audit import AuditEntry
from models.conversations import ConversationState, FlowData
from models.help_requests import HelpRequest, Status
from models.outbox import OutboxMessage
from models.people import Role
from tests.conftest import ADMIN_ID, BotRunner, FakeClock, eventually
from tests.people import give_role, linked_group, onboarded
from tests.test_requests_flow import ask, group_texts


async def test_a_helper_who_never_started_the_bot_is_sent_to_the_private_chat(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ann = await onboarded(telegram, "Ann")
    dan = telegram.add_user(first_name="Dan", language_code="nl")  # in the group only
    group = await linked_group(telegram, sessionmaker, [ann, dan])
    number = await ask(ann, "Wie helpt me met een formulier van de gemeente?")
    card = await group.next_message()

    await dan.press(card, "🤝 Ik help")
    await telegram.wait_for(lambda: dan.answers)
    link = dan.answers[-1]["url"]
    assert link.endswith(f"?start=req_{number}")
    assert dan.messages == []  # nothing was sent to someone who cannot receive it
    assert card.buttons != []  # still open

    await dan.open_start_link(link)
    await dan.press(await dan.next_message(), "Nederlands")
    consent = await dan.next_message()
    await dan.press(consent, "✅ Ik ga akkoord")
    wijken = await dan.next_message()
    await dan.next_message()
    await dan.press(wijken, "Noord")
    assert (await dan.next_message()).text.startswith("Welkom, Dan!")
    pending = await dan.next_message()
    assert f"vraag #{number}" in pending.text
    await dan.press(pending, f"Bekijk vraag #{number}")
    details = await dan.next_message()
    assert "Wie helpt me met een formulier" in details.text
    await dan.press(details, "🤝 Ik help")
    # The thanks comes straight away, the introduction through the outbox: either may be first.
    texts = [(await dan.next_message()).text, (await dan.next_message()).text]
    assert any("Dank je! Ik stuur je een privébericht" in text for text in texts)
    assert any("Je helpt Ann" in text for text in texts)
    await telegram.wait_for(lambda: "Een buur helpt al" in card.text)
    assert telegram.rejected() == []


async def test_twenty_presses_at_once_make_exactly_one_helper(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ann = await onboarded(telegram, "Ann")
    helpers = [await onboarded(telegram, f"Buur{i}") for i in range(20)]
    group = await linked_group(telegram, sessionmaker, [ann, *helpers])
    number = await ask(ann, "Wie kan vanmiddag even mijn kat eten geven?", "Vandaag", "🐕 Huisdier")
    card = await group.next_message()
    answered = {h.id: len(h.answers) for h in helpers}

    await asyncio.gather(*(h.press(card, "🤝 Ik help") for h in helpers))
    await telegram.wait_for(lambda: all(len(h.answers) > answered[h.id] for h in helpers), 15)
    texts = [h.answers[-1].get("text") or "" for h in helpers]
    assert sum("Ik stuur je een privébericht" in t for t in texts) == 1
    assert sum("was je net voor" in t for t in texts) == 19
    async with sessionmaker() as session:
        request = await session.get(HelpRequest, number)
    assert request is not None
    assert request.status == Status.CLAIMED
    winner = next(h for h in helpers if "privébericht" in (h.answers[-1].get("text") or ""))
    assert "Je helpt Ann" in (await winner.next_message()).text
    assert telegram.rejected() == []


async def test_tampered_buttons_are_refused(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    eve = await onboarded(telegram, "Eve")
    group = await linked_group(telegram, sessionmaker, [ann, bob, eve])
    number = await ask(
        ann, "Wie kan mij helpen met mijn nieuwe telefoon?", category="💻 Computer of telefoon"
    )
    card = await group.next_message()
    await bob.press(card, "🤝 Ik help")
    await bob.next_message()
    await ann.next_message()
    welcome = eve.messages[-1]

    async def refusal(data: str) -> str:
        before = len(eve.answers)
        await eve.press_data(welcome, data)
        await telegram.wait_for(lambda: len(eve.answers) > before)
        return eve.answers[-1].get("text") or ""

    assert "aanvrager of de helper" in await refusal(f"req:cancelok:{number}")
    assert "aanvrager of de helper" in await refusal(f"req:done:{number}")
    assert "aanvrager of de helper" in await refusal(f"req:withdrawok:{number}")
    assert "bestaat niet" in await refusal("req:claim:99999")
    assert "werkt niet meer" in await refusal("req:claim:1; DROP TABLE person")
    assert "werkt niet meer" in await refusal("fb:1:9")
    assert "werkt niet meer" in await refusal(f"fb:{number}:3")  # not done, and not hers
    async with sessionmaker() as session:
        request = await session.get(HelpRequest, number)
    assert request is not None
    assert (request.status, request.helper_id is not None) == (Status.CLAIMED, True)
    assert telegram.rejected() == []


async def test_descriptions_that_are_empty_huge_or_full_of_html(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ann = await onboarded(telegram, "Ann")
    group = await linked_group(telegram, sessionmaker, [ann])
    await ann.send("/vraag")
    await ann.press(await ann.next_message(), "❓ Iets anders")
    await ann.next_message()
    await ann.send("hoi")
    assert "minstens 10 tekens" in (await ann.next_message()).text
    await ann.send("x" * 5000)
    assert "5000 tekens" in (await ann.next_message()).text
    await ann.share_location(52.15, 5.02)
    assert "als tekst" in (await ann.next_message()).text
    text = '<b>vet</b> & "quotes" <script>alert(1)</script> 🏠🌷 bel 06-12345678'
    await ann.send(text)
    await ann.press(await ann.next_message(), "Zo snel mogelijk")
    contact = await ann.next_message()
    await ann.next_message()
    await ann.send("typen in plaats van tikken")
    assert "knoppen" in (await ann.next_message()).text
    await ann.press(contact, "💬 Via Telegram")
    await ann.next_message()
    preview = await ann.next_message()
    assert text in preview.text
    assert "telefoonnummer of postcode" in preview.text
    await ann.press(preview, "✅ Plaatsen")
    await ann.next_message()
    card = await group.next_message()
    assert text in card.text
    assert "&lt;script&gt;" in (card.html or "")
    assert telegram.rejected() == []


async def test_ask_in_a_group_points_to_the_private_chat(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ann = await onboarded(telegram, "Ann")
    group = await linked_group(telegram, sessionmaker, [ann])
    await ann.send("/vraag", chat=group)
    reply = await group.next_message()
    link = reply.buttons[0][0]["url"]
    assert link.endswith("?start=ask")
    await ann.open_start_link(link)
    assert "Waar heb je hulp bij nodig?" in (await ann.next_message()).text


async def test_volunteers_are_told_but_not_during_quiet_hours(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    ann = await onboarded(telegram, "Ann")
    vera = await onboarded(telegram, "Vera")
    await vera.send("/helpen")
    assert "geen open vragen" in (await vera.next_message()).text
    profile = await vera.next_message()
    await vera.press(profile, "🛒 Boodschappen")
    await telegram.wait_for(lambda: "✓ 🛒 Boodschappen" in profile.button_texts)
    await vera.press(profile, "💾 Opslaan")
    assert "Opgeslagen" in (await vera.next_message()).text

    await ask(ann, "Wie kan melk en brood voor me halen?")
    told = await vera.next_message()
    assert "Een buur vraagt om hulp" in told.text
    assert told.button_texts == ["🤝 Ik help"]

    # Another category: not told.
    await ask(ann, "Wie kan mijn hond uitlaten vanavond?", "Vandaag", "🐕 Huisdier")
    # At night: held until 08:00.
    clock.set(datetime(2026, 11, 25, 22, 30, tzinfo=UTC))  # 23:30 in Amsterdam
    seen = len(vera.messages)
    await ask(ann, "Wie kan morgen vroeg boodschappen doen?")
    await asyncio.sleep(1.5)
    assert len(vera.messages) == seen
    clock.set(datetime(2026, 11, 26, 7, 1, tzinfo=UTC))  # 08:01 in Amsterdam
    morning = await vera.next_message(timeout=10)
    assert "vroeg boodschappen" in morning.text
    assert telegram.rejected() == []


async def test_a_buurtassistent_files_a_request_for_a_resident_without_telegram(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ba = await onboarded(telegram, "Sara")
    await give_role(sessionmaker, ba, Role.BUURTASSISTENT)
    bob = await onboarded(telegram, "Bob")
    group = await linked_group(telegram, sessionmaker, [bob])

    await ba.send("/vraag")
    await ba.press(await ba.next_message(), "Voor een bewoner zonder Telegram")
    await ba.next_message()
    await ba.send("Truus")
    await ba.next_message()
    await ba.send("bel me")
    assert "geen telefoonnummer" in (await ba.next_message()).text
    await ba.send("06 12345678")
    agree = await ba.next_message()
    assert "Truus" in agree.text
    await ba.press(agree, "✅ Ja, de bewoner is akkoord")
    await ba.press(await ba.next_message(), "🚗 Vervoer of begeleiding")
    await ba.next_message()
    await ba.send("Mevrouw wil graag naar de huisarts gebracht worden.")
    await ba.press(await ba.next_message(), "Morgen")
    wijk = await ba.next_message()
    assert "In welke wijk" in wijk.text
    await ba.press(wijk, "Noord")
    preview = await ba.next_message()
    await ba.press(preview, "✅ Plaatsen")
    await ba.next_message()

    card = await group.next_message()
    await bob.press(card, "🤝 Ik help")
    intro = await bob.next_message()
    assert "Je helpt Truus" in intro.text
    assert "06 12345678" in intro.text
    assert "Bob helpt je" in (await ba.next_message()).text
    async with sessionmaker() as session:
        request = await session.scalar(select(HelpRequest))
    assert request is not None
    assert request.behalf_consent_at is not None
    assert request.requester_id is None
    async with sessionmaker() as session:
        audit = list(await session.scalars(select(AuditEntry.action)))
    assert audit == ["group.link", "request.on_behalf"]  # linked_group() links like /koppel
    everything = group_texts(group)
    assert "Truus" not in everything
    assert "12345678" not in everything
    assert telegram.rejected() == []


async def test_limits_on_open_requests(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ann = await onboarded(telegram, "Ann")
    for i in range(3):
        await ask(ann, f"Vraag nummer {i} om te testen of het maximum werkt.")
    await ann.send("/vraag")
    assert "al 3 open vragen" in (await ann.next_message()).text


async def test_restarts_lose_no_draft_and_send_no_follow_up_twice(
    bot_runner: BotRunner,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await bot_runner.start()
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    group = await linked_group(telegram, sessionmaker, [ann, bob])
    await ann.send("/vraag")
    await ann.press(await ann.next_message(), "🔧 Klusje in huis")
    await ann.next_message()
    await bot_runner.stop()

    await bot_runner.start()
    await ann.send("Wie kan zaterdag mijn fiets repareren?")
    when = await ann.next_message()
    await ann.press(when, "📅 Kies een dag")
    days = await ann.next_message()
    await bot_runner.stop()

    await bot_runner.start()
    await ann.press(days, days.button_texts[2])  # Saturday 28 November
    await ann.press(await ann.next_message(), "Middag")
    contact = await ann.next_message()
    await ann.next_message()
    await ann.press(contact, "💬 Via Telegram")
    await ann.next_message()
    preview = await ann.next_message()
    assert "zaterdag 28 november, middag" in preview.text
    await ann.press(preview, "✅ Plaatsen")
    await ann.next_message()
    card = await group.next_message()
    await bob.press(card, "🤝 Ik help")
    await bob.next_message()
    await ann.next_message()

    # Saturday 11:00 in Amsterdam: an hour before the afternoon starts, Bob is reminded.
    clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    reminder = await bob.next_message(timeout=10)
    assert "Herinnering" in reminder.text
    assert "12:00" in reminder.text
    await bot_runner.stop()
    await bot_runner.start()
    # Saturday 18:30: after the afternoon, a check-in for both; a restart sends none twice.
    clock.set(datetime(2026, 11, 28, 17, 30, tzinfo=UTC))
    assert "Is het gelukt" in (await bob.next_message(timeout=10)).text
    assert "Is het gelukt" in (await ann.next_message(timeout=10)).text
    await bot_runner.stop()
    await bot_runner.start()
    await asyncio.sleep(2.5)  # two more due-checks by the running scheduler
    assert sum("Herinnering" in m.text for m in bob.messages) == 1
    assert sum("Is het gelukt" in m.text for m in bob.messages) == 1
    assert sum("Is het gelukt" in m.text for m in ann.messages) == 1
    async with sessionmaker() as session:
        pending = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent")
        )
    assert pending == 0
    assert telegram.rejected() == []


async def test_still_needed_question_keeps_a_request_open(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    ann = await onboarded(telegram, "Ann")
    number = await ask(
        ann, "Wie wil af en toe met mij koffie drinken?", "Deze week", "☕ Gezelschap of wandelen"
    )
    clock.advance(hours=49)
    question = await ann.next_message(timeout=10)
    assert f"Je vraag #{number} staat nog open" in question.text
    await ann.press(question, "Ja, nog nodig")
    assert "blijft open staan" in (await ann.next_message()).text
    async with sessionmaker() as session:
        request = await session.get(HelpRequest, number)
    assert request is not None
    assert request.status == Status.OPEN


async def test_admin_links_a_group_with_koppel(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    ann = await onboarded(telegram, "Ann")
    group = telegram.add_group(title="Noord samen", members=[admin, ann])
    await ann.send("/koppel", chat=group)
    assert "Alleen een beheerder" in (await group.next_message()).text
    await admin.send("/koppel", chat=group)
    assert "Alleen een beheerder" in (await group.next_message()).text  # not a group admin yet
    group.set_admin(admin)
    await admin.send("/koppel", chat=group)
    choose = await group.next_message()
    await ann.press(choose, "Noord")  # a resident pressing the admin's buttons
    await telegram.wait_for(
        lambda: ann.answers and "Alleen een beheerder" in (ann.answers[-1].get("text") or "")
    )
    await admin.press(choose, "Noord")
    await telegram.wait_for(lambda: "Gekoppeld" in choose.text)
    await ask(ann, "Wie kan mij helpen een kast te verplaatsen?", category="🔧 Klusje in huis")
    assert "Hulpvraag #1" in (await group.next_message()).text


async def test_each_step_is_stored_with_its_own_update(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """A crash right after a step loses neither its state nor its draft.

    Both are written by the same update: the state saying "now the description" must never be
    stored without the category it follows.
    """
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    await ann.send("/vraag")
    categories = await ann.next_message()
    await asyncio.sleep(0.2)  # Ann's update is done
    # Someone else's update in between writes what was queued until then (Ann's draft too),
    # so that Ann's next step is the only one to write her new draft.
    await bob.send("/help")
    await bob.next_message()
    await asyncio.sleep(0.2)
    await ann.press(categories, "🔧 Klusje in huis")
    await ann.next_message()

    async def described() -> bool:
        async with sessionmaker() as session:
            states = list(await session.scalars(select(ConversationState)))
        return any(s.name == "ask" and s.state == Step.DESCRIPTION for s in states)

    await eventually(described)
    async with sessionmaker() as session:
        flow = await session.get(FlowData, ann.id)
    assert flow is not None
    assert flow.data["ask"]["category"] == "klusje"


async def test_changing_an_answer_from_the_preview_returns_to_the_preview(
    bot: Application, telegram: FakeTelegram
) -> None:
    """ "Wijzigen" asks one question again (the text, then the wijk) and shows the preview."""
    ann = await onboarded(telegram, "Ann")
    await ann.send("/vraag")
    await ann.press(await ann.next_message(), "🛒 Boodschappen")
    await ann.next_message()
    await ann.send("Wie kan morgen brood voor me halen?")
    await ann.press(await ann.next_message(), "Morgen")
    contact = await ann.next_message()
    await ann.next_message()
    await ann.press(contact, "💬 Via Telegram")
    await ann.next_message()  # noted
    preview = await ann.next_message()
    await ann.press(preview, "✏️ Wijzigen")
    await ann.press(await ann.next_message(), "Tekst")
    assert "Wat is je vraag?" in (await ann.next_message()).text
    await ann.send("Wie kan morgen melk voor me halen?")
    preview = await ann.next_message()
    assert "melk" in preview.text
    assert "Zo ziet je vraag eruit" in preview.text
    await ann.press(preview, "✏️ Wijzigen")
    await ann.press(await ann.next_message(), "Wijk")
    await ann.press(await ann.next_message(), "Noord")
    preview = await ann.next_message()
    assert "Noord" in preview.text
    assert "melk" in preview.text
    assert telegram.rejected() == []
