"""/stats: figures per wijk and category for buurtassistenten and admins, as text and CSV.

A buurtassistent sees the wijken they assist, an admin every wijk; admins can also download
the audit log. Every button re-checks the role on the server: its data only names a period.
"""

from __future__ import annotations

import io

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.context import BuurtContext
from bot.i18n import N_, Translator
from handlers.common import Caller, identify_with_roles, is_private, send
from handlers.help import point_to_private
from handlers.stats.render import PERIOD_KEYS, days, render
from models import audit, stats
from models.people import Role, Roles
from models.stats import Period, Span, Stats
from models.stats_csv import to_csv

PERIOD_PATTERN = "(" + "|".join(p.value for p in Period) + ")"
SHOW_PATTERN = rf"^st:show:{PERIOD_PATTERN}$"
CSV_PATTERN = rf"^st:csv:{PERIOD_PATTERN}$"
AUDIT_PATTERN = rf"^st:audit:{PERIOD_PATTERN}$"


def _may_see_audit(roles: Roles) -> bool:
    """Tell whether the person may download the whole audit log: city-wide admins only."""
    return not roles.blocked and Role.ADMIN in roles.city


def _period_buttons(t: Translator) -> list[list[InlineKeyboardButton]]:
    buttons = [
        InlineKeyboardButton(t(key), callback_data=f"st:show:{p.value}")
        for p, key in PERIOD_KEYS.items()
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _keyboard(t: Translator, period: Period, roles: Roles) -> InlineKeyboardMarkup:
    downloads = [InlineKeyboardButton(t("stats.csv_button"), callback_data=f"st:csv:{period}")]
    if _may_see_audit(roles):
        downloads.append(
            InlineKeyboardButton(t("stats.audit_button"), callback_data=f"st:audit:{period}")
        )
    return InlineKeyboardMarkup([downloads, *_period_buttons(t)])


async def _allowed(update: Update, context: BuurtContext) -> tuple[Caller, Roles, bool]:
    """Identify the caller and tell whether they may see figures here.

    Only in the private chat: a forged press on a message in a group must not post figures there.
    """
    caller, roles = await identify_with_roles(update, context)
    scope = stats.visible_wijken(roles)
    return caller, roles, is_private(update) and (scope is None or bool(scope))


async def show_stats(update: Update, context: BuurtContext) -> None:
    """Ask which period to show (buurtassistenten and admins only)."""
    if not is_private(update):
        await point_to_private(update, context)
        return
    caller, _, allowed = await _allowed(update, context)
    assert update.effective_chat is not None
    if not allowed:
        await send(update.effective_chat, context, caller.t("stats.not_allowed"))
        return
    markup = InlineKeyboardMarkup(_period_buttons(caller.t))
    await send(update.effective_chat, context, caller.t("stats.choose_period"), markup)


async def _figures(
    session: AsyncSession, context: BuurtContext, roles: Roles, period: Period
) -> Stats:
    """Count the figures of the period for the wijken this person may see."""
    when = stats.span(period, now=context.now(), tz=context.config.bot.tz)
    return await stats.compute(session, when, wijk_ids=stats.visible_wijken(roles))


async def show_period(update: Update, context: BuurtContext) -> None:
    """Show the figures of the chosen period in the pressed message."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    caller, roles, allowed = await _allowed(update, context)
    if not allowed:
        await query.answer(caller.t("stats.not_allowed"), show_alert=True)
        return
    # Answered first: counting a year of a whole city may take a moment.
    await query.answer()
    period = Period(context.match.group(1))
    async with context.session() as session:
        figures = await _figures(session, context, roles, period)
    text = render(caller.t, figures, context.config.bot.tz, context.config.requests)
    try:
        await query.edit_message_text(text, reply_markup=_keyboard(caller.t, period, roles))
    except BadRequest as exc:
        # The same period pressed twice, with nothing new: Telegram calls it "not modified".
        if "not modified" not in str(exc).lower():
            raise


async def send_csv(update: Update, context: BuurtContext) -> None:
    """Send the figures of the period as a CSV document, and note the export in the audit log."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    caller, roles, allowed = await _allowed(update, context)
    if not allowed:
        await query.answer(caller.t("stats.not_allowed"), show_alert=True)
        return
    await query.answer()
    period = Period(context.match.group(1))
    scope = stats.visible_wijken(roles)
    async with context.session() as session:
        figures = await _figures(session, context, roles, period)
        await audit.record(
            session,
            "stats.export",
            actor_id=caller.person.id,
            target=f"stats:{period.value}",
            detail="wijken=" + ("all" if scope is None else ",".join(map(str, sorted(scope)))),
            at=context.now(),
        )
    await _send_document(update, context, caller.t, "cijfers", figures.span, to_csv(figures))


async def send_audit(update: Update, context: BuurtContext) -> None:
    """Send the audit log of the period as a CSV document (city-wide admins only)."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    caller, roles = await identify_with_roles(update, context)
    if not (_may_see_audit(roles) and is_private(update)):
        await query.answer(caller.t("error.not_allowed_admin"), show_alert=True)
        return
    await query.answer()
    period = Period(context.match.group(1))
    when = stats.span(period, now=context.now(), tz=context.config.bot.tz)
    async with context.session() as session:
        # Recorded first, in the same transaction: a download of a period up to now lists itself.
        await audit.record(
            session,
            "audit.export",
            actor_id=caller.person.id,
            target=f"audit:{period.value}",
            at=context.now(),
        )
        rows = await audit.entries(session, since=when.start, until=when.end)
    await _send_document(update, context, caller.t, "auditlog", when, audit.to_csv(rows))


async def _send_document(
    update: Update, context: BuurtContext, t: Translator, name: str, when: Span, content: bytes
) -> None:
    assert update.effective_chat is not None
    first, last = days(when, context.config.bot.tz)
    filename = f"{name}-{first:%Y%m%d}-{last:%Y%m%d}.csv"
    caption_key = N_("stats.csv_caption") if name == "cijfers" else N_("stats.audit_caption")
    caption = t(caption_key, first=f"{first:%d-%m-%Y}", last=f"{last:%d-%m-%Y}")
    await context.bot.send_document(
        update.effective_chat.id, io.BytesIO(content), filename=filename, caption=caption
    )
