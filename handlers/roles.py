"""/rol (/role): an admin gives or takes a person's roles; every press is checked again.

Who: reply to the person's message in a group with /rol, name them (/rol @username), or pick
them from the people seen lately (/rol in the private chat). The choices always go to the
admin's private chat, so a group never sees who holds which role.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden

from bot.context import BuurtContext
from bot.i18n import N_, Translator, pick_language, translator
from handlers.common import Caller, close_buttons, identify_with_roles, is_private, send
from handlers.keyboards import rows
from models import outbox
from models.areas import Wijk, get_wijk, list_wijken
from models.audit import record
from models.errors import NotFound
from models.outbox import Kind
from models.people import (
    Person,
    Role,
    Roles,
    clean_display_name,
    grant_role,
    roles_of,
    touch_person,
)
from models.role_changes import (
    LastAdmin,
    ensure_not_last_admin,
    find_by_username,
    recent_people,
    revoke_role,
)

PICK_PATTERN = r"^rol:p:(\d{1,9})$"
WIJKEN_PATTERN = r"^rol:w:(\d{1,9})$"
CHANGE_PATTERN = r"^rol:(g|r):(\d{1,9}):(volunteer|buurtassistent|admin|blocked)(?::(\d{1,9}))?$"
CLOSE_PATTERN = r"^rol:x$"
ROLE_KEYS = {
    Role.VOLUNTEER: N_("role.volunteer"),
    Role.BUURTASSISTENT: N_("role.buurtassistent"),
    Role.ADMIN: N_("role.admin"),
    Role.BLOCKED: N_("role.blocked"),
}


async def _as_admin(update: Update, context: BuurtContext) -> tuple[Caller, bool]:
    """Identify the caller and check, on the server, that they are an admin."""
    caller, roles = await identify_with_roles(update, context)
    return caller, roles.has(Role.ADMIN)


def _name(person: Person) -> str:
    """Name a person for the admin: display name, @username, or their number."""
    name = person.display_name or f"#{person.id}"
    return f"{name} (@{person.username})" if person.username else name


async def start_role(update: Update, context: BuurtContext) -> None:
    """Find the person to change the roles of (reply, @username or a list) and show the menu."""
    message = update.effective_message
    assert message is not None
    caller, allowed = await _as_admin(update, context)
    t = caller.t
    if not allowed:
        await message.reply_text(t("role.not_allowed"))
        return
    replied = message.reply_to_message
    async with context.session() as session:
        target: Person | None = None
        # What to say when there is nobody to show the menu of: a text and its buttons.
        instead: tuple[str, InlineKeyboardMarkup | None] | None = None
        if replied is not None and replied.from_user and not replied.from_user.is_bot:
            user = replied.from_user
            target = await touch_person(
                session,
                telegram_id=user.id,
                display_name=clean_display_name(user.first_name, user.last_name),
                username=user.username,
                private_chat=False,
            )
        elif context.args:
            target = await find_by_username(session, context.args[0])
            if target is None:
                instead = (t("role.unknown_person", name=context.args[0][:64]), None)
        elif is_private(update):
            people = await recent_people(session)
            buttons = [
                InlineKeyboardButton(_name(p)[:60], callback_data=f"rol:p:{p.id}") for p in people
            ]
            instead = (t("role.choose_person"), rows(buttons, 1))
        else:
            instead = (t("role.how_in_group"), None)
        if target is not None:
            text, markup = await _menu(session, t, target)
    # Telegram is called once the transaction is over: a slow send holds no connection.
    if instead is not None:
        await message.reply_text(instead[0], reply_markup=instead[1])
        return
    if is_private(update):
        await message.reply_text(text, reply_markup=markup)
        return
    try:  # the roles menu is nobody else's business: it goes to the admin in private
        await send(caller.person.telegram_id, context, text, markup)
    except Forbidden:
        await message.reply_text(t("role.start_private_first"))
        return
    await message.reply_text(t("role.sent_private"))


async def _menu(
    session: AsyncSession, t: Translator, person: Person
) -> tuple[str, InlineKeyboardMarkup]:
    """Describe a person's roles, with a button to give or take each."""
    roles = await roles_of(session, person)
    text = t("role.menu", name=_name(person), roles=await _describe(session, t, roles))
    buttons = []
    for role in (Role.VOLUNTEER, Role.ADMIN, Role.BLOCKED):
        held = role in roles.city
        key = N_("role.button_take") if held else N_("role.button_give")
        data = f"rol:{'r' if held else 'g'}:{person.id}:{role.value}"
        buttons.append(InlineKeyboardButton(t(key, role=t(ROLE_KEYS[role])), callback_data=data))
    buttons.insert(
        1, InlineKeyboardButton(t("role.button_wijken"), callback_data=f"rol:w:{person.id}")
    )
    buttons.append(InlineKeyboardButton(t("role.button_close"), callback_data="rol:x"))
    return text, rows(buttons, 1)


async def _describe(session: AsyncSession, t: Translator, roles: Roles) -> str:
    """Say which roles a person holds, and where."""
    if roles.blocked:
        return t("role.blocked")
    parts = [t(ROLE_KEYS[role]) for role in (Role.VOLUNTEER, Role.ADMIN) if role in roles.city]
    wijken = sorted(w for w, held in roles.by_wijk.items() if Role.BUURTASSISTENT in held)
    if Role.BUURTASSISTENT in roles.city:
        parts.append(t("role.buurtassistent"))
    if wijken:
        names = [w.name for w in [await get_wijk(session, i) for i in wijken] if w is not None]
        parts.append(f"{t('role.buurtassistent')} ({', '.join(names)})")
    return ", ".join(parts) or t("role.resident")


async def _wijk_menu(
    session: AsyncSession, t: Translator, person: Person
) -> tuple[str, InlineKeyboardMarkup]:
    """Offer every wijk: a tick where the person is buurtassistent; pressing toggles it."""
    roles = await roles_of(session, person)
    buttons = []
    for wijk in (await list_wijken(session))[:98]:
        held = Role.BUURTASSISTENT in roles.by_wijk.get(wijk.id, frozenset())
        data = f"rol:{'r' if held else 'g'}:{person.id}:buurtassistent:{wijk.id}"
        label = f"✓ {wijk.name}" if held else wijk.name
        buttons.append(InlineKeyboardButton(label, callback_data=data))
    back = InlineKeyboardButton(t("role.button_back"), callback_data=f"rol:p:{person.id}")
    keyboard = rows(buttons)
    markup = InlineKeyboardMarkup([*keyboard.inline_keyboard, [back]])
    return t("role.choose_wijken", name=_name(person)), markup


async def show_person(update: Update, context: BuurtContext) -> None:
    """Show the roles menu of the person pressed (or the wijk list for buurtassistent)."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    caller, allowed = await _as_admin(update, context)
    if not allowed:
        await query.answer(caller.t("role.not_allowed"), show_alert=True)
        return
    wijken = query.data is not None and query.data.startswith("rol:w:")
    async with context.session() as session:
        person = await session.get(Person, int(context.match.group(1)))
        if person is not None:
            build = _wijk_menu if wijken else _menu
            text, markup = await build(session, caller.t, person)
    if person is None:
        await query.answer(caller.t("error.not_found"))
        return
    await query.answer()
    await _edit(update, text, markup)


async def change_role(update: Update, context: BuurtContext) -> None:
    """Give or take one role; the caller's right and every id are checked again."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    caller, allowed = await _as_admin(update, context)
    t = caller.t
    if not allowed:
        await query.answer(t("role.not_allowed"), show_alert=True)
        return
    give = context.match.group(1) == "g"
    person_id, role = int(context.match.group(2)), Role(context.match.group(3))
    wijk_id = int(context.match.group(4)) if context.match.group(4) else None
    note: str | None = None
    try:
        async with context.session() as session:
            person = await session.get(Person, person_id)
            # A buurtassistent is one per wijk here; the other roles hold city-wide.
            if person is None or (wijk_id is None) == (role is Role.BUURTASSISTENT):
                raise NotFound("person or wijk")
            wijk = await get_wijk(session, wijk_id) if wijk_id is not None else None
            if wijk_id is not None and wijk is None:
                raise NotFound("wijk")
            if give and role is Role.BLOCKED:
                await ensure_not_last_admin(session, person)
            change = grant_role if give else revoke_role
            changed = await change(session, person, role, wijk_id=wijk_id)
            if changed:
                await record(
                    session,
                    "role.grant" if give else "role.revoke",
                    actor_id=caller.person.id,
                    subject_person_id=person.id,
                    wijk_id=wijk_id,
                    detail=role.value,
                )
                await _tell(session, context, person, role, wijk, give=give)
            configured = person.telegram_id in context.config.bot.admins
            if changed and role is Role.ADMIN and not give and configured:
                note = t("role.config_admin")
            build = _wijk_menu if wijk_id is not None else _menu
            text, markup = await build(session, t, person)
    except NotFound:
        await query.answer(t("error.not_found"), show_alert=True)
        return
    except LastAdmin:
        await query.answer(t("role.last_admin"), show_alert=True)
        return
    context.services.dispatcher.wake()
    # A block (or unblock) counts at once, not at the guard's next read of the list.
    context.services.guard.blocked.invalidate()
    await query.answer(note or t("role.saved"), show_alert=note is not None)
    if changed:  # an unchanged menu would only be refused as "not modified"
        await _edit(update, text, markup)


async def _tell(
    session: AsyncSession,
    context: BuurtContext,
    person: Person,
    role: Role,
    wijk: Wijk | None,
    *,
    give: bool,
) -> None:
    """Tell the person about their new role, in their language, when the bot may write."""
    if person.started_at is None or person.blocked_bot:
        return
    t = translator(pick_language(person.language, None, context.config.bot.default_language))
    if role is Role.BLOCKED:
        text = t(N_("role.told_blocked") if give else N_("role.told_unblocked"))
    else:
        name = t(ROLE_KEYS[role]) + (f" ({wijk.name})" if wijk is not None else "")
        text = t(N_("role.told_given") if give else N_("role.told_taken"), role=name)
    await outbox.enqueue(
        session,
        kind=Kind.TEXT,
        chat_id=person.telegram_id,
        person_id=person.id,
        payload={"text": text},
        now=context.now(),
    )


async def _edit(update: Update, text: str, markup: InlineKeyboardMarkup) -> None:
    """Show the menu in the pressed message; a double press changes nothing, and that is fine."""
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def close_menu(update: Update, context: BuurtContext) -> None:
    """Take the buttons off the roles menu."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await close_buttons(update)
