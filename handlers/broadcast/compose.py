"""Writing an announcement: its text or a photo or file, the audience, and the preview."""

from __future__ import annotations

import enum

from telegram import InlineKeyboardButton, Update

from bot import media
from bot.context import BuurtContext
from bot.i18n import N_, Html, Translator, escape
from handlers.activities.render import THEME_KEYS, THEMES
from handlers.common import Caller, close_buttons, end_flow, identify_with_roles, send
from handlers.keyboards import rows, wijk_keyboard
from handlers.onboarding import send_all
from models import broadcasts
from models.areas import list_wijken
from models.broadcasts import Audience
from models.people import Role

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


class State(enum.IntEnum):
    TEXT = 1
    AUDIENCE = 2
    PREVIEW = 3


async def identify_admin(update: Update, context: BuurtContext) -> tuple[Caller, bool]:
    """Identify the caller and check, on the server, that they are an admin."""
    caller, roles = await identify_with_roles(update, context)
    return caller, roles.has(Role.ADMIN)


def stop_button(t: Translator) -> InlineKeyboardButton:
    """Offer to stop without sending."""
    return InlineKeyboardButton(t("ask.stop"), callback_data="om:stop")


async def receive_text(update: Update, context: BuurtContext) -> State:
    """Store the text (escaped: it is shown as typed) and ask for the audience."""
    caller, _ = await identify_admin(update, context)
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    t = caller.t
    text = (message.text or "").strip()
    if not text or len(text) > TEXT_MAX:
        await send(message.chat, context, t("omroep.text_length", max=TEXT_MAX, length=len(text)))
        return State.TEXT
    context.user_data[DRAFT] = {"text": escape(text)}
    return await _ask_audience(update, context, caller)


async def receive_media(update: Update, context: BuurtContext) -> State:
    """Store a photo or file (by file_id) with its caption, and ask for the audience.

    Telegram shows at most 1024 characters under a photo or file. A longer caption is refused
    with the count, so the sender decides what to cut rather than the bot.
    """
    caller, _ = await identify_admin(update, context)
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    found = media.incoming(message)
    assert found is not None  # the handler's filter lets only photos and files in
    caption = escape(found.caption)
    if not media.fits_caption(caption):
        length = media.visible_length(caption)
        await send(
            message.chat,
            context,
            caller.t("omroep.caption_length", max=media.CAPTION_MAX, length=length),
        )
        return State.TEXT
    context.user_data[DRAFT] = {
        "text": caption,
        "media": found.kind.value,
        "file_id": found.file_id,
    }
    return await _ask_audience(update, context, caller)


async def _ask_audience(update: Update, context: BuurtContext, caller: Caller) -> State:
    """Offer the audiences."""
    t = caller.t
    buttons = [
        InlineKeyboardButton(t(key), callback_data=f"om:aud:{a.value}")
        for a, key in AUDIENCE_KEYS.items()
    ]
    await send_all(
        update, context, [(t("omroep.ask_audience"), rows([*buttons, stop_button(t)], per_row=1))]
    )
    return State.AUDIENCE


async def choose_audience(update: Update, context: BuurtContext) -> State:
    """Store the audience; for a wijk, ask which one."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, _ = await identify_admin(update, context)
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
    caller, _ = await identify_admin(update, context)
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
        stop_button(t),
    ]
    intro = t("omroep.preview", count=len(people))
    if draft.get("media"):
        # Show the photo or file exactly as recipients get it, then the count and the buttons.
        assert update.effective_chat is not None
        await media.send_media(
            context.bot, update.effective_chat.id, draft["media"], draft["file_id"], draft["text"]
        )
        await send_all(update, context, [(intro, rows(buttons, per_row=1))])
        return State.PREVIEW
    await send_all(
        update, context, [(Html(f"{intro}\n\n{draft['text']}"), rows(buttons, per_row=1))]
    )
    return State.PREVIEW


async def stop(update: Update, context: BuurtContext) -> int:
    """Stop without sending anything."""
    return await end_flow(update, context, N_("omroep.stopped"), DRAFT)
