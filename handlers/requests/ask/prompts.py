"""/vraag (/ask): ask for help in four taps and one sentence.

category -> what (one sentence) -> when -> [wijk, when there is no home wijk] -> contact ->
preview -> post. A buurtassistent can first choose to file for a resident without Telegram.
The draft lives in the person's flow data, written to the database after every update.
"""

from __future__ import annotations

import enum
import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import ConversationHandler

from bot.context import BuurtContext
from bot.i18n import N_, Html, Translator, translator
from handlers.common import Caller, identify
from handlers.help import point_to_private
from handlers.keyboards import rows, wijk_keyboard
from handlers.onboarding import send_all, start
from handlers.requests.render import (
    CardFacts,
    card_text,
    categories,
    category_label,
    looks_private,
    when_text,
)
from handlers.wijk_picker import Messages
from models.areas import get_buurt, get_wijk, list_wijken
from models.help_requests import (
    Limits,
    TooFast,
    TooManyOpen,
    check_limits,
)
from models.people import Role, onboarding_step

DRAFT = "ask"
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{7,18}$")


class Step(enum.IntEnum):
    WHO = 1
    BEHALF_NAME = 2
    BEHALF_PHONE = 3
    BEHALF_CONSENT = 4
    CATEGORY = 5
    DESCRIPTION = 6
    WHEN = 7
    DAY = 8
    PART = 9
    WIJK = 10
    CONTACT = 11
    PREVIEW = 12


def stop_button(t: Translator) -> InlineKeyboardButton:
    """Offer a way out at every step."""
    return InlineKeyboardButton(t("ask.stop"), callback_data="ask:stop")


def draft_of(context: BuurtContext) -> dict[str, Any]:
    """Return the person's draft (created empty)."""
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, {})


def limits_of(context: BuurtContext) -> Limits:
    """Read the request limits from the config."""
    requests = context.config.requests
    return Limits(max_open=requests.max_open, max_per_day=requests.max_per_day)


async def open_ask(update: Update, context: BuurtContext) -> Step | int:
    """Start asking; in a group, point to the private chat."""
    if update.effective_chat is None or update.effective_chat.type != "private":
        await point_to_private(update, context, payload="ask")
        return ConversationHandler.END
    async with context.session() as session:
        caller = await identify(session, update, context)
        if await onboarding_step(session, caller.person) is not None:
            onboarding = True
        else:
            onboarding = False
            refusal = None
            try:
                await check_limits(session, caller.person, limits_of(context), context.now())
            except TooManyOpen as exc:
                refusal = caller.t("ask.too_many_open", limit=exc.limit)
            except TooFast as exc:
                refusal = caller.t("ask.too_fast", limit=exc.limit)
            roles = caller.roles
            home = caller.person.home_wijk_id
    if onboarding:
        await start(update, context)
        return ConversationHandler.END
    if refusal is not None:
        await send_all(update, context, [(refusal, None)])
        return ConversationHandler.END
    assert context.user_data is not None
    # The home wijk (and buurt) is preselected; the preview lets the person pick another.
    context.user_data[DRAFT] = {"wijk_id": home, "buurt_id": caller.person.home_buurt_id}
    if roles.has(Role.BUURTASSISTENT):
        t = caller.t
        keyboard = rows(
            [
                InlineKeyboardButton(t("ask.for_me"), callback_data="ask:who:me"),
                InlineKeyboardButton(t("ask.for_resident"), callback_data="ask:who:other"),
                stop_button(t),
            ],
            per_row=1,
        )
        await send_all(update, context, [(t("ask.who"), keyboard)])
        return Step.WHO
    await send_all(update, context, category_prompt(caller.t, context))
    return Step.CATEGORY


def category_prompt(t: Translator, context: BuurtContext) -> Messages:
    """Ask what kind of help."""
    buttons = [
        InlineKeyboardButton(c.button_label(t), callback_data=f"ask:cat:{c.slug}")
        for c in categories(context.config.requests)
    ]
    keyboard = rows(buttons)
    keyboard = InlineKeyboardMarkup([*keyboard.inline_keyboard, [stop_button(t)]])
    return [(t("ask.category"), keyboard)]


def description_prompt(t: Translator, context: BuurtContext) -> Messages:
    """Ask for the one sentence."""
    requests = context.config.requests
    text = t("ask.description", min=requests.description_min, max=requests.description_max)
    return [(text, rows([stop_button(t)]))]


def when_prompt(t: Translator) -> Messages:
    """Ask when the help is needed."""
    options = [
        ("asap", N_("when.asap")),
        ("today", N_("when.today")),
        ("tomorrow", N_("when.tomorrow")),
        ("week", N_("when.week")),
        ("day", N_("ask.pick_day")),
    ]
    buttons = [
        InlineKeyboardButton(t(key), callback_data=f"ask:when:{code}") for code, key in options
    ]
    keyboard = rows(buttons)
    return [(t("ask.when"), InlineKeyboardMarkup([*keyboard.inline_keyboard, [stop_button(t)]]))]


def day_prompt(t: Translator, context: BuurtContext) -> Messages:
    """Offer the next seven days."""
    today = context.now().astimezone(context.config.bot.tz).date()
    buttons = [
        InlineKeyboardButton(
            Html(when_text(t, "day", context.config.bot.tz, today + timedelta(days=i))),
            callback_data=f"ask:day:{(today + timedelta(days=i)).isoformat()}",
        )
        for i in range(1, 8)
    ]
    keyboard = rows(buttons)
    return [(t("ask.day"), InlineKeyboardMarkup([*keyboard.inline_keyboard, [stop_button(t)]]))]


def part_prompt(t: Translator) -> Messages:
    """Ask for the part of the day."""
    parts = [
        ("morning", N_("when.morning")),
        ("afternoon", N_("when.afternoon")),
        ("evening", N_("when.evening")),
        ("all", N_("ask.whole_day")),
    ]
    # The parts read in lower case inside a sentence; as buttons they start with a capital.
    buttons = [
        InlineKeyboardButton(t(key).capitalize(), callback_data=f"ask:part:{code}")
        for code, key in parts
    ]
    keyboard = rows(buttons)
    return [(t("ask.part"), InlineKeyboardMarkup([*keyboard.inline_keyboard, [stop_button(t)]]))]


async def wijk_prompt(session: AsyncSession, t: Translator) -> Messages:
    """Ask in which wijk the help is needed."""
    wijken = await list_wijken(session)
    return [(t("ask.wijk"), wijk_keyboard(wijken, "ask:wijk:", last=[stop_button(t)]))]


def contact_prompt(t: Translator) -> Messages:
    """Ask how the helper may reach the requester: Telegram, or a shared phone number."""
    telegram = rows(
        [
            InlineKeyboardButton(t("ask.contact_telegram"), callback_data="ask:contact:tg"),
            stop_button(t),
        ],
        per_row=1,
    )
    phone = ReplyKeyboardMarkup(
        [[KeyboardButton(t("ask.share_phone"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    return [(t("ask.contact"), telegram), (t("ask.contact_phone_hint"), phone)]


async def preview(session: AsyncSession, caller: Caller, context: BuurtContext) -> Messages:
    """Show exactly the card the group will see, with a warning and the choices."""
    t, draft = caller.t, draft_of(context)
    config = context.config
    group_t = _group_translator(context)
    wijk = await get_wijk(session, int(draft["wijk_id"]))
    buurt = await get_buurt(session, draft["buurt_id"]) if draft.get("buurt_id") else None
    if wijk is None:
        return await wijk_prompt(session, t)
    facts = CardFacts(
        number=None,
        category=category_label(config.requests, draft["category"], group_t),
        wijk=wijk.name,
        buurt=buurt.name if buurt else None,
        when=when_text(
            group_t, draft["when_kind"], config.bot.tz, _day(draft), draft.get("day_part")
        ),
        description=draft["description"],
    )
    warning = (
        t("ask.preview_warning_found")
        if looks_private(draft["description"])
        else t("ask.preview_warning")
    )
    keyboard = rows(
        [
            InlineKeyboardButton(t("ask.post"), callback_data="ask:post"),
            InlineKeyboardButton(t("ask.change"), callback_data="ask:change"),
            InlineKeyboardButton(t("ask.other_wijk"), callback_data="ask:wijken"),
            stop_button(t),
        ],
        per_row=2,
    )
    intro = t("ask.preview")
    text = Html(f"{intro}\n\n{card_text(group_t, facts)}\n\n{warning}")
    return [(text, keyboard)]


def _group_translator(context: BuurtContext) -> Translator:
    """Return the translator of the group cards (the deployment's language)."""
    return translator(context.config.bot.default_language)


def _day(draft: dict[str, Any]) -> date | None:
    """Return the chosen day as a date, if any."""
    return date.fromisoformat(draft["when_date"]) if draft.get("when_date") else None
