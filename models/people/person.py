"""A person known to the bot: their row, profile, consent and onboarding."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.areas import Buurt, Wijk
from models.base import Base, TimestampMixin, utcnow
from models.errors import NotFound

# Bump when the privacy notice changes in substance; people are asked again.
PRIVACY_NOTICE_VERSION = "2026-11-27"
# The session's info key under which the application keeps the version in force (the built-in
# one plus the deployment's own, see privacy.notice_version in the config).
NOTICE_VERSION_KEY = "privacy_notice_version"
DISPLAY_NAME_MAX = 128


class OnboardingStep(enum.IntEnum):
    LANGUAGE = 1
    CONSENT = 2
    WIJK = 3


class Person(TimestampMixin, Base):
    """Someone who has talked to the bot, or an admin named in the config."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    home_wijk_id: Mapped[int | None] = mapped_column(
        ForeignKey("wijk.id", ondelete="SET NULL"), index=True
    )
    home_buurt_id: Mapped[int | None] = mapped_column(ForeignKey("buurt.id", ondelete="SET NULL"))
    consent_at: Mapped[datetime | None]
    consent_version: Mapped[str | None] = mapped_column(String(32))
    # Set when Telegram answers 403 for this person; cleared when they write again.
    blocked_bot: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]


def clean_display_name(first_name: str | None, last_name: str | None = None) -> str:
    """Join and trim a Telegram name so it fits the column."""
    name = " ".join(part.strip() for part in (first_name, last_name) if part and part.strip())
    return name[:DISPLAY_NAME_MAX]


async def get_person(session: AsyncSession, telegram_id: int) -> Person | None:
    """Return the person with this Telegram id, or None."""
    return await session.scalar(select(Person).where(Person.telegram_id == telegram_id))


async def require_person(session: AsyncSession, telegram_id: int) -> Person:
    """Return the person with this Telegram id, or raise NotFound."""
    person = await get_person(session, telegram_id)
    if person is None:
        raise NotFound("person")
    return person


def set_language(person: Person, language: str) -> None:
    """Store the person's language."""
    person.language = language


def notice_version(session: AsyncSession) -> str:
    """Return the version of the privacy notice in force for this application."""
    return str(session.info.get(NOTICE_VERSION_KEY, PRIVACY_NOTICE_VERSION))


def effective_notice_version(own: str) -> str:
    """Combine the built-in version with a deployment's own (``privacy.notice_version``)."""
    return f"{PRIVACY_NOTICE_VERSION}+{own}" if own else PRIVACY_NOTICE_VERSION


def has_current_consent(person: Person, version: str) -> bool:
    """Tell whether the person agreed to this version of the privacy notice."""
    return person.consent_at is not None and person.consent_version == version


def needs_consent_again(person: Person, version: str) -> bool:
    """Tell whether the person once agreed, but not (or no longer) to this version."""
    return person.consent_version is not None and not has_current_consent(person, version)


def give_consent(person: Person, version: str = PRIVACY_NOTICE_VERSION) -> bool:
    """Record consent to the privacy notice; return False if it was already given."""
    if has_current_consent(person, version):
        return False
    person.consent_at = utcnow()
    person.consent_version = version
    return True


def refuse_consent(person: Person) -> None:
    """Withdraw consent: nothing is sent to the person until they agree again.

    The version they last agreed to stays, so the bot knows to ask again at every visit.
    """
    person.consent_at = None


async def set_home_area(
    session: AsyncSession, person: Person, *, wijk_id: int, buurt_id: int | None = None
) -> tuple[Wijk, Buurt | None]:
    """Set the home wijk (and buurt); the ids come from buttons, so check them."""
    wijk = await session.get(Wijk, wijk_id)
    if wijk is None:
        raise NotFound("wijk")
    buurt = await session.get(Buurt, buurt_id) if buurt_id is not None else None
    if buurt is not None and buurt.wijk_id != wijk.id:
        buurt = None
    person.home_wijk_id = wijk.id
    person.home_buurt_id = buurt.id if buurt else None
    return wijk, buurt


# Built once: asked at every onboarding step of someone without a home wijk.
_ANY_WIJK = select(Wijk.id).limit(1)


def at_wijk_step(session: AsyncSession, person: Person) -> bool:
    """Tell whether the steps before the home wijk are done and no home wijk is set.

    Unlike onboarding_step it does not ask the database whether any wijk exists: for someone
    who just chose one, the choice says so (and set_home_area checks that it does).
    """
    return (
        person.language is not None
        and has_current_consent(person, notice_version(session))
        and person.home_wijk_id is None
    )


async def onboarding_step(session: AsyncSession, person: Person) -> OnboardingStep | None:
    """Return the first onboarding step the person has not done, or None when done."""
    if person.language is None:
        return OnboardingStep.LANGUAGE
    if not has_current_consent(person, notice_version(session)):
        return OnboardingStep.CONSENT
    if person.home_wijk_id is None and await session.scalar(_ANY_WIJK):
        return OnboardingStep.WIJK
    return None


async def mark_blocked(session: AsyncSession, telegram_id: int) -> None:
    """Remember that Telegram refuses private messages to this person."""
    person = await get_person(session, telegram_id)
    if person is not None:
        person.blocked_bot = True
