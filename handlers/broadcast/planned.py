"""What is planned: the list /omroep opens with, scheduling an announcement, cancelling one."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, Update
from telegram.ext import ConversationHandler

from bot.context import BuurtContext
from bot.i18n import Html, escape
from handlers.broadcast.compose import DRAFT, TEXT_MAX, State, identify_admin, stop_button
from handlers.broadcast_run import run_broadcasts
from handlers.common import close_buttons, identify, shorten
from handlers.keyboards import rows
from handlers.onboarding import send_all
from handlers.wijk_picker import Messages
from models import broadcasts
from models.broadcasts import Audience
from models.errors import DomainError

MEDIA_MARK = {"photo": "🖼", "document": "📎"}


async def open_broadcast(update: Update, context: BuurtContext) -> State | int:
    """Show what is planned, and ask for the announcement's text."""
    caller, admin = await identify_admin(update, context)
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
        if item.media_kind:
            preview = Html(f"{MEDIA_MARK.get(item.media_kind, '')} {preview}".strip())
        text = t("omroep.planned", number=item.id, when=when, text=preview)
        messages.append((text, rows([button])))
    messages.append((t("omroep.ask_text", max=TEXT_MAX), rows([stop_button(t)])))
    await send_all(update, context, messages)
    return State.TEXT


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
    caller, admin = await identify_admin(update, context)
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
            media_kind=draft.get("media"),
            file_id=draft.get("file_id"),
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
    caller, admin = await identify_admin(update, context)
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
