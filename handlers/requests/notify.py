"""Turn the outcome of a state change into outbox messages, worded for each person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.config import Config
from bot.i18n import Html, Translator, escape, pick_language, translator
from handlers.requests.render import card_text, facts_of, local_time, when_text
from models import outbox
from models.groups import links_for_request
from models.help_requests import Event, HelpRequest, Notice, Outcome
from models.help_requests import Status as RequestStatus
from models.outbox import Kind, OutboxMessage
from models.people import Person
from models.subscriptions import Subscription, choices, quiet_until


def first_name(person: Person | None) -> str:
    """Return the first word of a display name (people share first names only)."""
    if person is None or not person.display_name.strip():
        return "?"
    return person.display_name.split()[0]


def telegram_contact(person: Person) -> Html:
    """Link to a person's Telegram chat (and @username when they have one)."""
    link = Html(f'<a href="tg://user?id={person.telegram_id}">{escape(first_name(person))}</a>')
    return Html(f"{link} (@{escape(person.username)})") if person.username else link


def keyboard(rows: list[list[tuple[str, str]]]) -> dict[str, Any]:
    """Build a stored inline keyboard from (label, callback data) pairs."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    ).to_dict()


async def queue_outcome(
    session: AsyncSession, outcome: Outcome, config: Config, now: datetime
) -> None:
    """Queue the cards and the messages an outcome asks for."""
    request = outcome.request
    if outcome.post_cards:
        for link in await links_for_request(session, request.wijk_id, request.buurt_id):
            await outbox.enqueue(
                session,
                kind=Kind.CARD,
                chat_id=link.chat_id,
                thread_id=link.thread_id,
                request_id=request.id,
                now=now,
                dedupe_key=f"card:{request.id}:{link.chat_id}:{link.thread_id}",
            )
    if outcome.edit_cards and not await outbox.edit_pending(
        session, Kind.CARD_EDIT, request_id=request.id
    ):
        await outbox.enqueue(
            session, kind=Kind.CARD_EDIT, chat_id=0, request_id=request.id, now=now
        )
    for notice in outcome.notices:
        await _queue_notice(session, notice, request, config, now)


async def _queue_notice(
    session: AsyncSession, notice: Notice, request: HelpRequest, config: Config, now: datetime
) -> None:
    """Word one notice in the person's language and queue it."""
    person = await session.get(Person, notice.person_id)
    if person is None:
        return
    t = translator(pick_language(person.language, None, config.bot.default_language))
    text, markup = await render_notice(session, notice.event, request, t, config)
    due = None
    if notice.quiet:
        subscription = await session.get(Subscription, person.id)
        chosen = choices(person, subscription, config.requests.quiet_hours)
        due = quiet_until(now, config.bot.tz, chosen.quiet_hours)
    await outbox.enqueue(
        session,
        kind=Kind.TEXT,
        chat_id=person.telegram_id,
        person_id=person.id,
        request_id=request.id,
        payload={
            "text": text,
            "markup": markup,
            "event": notice.event,
            "helper": request.helper_id,
        },
        now=now,
        due_at=due,
        dedupe_key=notice.dedupe_key,
    )


async def render_notice(
    session: AsyncSession, event: Event, request: HelpRequest, t: Translator, config: Config
) -> tuple[str, dict[str, Any] | None]:
    """Word a notice and its buttons."""
    n = request.id
    requester = await session.get(Person, request.requester_id) if request.requester_id else None
    helper = await session.get(Person, request.helper_id) if request.helper_id else None
    tz = config.bot.tz
    match event:
        case Event.POSTED:
            facts = await facts_of(session, request, t, config.requests, tz)
            intro = t("notice.posted")
            text = Html(f"{intro}\n\n{card_text(t, facts)}")
            return text, keyboard([[(t("card.help_button"), f"req:claim:{n}")]])
        case Event.CLAIMED_REQUESTER:
            assert helper is not None
            text = t(
                "notice.claimed_requester",
                number=n,
                name=first_name(helper),
                contact=telegram_contact(helper),
                code=request.code_word or "",
            )
            return text, keyboard(
                [
                    [
                        (t("button.done"), f"req:done:{n}"),
                        (t("button.cancel_request"), f"req:cancel:{n}"),
                    ]
                ]
            )
        case Event.CLAIMED_HELPER:
            facts = await facts_of(session, request, t, config.requests, tz)
            name, contact = requester_contact(request, requester, t)
            text = t(
                "notice.claimed_helper",
                number=n,
                name=name,
                contact=contact,
                code=request.code_word or "",
                card=card_text(t, facts),
            )
            return text, keyboard(
                [[(t("button.done"), f"req:done:{n}"), (t("button.withdraw"), f"req:withdraw:{n}")]]
            )
        case Event.CANCELLED_HELPER:
            return t("notice.cancelled_helper", number=n), None
        case Event.WITHDRAWN_REQUESTER:
            return t("notice.withdrawn_requester", number=n), None
        case Event.RELEASED_HELPER:
            return t("notice.released_helper", number=n), None
        case Event.DONE_THANKS:
            return t("notice.done_thanks", number=n), keyboard(
                [[("😊", f"fb:{n}:3"), ("😐", f"fb:{n}:2"), ("🙁", f"fb:{n}:1")]]
            )
        case Event.REMINDER_HELPER:
            name, _ = requester_contact(request, requester, t)
            when = when_text(t, request.when_kind, tz, request.when_date, request.day_part)
            text = t(
                "notice.reminder_helper",
                number=n,
                name=name,
                when=Html(when),
                time=local_time(request.window_start_at, tz),
                code=request.code_word or "",
            )
            return text, None
        case Event.CHECKIN:
            return t("notice.checkin", number=n), keyboard(
                [
                    [(t("button.done"), f"req:done:{n}"), (t("button.not_yet"), f"req:notyet:{n}")],
                    [(t("button.failed"), f"req:failed:{n}")],
                ]
            )
        case Event.STILL_NEEDED:
            return t("notice.still_needed", number=n), keyboard(
                [
                    [
                        (t("button.still_needed"), f"req:needed:{n}"),
                        (t("button.not_needed"), f"req:notneeded:{n}"),
                    ]
                ]
            )
        case Event.EXPIRED:
            return t("notice.expired", number=n), None
        case Event.OFFER:
            facts = await facts_of(session, request, t, config.requests, tz)
            intro = t("notice.offer")
            text = Html(f"{intro}\n\n{card_text(t, facts)}")
            return text, keyboard(
                [
                    [
                        (t("button.offer_yes"), f"offer:yes:{n}"),
                        (t("button.offer_no"), f"offer:no:{n}"),
                    ]
                ]
            )
        case Event.OFFER_ACCEPTED:
            return t("notice.offer_accepted", number=n, name=first_name(helper)), None
        case Event.OFFER_DECLINED:
            return t("notice.offer_declined", number=n), None
        case Event.CLOSED_BY_ASSISTANT:
            return t("notice.closed_by_assistant", number=n), None
    raise AssertionError(f"no wording for {event}")  # pragma: no cover


def requester_contact(
    request: HelpRequest, requester: Person | None, t: Translator
) -> tuple[str, Html]:
    """Return the name and contact the helper may use: only what the requester chose."""
    if request.behalf_name:
        return request.behalf_name, t("contact.phone", phone=request.behalf_phone or "")
    if requester is None:
        return "?", t("contact.none")
    if request.contact_phone:
        # The requester chose the phone: their Telegram stays private.
        return first_name(requester), t("contact.phone", phone=request.contact_phone)
    return first_name(requester), telegram_contact(requester)


# Notices that only make sense while the request is open, or claimed by the same helper.
_WHILE_OPEN = {Event.POSTED, Event.STILL_NEEDED}
_WHILE_ACTIVE = {Event.OFFER}
_WHILE_CLAIMED = {
    Event.CLAIMED_REQUESTER,
    Event.CLAIMED_HELPER,
    Event.REMINDER_HELPER,
    Event.CHECKIN,
}


async def still_relevant(session: AsyncSession, message: OutboxMessage) -> bool:
    """Tell whether a queued notice still fits its request when it is about to go out.

    A notice held for quiet hours may find its request taken, cancelled or handed to another
    helper by morning; then it must not go out (an introduction carries contact details).
    """
    event = message.payload.get("event")
    # An escalation names the state it is about ("open", "claimed").
    wanted = message.payload.get("while")
    if message.request_id is None or (event is None and wanted is None):
        return True
    request = await session.get(HelpRequest, message.request_id)
    if request is None:
        return False
    if wanted is not None:
        return request.status == wanted
    if event in _WHILE_OPEN:
        return request.status == RequestStatus.OPEN
    if event in _WHILE_ACTIVE:
        return request.status in (RequestStatus.OPEN, RequestStatus.CLAIMED)
    if event in _WHILE_CLAIMED:
        return request.status == RequestStatus.CLAIMED and request.helper_id == message.payload.get(
            "helper"
        )
    return True
