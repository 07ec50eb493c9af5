"""/wachtrij end to end: the buurtassistent sees what nobody took, hands it out, reopens, closes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeTelegram, FakeUser, SentMessage
from models.areas import Wijk
from models.audit import AuditEntry
from models.help_requests import HelpRequest, Status
from models.help_requests.dispatch import Offer, OfferStatus
from models.outbox import OutboxMessage
from models.people import Role, get_person, grant_role
from models.volunteers import Volunteer
from tests.conftest import FakeClock, eventually
from tests.people import message_with, messages_with, onboarded
from tests.test_requests_delivery import become_volunteer
from tests.test_requests_flow import ask


async def assistant_of(
    sessionmaker: async_sessionmaker[AsyncSession], user: FakeUser, wijk_code: str
) -> None:
    """Make a known person buurtassistent of one wijk (as /rol would)."""
    async with sessionmaker.begin() as session:
        person = await get_person(session, user.id)
        wijk = await session.scalar(select(Wijk).where(Wijk.code == wijk_code))
        assert person is not None
        assert wijk is not None
        await grant_role(session, person, Role.BUURTASSISTENT, wijk_id=wijk.id)


async def test_assign_decline_assign_accept_stall_reopen_note_close(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    sara = await onboarded(telegram, "Sara")
    zoe = await onboarded(telegram, "Zoë", wijk="Zuid-Oost & <Meer>")
    await assistant_of(sessionmaker, sara, "N")
    await assistant_of(sessionmaker, zoe, "Z")
    vera = await onboarded(telegram, "Vera")
    wim = await onboarded(telegram, "Wim")
    for volunteer in (vera, wim):
        await become_volunteer(volunteer)
    ann = await onboarded(telegram, "Ann")
    number = await ask(ann, "Wie kan morgen boodschappen doen bij de supermarkt?")
    await message_with(vera, f"#{number}")
    await message_with(wim, f"#{number}")

    clock.advance(hours=5)
    await sara.send("/wachtrij")
    title = await sara.next_message()
    assert "Open: 1 · Vastgelopen: 0" in title.text
    item = await sara.next_message()
    assert f"#{number}" in item.text
    assert "Wacht al 5 uur" in item.text
    # Another wijk's buurtassistent sees nothing of it; a resident has no queue at all.
    await zoe.send("/wachtrij")
    assert "Alles is opgepakt" in (await zoe.next_message()).text
    await ann.send("/wachtrij")
    assert "voor buurtassistenten" in (await ann.next_message()).text

    await sara.press(item, "👤 Toewijzen")
    choice = await sara.next_message()
    labels = [b["text"] for row in choice.buttons for b in row]
    assert labels == ["Vera · 0 open · nog nooit geholpen", "Wim · 0 open · nog nooit geholpen"]
    await sara.press(choice, labels[0])
    assert "Ik heb Vera gevraagd" in (await sara.next_message()).text
    vera_offer = await message_with(vera, "wil je dit oppakken?")
    await vera.press(vera_offer, "Nee, nu niet")
    assert "geen probleem" in (await vera.next_message()).text
    assert "kan vraag" in (await message_with(sara, f"#{number}")).text

    await sara.press(item, "👤 Toewijzen")
    await sara.press(await sara.next_message(), "Wim · 0 open · nog nooit geholpen")
    await sara.next_message()
    offer = await message_with(wim, "wil je dit oppakken?")
    await wim.press(offer, "✅ Ja, ik pak het op")
    # The reply comes straight away, the introduction through the outbox: either may be first.
    first, second = await wim.next_message(), await wim.next_message()
    reply, intro = (first, second) if "is nu van jou" in (first.text or "") else (second, first)
    assert "is nu van jou" in reply.text
    assert "Ann" in intro.text
    assert f"#{number}" in intro.text
    await message_with(ann, "Wim")
    assert "Wim pakt vraag" in (await message_with(sara, "pakt")).text
    # Vera's old "yes" changes nothing now: her offer was declined.
    before = len(vera.answers)
    await vera.press_data(vera_offer, f"offer:yes:{number}")
    await eventually(lambda: _answered_after(vera, before))

    async with sessionmaker() as session:
        request = await session.get(HelpRequest, number)
        offers = list(await session.scalars(select(Offer).order_by(Offer.id)))
        wim_person = await get_person(session, wim.id)
    assert request is not None
    assert wim_person is not None
    assert (request.status, request.helper_id) == (Status.CLAIMED, wim_person.id)
    assert [o.status for o in offers] == [OfferStatus.DECLINED, OfferStatus.ACCEPTED]

    # A day after its time, the accepted request counts as stalled.
    clock.set(request.window_end_at + timedelta(hours=25))
    await sara.send("/wachtrij")
    assert "Open: 0 · Vastgelopen: 1" in (await sara.next_message()).text
    await sara.next_message()  # "Vastgelopen (1)"
    stalled = await sara.next_message()
    assert "Aangenomen door Wim" in stalled.text

    await sara.press(stalled, "📝 Notitie")
    assert "Typ je notitie" in (await sara.next_message()).text
    await sara.send("")
    await sara.send("<b>Belde</b> met Ann & Wim")
    assert "Notitie bewaard" in (await message_with(sara, "Notitie")).text

    await sara.press(stalled, "↩️ Weer open zetten")
    assert "staat weer open" in (await sara.next_message()).text
    await message_with(wim, f"#{number}")
    await message_with(ann, f"#{number}")

    await sara.send("/wachtrij")
    await sara.next_message()
    reopened = await sara.next_message()
    assert "📝" in reopened.text
    assert "<b>Belde</b> met Ann & Wim" in reopened.text
    await sara.press(reopened, "✖️ Sluiten")
    reasons = await sara.next_message()
    await sara.press(reasons, "Niet meer nodig")
    assert "is gesloten" in (await sara.next_message()).text
    assert "Een buurtassistent heeft je vraag" in (await message_with(ann, "buurtassistent")).text

    async with sessionmaker() as session:
        request = await session.get(HelpRequest, number)
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert request is not None
    assert (request.status, request.close_reason) == (Status.CANCELLED, "ba_not_needed")
    assert actions == [
        "request.assign",
        "request.assign",
        "request.note",
        "request.reopen",
        "request.close",
    ]


async def test_queue_buttons_refuse_whoever_does_not_look_after_the_wijk(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    sara = await onboarded(telegram, "Sara")
    zoe = await onboarded(telegram, "Zoë", wijk="Zuid-Oost & <Meer>")
    await assistant_of(sessionmaker, sara, "N")
    await assistant_of(sessionmaker, zoe, "Z")
    vera = await onboarded(telegram, "Vera")
    await become_volunteer(vera)
    ann = await onboarded(telegram, "Ann")
    number = await ask(ann, "Wie kan morgen boodschappen doen bij de supermarkt?")
    async with sessionmaker() as session:
        vera_person = await get_person(session, vera.id)
        ann_person = await get_person(session, ann.id)
    assert vera_person is not None
    assert ann_person is not None
    cases = [
        (ann, f"q:pick:{number}:{vera_person.id}"),  # a resident
        (zoe, f"q:pick:{number}:{vera_person.id}"),  # buurtassistent of another wijk
        (zoe, f"q:closeas:{number}:other"),
        (vera, f"q:reopen:{number}"),  # a volunteer
        (vera, f"offer:yes:{number}"),  # never offered
        (sara, f"q:pick:{number}:{ann_person.id}"),  # the requester is no candidate
        (sara, f"q:closeas:{number}:nonsense"),  # no such reason
    ]
    for user, data in cases:
        await user.send("/help")
        anchor = await user.next_message()
        before = len(user.answers)
        await user.press_data(anchor, data)
        await eventually(lambda u=user, n=before: _answered_after(u, n))
        assert user.answers[before].get("text"), data  # a refusal, shown to the person
    async with sessionmaker() as session:
        request = await session.get(HelpRequest, number)
        offers = list(await session.scalars(select(Offer)))
        audit = list(await session.scalars(select(AuditEntry)))
    assert request is not None
    assert request.status == Status.OPEN
    assert offers == []
    assert audit == []


async def _answered_after(user: FakeUser, count: int) -> bool:
    return len(user.answers) > count


async def test_volunteer_profile_wijken_pause_and_maximum(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    vera = await onboarded(telegram, "Vera")
    zuid = await onboarded(telegram, "Zed", wijk="Zuid-Oost & <Meer>")
    ann = await onboarded(telegram, "Ann")
    await vera.send("/helpen")
    await vera.next_message()
    profile = await vera.next_message()
    await vera.press(profile, "💾 Opslaan")
    await vera.next_message()

    await vera.send("/helpen")
    await vera.next_message()
    profile = await vera.next_message()
    assert "📍 Wijken: Noord" in profile.text
    await vera.press(profile, "📍 Wijken")
    await eventually(lambda: _edited(profile, "Zuid-Oost"))
    await vera.press(profile, "Zuid-Oost & <Meer>")
    await eventually(lambda: _edited(profile, "Noord, Zuid-Oost & <Meer>"))
    await vera.press(profile, "⬅️ Terug")
    await eventually(lambda: _edited(profile, "🔢 Hoeveel"))
    await vera.press(profile, "🔢 Hoeveel")
    await eventually(lambda: _edited(profile, "Geen maximum"))
    await vera.press(profile, "1")
    await eventually(lambda: _edited(profile, "Hoogstens 1 vragen"))

    # A request in Zuid now reaches Vera; she takes it.
    first = await ask(zuid, "Wie kan mijn kat eten geven dit weekend?")
    posted = await message_with(vera, f"#{first}")
    await vera.press(posted, "🤝 Ik help")
    await message_with(vera, "Dank je")
    # At her maximum of one, she cannot take a second.
    second = await ask(ann, "Wie kan morgen boodschappen doen bij de supermarkt?")
    posted = await message_with(vera, f"#{second}")
    before = len(vera.answers)
    await vera.press(posted, "🤝 Ik help")
    await eventually(lambda: _answered_after(vera, before))
    assert "zoveel vragen" in vera.answers[before]["text"]
    async with sessionmaker() as session:
        request = await session.get(HelpRequest, second)
    assert request is not None
    assert request.status == Status.OPEN

    # Paused for a week: a new request does not reach her; after the pause it does.
    await vera.send("/helpen")
    profile = await message_with(vera, "Je bent vrijwilliger")
    await vera.press(profile, "⏸ Pauze")
    await eventually(lambda: _edited(profile, "7 dagen"))
    await vera.press(profile, "7 dagen")
    await eventually(lambda: _edited(profile, "weer berichten vanaf"))
    async with sessionmaker() as session:
        person = await get_person(session, vera.id)
        assert person is not None
        volunteer = await session.get(Volunteer, person.id)
    assert volunteer is not None
    assert volunteer.paused_until is not None
    assert volunteer.paused_until - clock.now() > timedelta(days=6)
    before = len(vera.messages)
    third = await ask(
        ann, "Wie helpt mij met een formulier van de gemeente?", category="📄 Post en formulieren"
    )
    async with sessionmaker() as session:
        queued = await session.scalar(
            select(func.count()).where(
                OutboxMessage.request_id == third, OutboxMessage.person_id == person.id
            )
        )
    assert queued == 0
    assert not any(f"#{third}" in (m.text or "") for m in vera.messages[before:])


async def _edited(message: SentMessage, fragment: str) -> bool:
    """Tell whether the message, as edited in place, shows the fragment (text or buttons)."""
    labels = " ".join(b.get("text", "") for row in message.buttons for b in row)
    return fragment in (message.text or "") or fragment in labels


async def test_a_request_link_gives_its_buurtassistent_the_queue_actions(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    sara = await onboarded(telegram, "Sara")
    zoe = await onboarded(telegram, "Zoë", wijk="Zuid-Oost & <Meer>")
    await assistant_of(sessionmaker, sara, "N")
    await assistant_of(sessionmaker, zoe, "Z")
    ann = await onboarded(telegram, "Ann")
    number = await ask(ann, "Wie kan morgen boodschappen doen bij de supermarkt?")
    await sara.send(f"/start req_{number}")
    view = await sara.next_message()
    assert "Wacht al" in view.text
    assert "👤 Toewijzen" in [b["text"] for row in view.buttons for b in row]
    # Another wijk's buurtassistent sees the request as any neighbour does.
    await zoe.send(f"/start req_{number}")
    view = await zoe.next_message()
    assert "Wacht al" not in view.text
    assert [b["text"] for row in view.buttons for b in row] == ["🤝 Ik help"]


async def test_nobody_takes_it_the_buurtassistent_is_told_assigns_and_it_gets_done(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    sara = await onboarded(telegram, "Sara")
    await assistant_of(sessionmaker, sara, "N")
    vera = await onboarded(telegram, "Vera")
    await become_volunteer(vera)
    ann = await onboarded(telegram, "Ann")
    number = await ask(ann, "Wie kan morgen boodschappen doen bij de supermarkt?")
    await message_with(vera, f"#{number}")

    # Nobody takes it: after four hours the ladder tells Sara, with a link to the request.
    clock.advance(hours=4, minutes=1)
    alert = await message_with(sara, "heeft nog geen helper", timeout=15)
    link = alert.buttons[0][0]["url"]
    assert link.endswith(f"?start=req_{number}")
    await sara.send(f"/start req_{number}")
    view = await sara.next_message()
    await sara.press(view, "👤 Toewijzen")
    await sara.press(await sara.next_message(), "Vera · 0 open · nog nooit geholpen")
    assert "Ik heb Vera gevraagd" in (await sara.next_message()).text

    offer = await message_with(vera, "wil je dit oppakken?")
    await vera.press(offer, "✅ Ja, ik pak het op")
    _, intro = await messages_with(vera, "is nu van jou", "Je helpt Ann")
    await message_with(sara, "Vera pakt vraag")
    await vera.press(intro, "✅ Klaar")
    thanks = await message_with(ann, "is klaar")
    assert thanks.button_texts == ["😊", "😐", "🙁"]

    async with sessionmaker() as session:
        request = await session.get(HelpRequest, number)
        vera_person = await get_person(session, vera.id)
    assert request is not None
    assert vera_person is not None
    assert (request.status, request.helper_id) == (Status.DONE, vera_person.id)
