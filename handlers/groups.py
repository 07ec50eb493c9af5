"""Groups and forum topics: /koppel (/link) and /koppel uit, and a group's life afterwards.

The bot follows a linked group when it is removed (the link goes off and the admins are told)
and when a basic group becomes a supergroup (the link and the posted cards move along).
"""

from __future__ import annotations

from telegram import Chat, ChatMember, InlineKeyboardButton, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.context import BuurtContext
from bot.i18n import N_, Translator, pick_language, translator
from handlers.common import Caller, close_buttons, identify_with_roles
from handlers.keyboards import rows, wijk_keyboard
from models import outbox
from models.areas import buurten_of, get_wijk, list_wijken, wijk_names
from models.errors import NotFound
from models.groups import (
    active_links_of_chat,
    link_group,
    link_of_chat,
    migrate_chat,
    narrow_link,
    unlink_chat,
    unlink_group,
)
from models.outbox import Kind
from models.people import Role, get_person, reachable_admins

TELEGRAM_ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
OFF_WORDS = ("uit", "off")


async def _may_link(update: Update, context: BuurtContext) -> tuple[Caller, bool]:
    """Check on the server: a bot admin, and an admin of this Telegram group."""
    assert update.effective_user is not None
    assert update.effective_chat is not None
    caller, roles = await identify_with_roles(update, context)
    if not roles.has(Role.ADMIN):
        return caller, False
    try:
        member = await context.bot.get_chat_member(
            update.effective_chat.id, update.effective_user.id
        )
    except TelegramError:
        return caller, False
    return caller, member.status in TELEGRAM_ADMINS


def _thread(update: Update) -> int:
    """Return the forum topic the update is in (0 for the group itself)."""
    message = update.effective_message
    if message is None or not message.is_topic_message:
        return 0
    return message.message_thread_id or 0


async def _missing_rights(context: BuurtContext, chat: Chat) -> list[str]:
    """Say which of the rights the bot uses it lacks in this group."""
    try:
        me: ChatMember = await context.bot.get_chat_member(chat.id, context.bot.id)
    except TelegramError:
        return []  # not knowing is no reason to refuse the link
    owner = me.status == ChatMemberStatus.OWNER
    admin = me.status == ChatMemberStatus.ADMINISTRATOR

    def right(name: str) -> bool:
        return owner or (admin and bool(getattr(me, name, False)))

    missing = []
    if me.status == ChatMemberStatus.RESTRICTED and not getattr(me, "can_send_messages", True):
        missing.append(N_("link.right_post"))
    if context.config.activities.pin_cards and not right("can_pin_messages"):
        missing.append(N_("link.right_pin"))
    if chat.is_forum and not right("can_manage_topics"):
        missing.append(N_("link.right_topics"))
    return missing


async def start_link(update: Update, context: BuurtContext) -> None:
    """Offer the wijken to link this group (or forum topic) to; /koppel uit unlinks it."""
    message = update.effective_message
    chat = update.effective_chat
    assert message is not None
    assert chat is not None
    if chat.type == Chat.PRIVATE:
        caller, _ = await identify_with_roles(update, context)
        await message.reply_text(caller.t("link.in_group_only"))
        return
    caller, allowed = await _may_link(update, context)
    t = caller.t
    if not allowed:
        await message.reply_text(t("link.not_allowed"))
        return
    thread = _thread(update)
    if context.args and context.args[0].lower() in OFF_WORDS:
        await message.reply_text(await _unlink(context, caller, chat.id, thread))
        return
    async with context.session() as session:
        wijken = await list_wijken(session)
        current = await link_of_chat(session, chat.id, thread)
        linked = current if current is not None and current.thread_id == thread else None
        wijk = await get_wijk(session, linked.wijk_id) if linked is not None else None
    lines = [t(N_("link.choose_topic") if thread else N_("link.choose"))]
    if wijk is not None:
        lines.insert(0, t("link.current", wijk=wijk.name))
    missing = await _missing_rights(context, chat)
    if missing:
        lines.append(t("link.missing_rights", rights="\n".join(f"• {t(k)}" for k in missing)))
    last = [InlineKeyboardButton(t("link.button_off"), callback_data="link:off")] if wijk else []
    keyboard = wijk_keyboard(wijken, "link:", suffix=f":{thread}", last=last)
    await message.reply_text("\n\n".join(lines), reply_markup=keyboard)


async def _unlink(context: BuurtContext, caller: Caller, chat_id: int, thread: int) -> str:
    """Switch this group's (or topic's) link off; return what to say."""
    async with context.session() as session:
        link = await unlink_group(
            session, chat_id=chat_id, thread_id=thread, actor_id=caller.person.id
        )
        wijk = await get_wijk(session, link.wijk_id) if link is not None else None
    if link is None:
        return caller.t("link.not_linked")
    return caller.t("link.unlinked", wijk=wijk.name if wijk else "?")


async def choose_link(update: Update, context: BuurtContext) -> None:
    """Link the group (or topic) to the chosen wijk; the right to do so is checked again."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert update.effective_chat is not None
    caller, allowed = await _may_link(update, context)
    t = caller.t
    if not allowed:
        await query.answer(t("link.not_allowed"), show_alert=True)
        return
    # The topic is the one the buttons are in, whatever the callback data claims.
    wijk_id, thread = int(context.match.group(1)), _thread(update)
    try:
        async with context.session() as session:
            link = await link_group(
                session,
                chat_id=update.effective_chat.id,
                thread_id=thread,
                wijk_id=wijk_id,
                title=update.effective_chat.title or "",
                linked_by_id=caller.person.id,
            )
            wijk = await get_wijk(session, link.wijk_id)
            buurten = await buurten_of(session, link.wijk_id)
    except NotFound:
        await query.answer(t("error.not_found"), show_alert=True)
        return
    assert wijk is not None
    await query.answer()
    done = t(N_("link.done_topic") if thread else N_("link.done"), wijk=wijk.name)
    if not buurten:
        await close_buttons(update, done)
        return
    # Most groups are about a whole wijk; a buurt's own group can narrow it down.
    buttons = [InlineKeyboardButton(b.name, callback_data=f"linkb:{b.id}") for b in buurten[:98]]
    more = t("link.choose_buurt")
    await query.edit_message_text(f"{done}\n\n{more}", reply_markup=rows(buttons))


async def choose_buurt(update: Update, context: BuurtContext) -> None:
    """Let a linked group (or topic) show only one buurt; the right is checked again."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert update.effective_chat is not None
    caller, allowed = await _may_link(update, context)
    t = caller.t
    if not allowed:
        await query.answer(t("link.not_allowed"), show_alert=True)
        return
    try:
        async with context.session() as session:
            _link, buurt = await narrow_link(
                session,
                chat_id=update.effective_chat.id,
                thread_id=_thread(update),
                buurt_id=int(context.match.group(1)),
                actor_id=caller.person.id,
            )
    except NotFound:
        await query.answer(t("error.not_found"), show_alert=True)
        return
    await query.answer()
    await close_buttons(update, t("link.done_buurt", buurt=buurt.name))


async def press_unlink(update: Update, context: BuurtContext) -> None:
    """Unlink from the button under /koppel; the right is checked again."""
    query = update.callback_query
    assert query is not None
    assert update.effective_chat is not None
    caller, allowed = await _may_link(update, context)
    if not allowed:
        await query.answer(caller.t("link.not_allowed"), show_alert=True)
        return
    text = await _unlink(context, caller, update.effective_chat.id, _thread(update))
    await query.answer()
    await close_buttons(update, text)


async def track_membership(update: Update, context: BuurtContext) -> None:
    """When the bot is removed from a linked group, switch the links off and tell the admins."""
    changed = update.my_chat_member
    if changed is None or changed.new_chat_member.status not in GONE:
        return
    chat = changed.chat
    async with context.session() as session:
        actor = await get_person(session, changed.from_user.id)
        links = await unlink_chat(
            session, chat.id, actor_id=actor.id if actor else None, reason="bot removed"
        )
        if not links:
            return
        names = ", ".join(await wijk_names(session, {link.wijk_id for link in links}))
        for admin in await reachable_admins(session):
            t: Translator = translator(
                pick_language(admin.language, None, context.config.bot.default_language)
            )
            text = t("link.bot_removed", group=chat.title or str(chat.id), wijken=names)
            await outbox.enqueue(
                session,
                kind=Kind.TEXT,
                chat_id=admin.telegram_id,
                person_id=admin.id,
                payload={"text": text},
                now=context.now(),
                dedupe_key=f"removed:{chat.id}:{admin.id}:{update.update_id}",
            )
    context.services.dispatcher.wake()


async def follow_migration(update: Update, context: BuurtContext) -> None:
    """Move a group that became a supergroup: its links, cards and queued messages."""
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    async with context.session() as session:
        await migrate_chat(session, old, new)
        still_linked = await active_links_of_chat(session, new)
    if still_linked:
        context.services.dispatcher.wake()
