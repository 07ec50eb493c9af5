"""/stats end to end: who sees which wijken, the CSV documents, and refused presses."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.config import Config
from bot.sandbox.telegram import FakeTelegram, FakeUser, SentMessage
from models.areas import Wijk
from models.audit import AuditEntry, record
from models.people import Role, get_person, grant_role
from models.stats import Period, span
from tests.conftest import ADMIN_ID, CLOCK_START, eventually
from tests.people import onboarded
from tests.stats_seed import CATEGORIES, SECRET, plain_requests, plain_wijk, seed_month

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def config(config: Config) -> Config:
    """Turn the escalation ladder off.

    The seeded month holds open requests, so the ladder's job (every second) would tell the
    buurtassistent and the admins about them in the middle of a flow, wherever its tick falls.
    """
    off = replace(
        config.escalation,
        notify_buurtassistent_after_hours=0,
        notify_admins_after_hours=0,
        stalled_after_hours=0,
    )
    return replace(config, escalation=off)


async def _setup(
    telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> tuple[FakeUser, FakeUser, FakeUser, dict[str, int]]:
    """Onboard an admin, a buurtassistent of Noord and a resident; seed a month of data."""
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    assistant = await onboarded(telegram, "Bas")
    resident = await onboarded(telegram, "Ria")
    async with sessionmaker.begin() as session:
        wijken = {w.code: w.id for w in await session.scalars(select(Wijk))}
        person = await get_person(session, assistant.id)
        assert person is not None
        await grant_role(session, person, Role.BUURTASSISTENT, wijk_id=wijken["N"])
        before = CLOCK_START - timedelta(hours=2)
        await record(session, "role.grant", actor_id=None, subject_person_id=person.id, at=before)
        october = CLOCK_START - timedelta(days=40)
        await record(session, "group.link", actor_id=None, target="chat:-1", at=october)
        await seed_month(session, wijk_ids=[wijken["N"], wijken["Z"]], now=CLOCK_START)
    return admin, assistant, resident, wijken


async def _figures(user: FakeUser, telegram: FakeTelegram, period_button: str) -> SentMessage:
    """Ask for /stats and pick a period; return the message once it shows the figures."""
    await user.send("/stats")
    message = await user.next_message()
    assert "Van welke periode" in message.text
    await user.press(message, period_button)
    await telegram.wait_for(lambda: "Cijfers:" in message.text)
    return message


async def _document(user: FakeUser) -> tuple[str, list[dict[str, str]]]:
    """Return the name and rows of the next CSV document the bot sends this person."""
    message = await user.next_message()
    assert message.document is not None, message
    content: bytes = message.document["content"]
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for spreadsheet programs
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    return message.document["filename"], rows


async def _check_rows(
    rows: list[dict[str, str]],
    sessionmaker: async_sessionmaker[AsyncSession],
    wijken: dict[str, int],
    period: Period,
) -> None:
    """Compare every row of a figures CSV with the plain counts."""
    when = span(period, now=CLOCK_START, tz=AMS)
    async with sessionmaker() as session:
        for row in rows:
            wijk_id = wijken.get(row["wijk_code"])
            if row["category"] == "*":
                plain = await plain_wijk(session, wijk_id, when.start, when.end)
                got = [row[k] for k in ("activities", "rsvp_yes", "rsvp_waiting", "rsvp_no")]
                assert got == [str(plain.activities), str(plain.yes), str(plain.waiting),
                               str(plain.no)]  # fmt: skip
                assert row["announcements_delivered"] == str(plain.announcements)
                continue
            assert wijk_id is not None
            assert row["category"] in CATEGORIES
            counted = await plain_requests(session, wijk_id, row["category"], when.start, when.end)
            assert int(row["requests"]) == counted.requests
            assert int(row["accepted"]) == counted.accepted
            assert int(row["done"]) == counted.done
            assert int(row["expired"]) == counted.expired
            assert int(row["feedback"]) == counted.feedback
            assert row["accepted_pct"] == f"{100 * counted.accepted / counted.requests:.1f}"
            median = counted.median_minutes
            assert row["median_minutes_to_accept"] == ("" if median is None else f"{median:.1f}")


async def test_a_buurtassistent_sees_their_wijk_and_gets_its_csv(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    _, assistant, _, wijken = await _setup(telegram, sessionmaker)
    message = await _figures(assistant, telegram, "Laatste 30 dagen")
    assert "Noord" in message.text
    assert "Zuid-Oost" not in message.text
    assert "Alle wijken samen" not in message.text  # one wijk: no sum
    assert SECRET not in message.text
    assert "Geheime Naam" not in message.text
    assert "🔎 Auditlog (CSV)" not in message.button_texts
    assert "Hulpvragen:" in message.text
    assert "Boodschappen" in message.text

    await assistant.press(message, "📄 Cijfers (CSV)")
    name, rows = await _document(assistant)
    assert name == "cijfers-20261027-20261125.csv"
    assert {r["wijk_code"] for r in rows} == {"N"}
    assert rows[-1]["category"] == "*"
    await _check_rows(rows, sessionmaker, wijken, Period.LAST_30_DAYS)

    # A forged press on the audit log: refused on the server, nothing sent.
    await assistant.press_data(message, "st:audit:30d")
    await telegram.wait_for(
        lambda: assistant.answers and "beheerder" in (assistant.answers[-1].get("text") or "")
    )
    async with sessionmaker() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["role.grant", "group.link", "stats.export"]
    assert sum(m.document is not None for m in assistant.messages) == 1
    assert telegram.rejected() == []


async def test_an_admin_sees_every_wijk_and_downloads_both_csvs(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin, assistant, _, wijken = await _setup(telegram, sessionmaker)
    message = await _figures(admin, telegram, "Vorige maand")
    assert "Cijfers: Vorige maand" in message.text
    assert "01-10-2026 tot en met 31-10-2026" in message.text
    assert "Noord" in message.text
    assert "Zuid-Oost & <Meer>" in message.text
    assert "Zonder wijk" in message.text  # deliveries to a person without a wijk
    assert "Alle wijken samen" in message.text
    assert SECRET not in message.text
    assert "Geheime Naam" not in message.text

    await admin.press(message, "📄 Cijfers (CSV)")
    name, rows = await _document(admin)
    assert name == "cijfers-20261001-20261031.csv"
    assert {r["wijk_code"] for r in rows} == {"N", "Z", ""}
    assert any(r["wijk"] == "Zuid-Oost & <Meer>" for r in rows)  # plain text in a CSV
    assert {r["wijk"] for r in rows if not r["wijk_code"]} == {"(no wijk)"}
    await _check_rows(rows, sessionmaker, wijken, Period.LAST_MONTH)

    # The assistant downloads too; then the admin gets this month's audit log.
    assistant_message = await _figures(assistant, telegram, "Deze maand")
    await assistant.press(assistant_message, "📄 Cijfers (CSV)")
    await _document(assistant)
    await admin.press(message, "Deze maand")
    await telegram.wait_for(lambda: "Cijfers: Deze maand" in message.text)
    await admin.press(message, "🔎 Auditlog (CSV)")
    name, entries = await _document(admin)
    assert name == "auditlog-20261101-20261130.csv"
    assert [e["action"] for e in entries] == [
        "role.grant",
        "stats.export",
        "stats.export",
        "audit.export",
    ]
    async with sessionmaker() as session:
        admin_person = await get_person(session, ADMIN_ID)
        assistant_person = await get_person(session, assistant.id)
    assert admin_person is not None
    assert assistant_person is not None
    exports = [e for e in entries if e["action"].endswith(".export")]
    assert [e["actor_id"] for e in exports] == [
        str(admin_person.id),
        str(assistant_person.id),
        str(admin_person.id),
    ]
    assert exports[1]["detail"] == f"wijken={wijken['N']}"
    assert telegram.rejected() == []


async def test_residents_and_forged_presses_are_refused(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    _, _, resident, _ = await _setup(telegram, sessionmaker)
    await resident.send("/stats")
    refusal = await resident.next_message()
    assert "Dit kan alleen een buurtassistent of een beheerder" in refusal.text
    for data in ("st:show:30d", "st:csv:year", "st:audit:7d"):
        await resident.press_data(refusal, data)
    await telegram.wait_for(lambda: len(resident.answers) == 3)
    # Unknown periods never reach the feature: the stale-button answer takes them.
    await resident.press_data(refusal, "st:csv:forever")
    await telegram.wait_for(lambda: len(resident.answers) == 4)
    assert all(m.document is None for m in resident.messages)

    async def nothing_exported() -> bool:
        async with sessionmaker() as session:
            found = await session.scalars(select(AuditEntry.action))
            return all(not a.endswith(".export") for a in found)

    await eventually(nothing_exported)
    assert "stats" not in [name for name, _ in telegram.commands()]  # not in residents' menu
    assert telegram.rejected() == []


async def test_many_wijken_still_fit_in_one_message(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    async with sessionmaker.begin() as session:
        extra = []
        for i in range(60):
            wijk = Wijk(code=f"X{i:02d}", name=f"Wijk met een lange naam <{i:02d}> & co")
            session.add(wijk)
            await session.flush()
            extra.append(wijk.id)
        await seed_month(session, wijk_ids=extra, now=CLOCK_START)
    message = await _figures(admin, telegram, "Dit jaar")
    assert "zie het CSV-bestand" in message.text
    assert len(message.text) <= 4096
    assert "Wijk met een lange naam <00> & co" in message.text  # escaped on the way in
    # Pressing the same period again changes nothing: Telegram says so, and the bot goes on.
    answered = len(admin.answers)
    await admin.press(message, "Dit jaar")
    await telegram.wait_for(lambda: len(admin.answers) == answered + 1)
    await admin.press(message, "📄 Cijfers (CSV)")
    _, rows = await _document(admin)
    summaries = [r for r in rows if r["category"] == "*" and r["wijk_code"].startswith("X")]
    assert len(summaries) == 60
    refused = [r.description or "" for r in telegram.rejected()]
    assert len(refused) == 1
    assert "not modified" in refused[0]


async def test_in_a_group_stats_points_to_the_private_chat(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await onboarded(telegram, "Beheer", user_id=ADMIN_ID)
    group = telegram.add_group(title="Buurt", members=[admin])
    await admin.send("/stats", chat=group)
    reply = await group.next_message()
    assert "Cijfers" not in reply.text
    assert any(b.get("url") for row in reply.buttons for b in row)
    # A forged press on that message in the group posts no figures there.
    answered = len(admin.answers)
    await admin.press_data(reply, "st:csv:year")
    await telegram.wait_for(lambda: len(admin.answers) == answered + 1)
    assert all(m.document is None for m in group.messages)
    assert telegram.rejected() == []
