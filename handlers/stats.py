"""/stats: figures per wijk and category for buurtassistenten and admins, as text and CSV.

A buurtassistent sees the wijken they assist, an admin every wijk; admins can also download
the audit log. Every button re-checks the role on the server: its data only names a period.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.context import BuurtContext
from bot.i18n import N_, Html, Translator
from handlers.common import Caller, identify_with_roles, is_private, send
from handlers.help import point_to_private
from handlers.requests.render import category_label
from models import audit, stats
from models.people import Role, Roles
from models.stats import NO_WIJK, Period, RequestFigures, Span, Stats, WijkFigures
from models.stats_csv import to_csv

PERIOD_PATTERN = "(" + "|".join(p.value for p in Period) + ")"
SHOW_PATTERN = rf"^st:show:{PERIOD_PATTERN}$"
CSV_PATTERN = rf"^st:csv:{PERIOD_PATTERN}$"
AUDIT_PATTERN = rf"^st:audit:{PERIOD_PATTERN}$"
PERIOD_KEYS = {
    Period.LAST_7_DAYS: N_("stats.period_7d"),
    Period.LAST_30_DAYS: N_("stats.period_30d"),
    Period.THIS_MONTH: N_("stats.period_month"),
    Period.LAST_MONTH: N_("stats.period_lastmonth"),
    Period.THIS_YEAR: N_("stats.period_year"),
}
# Telegram's limit is 4096 characters of text; the HTML we measure is never shorter.
MESSAGE_MAX = 4096


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


async def _figures(context: BuurtContext, roles: Roles, period: Period) -> Stats:
    """Count the figures of the period for the wijken this person may see."""
    when = stats.span(period, now=context.now(), tz=context.config.bot.tz)
    async with context.session() as session:
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
    period = Period(context.match.group(1))
    figures = await _figures(context, roles, period)
    await query.answer()
    text = render(caller.t, figures, context)
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
    period = Period(context.match.group(1))
    figures = await _figures(context, roles, period)
    scope = stats.visible_wijken(roles)
    async with context.session() as session:
        await audit.record(
            session,
            "stats.export",
            actor_id=caller.person.id,
            target=f"stats:{period.value}",
            detail="wijken=" + ("all" if scope is None else ",".join(map(str, sorted(scope)))),
            at=context.now(),
        )
    await query.answer()
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
    await query.answer()
    await _send_document(update, context, caller.t, "auditlog", when, audit.to_csv(rows))


async def _send_document(
    update: Update, context: BuurtContext, t: Translator, name: str, when: Span, content: bytes
) -> None:
    assert update.effective_chat is not None
    first, last = _days(when, context)
    filename = f"{name}-{first:%Y%m%d}-{last:%Y%m%d}.csv"
    caption_key = N_("stats.csv_caption") if name == "cijfers" else N_("stats.audit_caption")
    caption = t(caption_key, first=f"{first:%d-%m-%Y}", last=f"{last:%d-%m-%Y}")
    await context.bot.send_document(
        update.effective_chat.id, io.BytesIO(content), filename=filename, caption=caption
    )


def _days(when: Span, context: BuurtContext) -> tuple[datetime, datetime]:
    """Return the first and last local moment of a period, for showing its days."""
    tz = context.config.bot.tz
    return when.start.astimezone(tz), (when.end - timedelta(microseconds=1)).astimezone(tz)


# ---- the message ------------------------------------------------------------------------------


def _decimal(t: Translator, value: float) -> str:
    return format_decimal(value, format="0.#", locale=t.language)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{round(100 * value)}%"


def _duration(t: Translator, minutes: float | None) -> Html:
    """Say how long, in minutes, hours or days."""
    if minutes is None:
        return Html("–")
    if minutes < 90:
        return t("stats.minutes", count=round(minutes))
    if minutes < 48 * 60:
        return t("stats.hours", count=_decimal(t, minutes / 60))
    return t("stats.days", count=_decimal(t, minutes / (24 * 60)))


def _request_lines(t: Translator, figures: RequestFigures) -> list[str]:
    lines = [
        t(
            "stats.requests",
            requests=figures.requests,
            accepted=_share(figures.accepted_share),
            done=_share(figures.done_share),
            expired=figures.expired,
        ),
        t("stats.median", duration=_duration(t, figures.median_minutes)),
    ]
    if figures.feedback:
        average = _decimal(t, figures.feedback_average or 0)
        lines.append(t("stats.feedback", count=figures.feedback, average=average))
    return lines


def _wijk_lines(
    t: Translator, wijk: WijkFigures, context: BuurtContext, *, categories: bool
) -> list[str]:
    name = t("stats.no_wijk") if wijk.wijk_id == NO_WIJK else wijk.name
    lines = [t("stats.wijk", wijk=name)]
    if wijk.categories:
        lines += _request_lines(t, wijk.requests)
    else:
        lines.append(t("stats.no_requests"))
    if categories:
        for slug in sorted(wijk.categories):
            figures = wijk.categories[slug]
            label = Html(category_label(context.config.requests, slug, t))
            lines.append(
                t(
                    "stats.category",
                    category=label,
                    requests=figures.requests,
                    accepted=_share(figures.accepted_share),
                    done=_share(figures.done_share),
                    duration=_duration(t, figures.median_minutes),
                )
            )
    if wijk.activities:
        answers = {
            "yes": wijk.rsvp_yes,
            "waiting": wijk.rsvp_waiting,
            "maybe": wijk.rsvp_maybe,
            "no": wijk.rsvp_no,
        }
        lines.append(t("stats.activities", count=wijk.activities, **answers))
    if wijk.announcements:
        lines.append(t("stats.announcements", count=wijk.announcements))
    return lines


def _total_lines(t: Translator, figures: Stats) -> list[str]:
    """Sum up every wijk shown: requests, and announcements (each delivery counts once)."""
    requests = figures.requests
    lines = [t("stats.total")]
    lines += _request_lines(t, requests) if requests.requests else [t("stats.no_requests")]
    announcements = sum(w.announcements for w in figures.wijken)
    if announcements:
        lines.append(t("stats.announcements", count=announcements))
    return lines


def _fits(text: str) -> bool:
    # Telegram counts UTF-16 code units; the HTML is at least as long as the text it shows.
    return len(text.encode("utf-16-le")) // 2 <= MESSAGE_MAX


def render(t: Translator, figures: Stats, context: BuurtContext) -> Html:
    """Word the figures; with many wijken, leave out categories, then the last wijken."""
    first, last = _days(figures.span, context)
    head = [
        t("stats.title", period=t(PERIOD_KEYS[figures.span.period])),
        t("stats.dates", first=f"{first:%d-%m-%Y}", last=f"{last:%d-%m-%Y}"),
        t("stats.explain"),
    ]
    blocks = [_total_lines(t, figures)] if len(figures.wijken) > 1 else []
    for categories in (True, False):
        wijken = [_wijk_lines(t, w, context, categories=categories) for w in figures.wijken]
        text = _join(head, [*blocks, *wijken])
        if _fits(text):
            return text
    # Still too long: as many wijken as fit, and the rest in the CSV.
    for shown in range(len(wijken) - 1, -1, -1):
        more = [t("stats.more_in_csv", count=len(wijken) - shown)]
        text = _join(head, [*blocks, *wijken[:shown], more])
        if _fits(text):
            return text
    return _join(head, [*blocks, [t("stats.more_in_csv", count=len(wijken))]])


def _join(head: list[str], blocks: list[list[str]]) -> Html:
    return Html("\n\n".join(["\n".join(head), *("\n".join(block) for block in blocks)]))
