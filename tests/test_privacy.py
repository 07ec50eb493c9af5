"""Privacy end to end: the statement, consent asked again, and /mijngegevens."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.config import Config, OrganisationConfig, PrivacyConfig
from bot.sandbox.telegram import FakeGroup, FakeTelegram, FakeUser
from models.activities import Activity, ActivityCard, Rsvp
from models.audit import AuditEntry
from models.broadcasts import Broadcast
from models.conversations import ConversationState, FlowData
from models.groups import GroupLink
from models.help_requests import Feedback, HelpRequest, RequestCard, Status
from models.help_requests.dispatch import Offer, RequestNote
from models.infopoints import InfoPointReport
from models.outbox import OutboxMessage
from models.people import PRIVACY_NOTICE_VERSION, Person, RoleAssignment, get_person
from models.privacy import ConsentEvent, consent_log
from models.privacy.registry import NO_PERSONAL_DATA, person_columns, tables
from models.subscriptions import Subscription
from models.volunteers import Volunteer, matching_volunteers, save_volunteer
from tests.conftest import BotRunner, FakeClock, eventually
from tests.people import linked_group, onboarded
from tests.privacy_seed import NAME, PHONE, SUBJECT_ID, SURNAME, USERNAME, seed_everything
from tests.test_activities import wait_text_document
from tests.test_requests_flow import ask


async def test_privacy_statement_names_the_organisation_the_periods_and_the_rights(
    bot_runner: BotRunner, telegram: FakeTelegram, config: Config
) -> None:
    long = "x" * 150
    await bot_runner.start(
        replace(
            config,
            organisation=OrganisationConfig(
                name="Buurtnetwerk <Test> & Co",
                contact_email=f"privacy-{long}@example.org",
                contact_phone="030 123 45 67",
                website=f"https://example.org/{long}",
            ),
            privacy=PrivacyConfig(retention_days=45, outbox_days=20, notice_version="2027-01"),
        )
    )
    ann = telegram.add_user(first_name="Ann", language_code="nl")
    await ann.send("/privacy")
    statement = await ann.next_message()
    text = statement.text
    assert "Buurtnetwerk <Test> & Co" in text  # escaped in the HTML, shown as typed
    assert "45 dagen" in text
    assert "20 dagen" in text
    assert "030 123 45 67" in text
    assert "privacy-x" in text
    assert "/mijngegevens" in text
    assert "/vergeetmij" in text
    assert "nooit je naam" in text.lower()
    assert f"{PRIVACY_NOTICE_VERSION}+2027-01" in text
    assert len(text) <= 4096

    eve = telegram.add_user(first_name="Eve", language_code="en")
    await eve.send("/privacy")
    english = (await eve.next_message()).text
    assert "/mydata" in english
    assert "/forgetme" in english
    assert "45 days" in english

    # In a group the statement is the same for everyone and nobody's data is touched.
    group = telegram.add_group(members=[ann])
    await ann.send("/privacy", chat=group)
    assert "Privacyverklaring" in (await group.next_message()).text
    assert telegram.rejected() == []


async def test_a_changed_statement_is_agreed_to_again_before_anything_else(
    bot_runner: BotRunner,
    telegram: FakeTelegram,
    config: Config,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await bot_runner.start()
    ann = await onboarded(telegram, "Ann")
    bob = await onboarded(telegram, "Bob")
    cem = await onboarded(telegram, "Cem")
    group = await linked_group(telegram, sessionmaker, [ann, bob, cem])
    number = await ask(bob, "Wie kan morgen boodschappen doen bij de supermarkt?")
    card = await group.next_message()
    async with sessionmaker.begin() as session:
        cem_person = await get_person(session, cem.id)
        assert cem_person is not None
        await save_volunteer(session, cem_person, categories=[])
    await bot_runner.stop()

    # The organisation changes its statement and bumps its version: the bot restarts.
    await bot_runner.start(replace(config, privacy=PrivacyConfig(notice_version="2027-01")))
    version = f"{PRIVACY_NOTICE_VERSION}+2027-01"

    # A button in the group: the press is answered, the question waits in the private chat.
    await ann.press(card, "🤝 Ik help")
    question = await ann.next_message()
    assert "veranderd" in (ann.answers[-1].get("text") or "")
    assert ann.answers[-1].get("show_alert")
    assert "privacyverklaring is veranderd" in question.text
    async with sessionmaker() as session:
        request = await session.get(HelpRequest, number)
        assert request is not None
        assert request.status == Status.OPEN

    # Any command, not only /start.
    await ann.send("/mijn")
    assert "privacyverklaring is veranderd" in (await ann.next_message()).text
    await ann.send("Hallo")
    again = await ann.next_message()
    assert "privacyverklaring is veranderd" in again.text

    # What is needed to decide stays open: the statement, by command or button.
    await ann.press(again, "📄 Lees de hele privacyverklaring")
    assert "Privacyverklaring" in (await ann.next_message()).text
    await ann.press(again, "✅ Ik ga akkoord")
    assert "Welkom terug" in (await ann.next_message()).text
    await ann.send("/mijn")
    assert "veranderd" not in (await ann.next_message()).text

    # Cem refuses: his consent is withdrawn, he is asked again, and may still erase himself.
    await cem.send("/help")
    refuse = await cem.next_message()
    await cem.press(refuse, "Nee, liever niet")
    await telegram.wait_for(lambda: "/vergeetmij" in (refuse.text or ""))
    await cem.send("/help")
    assert "privacyverklaring is veranderd" in (await cem.next_message()).text
    await cem.send("/vergeetmij")
    assert "Alles wissen?" in (await cem.next_message()).text

    async with sessionmaker() as session:
        stored = await get_person(session, ann.id)
        assert stored is not None
        assert stored.consent_version == version
        log = [(e.version, e.agreed) for e in await consent_log(session, stored.id)]
        assert log == [(PRIVACY_NOTICE_VERSION, True), (version, True)]
        cem_person = await get_person(session, cem.id)
        assert cem_person is not None
        assert cem_person.consent_at is None
        cem_log = [(e.version, e.agreed) for e in await consent_log(session, cem_person.id)]
        assert cem_log == [(PRIVACY_NOTICE_VERSION, True), (version, False)]
        # Without consent, Cem hears of no new requests as a volunteer.
        assert request is not None
        matching = await matching_volunteers(
            session, category=request.category, wijk_id=request.wijk_id, now=clock.now()
        )
        assert cem_person.id not in {p.id for p in matching}
    assert telegram.rejected() == []


async def _expected_ids(session: AsyncSession, me: int) -> dict[str, set[int | str]]:
    """Find, table by table with plain queries, every row about the person."""
    requests = set(
        await session.scalars(
            select(HelpRequest.id).where(
                or_(
                    HelpRequest.requester_id == me,
                    HelpRequest.helper_id == me,
                    HelpRequest.filed_by_id == me,
                )
            )
        )
    )
    organised = set(await session.scalars(select(Activity.id).where(Activity.organiser_id == me)))
    queries = {
        "person": select(Person.id).where(Person.id == me),
        "role_assignment": select(RoleAssignment.id).where(RoleAssignment.person_id == me),
        "consent_event": select(ConsentEvent.id).where(ConsentEvent.person_id == me),
        "subscription": select(Subscription.person_id).where(Subscription.person_id == me),
        "volunteer": select(Volunteer.person_id).where(Volunteer.person_id == me),
        "request_card": select(RequestCard.id).where(RequestCard.request_id.in_(requests)),
        "feedback": select(Feedback.id).where(Feedback.person_id == me),
        "rsvp": select(Rsvp.id).where(Rsvp.person_id == me),
        "activity_card": select(ActivityCard.id).where(ActivityCard.activity_id.in_(organised)),
        "broadcast": select(Broadcast.id).where(
            or_(Broadcast.sender_id == me, Broadcast.report_chat_id == SUBJECT_ID)
        ),
        "group_link": select(GroupLink.id).where(GroupLink.linked_by_id == me),
        "infopoint_report": select(InfoPointReport.id).where(InfoPointReport.person_id == me),
        "audit_entry": select(AuditEntry.id).where(
            or_(AuditEntry.actor_id == me, AuditEntry.subject_person_id == me)
        ),
        "outbox_message": select(OutboxMessage.id).where(
            or_(OutboxMessage.person_id == me, OutboxMessage.chat_id == SUBJECT_ID)
        ),
        "request_offer": select(Offer.id).where(
            or_(Offer.volunteer_id == me, Offer.offered_by_id == me)
        ),
        # Their own notes, and everyone's notes on their requests (the authors left out).
        "request_note": select(RequestNote.id).where(
            or_(
                RequestNote.author_id == me,
                RequestNote.request_id.in_(
                    select(HelpRequest.id).where(HelpRequest.requester_id == me)
                ),
            )
        ),
        "flow_data": select(FlowData.telegram_id).where(FlowData.telegram_id == SUBJECT_ID),
        "conversation_state": select(ConversationState.key).where(
            ConversationState.key.contains(str(SUBJECT_ID))
        ),
    }
    expected: dict[str, set[int | str]] = {"help_request": set(requests), "activity": organised}
    for name, query in queries.items():
        expected[name] = set(await session.scalars(query))
    return {name: ids for name, ids in expected.items() if ids}


def _ids(rows: list[dict[str, object]], table: str) -> set[object]:
    """Return the primary keys of exported rows."""
    key = {"subscription": "person_id", "volunteer": "person_id", "flow_data": "telegram_id"}.get(
        table, "key" if table == "conversation_state" else "id"
    )
    return {row[key] for row in rows}


@dataclass(frozen=True)
class Scene:
    """The person whose data is seeded, a neighbour, their group and two old cards in it."""

    subject: FakeUser
    bob: FakeUser
    group: FakeGroup
    cards: tuple[int, int, int]


async def subject_and_bob(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> Scene:
    """Onboard the person whose data is seeded and a neighbour, in a linked group."""
    subject = await onboarded(
        telegram, NAME, last_name=SURNAME, username=USERNAME, user_id=SUBJECT_ID
    )
    bob = await onboarded(telegram, "Bob")
    group = await linked_group(telegram, sessionmaker, [subject, bob])
    # Two earlier cards (a request's, an activity's), for the seeded rows to point at.
    old = [await bot.bot.send_message(group.id, f"Oude kaart {n}") for n in (1, 2)]
    for _ in old:
        await group.next_message()
    return Scene(subject, bob, group, (group.id, old[0].message_id, old[1].message_id))


async def test_my_data_holds_every_row_about_me_and_nobody_else(
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    scene = await subject_and_bob(bot, telegram, sessionmaker)
    subject, bob = scene.subject, scene.bob
    await ask(subject, f"Wie haalt een pakje op voor {NAME}?")
    await scene.group.next_message()  # the request's card

    async def card_recorded() -> bool:
        async with sessionmaker() as session:
            return bool(await session.scalar(select(func.count()).select_from(RequestCard)))

    # The card is recorded right after it is sent: wait, so the export and the check agree.
    await eventually(card_recorded)
    seeded = await seed_everything(
        sessionmaker, other_telegram_id=bob.id, now=clock.now(), cards=scene.cards
    )

    await subject.send("/mijngegevens")
    summary = await subject.next_message()
    assert "Dit bewaren we over je" in summary.text
    assert "Hulpvragen (gevraagd of geholpen): 3" in summary.text
    document = await wait_text_document(subject)
    assert subject.messages[-1].document["filename"].startswith("mijngegevens-2026-11-25")
    assert telegram.token not in document.decode()
    exported = json.loads(document)
    rows = exported["tables"]

    async with sessionmaker() as session:
        expected = await _expected_ids(session, seeded.subject_id)
    # Every table with a link to people is checked (a new one fails here until it is added).
    linked = {t.name for t in tables() if person_columns(t)}
    assert linked <= set(expected) | {"help_request"}
    assert set(rows) == set(expected)
    for table, ids in expected.items():
        assert _ids(rows[table], table) == ids, table
    assert not set(rows) & (NO_PERSONAL_DATA - {"request_card", "activity_card"})

    # Her own data is all there; other people only as "someone else".
    assert rows["person"][0]["username"] == USERNAME
    assert any(r["contact_phone"] == PHONE for r in rows["help_request"])
    assert [e["agreed"] for e in rows["consent_event"]] == [True]
    helped = next(r for r in rows["help_request"] if r["id"] == seeded.helped)
    assert helped["requester_id"] == "someone else"
    assert seeded.other_id not in {
        row[c.name] for t in tables() for c in person_columns(t) for row in rows.get(t.name, [])
    }
    assert "Bob" not in document.decode()
    assert exported["about"]["organisation"] == "Buurtnetwerk Test"
    assert telegram.rejected() == []
