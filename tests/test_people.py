"""People and roles against the real database."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.people import (
    OnboardingStep,
    Person,
    Role,
    RoleAssignment,
    Roles,
    clean_display_name,
    ensure_admins,
    give_consent,
    grant_role,
    onboarding_step,
    roles_of,
    touch_person,
    touch_person_with_roles,
)


async def test_touch_person_twice_at_once_makes_one_person(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async def touch(name: str) -> None:
        async with sessionmaker.begin() as session:
            await touch_person(
                session, telegram_id=42, display_name=name, username=None, private_chat=True
            )

    await asyncio.gather(touch("Ann"), touch("Ann B"))
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 1
        person = await session.scalar(select(Person))
    assert person is not None
    assert person.display_name in {"Ann", "Ann B"}
    assert person.started_at is not None


async def test_roles_city_wide_and_per_wijk(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    from models.areas import Wijk

    async with sessionmaker.begin() as session:
        wijk = Wijk(code="W1", name="Eén")
        session.add(wijk)
        person = await touch_person(
            session, telegram_id=7, display_name="Bo", username="bo", private_chat=False
        )
        await session.flush()
        assert await grant_role(session, person, Role.BUURTASSISTENT, wijk_id=wijk.id)
        assert not await grant_role(session, person, Role.BUURTASSISTENT, wijk_id=wijk.id)
        assert await grant_role(session, person, Role.VOLUNTEER)
        assert not await grant_role(session, person, Role.VOLUNTEER)
        roles = await roles_of(session, person)
    assert roles.has(Role.BUURTASSISTENT, wijk.id)
    assert not roles.has(Role.BUURTASSISTENT, wijk.id + 1)
    assert roles.has(Role.VOLUNTEER, wijk.id + 1)
    assert not roles.has(Role.ADMIN)
    assert roles.all == {Role.RESIDENT, Role.VOLUNTEER, Role.BUURTASSISTENT}


async def test_touch_reads_the_same_roles_as_roles_of(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    from models.areas import Wijk

    async def touch() -> tuple[Person, Roles]:
        async with sessionmaker.begin() as session:
            return await touch_person_with_roles(
                session, telegram_id=8, display_name="Di", username=None, private_chat=True
            )

    person, roles = await touch()
    assert roles == await _roles(sessionmaker, person)
    assert not roles.all - {Role.RESIDENT}
    async with sessionmaker.begin() as session:
        first, second = Wijk(code="W1", name="Eén"), Wijk(code="W2", name="Twee")
        session.add_all([first, second])
        await session.flush()
        for role, wijk in [
            (Role.BUURTASSISTENT, first.id),
            (Role.BUURTASSISTENT, second.id),
            (Role.VOLUNTEER, None),
            (Role.BLOCKED, first.id),
        ]:
            await grant_role(session, person, role, wijk_id=wijk)
    # Another person's roles stay theirs.
    async with sessionmaker.begin() as session:
        other = await touch_person(
            session, telegram_id=9, display_name="Ed", username=None, private_chat=True
        )
        await grant_role(session, other, Role.ADMIN)
    touched, roles = await touch()
    assert touched.id == person.id
    assert roles == await _roles(sessionmaker, person)
    assert roles.by_wijk == {
        first.id: {Role.BUURTASSISTENT, Role.BLOCKED},
        second.id: {Role.BUURTASSISTENT},
    }
    assert roles.city == {Role.VOLUNTEER}


async def _roles(sessionmaker: async_sessionmaker[AsyncSession], person: Person) -> Roles:
    async with sessionmaker() as session:
        return await roles_of(session, person)


async def test_configured_admins_become_admins_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker.begin() as session:
        assert await ensure_admins(session, (11, 12)) == 2
    async with sessionmaker.begin() as session:
        assert await ensure_admins(session, (11, 12)) == 0
        assert await session.scalar(select(func.count()).select_from(RoleAssignment)) == 2
        admin = await touch_person(
            session, telegram_id=11, display_name="Admin", username=None, private_chat=True
        )
        roles = await roles_of(session, admin)
    assert roles.has(Role.ADMIN)
    assert roles.has(Role.BUURTASSISTENT, 123)  # an admin may do what a buurtassistent may


async def test_onboarding_steps_follow_what_is_stored(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker.begin() as session:
        person = await touch_person(
            session, telegram_id=5, display_name="C", username=None, private_chat=True
        )
        assert await onboarding_step(session, person) is OnboardingStep.LANGUAGE
        person.language = "nl"
        assert await onboarding_step(session, person) is OnboardingStep.CONSENT
        assert give_consent(person)
        assert not give_consent(person)
        # No wijken configured: nothing to choose, so onboarding is done.
        assert await onboarding_step(session, person) is None


def test_display_name_is_trimmed_to_fit() -> None:
    assert clean_display_name("  Ann ", None) == "Ann"
    assert clean_display_name("Ann", "de Vries") == "Ann de Vries"
    assert len(clean_display_name("x" * 500)) == 128
    assert clean_display_name(None, None) == ""
