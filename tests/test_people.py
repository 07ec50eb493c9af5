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
    clean_display_name,
    ensure_admins,
    give_consent,
    grant_role,
    onboarding_step,
    roles_of,
    touch_person,
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
