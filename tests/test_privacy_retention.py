"""Retention: the daily job removes personal data past its time, and only that."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeTelegram
from bot.scheduling import RETENTION_JOB
from models.conversations import FlowData
from models.help_requests import Feedback, HelpRequest
from models.outbox import OutboxMessage
from models.people import get_person
from tests.conftest import FakeClock
from tests.people import onboarded
from tests.privacy_seed import _request


async def run_retention(bot: Application) -> None:
    """Run the daily job now, as the JobQueue would."""
    assert bot.job_queue is not None
    (job,) = bot.job_queue.get_jobs_by_name(RETENTION_JOB)
    await job.run(bot)


async def test_old_personal_data_goes_and_newer_data_stays(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    now = clock.now()
    days = timedelta(days=1)
    async with sessionmaker.begin() as session:
        me = await get_person(session, ann.id)
        helper = await get_person(session, bob.id)
        assert me is not None
        assert helper is not None
        wijk_id = me.home_wijk_id
        assert wijk_id is not None

        def closed(ago: int, text: str) -> HelpRequest:
            return _request(
                wijk_id, now - (ago + 3) * days, requester_id=me.id, helper_id=helper.id,
                description=text, contact="phone", contact_phone="0612345678", status="done",
                closed_at=now - ago * days, code_word="kaas",
            )  # fmt: skip

        old, recent = closed(91, "Oude vraag van Ann"), closed(89, "Nieuwere vraag")
        still_open = _request(wijk_id, now - 100 * days, requester_id=me.id, description="Open")
        session.add_all([old, recent, still_open])
        await session.flush()
        session.add(Feedback(request_id=old.id, person_id=helper.id, role="helper", score=3,
                             comment="Ann was fijn"))  # fmt: skip

        def message(ago: int, status: str, **values: object) -> OutboxMessage:
            values.setdefault("due_at", now - ago * days)
            return OutboxMessage(kind="text", chat_id=ann.id, person_id=me.id, status=status,
                                 payload={"text": "Herinnering"}, created_at=now - ago * days,
                                 **values)  # fmt: skip

        session.add_all(
            [
                message(31, "sent", dedupe_key="act:remind:1:24h"),  # a sent reminder
                message(40, "failed"),
                message(29, "sent", dedupe_key="act:remind:2:24h"),
                # Not delivered yet (held until tomorrow, so the running bot leaves it be).
                message(31, "pending", due_at=now + days),
                OutboxMessage(kind="text", chat_id=bob.id, person_id=helper.id, status="sent",
                              request_id=old.id, payload={"text": "Ann, 0612345678"},
                              created_at=now - 5 * days),
            ]
        )  # fmt: skip
        session.add(FlowData(telegram_id=1234, data={"x": 1}, updated_at=now - 91 * days))
        session.add(FlowData(telegram_id=5678, data={"x": 2}, updated_at=now - 10 * days))
        ids = (old.id, recent.id, still_open.id)

    await run_retention(bot)

    async with sessionmaker() as session:
        gone, kept, opened = [await session.get(HelpRequest, i) for i in ids]
        assert gone is not None
        assert (gone.description, gone.contact_phone, gone.code_word) == ("", None, None)
        assert (gone.requester_id, gone.helper_id) == (None, None)
        assert (gone.category, gone.status, gone.wijk_id) == ("boodschappen", "done", wijk_id)
        assert kept is not None
        assert kept.description == "Nieuwere vraag"
        assert kept.contact_phone == "0612345678"
        assert opened is not None
        assert opened.description == "Open"
        feedback = await session.scalar(select(Feedback))
        assert feedback is not None
        assert (feedback.score, feedback.comment, feedback.person_id) == (3, None, None)
        left = {
            (m.status, m.dedupe_key, m.request_id)
            for m in await session.scalars(select(OutboxMessage))
            if m.kind == "text"
        }
        assert left == {("sent", "act:remind:2:24h", None), ("pending", None, None)}
        flows = set(await session.scalars(select(FlowData.telegram_id)))
        assert flows == {5678}

    # Two days later the newer request is past its time too; running again changes nothing else.
    clock.advance(days=2)
    await run_retention(bot)
    await run_retention(bot)
    async with sessionmaker() as session:
        later = await session.get(HelpRequest, ids[1])
        assert later is not None
        assert (later.description, later.requester_id) == ("", None)
        opened = await session.get(HelpRequest, ids[2])
        assert opened is not None
        assert opened.description == "Open"
    assert telegram.rejected() == []
