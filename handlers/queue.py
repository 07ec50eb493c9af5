"""/wachtrij (/queue): what nobody picked up and what stalled, with the buurtassistent's actions.

Every button names a request and re-checks, in models/, that the caller looks after its wijk.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from babel.dates import format_timedelta
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BuurtContext
from bot.i18n import N_, Html, Translator
from handlers.common import (
    Caller,
    close_buttons,
    identify,
    identify_with_roles,
    is_private,
    send,
)
from handlers.onboarding import send_all
from handlers.requests.errors import error_text
from handlers.requests.notify import first_name, queue_outcome
from handlers.requests.render import card_text, facts_of
from handlers.wijk_picker import Messages
from models.errors import DomainError, NotAllowed
from models.help_requests import HelpRequest, Status, get_request
from models.help_requests.dispatch import (
    Candidate,
    CloseReason,
    answer_offer,
    assistant_wijken,
    candidates,
    close_by_assistant,
    notes_of,
    offer_request,
    queue,
    reopen_request,
    require_assistant,
)
from models.people import Person

CANDIDATES_MAX = 8
REASON_KEYS = {
    CloseReason.HELPED_ELSEWHERE: N_("queue.reason_helped"),
    CloseReason.NOT_NEEDED: N_("queue.reason_not_needed"),
    CloseReason.DUPLICATE: N_("queue.reason_duplicate"),
    CloseReason.OTHER: N_("queue.reason_other"),
}
REASONS = {
    "helped": CloseReason.HELPED_ELSEWHERE,
    "notneeded": CloseReason.NOT_NEEDED,
    "dup": CloseReason.DUPLICATE,
    "other": CloseReason.OTHER,
}


def ago(t: Translator, moment: datetime, now: datetime) -> str:
    """Say how long ago something was, e.g. "5 uur"."""
    return format_timedelta(now - moment, threshold=1.5, locale=t.language)


async def item_text(
    session: AsyncSession, context: BuurtContext, t: Translator, request: HelpRequest, now: datetime
) -> Html:
    """Render a request for the queue: the card, how long it waits, its helper and notes."""
    facts = await facts_of(session, request, t, context.config.requests, context.config.bot.tz)
    lines = [card_text(t, facts), "", t("queue.waiting", age=ago(t, request.created_at, now))]
    if request.status == Status.CLAIMED and request.helper_id is not None:
        helper = await session.get(Person, request.helper_id)
        lines.append(t("queue.helper", name=first_name(helper)))
    for note in await notes_of(session, request.id):
        lines.append(t("queue.note", age=ago(t, note.created_at, now), text=note.text))
    return Html("\n".join(lines))


def item_buttons(t: Translator, request: HelpRequest) -> InlineKeyboardMarkup:
    """Offer the actions the request's state allows."""
    n = request.id

    def button(key: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(t(key), callback_data=f"q:{action}:{n}")

    if request.status == Status.CLAIMED:
        first = [button(N_("queue.reassign"), "assign"), button(N_("queue.reopen"), "reopen")]
    else:
        first = [button(N_("queue.assign"), "assign")]
    return InlineKeyboardMarkup(
        [first, [button(N_("queue.close"), "close"), button(N_("queue.add_note"), "note")]]
    )


async def show_queue(update: Update, context: BuurtContext) -> None:
    """List the open and the stalled requests of the caller's wijken."""
    caller, roles = await identify_with_roles(update, context)
    assert update.effective_chat is not None
    t = caller.t
    wijken = assistant_wijken(roles)
    if not is_private(update) or wijken == set():
        key = N_("queue.private_only") if wijken != set() else N_("queue.not_allowed")
        await send(update.effective_chat, context, t(key))
        return
    now = context.now()
    stalled_after = timedelta(hours=context.config.escalation.stalled_after_hours)
    async with context.session() as session:
        found = await queue(session, wijken, now=now, stalled_after=stalled_after)
        messages: Messages = []
        if not found.open and not found.stalled:
            messages.append((t("queue.empty"), None))
        else:
            messages.append(
                (t("queue.title", open=found.open_total, stalled=found.stalled_total), None)
            )
        for request in found.open:
            text = await item_text(session, context, t, request, now)
            messages.append((text, item_buttons(t, request)))
        if found.stalled:
            messages.append((t("queue.stalled_title", count=found.stalled_total), None))
        for request in found.stalled:
            text = await item_text(session, context, t, request, now)
            messages.append((text, item_buttons(t, request)))
    await send_all(update, context, messages)


def candidate_label(t: Translator, candidate: Candidate, now: datetime) -> str:
    """Name a volunteer with their load and when they last helped (buttons are plain text)."""
    last = (
        t("queue.last_helped", age=ago(t, candidate.last_helped_at, now))
        if candidate.last_helped_at
        else t("queue.never_helped")
    )
    label = t("queue.candidate", name=first_name(candidate.person), load=candidate.load, last=last)
    return html.unescape(label)


async def press(update: Update, context: BuurtContext) -> None:
    """Handle q:<action>:<request>[:<extra>] from the queue."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    action, request_id, extra = context.match.group(1, 2, 3)
    request_id = int(request_id)
    now = context.now()
    caller, roles = await identify_with_roles(update, context)
    t = caller.t
    reply: tuple[Html | str, InlineKeyboardMarkup | None] | None = None
    note: str | None = None
    try:
        async with context.session() as session:
            request = await get_request(session, request_id)
            require_assistant(roles, request)
            match action, extra:
                case "assign", None:
                    reply = await _choose_volunteer(session, t, request, now)
                case "pick", str(person_id):
                    outcome = await offer_request(
                        session,
                        request_id=request_id,
                        volunteer_id=int(person_id),
                        by=caller.person,
                        roles=roles,
                        now=now,
                    )
                    await queue_outcome(session, outcome, context.config, now)
                    volunteer = await session.get(Person, int(person_id))
                    note = t("queue.offered", name=first_name(volunteer), number=request_id)
                case "reopen", None:
                    outcome = await reopen_request(
                        session, request_id=request_id, by=caller.person, roles=roles, now=now
                    )
                    await queue_outcome(session, outcome, context.config, now)
                    note = t("queue.reopened", number=request_id)
                case "close", None:
                    reply = _choose_reason(t, request_id)
                case "closeas", str(reason) if reason in REASONS:
                    outcome = await close_by_assistant(
                        session,
                        request_id=request_id,
                        by=caller.person,
                        roles=roles,
                        reason=REASONS[reason],
                        now=now,
                    )
                    await queue_outcome(session, outcome, context.config, now)
                    note = t("queue.closed", number=request_id)
                case _:
                    raise NotAllowed("unknown action")
    except DomainError as exc:
        await query.answer(error_text(t, exc), show_alert=True)
        return
    await query.answer()
    assert update.effective_chat is not None
    if note is not None:
        await close_buttons(update)
        await send(update.effective_chat, context, Html(note))
    if reply is not None:
        await send(update.effective_chat, context, *reply)
    # After our own answer, so the person reads it before what the outbox sends.
    context.services.dispatcher.wake()


async def _choose_volunteer(
    session: AsyncSession, t: Translator, request: HelpRequest, now: datetime
) -> tuple[Html, InlineKeyboardMarkup | None]:
    """List matching volunteers with room, to offer the request to one of them."""
    found = (await candidates(session, request, now))[:CANDIDATES_MAX]
    if not found:
        return t("queue.no_candidates", number=request.id), None
    buttons = [
        [
            InlineKeyboardButton(
                candidate_label(t, c, now), callback_data=f"q:pick:{request.id}:{c.person.id}"
            )
        ]
        for c in found
    ]
    return t("queue.choose_volunteer", number=request.id), InlineKeyboardMarkup(buttons)


def _choose_reason(t: Translator, request_id: int) -> tuple[Html, InlineKeyboardMarkup]:
    """Ask why the request is closed."""
    buttons = [
        [
            InlineKeyboardButton(
                t(REASON_KEYS[reason]), callback_data=f"q:closeas:{request_id}:{key}"
            )
        ]
        for key, reason in REASONS.items()
    ]
    return t("queue.choose_reason", number=request_id), InlineKeyboardMarkup(buttons)


async def answer(update: Update, context: BuurtContext) -> None:
    """The volunteer answers "Wil je dit oppakken?": offer:(yes|no):<request>."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    accept, request_id = context.match.group(1) == "yes", int(context.match.group(2))
    now = context.now()
    caller: Caller | None = None
    try:
        async with context.session() as session:
            caller = await identify(session, update, context)
            outcome = await answer_offer(
                session, request_id=request_id, person=caller.person, accept=accept, now=now
            )
            await queue_outcome(session, outcome, context.config, now)
    except DomainError as exc:
        assert caller is not None
        await query.answer(error_text(caller.t, exc), show_alert=True)
        await close_buttons(update)
        return
    await query.answer()
    key = N_("offer.accepted") if accept else N_("offer.declined")
    await close_buttons(update)
    assert update.effective_chat is not None
    await send(update.effective_chat, context, caller.t(key, number=request_id))
    context.services.dispatcher.wake()
