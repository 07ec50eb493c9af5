"""/help: what the bot can do for this person."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.commands import visible_commands
from bot.context import BuurtContext
from bot.i18n import N_, Html, Translator
from handlers.common import guess_translator, identify, is_private, send
from handlers.keyboards import deep_link
from models.areas import get_wijk
from models.people import Role, Roles

_ROLE_KEYS = {
    Role.VOLUNTEER: N_("role.volunteer"),
    Role.BUURTASSISTENT: N_("role.buurtassistent"),
    Role.ADMIN: N_("role.admin"),
}


def help_text(t: Translator, roles: Roles, *, wijk_name: str | None) -> Html:
    """List the commands this person can use, and their roles and wijk."""
    lines = [t("help.title")]
    lines += [
        t("help.line", command=c.name_for(t.language), description=t(c.description))
        for c in visible_commands(roles.all)
    ]
    held = [t(key) for role, key in _ROLE_KEYS.items() if role in roles.all]
    if held:
        lines.append("")
        lines.append(t("help.roles", roles=", ".join(held)))
    lines.append("")
    lines.append(t("help.wijk", wijk=wijk_name) if wijk_name else t("help.no_wijk"))
    return Html("\n".join(lines))


async def show_help(update: Update, context: BuurtContext) -> None:
    """Explain what the bot can do for this person; in a group, point to the private chat."""
    if not is_private(update):
        await point_to_private(update, context)
        return
    async with context.session() as session:
        caller = await identify(session, update, context)
        roles = caller.roles
        home = caller.person.home_wijk_id
        wijk = await get_wijk(session, home) if home else None
    assert update.effective_chat is not None
    text = help_text(caller.t, roles, wijk_name=wijk.name if wijk else None)
    await send(update.effective_chat, context, text)


async def point_to_private(update: Update, context: BuurtContext, payload: str = "group") -> None:
    """Answer briefly in a group with a button that opens the private chat."""
    t = guess_translator(update, context)
    message = update.effective_message
    assert message is not None
    button = InlineKeyboardButton(
        t("group.open_private"), url=deep_link(context.bot.username, payload)
    )
    await message.reply_text(t("group.private_only"), reply_markup=InlineKeyboardMarkup([[button]]))
