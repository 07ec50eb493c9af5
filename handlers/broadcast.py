"""/omroep (/broadcast): an admin sends an announcement to an audience, now or later."""

from __future__ import annotations

import enum
import html
import logging
import time
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.commands import BROADCAST, CANCEL
from bot.context import BuurtContext
from bot.i18n import N_, Html, Translator, escape, pick_language, translator
from handlers.activities.render import THEME_KEYS, THEMES
from handlers.common import (
    Caller,
    close_buttons,
    end_flow,
    identify,
    identify_with_roles,
    per_person_flows,
    send,
    shorten,
)
from handlers.keyboards import rows, wijk_keyboard
from handlers.onboarding import send_all
from handlers.wijk_picker import Messages
from models import broadcasts, outbox
from models.areas import list_wijken
from models.broadcasts import Audience
from models.errors import DomainError
from models.outbox import Kind
from models.people import Person, Role

TEXT_MAX = 3500  # leaves room for Telegram's 4096 after the bot's own words
AUDIENCE_KEYS = {
    Audience.EVERYONE: N_("omroep.audience_everyone"),
    Audience.WIJK: N_("omroep.audience_wijk"),
    Audience.VOLUNTEERS: N_("omroep.audience_volunteers"),
    Audience.BUURTASSISTENTEN: N_("omroep.audience_buurtassistenten"),
    Audience.GROUPS: N_("omroep.audience_groups"),
    Audience.THEME: N_("omroep.audience_theme"),
}
DRAFT = "omroep"
TARGET_PATTERN = r"^om:(?:wijk:(\d{1,9})|theme:(" + "|".join(THEMES) + "))$"
AUDIENCE_PATTERN = "^om:aud:(" + "|".join(a.value for a in Audience) + ")$"
PROGRESS_EVERY = 3.0  # seconds between two edits of the sender's progress message
_last_progress: dict[int, float] = {}
_LOGGER = logging.getLogger("buurtbot.broadcast")


class State(enum.IntEnum):
    TEXT = 1
    AUDIENCE = 2
    PREVIEW = 3


async def _admin(update: Update, context: BuurtContext) -> tuple[Caller, bool]:
    """Identify the caller and check, on the server, that they are an admin."""
    caller, roles = await identify_with_roles(update, context)
    return caller, roles.has(Role.ADMIN)


def _stop(t: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(t("ask.stop"), callback_data="om:stop")


async def open_broadcast(update: Update, context: BuurtContext) -> State | int:
    """Show what is planned, and ask for the announcement's text."""
    caller, admin = await _admin(update, context)
    t = caller.t
    if not admin:
        await send_all(update, context, [(t("error.not_allowed_admin"), None)])
        return ConversationHandler.END
    async with context.session() as session:
        planned = await broadcasts.scheduled(session)
    messages: Messages = []
    tz = context.config.bot.tz
    for item in planned:
        when = item.send_at.astimezone(tz).strftime("%d-%m %H:%M")
        button = InlineKeyboardButton(
            t("omroep.cancel_button"), callback_data=f"bc:cancel:{item.id}"
        )
        # The stored text is HTML: cut the words, not the markup.
        preview = escape(shorten(html.unescape(item.text), 200))
        text = t("omroep.planned", number=item.id, when=when, text=preview)
        messages.append((text, rows([button])))
    messages.append((t("omroep.ask_text", max=TEXT_MAX), rows([_stop(t)])))
    await send_all(update, context, messages)
    return State.TEXT


async def receive_text(update: Update, context: BuurtContext) -> State:
    """Store the text (escaped: it is shown as typed) and ask for the audience."""
    caller, _ = await _admin(update, context)
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    t = caller.t
    text = (message.text or "").strip()
    if not text or len(text) > TEXT_MAX:
        await send(message.chat, context, t("omroep.text_length", max=TEXT_MAX, length=len(text)))
        return State.TEXT
    context.user_data[DRAFT] = {"text": escape(text)}
    buttons = [
        InlineKeyboardButton(t(key), callback_data=f"om:aud:{a.value}")
        for a, key in AUDIENCE_KEYS.items()
    ]
    await send_all(
        update, context, [(t("omroep.ask_audience"), rows([*buttons, _stop(t)], per_row=1))]
    )
    return State.AUDIENCE


async def choose_audience(update: Update, context: BuurtContext) -> State:
    """Store the audience; for a wijk, ask which one."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, _ = await _admin(update, context)
    await query.answer()
    await close_buttons(update)
    audience = Audience(context.match.group(1))
    draft = context.user_data.setdefault(DRAFT, {})
    draft.update(audience=audience.value, wijk_id=None, theme=None)
    if audience is Audience.THEME:
        buttons = [
            InlineKeyboardButton(caller.t(THEME_KEYS[k]), callback_data=f"om:theme:{k}")
            for k in THEMES
        ]
        await send_all(update, context, [(caller.t("omroep.ask_theme"), rows(buttons))])
        return State.AUDIENCE
    if audience is Audience.WIJK:
        async with context.session() as session:
            wijken = await list_wijken(session)
        keyboard = wijk_keyboard(wijken, "om:wijk:")
        await send_all(update, context, [(caller.t("omroep.ask_wijk"), keyboard)])
        return State.AUDIENCE
    return await _preview(update, context, caller)


async def choose_target(update: Update, context: BuurtContext) -> State:
    """Store the chosen wijk or theme (om:wijk:<id>, om:theme:<slug>) and show the preview."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, _ = await _admin(update, context)
    await query.answer()
    await close_buttons(update)
    wijk_id, theme = context.match.group(1), context.match.group(2)
    draft = context.user_data.setdefault(DRAFT, {})
    draft.update({"wijk_id": int(wijk_id)} if wijk_id else {"theme": theme})
    return await _preview(update, context, caller)


async def _preview(update: Update, context: BuurtContext, caller: Caller) -> State:
    """Show the announcement as recipients will see it, and how many will get it."""
    assert context.user_data is not None
    draft = context.user_data.get(DRAFT) or {}
    t = caller.t
    async with context.session() as session:
        people = await broadcasts.recipients(
            session, Audience(draft["audience"]), draft.get("wijk_id")
        )
    buttons = [
        InlineKeyboardButton(t("omroep.send_now"), callback_data="om:send:now"),
        InlineKeyboardButton(t("omroep.send_hour"), callback_data="om:send:hour"),
        InlineKeyboardButton(t("omroep.send_morning"), callback_data="om:send:morning"),
        _stop(t),
    ]
    intro = t("omroep.preview", count=len(people))
    await send_all(
        update, context, [(Html(f"{intro}\n\n{draft['text']}"), rows(buttons, per_row=1))]
    )
    return State.PREVIEW


def _send_at(choice: str, now: datetime, context: BuurtContext) -> datetime:
    """Turn "now", "in an hour" or "tomorrow 09:00" into a moment."""
    if choice == "hour":
        return now + timedelta(hours=1)
    if choice == "morning":
        local = now.astimezone(context.config.bot.tz) + timedelta(days=1)
        return local.replace(hour=9, minute=0, second=0, microsecond=0)
    return now


async def confirm(update: Update, context: BuurtContext) -> int:
    """Schedule the announcement (admins only, checked again) and say when it goes out."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, admin = await _admin(update, context)
    draft = context.user_data.pop(DRAFT, None)
    t = caller.t
    if not admin or not draft or "audience" not in draft:
        await query.answer(t("button.stale"))
        return ConversationHandler.END
    now = context.now()
    when = _send_at(context.match.group(1), now, context)
    async with context.session() as session:
        caller = await identify(session, update, context)
        item = await broadcasts.schedule(
            session,
            sender=caller.person,
            text=draft["text"],
            audience=Audience(draft["audience"]),
            wijk_id=draft.get("wijk_id"),
            theme=draft.get("theme"),
            send_at=when,
            report_chat_id=caller.person.telegram_id,
            now=now,
        )
        number = item.id
    await query.answer()
    await close_buttons(update)
    if when <= now:
        text = t("omroep.sending", number=number)
    else:
        local = when.astimezone(context.config.bot.tz).strftime("%d-%m %H:%M")
        text = t("omroep.scheduled", number=number, when=local)
    await send_all(update, context, [(text, None)])
    if when <= now and context.job_queue is not None:
        # Start now rather than at the next tick; after the reply, so the sender reads it first.
        context.job_queue.run_once(run_broadcasts, 0)
    return ConversationHandler.END


async def cancel_planned(update: Update, context: BuurtContext) -> None:
    """Cancel a planned announcement (sender or admin; checked on the server)."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    caller, admin = await _admin(update, context)
    t = caller.t
    try:
        async with context.session() as session:
            caller = await identify(session, update, context)
            await broadcasts.cancel(
                session, broadcast_id=int(context.match.group(1)), person=caller.person, admin=admin
            )
    except DomainError:
        await query.answer(t("omroep.cannot_cancel"), show_alert=True)
        return
    await query.answer()
    await close_buttons(update, t("omroep.cancelled"))


async def stop(update: Update, context: BuurtContext) -> int:
    """Stop without sending anything."""
    return await end_flow(update, context, N_("omroep.stopped"), DRAFT)


def conversation() -> ConversationHandler:
    """Build the /omroep conversation (persistent)."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    with per_person_flows():
        return ConversationHandler(
            entry_points=[CommandHandler(BROADCAST.names, open_broadcast, filters=private)],
            states={
                State.TEXT: [MessageHandler(text, receive_text)],
                State.AUDIENCE: [
                    CallbackQueryHandler(choose_audience, pattern=AUDIENCE_PATTERN),
                    CallbackQueryHandler(choose_target, pattern=TARGET_PATTERN),
                ],
                State.PREVIEW: [
                    CallbackQueryHandler(confirm, pattern=r"^om:send:(now|hour|morning)$")
                ],
            },
            fallbacks=[
                CallbackQueryHandler(stop, pattern=r"^om:stop$"),
                CommandHandler(CANCEL.names, stop),
            ],
            name="omroep",
            persistent=True,
            conversation_timeout=timedelta(hours=1),
            allow_reentry=True,
        )


async def run_broadcasts(context: BuurtContext) -> None:
    """Start due announcements, keep each sender's progress message up to date, then report.

    The final report goes through the outbox in the same transaction that marks the broadcast
    done, so a restart or a deleted progress message cannot lose it.
    """
    now = context.now()
    updates: list[tuple[broadcasts.Broadcast, broadcasts.Progress]] = []
    async with context.session() as session:
        await broadcasts.start_due(session, now=now)
        for item in await broadcasts.sending(session):
            progress = await broadcasts.progress(session, item)
            if progress.done:
                item.status = broadcasts.Status.DONE
                item.finished_at = now
                await _queue_report(session, context, item, progress, now)
                _last_progress.pop(item.id, None)
            elif time.monotonic() - _last_progress.get(item.id, 0.0) >= PROGRESS_EVERY:
                updates.append((item, progress))
    context.services.dispatcher.wake()  # new rows, or a report to send
    for item, progress in updates:
        _last_progress[item.id] = time.monotonic()
        try:
            await _show_progress(context, item, progress)
        except TelegramError as exc:  # one sender's message must not stop the others' updates
            _LOGGER.warning("Progress of broadcast %d not shown: %s", item.id, exc)


async def _translator_for(
    session: AsyncSession, context: BuurtContext, item: broadcasts.Broadcast
) -> Translator:
    """Return the sender's translator."""
    sender = await session.get(Person, item.sender_id) if item.sender_id else None
    return translator(
        pick_language(
            sender.language if sender else None, None, context.config.bot.default_language
        )
    )


async def _queue_report(
    session: AsyncSession,
    context: BuurtContext,
    item: broadcasts.Broadcast,
    progress: broadcasts.Progress,
    now: datetime,
) -> None:
    """Queue the final report for the sender."""
    if item.report_chat_id is None:
        return
    t = await _translator_for(session, context, item)
    lines = [
        t(
            "omroep.report",
            number=item.id,
            sent=progress.sent,
            blocked=progress.blocked,
            failed=progress.failed,
        )
    ]
    lines += [
        t("omroep.report_reason", reason=reason, count=count)
        for reason, count in progress.reasons.most_common(5)
    ]
    await outbox.enqueue(
        session,
        kind=Kind.TEXT,
        chat_id=item.report_chat_id,
        person_id=item.sender_id,
        now=now,
        payload={"text": "\n".join(lines)},
        dedupe_key=f"bc:{item.id}:report",
    )


async def _show_progress(
    context: BuurtContext, item: broadcasts.Broadcast, progress: broadcasts.Progress
) -> None:
    """Edit the sender's progress message; send a new one when there is none (or it is gone)."""
    if item.report_chat_id is None:
        return
    async with context.session() as session:
        t = await _translator_for(session, context, item)
    done = progress.sent + progress.blocked + progress.failed + progress.cancelled
    text = t(
        "omroep.progress", number=item.id, done=_number(done, t), total=_number(progress.total, t)
    )
    if item.progress_message_id is not None:
        try:
            await context.bot.edit_message_text(
                text, chat_id=item.report_chat_id, message_id=item.progress_message_id
            )
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            # Deleted by the sender, or too old to edit: show the progress in a new message.
    sent = await context.bot.send_message(item.report_chat_id, text)
    async with context.session() as session:
        stored = await session.get(broadcasts.Broadcast, item.id)
        if stored is not None:
            stored.progress_message_id = sent.message_id


def _number(value: int, t: Translator) -> str:
    """Write 1234 as 1.234 in Dutch and 1,234 in English."""
    text = f"{value:,}"
    return text.replace(",", ".") if t.language == "nl" else text
