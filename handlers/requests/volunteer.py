"""/helpen (/volunteer): open requests near me, and my volunteer profile."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.context import BuurtContext
from bot.i18n import Html, Translator
from handlers.common import Caller, close_buttons, identify
from handlers.keyboards import rows, wijk_keyboard
from handlers.onboarding import send_all, start
from handlers.requests.actions import describe
from handlers.requests.render import categories
from handlers.wijk_picker import Messages
from models.areas import list_wijken, wijk_names
from models.help_requests import open_requests
from models.people import Role, grant_role, onboarding_step
from models.volunteers import (
    Volunteer,
    get_volunteer,
    pause,
    save_volunteer,
    set_max_tasks,
    toggle_wijk,
    wijken_of,
)

PAUSE_DAYS = (7, 14, 30)
MAX_CHOICES = (1, 2, 3, 5)


def profile_keyboard(
    t: Translator, context: BuurtContext, volunteer: Volunteer | None
) -> InlineKeyboardMarkup:
    """Show the categories as toggles (✓ = I want to hear about these)."""
    chosen = set(volunteer.categories) if volunteer else set()
    every = volunteer is not None and volunteer.active and not chosen
    buttons = [
        InlineKeyboardButton(
            ("✓ " if every or c.slug in chosen else "") + c.button_label(t),
            callback_data=f"vol:cat:{c.slug}",
        )
        for c in categories(context.config.requests)
    ]
    keyboard = rows(buttons)
    last = [
        InlineKeyboardButton(("✓ " if every else "") + t("volunteer.all"), callback_data="vol:all")
    ]
    if volunteer is not None and volunteer.active:
        last.append(InlineKeyboardButton(t("volunteer.stop"), callback_data="vol:off"))
    more = [
        InlineKeyboardButton(t("volunteer.wijken_button"), callback_data="vol:wijken"),
        InlineKeyboardButton(t("volunteer.pause_button"), callback_data="vol:pause"),
        InlineKeyboardButton(t("volunteer.max_button"), callback_data="vol:max"),
    ]
    return InlineKeyboardMarkup(
        [
            *keyboard.inline_keyboard,
            last,
            more,
            [InlineKeyboardButton(t("volunteer.save"), callback_data="vol:save")],
        ]
    )


async def profile_text(
    session: AsyncSession, caller: Caller, context: BuurtContext, volunteer: Volunteer | None
) -> Html:
    """Say what the profile is now: on or off, wijken, pause and maximum."""
    t, person = caller.t, caller.person
    if volunteer is None or not volunteer.active:
        return t("volunteer.profile_off")
    lines = [t("volunteer.profile_on")]
    names = await wijk_names(session, wijken_of(volunteer, person))
    lines.append(t("volunteer.wijken_now", wijken=", ".join(names) or "-"))
    now = context.now()
    if volunteer.paused_until is not None and volunteer.paused_until > now:
        day = volunteer.paused_until.astimezone(context.config.bot.tz).date()
        lines.append(
            t("volunteer.paused_now", date=format_date(day, "EEEE d MMMM", locale=t.language))
        )
    if volunteer.max_tasks:
        lines.append(t("volunteer.max_now", count=volunteer.max_tasks))
    return Html("\n".join(lines))


async def show_volunteering(update: Update, context: BuurtContext) -> None:
    """List open requests in my wijk and offer to become (or adjust being) a volunteer."""
    async with context.session() as session:
        caller = await identify(session, update, context)
        if await onboarding_step(session, caller.person) is not None:
            messages = None
        else:
            t = caller.t
            wijk = caller.person.home_wijk_id
            requests = await open_requests(
                session, wijk_ids=[wijk] if wijk else [], exclude_person=caller.person.id
            )
            messages = [
                (
                    t("volunteer.open_title", count=len(requests))
                    if requests
                    else t("volunteer.none_open"),
                    None,
                )
            ]
            messages += [await describe(caller, context, r, session) for r in requests]
            volunteer = await get_volunteer(session, caller.person)
            intro = await profile_text(session, caller, context, volunteer)
            messages.append((intro, profile_keyboard(t, context, volunteer)))
    if messages is None:
        await start(update, context)
        return
    await send_all(update, context, messages)


async def press_profile(update: Update, context: BuurtContext) -> None:
    """Toggle a category, choose all, stop, or save; every change is stored at once."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    parts = query.data.split(":")
    async with context.session() as session:
        caller = await identify(session, update, context)
        t = caller.t
        volunteer = await get_volunteer(session, caller.person)
        known = {c.slug for c in categories(context.config.requests)}
        chosen = set(volunteer.categories) if volunteer and volunteer.active else set()
        if volunteer is not None and volunteer.active and not chosen:
            chosen = set(known)  # "everything" is stored as no list; toggling starts from all
        closing: Messages | None = None
        sub: InlineKeyboardMarkup | None = None
        stale = False
        match parts[1:]:
            case ["cat", slug] if slug in known:
                chosen ^= {slug}
                # All ticked means "everything", which also covers categories added later;
                # nothing ticked means no messages.
                picked = [] if chosen >= known else sorted(chosen & known)
                volunteer = await save_volunteer(
                    session, caller.person, categories=picked, active=bool(chosen)
                )
            case ["all"]:
                volunteer = await save_volunteer(session, caller.person, categories=[])
            case ["off"]:
                volunteer = await save_volunteer(
                    session, caller.person, categories=[], active=False
                )
                closing = [(t("volunteer.stopped"), None)]
            case ["wijken"]:
                wijken = await list_wijken(session)
                chosen_wijken = set(wijken_of(volunteer, caller.person))
                sub = wijk_keyboard(
                    [w for w in wijken],
                    "vol:wijk:",
                    last=[InlineKeyboardButton(t("volunteer.back"), callback_data="vol:back")],
                )
                sub = _tick(sub, {f"vol:wijk:{w}" for w in chosen_wijken})
            case ["wijk", wijk_id] if wijk_id.isdigit():
                known = {w.id for w in await list_wijken(session)}
                volunteer = await toggle_wijk(session, caller.person, int(wijk_id), known=known)
                wijken = await list_wijken(session)
                sub = _tick(
                    wijk_keyboard(
                        wijken,
                        "vol:wijk:",
                        last=[InlineKeyboardButton(t("volunteer.back"), callback_data="vol:back")],
                    ),
                    {f"vol:wijk:{w}" for w in wijken_of(volunteer, caller.person)},
                )
            case ["pause"]:
                sub = _pause_keyboard(t)
            case ["pause", days] if days.isdigit() and int(days) in (0, *PAUSE_DAYS):
                volunteer = await pause(session, caller.person, _pause_end(context, int(days)))
            case ["max"]:
                sub = _max_keyboard(t)
            case ["max", count] if count.isdigit() and int(count) in (0, *MAX_CHOICES):
                volunteer = await set_max_tasks(session, caller.person, int(count))
            case ["back"]:
                sub = None  # back to the profile itself, shown below
            case ["save"]:
                if volunteer is None:
                    volunteer = await save_volunteer(session, caller.person, categories=[])
                closing = [(t("volunteer.saved"), None)]
            case _:
                stale = True
        if not stale:
            if volunteer is not None and volunteer.active:
                await grant_role(session, caller.person, Role.VOLUNTEER)
            keyboard = sub or profile_keyboard(t, context, volunteer)
            text = await profile_text(session, caller, context, volunteer)
    # Telegram is called once the transaction is over: a slow answer holds no connection.
    if stale:
        await query.answer(t("button.stale"))
        return
    await query.answer()
    if closing is not None:
        await close_buttons(update)
        await send_all(update, context, closing)
        return
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as exc:
        # A double press asks for the same message again; Telegram calls it "not modified".
        if "not modified" not in str(exc).lower():
            raise


def _tick(keyboard: InlineKeyboardMarkup, chosen: set[str]) -> InlineKeyboardMarkup:
    """Put a ✓ before the buttons whose data is chosen."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    ("✓ " if b.callback_data in chosen else "") + b.text,
                    callback_data=b.callback_data,
                )
                for b in row
            ]
            for row in keyboard.inline_keyboard
        ]
    )


def _pause_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """Offer pauses of a week, two weeks and a month, or to be available again."""
    buttons = [
        InlineKeyboardButton(t("volunteer.pause_days", days=d), callback_data=f"vol:pause:{d}")
        for d in PAUSE_DAYS
    ]
    buttons.append(InlineKeyboardButton(t("volunteer.available"), callback_data="vol:pause:0"))
    buttons.append(InlineKeyboardButton(t("volunteer.back"), callback_data="vol:back"))
    return rows(buttons)


def _max_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """Offer a maximum number of open tasks, or none."""
    buttons = [InlineKeyboardButton(str(n), callback_data=f"vol:max:{n}") for n in MAX_CHOICES]
    buttons.append(InlineKeyboardButton(t("volunteer.no_max"), callback_data="vol:max:0"))
    buttons.append(InlineKeyboardButton(t("volunteer.back"), callback_data="vol:back"))
    return rows(buttons, per_row=4)


def _pause_end(context: BuurtContext, days: int) -> datetime | None:
    """Return the end of a pause: the start of the day after, in the local time zone."""
    if days == 0:
        return None
    tz = context.config.bot.tz
    last_day = context.now().astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(last_day, time(0), tzinfo=tz)
