"""/koppel (/link) in a group: show this wijk's requests here (admins only)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus

from bot.context import BuurtContext
from handlers.common import close_buttons, guess_translator, identify
from handlers.keyboards import wijk_keyboard
from models.areas import get_wijk, list_wijken
from models.errors import NotFound
from models.groups import link_group
from models.people import Role, roles_of

TELEGRAM_ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def _may_link(update: Update, context: BuurtContext) -> bool:
    """Check on the server: a bot admin, and an admin of this Telegram group."""
    assert update.effective_user is not None
    assert update.effective_chat is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
        roles = await roles_of(session, caller.person)
    if not roles.has(Role.ADMIN):
        return False
    member = await context.bot.get_chat_member(update.effective_chat.id, update.effective_user.id)
    return member.status in TELEGRAM_ADMINS


async def start_link(update: Update, context: BuurtContext) -> None:
    """Offer the wijken to link this group (or forum topic) to."""
    message = update.effective_message
    assert message is not None
    t = guess_translator(update, context)
    if message.chat.type == "private":
        await message.reply_text(t("link.in_group_only"))
        return
    if not await _may_link(update, context):
        await message.reply_text(t("link.not_allowed"))
        return
    async with context.session() as session:
        wijken = await list_wijken(session)
    thread = message.message_thread_id if message.is_topic_message else 0
    keyboard = wijk_keyboard(wijken, "link:", suffix=f":{thread or 0}")
    await message.reply_text(t("link.choose"), reply_markup=keyboard)


async def choose_link(update: Update, context: BuurtContext) -> None:
    """Link the group (or topic) to the chosen wijk; the right to do so is checked again."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert update.effective_chat is not None
    t = guess_translator(update, context)
    if not await _may_link(update, context):
        await query.answer(t("link.not_allowed"), show_alert=True)
        return
    wijk_id, thread = int(context.match.group(1)), int(context.match.group(2))
    async with context.session() as session:
        caller = await identify(session, update, context)
        try:
            link = await link_group(
                session,
                chat_id=update.effective_chat.id,
                thread_id=thread,
                wijk_id=wijk_id,
                title=update.effective_chat.title or "",
                linked_by_id=caller.person.id,
            )
            wijk = await get_wijk(session, link.wijk_id)
        except NotFound:
            wijk = None
    if wijk is None:
        await query.answer(t("error.not_found"))
        return
    await query.answer()
    await close_buttons(update, t("link.done", wijk=wijk.name))
