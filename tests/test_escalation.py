"""The escalation ladder and the daily overview, end to end with a controllable clock."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import EscalationConfig
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.areas import Wijk
from models.escalations import steps_taken
from models.people import Role, get_person, grant_role
from tests.conftest import ADMIN_ID, BotRunner, FakeClock
from tests.people import linked_group, onboarded
from tests.test_requests_flow import ask

ZUID = "Zuid-Oost & <Meer>"


async def assistant(
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    name: str,
    wijk_code: str,
) -> FakeUser:
    """Onboard someone and make them buurtassistent of one wijk (as /rol would)."""
    user = await onboarded(telegram, name)
    async with sessionmaker.begin() as session:
        person = await get_person(session, user.id)
        wijk = await session.scalar(select(Wijk).where(Wijk.code == wijk_code))
        assert person is not None
        assert wijk is not None
        await grant_role(session, person, Role.BUURTASSISTENT, wijk_id=wijk.id)
    return user


def count(user: FakeUser, text: str) -> int:
    """Count the bot's messages to a person that contain a text."""
    return sum(text in (m.text or "") for m in user.messages)


async def settle() -> None:
    """Let the scheduler look a few more times (it runs every second in the tests)."""
    await asyncio.sleep(2.5)


async def steps(sessionmaker: async_sessionmaker[AsyncSession], number: int) -> list[str]:
    """Return the escalation steps taken for a request."""
    async with sessionmaker() as session:
        return await steps_taken(session, number)


async def test_a_request_nobody_takes_climbs_the_ladder_once_across_restarts(
    bot_runner: BotRunner,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await bot_runner.start()
    ann = await onboarded(telegram, "Ann", username="ann_noord")
    sara = await assistant(telegram, sessionmaker, "Sara", "N")
    zoe = await assistant(telegram, sessionmaker, "Zoe", "Z")
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    number = await ask(ann, "Wie kan morgen boodschappen voor mij doen?")
    quiet = {u.id: len(u.messages) for u in (sara, zoe, admin)}

    # A minute before the four hours: nobody is told yet.
    clock.advance(hours=3, minutes=59)
    await settle()
    assert {u.id: len(u.messages) for u in (sara, zoe, admin)} == quiet
    assert await steps(sessionmaker, number) == []

    clock.advance(minutes=1)
    alert = await sara.next_message(timeout=10)
    assert f"Vraag #{number} heeft nog geen helper" in alert.text
    assert "Boodschappen · Noord · al 4 uur open" in alert.text
    assert "/wachtrij" in alert.text
    assert "Ann" not in alert.text
    assert "ann_noord" not in alert.text
    assert alert.button_texts == [f"📋 Bekijk vraag #{number}"]
    assert alert.buttons[0][0]["url"].endswith(f"?start=req_{number}")
    # The button opens the request, with the buttons a buurtassistent may use.
    await sara.send(f"/start req_{number}")
    shown = await sara.next_message()
    assert f"#{number}" in shown.text
    assert shown.button_texts == ["👤 Toewijzen", "✖️ Sluiten", "📝 Notitie"]

    await bot_runner.stop()
    await bot_runner.start()
    await settle()
    assert count(sara, "heeft nog geen helper") == 1
    assert len(zoe.messages) == quiet[zoe.id]  # another wijk's buurtassistent hears nothing
    assert len(admin.messages) == quiet[admin.id]

    clock.advance(hours=20)  # 24 hours after it was posted
    to_admin = await admin.next_message(timeout=10)
    assert f"Vraag #{number} staat al 24 uur open" in to_admin.text
    assert "Boodschappen · Noord" in to_admin.text
    assert "Ann" not in to_admin.text
    assert to_admin.buttons[0][0]["url"].endswith(f"?start=req_{number}")

    await bot_runner.stop()
    await bot_runner.start()
    clock.advance(hours=1)
    await settle()
    assert count(sara, "heeft nog geen helper") == 1
    assert count(sara, "staat al") == 0
    assert count(admin, "staat al") == 1
    assert count(admin, "heeft nog geen helper") == 0
    assert len(zoe.messages) == quiet[zoe.id]
    assert await steps(sessionmaker, number) == ["assistants", "admins"]
    assert telegram.rejected() == []


async def test_a_wijk_without_buurtassistent_goes_to_the_admins_and_wijken_have_own_hours(
    bot_runner: BotRunner,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    ladder = EscalationConfig(
        digest_time="",
        wijk={
            "Z": replace(EscalationConfig().steps_for(None), notify_buurtassistent_after_hours=1)
        },
    )
    await bot_runner.start(replace(bot_runner.config, escalation=ladder))
    dirk = await onboarded(telegram, "Dirk", wijk=ZUID)
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    number = await ask(
        dirk, "Wie kan mij naar de huisarts brengen?", "Morgen", "🚗 Vervoer of begeleiding"
    )
    clock.advance(minutes=59)
    await settle()
    assert count(admin, "heeft nog geen helper") == 0
    clock.advance(minutes=1)
    alert = await admin.next_message(timeout=10)
    assert f"Vraag #{number} heeft nog geen helper" in alert.text
    assert "Zuid-Oost &amp; &lt;Meer&gt;" in alert.html
    assert "Dirk" not in alert.text
    assert await steps(sessionmaker, number) == ["assistants"]


async def test_a_request_taken_in_time_is_not_escalated_but_a_stalled_one_is_once(
    bot_runner: BotRunner,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await bot_runner.start()
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    sara = await assistant(telegram, sessionmaker, "Sara", "N")
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    group = await linked_group(telegram, sessionmaker, [ann, bob])
    number = await ask(ann, "Wie kan morgen mijn lamp ophangen?", "Morgen", "🔧 Klusje in huis")
    card = await group.next_message()
    clock.advance(hours=3)
    await bob.press(card, "🤝 Ik help")
    await bob.next_message()
    quiet = {u.id: len(u.messages) for u in (sara, admin)}

    # Thursday 15:00: long past both steps for open requests, but it has a helper.
    clock.advance(hours=27)
    await settle()
    assert {u.id: len(u.messages) for u in (sara, admin)} == quiet
    assert await steps(sessionmaker, number) == []

    # The agreed day ended Thursday 24:00; a day later (Friday midnight, quiet hours) it is
    # stalled: the buurtassistent hears of it in the morning.
    clock.set(datetime(2026, 11, 27, 23, 0, tzinfo=UTC))
    await settle()
    assert await steps(sessionmaker, number) == ["stalled"]
    assert len(sara.messages) == quiet[sara.id]
    clock.set(datetime(2026, 11, 28, 7, 0, tzinfo=UTC))
    stalled = await sara.next_message(timeout=10)
    assert f"Vraag #{number} is nog niet klaar" in stalled.text
    assert "De afgesproken tijd is al 24 uur voorbij" in stalled.text
    assert "Ann" not in stalled.text
    assert "Bob" not in stalled.text
    assert stalled.buttons[0][0]["url"].endswith(f"?start=req_{number}")

    await bot_runner.stop()
    await bot_runner.start()
    await settle()
    assert count(sara, "is nog niet klaar") == 1
    assert len(admin.messages) == quiet[admin.id]
    assert await steps(sessionmaker, number) == ["stalled"]
    assert telegram.rejected() == []


def overviews(user: FakeUser) -> list[str]:
    """Return the daily overviews a person got."""
    return [m.html for m in user.messages if "Je overzicht van vandaag" in (m.text or "")]


async def test_the_daily_overview_counts_each_wijk_and_comes_once_a_day(
    bot_runner: BotRunner,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))  # Tuesday 13:00, past 08:00
    config = replace(bot_runner.config, escalation=EscalationConfig(digest_time="08:00"))
    await bot_runner.start(config)
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    cem = await onboarded(telegram, "Cem")
    eva = await onboarded(telegram, "Eva")
    dirk = await onboarded(telegram, "Dirk", wijk=ZUID)
    sara = await assistant(telegram, sessionmaker, "Sara", "N")
    zoe = await assistant(telegram, sessionmaker, "Zoe", "Z")
    group = await linked_group(telegram, sessionmaker, [ann, bob, cem, eva])

    # Tuesday: one stays open, one is taken and then stalls, one is taken and done on Wednesday.
    oldest = await ask(ann, "Wie wil deze week met mij wandelen?", "Deze week")
    await group.next_message()
    await ask(
        cem, "Wie kan mij vandaag naar de markt brengen?", "Vandaag", "🚗 Vervoer of begeleiding"
    )
    await bob.press(await group.next_message(), "🤝 Ik help")
    await bob.next_message()
    await ask(eva, "Wie kan morgen mijn printer aansluiten?", "Morgen", "💻 Computer of telefoon")
    await bob.press(await group.next_message(), "🤝 Ik help")
    intro = await bob.next_message()
    await settle()
    assert overviews(sara) == []  # Tuesday's time had passed when the bot started

    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))  # Wednesday
    await bob.press(intro, "✅ Klaar")
    newest = await ask(ann, "Wie kan deze week mijn kast in elkaar zetten?", "Deze week")
    await ask(
        dirk,
        "Wie kan mij morgen naar het ziekenhuis brengen?",
        "Morgen",
        "🚗 Vervoer of begeleiding",
    )

    clock.set(datetime(2026, 11, 26, 6, 59, tzinfo=UTC))  # Thursday 07:59
    await settle()
    assert overviews(sara) == []
    clock.set(datetime(2026, 11, 26, 7, 0, tzinfo=UTC))  # Thursday 08:00
    await telegram.wait_for(lambda: overviews(sara) and overviews(zoe), timeout=10)
    [noord] = overviews(sara)
    assert "Wijken: Noord" in noord
    assert "Nieuw (24 uur): 1\n⏳ Open: 2\n🕰 Vastgelopen: 1\n✅ Klaar (24 uur): 1" in noord
    assert f"#{oldest} · 🛒 Boodschappen · Noord · 43 uur" in noord
    assert noord.index(f"#{oldest} ·") < noord.index(f"#{newest} ·")
    assert "Zuid" not in noord
    assert "Ann" not in noord
    message = next(m for m in sara.messages if "Je overzicht" in (m.text or ""))
    assert message.button_texts == [f"#{oldest} · 43 uur", f"#{newest} · 19 uur"]
    assert message.buttons[0][0]["url"].endswith(f"?start=req_{oldest}")
    [zuid] = overviews(zoe)
    assert "Wijken: Zuid-Oost &amp; &lt;Meer&gt;" in zuid
    assert "Nieuw (24 uur): 1\n⏳ Open: 1\n🕰 Vastgelopen: 0\n✅ Klaar (24 uur): 0" in zuid

    await bot_runner.stop()
    await bot_runner.start()
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    await settle()
    assert len(overviews(sara)) == 1
    assert len(overviews(zoe)) == 1

    clock.set(datetime(2026, 11, 27, 7, 0, tzinfo=UTC))  # Friday 08:00: the next one
    await telegram.wait_for(lambda: len(overviews(sara)) == 2, timeout=10)
    await settle()
    assert len(overviews(sara)) == 2
    assert telegram.rejected() == []
