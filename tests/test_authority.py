"""Who may do what: every privileged command and button, tried by every kind of person.

The table CASES lists each privileged action (a command, or a button pressed with data the
person makes up) and who is allowed. Every case is tried by six people in turn: a resident, a
volunteer, a buurtassistent of another wijk, a buurtassistent of this wijk (Noord), an admin,
and a blocked admin. To cover another command, add a Case: a coroutine that tries the action
as one person and tells whether it took effect (look at the effect, not at the wording), and
optionally a reset that undoes it before the next person tries.

Everyone is also an administrator of the Telegram group, so only the bot's own roles decide.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.sandbox.telegram import FakeGroup, FakeTelegram, FakeUser, SentMessage
from models.areas import Buurt, Wijk
from models.groups import GroupLink, link_group
from models.help_requests import HelpRequest, Status
from models.help_requests.dispatch import Offer
from models.people import Person, Role, RoleAssignment, get_person, grant_role, roles_of
from models.role_changes import revoke_role
from models.volunteers import save_volunteer
from tests.conftest import eventually
from tests.people import onboarded

ACTORS = ("resident", "volunteer", "ba_other_wijk", "ba_this_wijk", "admin", "blocked")
ADMINS_ONLY = frozenset({"admin"})


@dataclass
class Arena:
    """The people, the group and the wijken every case plays in."""

    telegram: FakeTelegram
    sessionmaker: async_sessionmaker[AsyncSession]
    group: FakeGroup
    people: dict[str, FakeUser]
    tess: FakeUser  # the person whose roles the /rol cases change
    noord: int
    zuid: int
    extra: dict[str, object] = field(default_factory=dict)

    async def person_id(self, user: FakeUser) -> int:
        """Return the database id of a simulated user."""
        async with self.sessionmaker() as session:
            person = await get_person(session, user.id)
        assert person is not None
        return person.id

    async def link_active(self) -> bool:
        """Tell whether the group itself is linked."""
        async with self.sessionmaker() as session:
            link = await session.scalar(
                select(GroupLink).where(
                    GroupLink.chat_id == self.group.id, GroupLink.thread_id == 0
                )
            )
        return link is not None and link.active

    async def set_link(self, on: bool) -> None:
        """Link the group to Noord, or remove its link."""
        async with self.sessionmaker.begin() as session:
            await session.execute(delete(GroupLink).where(GroupLink.chat_id == self.group.id))
            if on:
                await link_group(
                    session,
                    chat_id=self.group.id,
                    thread_id=0,
                    wijk_id=self.noord,
                    title=self.group.title,
                    linked_by_id=None,
                )

    async def tess_roles(self) -> frozenset[Role]:
        """Return Tess's roles."""
        async with self.sessionmaker() as session:
            person = await get_person(session, self.tess.id)
            assert person is not None
            return (await roles_of(session, person)).all

    async def set_tess_volunteer(self, on: bool) -> None:
        """Give Tess the volunteer role, or take it."""
        async with self.sessionmaker.begin() as session:
            person = await get_person(session, self.tess.id)
            assert person is not None
            change = grant_role if on else revoke_role
            await change(session, person, Role.VOLUNTEER)


Attempt = Callable[[Arena, FakeUser], Awaitable[bool]]
Reset = Callable[[Arena], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    """One privileged action and the people allowed to do it."""

    name: str
    allowed: frozenset[str]
    attempt: Attempt
    reset: Reset | None = None


async def answered(telegram: FakeTelegram, user: FakeUser, before: int) -> None:
    """Wait until the bot answered the user's latest button press."""
    await telegram.wait_for(lambda: len(user.answers) > before)


async def press(arena: Arena, user: FakeUser, data: str, in_group: bool = False) -> None:
    """Press a button with this data, on the last bot message the user can see."""
    message = arena.group.last_message if in_group else user.last_message
    assert message is not None
    before = len(user.answers)
    await user.press_data(message, data)
    await answered(arena.telegram, user, before)


async def group_reply(arena: Arena) -> SentMessage | None:
    """Return the bot's next message in the group, or None when none comes (a blocked person)."""
    try:
        return await arena.group.next_message(timeout=2)
    except AssertionError:
        return None


# -- /rol and its buttons ---------------------------------------------------------------------


async def role_command(arena: Arena, user: FakeUser) -> bool:
    """/rol @tess in the private chat: does the roles menu come?"""
    return "Rollen van Tess" in await reply_to(user, "/rol @tess_n")


async def role_reply_in_group(arena: Arena, user: FakeUser) -> bool:
    """/rol as a reply to Tess's message in the group: does the menu come (in private)?"""
    tess_message = arena.extra["tess_message"]
    assert isinstance(tess_message, dict)
    seen = len(user.messages)
    await user.send("/rol", chat=arena.group, reply_to=tess_message)
    await group_reply(arena)  # "sent you the choices", a refusal, or nothing (blocked)
    return any("Rollen van Tess" in (m.text or "") for m in user.messages[seen:])


async def role_grant_button(arena: Arena, user: FakeUser) -> bool:
    """Press rol:g:<tess>:volunteer: does Tess become a volunteer?"""
    await press(arena, user, f"rol:g:{await arena.person_id(arena.tess)}:volunteer")
    return Role.VOLUNTEER in await arena.tess_roles()


async def role_revoke_button(arena: Arena, user: FakeUser) -> bool:
    """Press rol:r:<tess>:volunteer: is Tess's volunteer role gone?"""
    await press(arena, user, f"rol:r:{await arena.person_id(arena.tess)}:volunteer")
    return Role.VOLUNTEER not in await arena.tess_roles()


async def role_wijk_button(arena: Arena, user: FakeUser) -> bool:
    """Press rol:g:<tess>:buurtassistent:<noord>: does Tess become buurtassistent there?"""
    tess = await arena.person_id(arena.tess)
    await press(arena, user, f"rol:g:{tess}:buurtassistent:{arena.noord}")
    async with arena.sessionmaker() as session:
        person = await session.get(Person, tess)
        assert person is not None
        return (await roles_of(session, person)).has(Role.BUURTASSISTENT, arena.noord)


async def role_show_button(arena: Arena, user: FakeUser) -> bool:
    """Press rol:p:<tess>: does the pressed message turn into Tess's roles menu?"""
    message = user.last_message
    assert message is not None
    await press(arena, user, f"rol:p:{await arena.person_id(arena.tess)}")
    if user.answers[-1]["show_alert"]:
        return False  # refused
    try:
        await arena.telegram.wait_for(lambda: "Rollen van Tess" in (message.text or ""), 2)
    except AssertionError:
        return False  # ignored (a blocked person's press is answered without a word)
    return True


async def no_tess_roles(arena: Arena) -> None:
    """Take every role from Tess."""
    async with arena.sessionmaker.begin() as session:
        person = await get_person(session, arena.tess.id)
        assert person is not None
        await session.execute(delete(RoleAssignment).where(RoleAssignment.person_id == person.id))


async def tess_volunteer(arena: Arena) -> None:
    """Make Tess a volunteer, for the revoke case."""
    await arena.set_tess_volunteer(True)


# -- /koppel and its buttons ------------------------------------------------------------------


async def link_command(arena: Arena, user: FakeUser) -> bool:
    """/koppel in the group: does the wijk choice come?"""
    await user.send("/koppel", chat=arena.group)
    reply = await group_reply(arena)
    return reply is not None and "Noord" in reply.button_texts


async def link_button(arena: Arena, user: FakeUser) -> bool:
    """Press link:<noord>:0 in the group: is the group linked?"""
    await press(arena, user, f"link:{arena.noord}:0", in_group=True)
    return await arena.link_active()


async def unlink_command(arena: Arena, user: FakeUser) -> bool:
    """/koppel uit in the group: is the link off?"""
    await user.send("/koppel uit", chat=arena.group)
    await group_reply(arena)
    return not await arena.link_active()


async def unlink_button(arena: Arena, user: FakeUser) -> bool:
    """Press link:off in the group: is the link off?"""
    await press(arena, user, "link:off", in_group=True)
    return not await arena.link_active()


async def narrow_button(arena: Arena, user: FakeUser) -> bool:
    """Press linkb:<westkant> in the group: does the link show only that buurt?"""
    async with arena.sessionmaker() as session:
        buurt = await session.scalar(select(Buurt).where(Buurt.code == "N1"))
    assert buurt is not None
    await press(arena, user, f"linkb:{buurt.id}", in_group=True)
    async with arena.sessionmaker() as session:
        link = await session.scalar(select(GroupLink).where(GroupLink.chat_id == arena.group.id))
    return link is not None and link.buurt_id == buurt.id


async def unlinked(arena: Arena) -> None:
    """Start without a link."""
    await arena.set_link(False)


async def linked(arena: Arena) -> None:
    """Start with the group linked to Noord."""
    await arena.set_link(True)


# -- /wachtrij, /stats, /omroep and their buttons ---------------------------------------------

BUURTASSISTENTEN = frozenset({"ba_other_wijk", "ba_this_wijk", "admin"})
NOORD_ASSISTANTS = frozenset({"ba_this_wijk", "admin"})


async def reply_to(user: FakeUser, text: str) -> str:
    """Send a command in private; return the reply's text ("" when nothing comes back)."""
    seen = len(user.messages)
    await user.send(text)
    try:
        await user.next_message(timeout=2)
    except AssertionError:
        return ""
    return "\n".join(m.text or "" for m in user.messages[seen:])


async def queue_command(arena: Arena, user: FakeUser) -> bool:
    """/wachtrij: does a queue come (for another wijk: an empty one)?"""
    reply = await reply_to(user, "/wachtrij")
    return "Wachtrij" in reply or "Alles is opgepakt" in reply


async def stats_command(arena: Arena, user: FakeUser) -> bool:
    """/stats: is the period asked?"""
    return "Van welke periode" in await reply_to(user, "/stats")


async def broadcast_command(arena: Arena, user: FakeUser) -> bool:
    """/omroep: is the announcement asked? (/annuleer ends the flow again.)"""
    allowed = "Wat wil je omroepen" in await reply_to(user, "/omroep")
    if allowed:
        await reply_to(user, "/annuleer")
    return allowed


async def audit_button(arena: Arena, user: FakeUser) -> bool:
    """Press st:audit:30d: does the audit log come as a CSV document?"""
    seen = len(user.messages)
    await press(arena, user, "st:audit:30d")
    try:
        await arena.telegram.wait_for(
            lambda: any(m.document for m in user.messages[seen:]), timeout=2
        )
    except AssertionError:
        return False
    return True


async def fresh_request(arena: Arena, *, claimed_by: FakeUser | None = None) -> None:
    """Put one request in Noord (open, or accepted by someone) for the queue's buttons."""
    async with arena.sessionmaker.begin() as session:
        requester = await get_person(session, arena.tess.id)
        assert requester is not None
        helper = await get_person(session, claimed_by.id) if claimed_by else None
        now = datetime.now(UTC)
        request = HelpRequest(
            requester_id=requester.id, category="boodschappen", description="Wie helpt mij?",
            when_kind="asap", window_start_at=now, window_end_at=now + timedelta(days=1),
            wijk_id=arena.noord, status=Status.CLAIMED if helper else Status.OPEN,
            helper_id=helper.id if helper else None, created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(request)
        await session.flush()
        arena.extra["request"] = request.id


async def open_request(arena: Arena) -> None:
    """Start with an open request in Noord."""
    await fresh_request(arena)


async def claimed_request(arena: Arena) -> None:
    """Start with a request in Noord that the volunteer accepted."""
    await fresh_request(arena, claimed_by=arena.people["volunteer"])


async def open_request_and_a_candidate(arena: Arena) -> None:
    """Start with an open request in Noord, and a volunteer profile for the volunteer."""
    await fresh_request(arena)
    async with arena.sessionmaker.begin() as session:
        person = await get_person(session, arena.people["volunteer"].id)
        assert person is not None
        await save_volunteer(session, person, categories=[])


async def request_status(arena: Arena) -> str:
    """Return the status of the case's request."""
    async with arena.sessionmaker() as session:
        request = await session.get(HelpRequest, arena.extra["request"])
    assert request is not None
    return request.status


async def close_button(arena: Arena, user: FakeUser) -> bool:
    """Press q:closeas:<request>:other: is the request closed?"""
    await press(arena, user, f"q:closeas:{arena.extra['request']}:other")
    return await request_status(arena) == Status.CANCELLED


async def reopen_button(arena: Arena, user: FakeUser) -> bool:
    """Press q:reopen:<request>: is the accepted request open again?"""
    await press(arena, user, f"q:reopen:{arena.extra['request']}")
    return await request_status(arena) == Status.OPEN


async def assign_button(arena: Arena, user: FakeUser) -> bool:
    """Press q:pick:<request>:<volunteer>: is the request offered to the volunteer?"""
    volunteer = await arena.person_id(arena.people["volunteer"])
    await press(arena, user, f"q:pick:{arena.extra['request']}:{volunteer}")
    async with arena.sessionmaker() as session:
        offers = await session.scalar(
            select(func.count()).where(Offer.request_id == arena.extra["request"])
        )
    return bool(offers)


CASES = [
    Case("/wachtrij", BUURTASSISTENTEN, queue_command),
    Case("button q:closeas (close)", NOORD_ASSISTANTS, close_button, open_request),
    Case("button q:reopen (take back)", NOORD_ASSISTANTS, reopen_button, claimed_request),
    Case("button q:pick (offer)", NOORD_ASSISTANTS, assign_button, open_request_and_a_candidate),
    Case("/stats", BUURTASSISTENTEN, stats_command),
    Case("button st:audit (audit log)", ADMINS_ONLY, audit_button),
    Case("/omroep", ADMINS_ONLY, broadcast_command),
    Case("/rol @name", ADMINS_ONLY, role_command),
    Case("/rol as a reply in a group", ADMINS_ONLY, role_reply_in_group),
    Case("button rol:p (show a person)", ADMINS_ONLY, role_show_button),
    Case("button rol:g (give volunteer)", ADMINS_ONLY, role_grant_button, no_tess_roles),
    Case("button rol:r (take volunteer)", ADMINS_ONLY, role_revoke_button, tess_volunteer),
    Case("button rol:g (buurtassistent of a wijk)", ADMINS_ONLY, role_wijk_button, no_tess_roles),
    Case("/koppel", ADMINS_ONLY, link_command),
    Case("button link:<wijk>", ADMINS_ONLY, link_button, unlinked),
    Case("button linkb:<buurt>", ADMINS_ONLY, narrow_button, linked),
    Case("/koppel uit", ADMINS_ONLY, unlink_command, linked),
    Case("button link:off", ADMINS_ONLY, unlink_button, linked),
]


async def set_up(
    telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession], bot: Application
) -> Arena:
    """Onboard the six people and Tess, give them their roles, and make the group."""
    people = {name: await onboarded(telegram, name.capitalize()) for name in ACTORS}
    tess = await onboarded(telegram, "Tess", username="tess_n")
    async with sessionmaker.begin() as session:
        wijken = {w.code: w.id for w in await session.scalars(select(Wijk))}
        grants = {
            "volunteer": [(Role.VOLUNTEER, None)],
            "ba_other_wijk": [(Role.BUURTASSISTENT, wijken["Z"])],
            "ba_this_wijk": [(Role.BUURTASSISTENT, wijken["N"])],
            "admin": [(Role.ADMIN, None)],
            "blocked": [(Role.ADMIN, None), (Role.BLOCKED, None)],
        }
        for name, roles in grants.items():
            person = await get_person(session, people[name].id)
            assert person is not None
            for role, wijk_id in roles:
                await grant_role(session, person, role, wijk_id=wijk_id)
    # Granted behind the bot's back: make its guard read the blocked list again now.
    bot.bot_data["services"].guard.blocked.invalidate()
    group = telegram.add_group("Buurtgroep Noord", members=[*people.values(), tess])
    for user in people.values():
        group.set_admin(user)
    tess_message = await tess.send("Hallo @buurtbot_test_bot", chat=group)
    # The buttons people press in the group: the admin's /koppel shows them.
    await people["admin"].send("/koppel", chat=group)
    await group.next_message()
    return Arena(
        telegram,
        sessionmaker,
        group,
        people,
        tess,
        wijken["N"],
        wijken["Z"],
        extra={"tess_message": tess_message},
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_who_may_do_what(
    case: Case,
    bot: Application,
    telegram: FakeTelegram,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    arena = await set_up(telegram, sessionmaker, bot)
    outcome = {}
    for name in ACTORS:
        if case.reset is not None:
            await case.reset(arena)
        outcome[name] = await case.attempt(arena, arena.people[name])
    expected = {name: name in case.allowed for name in ACTORS}
    assert outcome == expected
    assert telegram.rejected() == []


async def test_tampered_buttons_are_refused(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    arena = await set_up(telegram, sessionmaker, bot)
    admin, resident = arena.people["admin"], arena.people["resident"]
    tess = await arena.person_id(arena.tess)
    own = await arena.person_id(resident)

    # A resident makes themselves admin with made-up data: refused, and nothing is recorded.
    await press(arena, resident, f"rol:g:{own}:admin")
    assert "beheerder" in (resident.answers[-1]["text"] or "")
    async with sessionmaker() as session:
        person = await session.get(Person, own)
        assert person is not None
        assert not (await roles_of(session, person)).has(Role.ADMIN)

    # An admin's made-up data that points nowhere, or mixes wijken into city-wide roles.
    for data in (
        "rol:g:999999:volunteer",
        f"rol:g:{tess}:buurtassistent",
        f"rol:g:{tess}:admin:{arena.noord}",
        f"rol:g:{tess}:buurtassistent:999999",
    ):
        await press(arena, admin, data)
        assert "bestaat niet" in (admin.answers[-1]["text"] or ""), data
    assert await arena.tess_roles() == frozenset({Role.RESIDENT})

    # A made-up wijk for /koppel, and a made-up topic: the topic is the one of the buttons.
    await press(arena, admin, "link:999999:0", in_group=True)
    assert "bestaat niet" in (admin.answers[-1]["text"] or "")
    assert not await arena.link_active()
    await press(arena, admin, f"link:{arena.noord}:77", in_group=True)

    async def linked_to_the_group_itself() -> bool:
        async with sessionmaker() as session:
            links = list(await session.scalars(select(GroupLink)))
        return [(link.thread_id, link.active) for link in links] == [(0, True)]

    await eventually(linked_to_the_group_itself)
    assert telegram.rejected() == []


async def test_a_bot_admin_who_is_no_group_admin_may_not_link(
    bot: Application, telegram: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    arena = await set_up(telegram, sessionmaker, bot)
    admin = arena.people["admin"]
    arena.group.remove_admin(admin)
    assert not await link_command(arena, admin)
    await arena.set_link(True)
    assert not await unlink_command(arena, admin)
