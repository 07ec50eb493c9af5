"""Notification settings in /instellingen: wijken, themes, right away or daily, quiet hours.

Every press is stored at once and the buttons are redrawn, so there is no flow to lose.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.config import Config
from bot.context import BuurtContext
from bot.i18n import N_, Translator
from handlers.activities.render import THEME_KEYS, THEMES
from handlers.common import Caller, close_buttons, identify
from handlers.wijk_picker import Messages
from models.areas import Wijk, list_wijken
from models.subscriptions import (
    DEFAULT_DIGEST_HOUR,
    DIGEST_HOURS,
    QUIET_CHOICES,
    Choices,
    Subscription,
    choices,
    delivery_time,
    digest_slot,
    get_or_create,
    quiet_until,
    retime_digest,
)


def _tick(on: bool, label: str) -> str:
    return ("✓ " if on else "") + label


def keyboard(
    t: Translator, chosen: Choices, wijken: list[Wijk], *, show_wijken: bool
) -> InlineKeyboardMarkup:
    """Draw the choices as toggles."""
    rows: list[list[InlineKeyboardButton]] = []
    if show_wijken:
        buttons = [
            InlineKeyboardButton(
                _tick(w.id in chosen.wijk_ids, w.name), callback_data=f"sub:wijk:{w.id}"
            )
            for w in wijken[:90]
        ]
        rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([InlineKeyboardButton(t("subscriptions.back"), callback_data="sub:main")])
        return InlineKeyboardMarkup(rows)
    themes = [
        InlineKeyboardButton(
            _tick(not chosen.themes or k in chosen.themes, t(THEME_KEYS[k])),
            callback_data=f"sub:theme:{k}",
        )
        for k in THEMES
    ]
    rows += [themes[i : i + 2] for i in range(0, len(themes), 2)]
    rows.append(
        [
            InlineKeyboardButton(
                _tick(chosen.digest_hour is None, t("subscriptions.now")),
                callback_data="sub:mode:now",
            ),
            InlineKeyboardButton(
                _tick(
                    chosen.digest_hour is not None,
                    t(
                        "subscriptions.daily",
                        hour=f"{chosen.digest_hour or DEFAULT_DIGEST_HOUR:02d}",
                    ),
                ),
                callback_data="sub:mode:daily",
            ),
        ]
    )
    if chosen.digest_hour is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    _tick(chosen.digest_hour == h, f"{h:02d}:00"), callback_data=f"sub:hour:{h}"
                )
                for h in DIGEST_HOURS
            ]
        )
    labels = {
        "22:00-08:00": N_("subscriptions.quiet_22"),
        "23:00-07:00": N_("subscriptions.quiet_23"),
        "": N_("subscriptions.quiet_off"),
    }
    rows.append(
        [
            InlineKeyboardButton(
                _tick(chosen.quiet_hours == q, t(labels[q])), callback_data=f"sub:quiet:{i}"
            )
            for i, q in enumerate(QUIET_CHOICES)
        ]
    )
    rows.append(
        [
            InlineKeyboardButton(
                _tick(chosen.activities, t("subscriptions.activities")),
                callback_data="sub:activities",
            ),
            InlineKeyboardButton(t("subscriptions.wijken"), callback_data="sub:wijken"),
        ]
    )
    rows.append([InlineKeyboardButton(t("settings.close"), callback_data="sub:done")])
    return InlineKeyboardMarkup(rows)


async def menu_messages(session: AsyncSession, caller: Caller, config: Config) -> Messages:
    """Return the notification choices as a message with toggles (for the settings menu)."""
    subscription = await get_or_create(session, caller.person)
    chosen = choices(caller.person, subscription, config.requests.quiet_hours)
    wijken = await list_wijken(session)
    markup = keyboard(caller.t, chosen, wijken, show_wijken=False)
    return [(caller.t("subscriptions.menu"), markup)]


def _quiet_note(t: Translator, chosen: Choices, now: datetime, tz: tzinfo) -> str | None:
    """Say so when the daily moment falls in the quiet hours, and when it comes instead."""
    if chosen.digest_hour is None:
        return None
    slot = digest_slot(chosen.digest_hour, now, tz)
    if quiet_until(slot, tz, chosen.quiet_hours) is None:
        return None
    moved = delivery_time(chosen, now, tz)
    assert moved is not None
    return t("subscriptions.digest_in_quiet", hour=f"{moved.astimezone(tz):%H:%M}")


async def press(update: Update, context: BuurtContext) -> None:
    """Change one choice and redraw the buttons."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    parts = query.data.split(":")[1:]
    note = None
    async with context.session() as session:
        caller = await identify(session, update, context)
        sub = await get_or_create(session, caller.person)
        wijken = await list_wijken(session)
        chosen = choices(caller.person, sub, context.config.requests.quiet_hours)
        shown = _apply(parts, sub, chosen, wijken)
        if shown in ("main", "wijken"):
            await session.flush()
            chosen = choices(caller.person, sub, context.config.requests.quiet_hours)
            now, tz = context.now(), context.config.bot.tz
            if parts[0] in ("mode", "hour", "quiet"):  # when it goes out changed
                await retime_digest(session, caller.person, chosen, now, tz)
                note = _quiet_note(caller.t, chosen, now, tz)
    # Telegram is called once the transaction is over: a flood wait holds no connection.
    if shown == "done":
        await query.answer(caller.t("settings.closed"))
        await close_buttons(update)
        return
    if shown == "stale":
        await query.answer(caller.t("button.stale"))
        return
    show_wijken = shown == "wijken"
    await query.answer(note)
    await query.edit_message_reply_markup(
        reply_markup=keyboard(caller.t, chosen, wijken, show_wijken=show_wijken)
    )


def _apply(parts: list[str], sub: Subscription, chosen: Choices, wijken: list[Wijk]) -> str:
    """Apply one pressed choice to sub; return what to show next: "main" or "wijken" (the
    buttons, redrawn), "done" (close them) or "stale" (an old or tampered button)."""
    match parts:
        case ["theme", theme] if theme in THEMES:
            picked = set(chosen.themes or THEMES) ^ {theme}
            sub.themes = [] if picked >= set(THEMES) else sorted(picked)
        case ["mode", "now"]:
            sub.digest_hour = None
        case ["mode", "daily"]:
            sub.digest_hour = chosen.digest_hour or DEFAULT_DIGEST_HOUR
        case ["hour", hour] if hour.isdigit() and int(hour) in DIGEST_HOURS:
            sub.digest_hour = int(hour)
        case ["quiet", index] if index.isdigit() and int(index) < len(QUIET_CHOICES):
            sub.quiet_hours = QUIET_CHOICES[int(index)]
        case ["activities"]:
            sub.activities = not sub.activities
        case ["wijken"]:
            return "wijken"
        case ["main"]:
            return "main"
        case ["wijk", wijk_id] if wijk_id.isdigit() and int(wijk_id) in {w.id for w in wijken}:
            sub.wijk_ids = sorted(set(chosen.wijk_ids) ^ {int(wijk_id)})
            return "wijken"
        case ["done"]:
            return "done"
        case _:
            return "stale"
    return "main"
