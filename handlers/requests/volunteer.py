"""/helpen (/volunteer): open requests near me, and my volunteer profile."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BuurtContext
from bot.i18n import Translator
from handlers.common import close_buttons, identify
from handlers.keyboards import rows
from handlers.onboarding import send_all, start
from handlers.requests.actions import describe
from handlers.requests.render import categories
from handlers.wijk_picker import Messages
from models.help_requests import open_requests
from models.people import Role, grant_role, onboarding_step
from models.volunteers import Volunteer, get_volunteer, save_volunteer


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
    return InlineKeyboardMarkup(
        [
            *keyboard.inline_keyboard,
            last,
            [InlineKeyboardButton(t("volunteer.save"), callback_data="vol:save")],
        ]
    )


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
            intro = (
                t("volunteer.profile_on")
                if volunteer and volunteer.active
                else t("volunteer.profile_off")
            )
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
            case ["save"]:
                if volunteer is None:
                    volunteer = await save_volunteer(session, caller.person, categories=[])
                closing = [(t("volunteer.saved"), None)]
            case _:
                await query.answer(t("button.stale"))
                return
        if volunteer.active:
            await grant_role(session, caller.person, Role.VOLUNTEER)
        keyboard = profile_keyboard(t, context, volunteer)
    await query.answer()
    if closing is not None:
        await close_buttons(update)
        await send_all(update, context, closing)
        return
    await query.edit_message_reply_markup(reply_markup=keyboard)
