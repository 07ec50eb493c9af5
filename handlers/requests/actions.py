"""Buttons on requests ("Ik help", done, cancel, ...), /mijn, and request deep links.

Every press names a request; who may do what is decided in models/, against the stored request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BuurtContext
from bot.i18n import N_, Html, Translator
from handlers.common import Caller, close_buttons, guess_translator, identify, is_private
from handlers.keyboards import deep_link
from handlers.onboarding import send_all, start
from handlers.queue import item_buttons, item_text
from handlers.requests.errors import error_text
from handlers.requests.notify import queue_outcome
from handlers.requests.render import card_text, facts_of
from handlers.wijk_picker import Messages
from models.errors import DomainError, NotFound
from models.help_requests import (
    ACTIVE,
    HelpRequest,
    Outcome,
    Status,
    cancel_request,
    claim_request,
    complete_request,
    confirm_still_needed,
    get_request,
    postpone_checkin,
    requests_of,
    withdraw_help,
)
from models.people import Person, Role, onboarding_step


def actions_for(t: Translator, request: HelpRequest, person: Person) -> InlineKeyboardMarkup | None:
    """Return exactly the buttons the request's state allows this person."""
    n = request.id
    mine = person.id in (request.requester_id, request.filed_by_id)
    helping = request.helper_id == person.id
    buttons: list[InlineKeyboardButton] = []
    if request.status == Status.OPEN and mine:
        buttons.append(
            InlineKeyboardButton(t("button.cancel_request"), callback_data=f"req:cancel:{n}")
        )
    elif request.status == Status.OPEN:
        buttons.append(InlineKeyboardButton(t("card.help_button"), callback_data=f"req:claim:{n}"))
    elif request.status == Status.CLAIMED and (mine or helping):
        buttons.append(InlineKeyboardButton(t("button.done"), callback_data=f"req:done:{n}"))
        if mine:
            buttons.append(
                InlineKeyboardButton(t("button.cancel_request"), callback_data=f"req:cancel:{n}")
            )
        else:
            buttons.append(
                InlineKeyboardButton(t("button.withdraw"), callback_data=f"req:withdraw:{n}")
            )
    return InlineKeyboardMarkup([buttons]) if buttons else None


async def describe(
    caller: Caller, context: BuurtContext, request: HelpRequest, session: AsyncSession
) -> tuple[Html, InlineKeyboardMarkup | None]:
    """Render a request for one person, with its role and buttons."""
    t = caller.t
    facts = await facts_of(session, request, t, context.config.requests, context.config.bot.tz)
    if caller.person.id in (request.requester_id, request.filed_by_id):
        role = t("mine.role_asked")
    elif request.helper_id == caller.person.id:
        role = t("mine.role_helping")
    else:
        role = None
    text = card_text(t, facts)
    if role:
        text = Html(f"{role}\n{text}")
    return text, actions_for(t, request, caller.person)


async def show_mine(update: Update, context: BuurtContext) -> None:
    """/mijn: my requests and the ones I help with, each with its buttons."""
    async with context.session() as session:
        caller = await identify(session, update, context)
        requests = await requests_of(session, caller.person)
        messages: Messages = [await describe(caller, context, r, session) for r in requests]
    if not messages:
        messages = [(caller.t("mine.none"), None)]
    else:
        messages.insert(0, (caller.t("mine.title", count=len(messages)), None))
    await send_all(update, context, messages)


async def open_from_link(update: Update, context: BuurtContext) -> None:
    """/start req_<n>: show the request (after onboarding, for people who are new)."""
    assert context.args is not None
    request_id = int(context.args[0].split("_", 1)[1])
    async with context.session() as session:
        caller = await identify(session, update, context)
        if await onboarding_step(session, caller.person) is not None:
            described = None
        else:
            try:
                request = await get_request(session, request_id)
                roles = caller.roles
                if roles.has(Role.BUURTASSISTENT, request.wijk_id) and request.status in ACTIVE:
                    # From an escalation: the buurtassistent gets the queue's view and actions.
                    text = await item_text(session, context, caller.t, request, context.now())
                    described = (text, item_buttons(caller.t, request))
                else:
                    described = await describe(caller, context, request, session)
            except NotFound:
                described = (caller.t("error.not_found"), None)
    if described is None:
        # Remember the link; onboarding offers the request when it is done.
        assert context.user_data is not None
        context.user_data["pending_request"] = request_id
        context.args = []
        await start(update, context)
        return
    await send_all(update, context, [described])


async def press(update: Update, context: BuurtContext) -> None:
    """Handle a press on a request button: req:<action>:<number>."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    action, request_id = context.match.group(1), int(context.match.group(2))
    now = context.now()
    note: str | None = None
    follow_up: Messages = []
    refusal: str | None = None
    t = guess_translator(update, context)
    try:
        # A refusal raised inside the block rolls the whole update back.
        async with context.session() as session:
            caller = await identify(session, update, context)
            t = caller.t
            stranger = action == "claim" and not await _can_be_messaged(session, caller)
            if not stranger:
                outcome, note, follow_up = await _act(
                    session, caller, context, action, request_id, now
                )
                if outcome is not None:
                    await queue_outcome(session, outcome, context.config, now)
    except DomainError as exc:
        refusal, stranger = error_text(t, exc), False
    if stranger:
        # Telegram forbids messaging someone who never started the bot: send them there.
        await query.answer(url=deep_link(context.bot.username, f"req_{request_id}"))
        return
    if refusal is not None:
        # Shown as a small notice on the person's screen; the message stays as it was.
        await query.answer(refusal)
        return
    context.services.dispatcher.wake()
    await query.answer(note if not is_private(update) else None)
    if is_private(update):
        if action not in ("cancel", "withdraw", "show"):
            # The request moved on: its old buttons would only mislead.
            await close_buttons(update)
        if note:
            follow_up.insert(0, (Html(note), None))
        await send_all(update, context, follow_up)


async def _act(
    session: AsyncSession,
    caller: Caller,
    context: BuurtContext,
    action: str,
    request_id: int,
    now: datetime,
) -> tuple[Outcome | None, str | None, Messages]:
    """Carry out one request button; return the outcome, a note and follow-up messages."""
    t, person = caller.t, caller.person
    match action:
        case "claim":
            outcome = await claim_request(session, request_id=request_id, helper=person, now=now)
            return outcome, t("request.claimed_thanks"), []
        case "done":
            outcome = await complete_request(session, request_id=request_id, person=person, now=now)
            return outcome, t("request.done_thanks"), []
        case "cancelok" | "notneeded":
            outcome = await cancel_request(session, request_id=request_id, person=person, now=now)
            return outcome, t("request.cancelled", number=request_id), []
        case "withdrawok" | "failed":
            outcome = await withdraw_help(session, request_id=request_id, person=person, now=now)
            return outcome, t("request.reopened", number=request_id), []
        case "notyet":
            await postpone_checkin(session, request_id=request_id, person=person, now=now)
            return None, t("request.ask_later"), []
        case "needed":
            hours = context.config.requests.still_needed_after_hours
            await confirm_still_needed(
                session,
                request_id=request_id,
                person=person,
                now=now,
                ask_after=timedelta(hours=hours),
            )
            return None, t("request.still_open", number=request_id), []
        case "cancel" | "withdraw" | "show":
            request = await get_request(session, request_id)
            shown = await _confirm_or_show(caller, context, request, action, session)
            return None, None, [shown]
    raise NotFound("action")


async def _can_be_messaged(session: AsyncSession, caller: Caller) -> bool:
    """Tell whether the bot may message this person privately (and they finished onboarding)."""
    person = caller.person
    if person.started_at is None or person.blocked_bot:
        return False
    return await onboarding_step(session, person) is None


async def _confirm_or_show(
    caller: Caller, context: BuurtContext, request: HelpRequest, action: str, session: AsyncSession
) -> tuple[Html, InlineKeyboardMarkup | None]:
    """Ask "are you sure?" before cancelling or withdrawing; or show the request."""
    t = caller.t
    if action == "show":
        return await describe(caller, context, request, session)
    key = N_("request.confirm_cancel") if action == "cancel" else N_("request.confirm_withdraw")
    yes = InlineKeyboardButton(t("button.yes_sure"), callback_data=f"req:{action}ok:{request.id}")
    no = InlineKeyboardButton(t("button.no_keep"), callback_data=f"req:keep:{request.id}")
    return t(key, number=request.id), InlineKeyboardMarkup([[yes, no]])


async def keep(update: Update, context: BuurtContext) -> None:
    """ "No, keep it": take the confirmation away."""
    query = update.callback_query
    assert query is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
    await query.answer()
    await close_buttons(update, caller.t("request.kept"))
