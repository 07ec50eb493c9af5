"""/vergeetmij end to end: data in every table, erased; nothing that identifies the person stays."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeTelegram
from models.activities import Rsvp
from models.conversations import ConversationState, FlowData
from models.help_requests import Feedback, HelpRequest, Status
from models.people import get_person
from models.privacy.erase import RULES
from models.privacy.registry import NO_PERSONAL_DATA, person_columns, tables
from tests.conftest import FakeClock, eventually
from tests.people import ask_half_way, onboarded
from tests.privacy_seed import (
    NAME,
    PHONE,
    SUBJECT_ID,
    SURNAME,
    USERNAME,
    row_counts,
    seed_everything,
)
from tests.test_privacy import subject_and_bob
from tests.test_requests_flow import ask

PHONE_DIGITS = re.sub(r"\D", "", PHONE)


def test_every_table_has_an_erasure_rule_or_holds_nothing_personal() -> None:
    names = {table.name for table in tables()}
    assert names == set(RULES) | NO_PERSONAL_DATA, "add the new table to RULES or NO_PERSONAL_DATA"
    for table in tables():
        if person_columns(table):
            assert table.name in RULES, table.name


def _traces(value: Any) -> list[str]:
    """Return what in a column value still identifies the person."""
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, int):
        return ["telegram id"] if value == SUBJECT_ID else []
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    found = [s for s in (NAME, SURNAME, USERNAME, str(SUBJECT_ID)) if s.lower() in text.lower()]
    if PHONE_DIGITS in re.sub(r"\D", "", text):
        found.append("phone")
    return found


async def scan(session: AsyncSession) -> list[str]:
    """Look in every column of every row of every table for the person."""
    findings = []
    for table in tables():
        for row in await session.execute(select(table)):
            for column, value in row._mapping.items():
                findings += [f"{table.name}.{column}: {t}" for t in _traces(value)]
    return findings


async def test_forget_me_cancels_what_is_open_and_leaves_no_trace(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    scene = await subject_and_bob(bot, telegram, sessionmaker)
    subject, bob, group = scene.subject, scene.bob, scene.group
    number = await ask(subject, f"Wie haalt een pakje op voor {NAME} {SURNAME}?")
    card = await group.next_message()

    async def ask_flow_written() -> bool:
        # The ended flow's state is deleted after the update; the seed below adds one again.
        async with sessionmaker() as session:
            key = ("ask", f"[{SUBJECT_ID}, {SUBJECT_ID}]")
            return await session.get(ConversationState, key) is None

    await eventually(ask_flow_written)
    seeded = await seed_everything(
        sessionmaker, other_telegram_id=bob.id, now=clock.now(), cards=scene.cards
    )
    old_request_card, old_activity_card = group.messages[0], group.messages[1]
    async with sessionmaker() as session:
        counts = await row_counts(session)
        assert [name for name, count in counts.items() if count == 0] == []
        assert await scan(session)  # the scan finds her before

    # "No" keeps everything.
    await subject.send("/vergeetmij")
    ask_first = await subject.next_message()
    assert "Alles wissen?" in ask_first.text
    await subject.press(ask_first, "Nee, niet wissen")
    await telegram.wait_for(lambda: "we wissen niets" in ask_first.text)
    async with sessionmaker() as session:
        assert await get_person(session, SUBJECT_ID) is not None

    await subject.send("/vergeetmij")
    confirm = await subject.next_message()
    await subject.press(confirm, "🗑 Ja, wis alles")
    await telegram.wait_for(lambda: "Je gegevens zijn gewist" in confirm.text)
    assert f"#{number}" in confirm.text  # her open request stopped
    assert f"#{seeded.helped}" in confirm.text  # the one she helped with went back

    # The group card says the request stopped, and no longer shows her words.
    await telegram.wait_for(lambda: "ingetrokken" in (card.text or ""))
    assert NAME not in card.text
    # Her closed request's card loses its text; her activity's card loses her name.
    await telegram.wait_for(lambda: "Hulpvraag" in (old_request_card.text or ""))
    assert NAME not in old_request_card.text
    await telegram.wait_for(lambda: "Koffie" in (old_activity_card.text or ""))
    assert NAME not in old_activity_card.text
    # Bob hears that his helper stepped back, and gets her place at the walk.
    await telegram.wait_for(
        lambda: any(f"#{seeded.helped}" in (m.text or "") for m in bob.messages)
    )
    await telegram.wait_for(lambda: any("plek vrijgekomen" in (m.text or "") for m in bob.messages))

    async with sessionmaker() as session:
        assert await scan(session) == []
        # The figures stay; the text and the people go.
        closed = await session.get(HelpRequest, seeded.own_closed)
        assert closed is not None
        assert (closed.category, closed.status, closed.description) == ("boodschappen", "done", "")
        assert closed.requester_id is None
        assert closed.helper_id is None  # Bob's link goes with the request's personal data
        cancelled = await session.get(HelpRequest, number)
        assert cancelled is not None
        assert cancelled.status == Status.CANCELLED
        helped = await session.get(HelpRequest, seeded.helped)
        assert helped is not None
        assert (helped.status, helped.helper_id) == (Status.OPEN, None)
        assert helped.requester_id == seeded.other_id
        others = await session.get(HelpRequest, seeded.others_request)
        assert others is not None
        assert others.description == "Wie helpt Bob?"
        scores = list(await session.scalars(select(Feedback.score)))
        assert scores == [3, 3]
        waiting = await session.scalar(select(Rsvp).where(Rsvp.person_id == seeded.other_id))
        assert waiting is not None
        assert not waiting.waiting
        assert await get_person(session, bob.id) is not None

    # Writing again starts afresh.
    await subject.send("/start")
    assert (await subject.next_message()).button_texts == ["Nederlands", "English"]
    assert telegram.rejected() == []


async def test_forget_me_leaves_no_draft_even_when_telegram_fails_the_answer(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Erasing forgets the drafts held in memory before it talks to Telegram again."""
    ann = await onboarded(telegram, "Ann")
    await ann.send("/vergeetmij")
    confirm = await ann.next_message()
    await ask_half_way(ann)  # she starts a question before she confirms

    async def draft_stored() -> bool:
        async with sessionmaker() as session:
            return await session.get(FlowData, ann.id) is not None

    await eventually(draft_stored)
    telegram.fail_next(
        "answerCallbackQuery",
        error_code=400,
        description="Bad Request: query is too old and response timeout expired",
    )
    await ann.press(confirm, "🗑 Ja, wis alles")
    assert "er ging iets mis" in (await ann.next_message()).text  # the failed answer's apology
    # Held in memory, the draft would be written back with the next change to her flow data.
    assert "brood" not in str(bot.user_data.get(ann.id))
    await ann.send("/start")  # writing again starts afresh
    assert (await ann.next_message()).button_texts == ["Nederlands", "English"]
    await bot.update_persistence()
    async with sessionmaker() as session:
        assert await session.get(FlowData, ann.id) is None
