"""Abuse: per-person limits with one friendly answer, and blocked people are ignored."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.config import LimitsConfig
from bot.guard import BlockList, UpdateRate, Verdict
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models import activities
from models.activities import Activity, Status, TooManyProposals
from models.people import Person, Role, RoleAssignment, get_person, grant_role
from tests.conftest import ADMIN_ID, BotRunner, FakeClock
from tests.people import give_role, onboarded
from tests.test_activities import create_activity, wait_text

SLOW_DOWN = "Wacht even een minuut"
TITLE = "Hoe heet ze?"


async def quiet(user: FakeUser, seconds: float = 0.8) -> int:
    """Wait a while; return how many messages the user has then (to show nothing came)."""
    await asyncio.sleep(seconds)
    return len(user.messages)


async def start_with(bot_runner: BotRunner, **limits: int) -> Application:
    """Start the bot with these [limits]."""
    config = bot_runner.config
    return await bot_runner.start(replace(config, limits=replace(config.limits, **limits)))


# -- the update rate --------------------------------------------------------------------------


def test_a_bucket_allows_the_burst_then_the_rate_and_warns_once_a_minute() -> None:
    now = [0.0]
    rate = UpdateRate(per_minute=60, burst=3, clock=lambda: now[0])
    assert [rate.check(1) for _ in range(3)] == [Verdict.ALLOW] * 3
    assert [rate.check(1) for _ in range(3)] == [Verdict.WARN, Verdict.IGNORE, Verdict.IGNORE]
    assert rate.check(2) is Verdict.ALLOW  # someone else has a bucket of their own
    now[0] = 1.0  # one more a second
    assert [rate.check(1) for _ in range(2)] == [Verdict.ALLOW, Verdict.IGNORE]
    now[0] = 61.0  # full again; warned again only after a minute
    assert [rate.check(1) for _ in range(4)] == [Verdict.ALLOW] * 3 + [Verdict.WARN]


async def test_a_flood_gets_one_friendly_answer_and_the_limit_resets(
    bot_runner: BotRunner, telegram: FakeTelegram
) -> None:
    await start_with(bot_runner, updates_per_minute=60, updates_burst=8)
    ann = await onboarded(telegram, "Ann")
    before = len(ann.messages)
    for _ in range(40):
        await ann.send("/help")
    await telegram.wait_for(lambda: any(SLOW_DOWN in (m.text or "") for m in ann.messages))
    await quiet(ann)
    replies = [m.text or "" for m in ann.messages[before:]]
    assert sum(SLOW_DOWN in text for text in replies) == 1  # once, not forty times
    helps = len(replies) - 1
    assert 1 <= helps <= 8  # what was accepted was answered; the rest was ignored
    assert telegram.rejected() == []  # the bot did not flood Ann's chat either
    await asyncio.sleep(1.2)  # a token per second: the limit resets
    await ann.send("/help")
    assert SLOW_DOWN not in (await ann.next_message()).text


async def test_presses_over_the_limit_are_still_answered(
    bot_runner: BotRunner, telegram: FakeTelegram
) -> None:
    await start_with(bot_runner, updates_per_minute=1, updates_burst=6)
    ann = await onboarded(telegram, "Ann")
    welcome = ann.messages[-1]
    before, answered = len(ann.messages), len(ann.answers)
    for _ in range(12):
        await ann.press_data(welcome, "gone:1")
    await telegram.wait_for(lambda: len(ann.answers) == answered + 12)
    texts = [a.get("text") or "" for a in ann.answers[answered:]]
    assert sum(SLOW_DOWN in text for text in texts) == 1  # as a toast, once
    assert len(ann.messages) == before  # no message in the chat for it
    assert telegram.unanswered_callback_queries(grace=0) == []


async def test_an_inline_query_over_the_limit_gets_an_empty_answer(
    bot_runner: BotRunner, telegram: FakeTelegram
) -> None:
    await start_with(bot_runner, updates_per_minute=1, updates_burst=1)
    ann = telegram.add_user("Ann")
    await ann.inline_query("bieb")
    await ann.next_inline_answer()
    await ann.inline_query("bieb")
    assert (await ann.next_inline_answer())["results"] == []


# -- proposals a day --------------------------------------------------------------------------


async def test_a_resident_may_propose_so_many_activities_a_day(
    bot_runner: BotRunner,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await start_with(bot_runner, activity_proposals_per_day=1)
    ann = await onboarded(telegram, "Ann")
    assert "Voorgesteld" in (await create_activity(ann, button="📨 Voorstellen")).text
    await ann.send("/activiteit")
    assert "al 1 activiteiten voorgesteld" in (await ann.next_message()).text
    sara = await onboarded(telegram, "Sara")
    await give_role(sessionmaker, sara, Role.BUURTASSISTENT)
    # A buurtassistent publishes without that limit.
    assert "Gepubliceerd" in (await create_activity(sara)).text
    await sara.send("/activiteit")
    await wait_text(sara, TITLE)
    clock.advance(hours=24, seconds=1)
    await ann.send("/activiteit")
    await wait_text(ann, TITLE)  # (after Sara's activity, which Ann is sent)
    async with sessionmaker() as session:
        statuses = sorted((await session.scalars(select(Activity.status))).all())
    assert statuses == [Status.PROPOSED, Status.PUBLISHED]


async def test_the_proposal_limit_is_checked_again_when_storing(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    draft = activities.Draft(
        title="Koffie",
        description="",
        starts_at=clock.now() + timedelta(days=2),
        ends_at=clock.now() + timedelta(days=2, hours=1),
        place="Buurthuis",
        wijk_ids=[],
        theme="meet",
    )
    async with sessionmaker.begin() as session:
        person = Person(telegram_id=5, display_name="Ann")
        session.add(person)
        await session.flush()
        for _ in range(2):
            await activities.create(
                session,
                organiser=person,
                draft=draft,
                publish=False,
                reviewers=[],
                now=clock.now(),
                max_proposals=2,
            )
        with pytest.raises(TooManyProposals):
            await activities.create(
                session,
                organiser=person,
                draft=draft,
                publish=False,
                reviewers=[],
                now=clock.now(),
                max_proposals=2,
            )


# -- blocked people ---------------------------------------------------------------------------


async def test_a_blocked_person_is_ignored_until_unblocked(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ann = await onboarded(telegram, "Ann")
    await give_role(sessionmaker, ann, Role.BLOCKED)
    bot.bot_data["services"].guard.blocked.invalidate()  # what a block command does
    async with sessionmaker() as session:
        person = await get_person(session, ann.id)
        assert person is not None
        seen = person.last_seen_at
    before = len(ann.messages)
    await ann.send("/help")
    await ann.send("/vraag")
    await ann.send("Kan iemand helpen?")
    await ann.share_location(52.09, 5.12)
    answered = len(ann.answers)
    await ann.press_data(ann.messages[-1], "ob:wijken")
    await telegram.wait_for(lambda: len(ann.answers) > answered)
    assert ann.answers[-1].get("text") is None  # answered, silently
    await ann.inline_query("bieb")
    assert (await ann.next_inline_answer())["results"] == []
    assert await quiet(ann) == before  # no reply to anything
    async with sessionmaker() as session:
        person = await get_person(session, ann.id)
        assert person is not None
        assert person.last_seen_at == seen  # and nothing changed

    async with sessionmaker.begin() as session:
        await session.execute(delete(RoleAssignment).where(RoleAssignment.role == Role.BLOCKED))
    bot.bot_data["services"].guard.blocked.invalidate()
    await ann.send("/help")
    assert "/vraag" in (await ann.next_message()).text


async def test_a_block_made_elsewhere_counts_after_the_refresh(
    bot_runner: BotRunner, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await bot_runner.start(
        replace(bot_runner.config, limits=LimitsConfig(blocked_refresh_seconds=1))
    )
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    await give_role(
        sessionmaker, ann, Role.BLOCKED
    )  # e.g. by an admin's command in another process
    await asyncio.sleep(1.2)
    before = len(ann.messages)
    await ann.send("/help")
    await bob.send("/help")
    await bob.next_message()
    assert await quiet(ann) == before


async def test_a_blocked_admin_is_no_admin(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    await give_role(sessionmaker, admin, Role.BLOCKED)
    bot.bot_data["services"].guard.blocked.invalidate()
    before = len(admin.messages)
    await admin.send("/omroep")
    assert await quiet(admin) == before


async def test_the_blocked_list_is_read_again_after_the_refresh_or_when_told(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    now = [0.0]
    blocked = BlockList(sessionmaker, refresh_seconds=30, clock=lambda: now[0])
    async with sessionmaker.begin() as session:
        eve = Person(telegram_id=7, display_name="Eve")
        session.add(eve)
        await session.flush()
        await grant_role(session, eve, Role.VOLUNTEER)
    assert not await blocked.is_blocked(7)
    async with sessionmaker.begin() as session:
        await grant_role(session, eve, Role.BLOCKED)
    assert not await blocked.is_blocked(7)  # read just now: one query per refresh, not per update
    now[0] = 31.0
    assert await blocked.is_blocked(7)
    async with sessionmaker.begin() as session:
        await session.execute(delete(RoleAssignment).where(RoleAssignment.role == Role.BLOCKED))
    blocked.invalidate()  # unblocked through the bot: counts at once
    assert not await blocked.is_blocked(7)
