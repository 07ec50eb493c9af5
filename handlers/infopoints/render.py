"""How an information point looks: a short result, the full details, and their buttons."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, Html, Translator, escape
from models.infopoints import InfoPoint
from models.opening_hours import OpeningHoursError
from models.opening_hours import parse as parse_hours

KIND_KEYS = {
    "wijkinformatiepunt": N_("kind.wijkinformatiepunt"),
    "wijkbureau": N_("kind.wijkbureau"),
    "bibliotheek": N_("kind.bibliotheek"),
    "buurthuis": N_("kind.buurthuis"),
    "buurtkamer": N_("kind.buurtkamer"),
    "buurtteam": N_("kind.buurtteam"),
    "other": N_("kind.other"),
}
SERVICE_KEYS = {
    "digitale hulp": N_("service.digitale_hulp"),
    "formulieren": N_("service.formulieren"),
    "geldzaken": N_("service.geldzaken"),
    "zorg": N_("service.zorg"),
    "ontmoeting": N_("service.ontmoeting"),
    "taal": N_("service.taal"),
    "burgerzaken": N_("service.burgerzaken"),
    "bibliotheek": N_("service.bibliotheek"),
    "maaltijd": N_("service.maaltijd"),
    "spreekuur": N_("service.spreekuur"),
}


def day_name(t: Translator, moment: datetime, now: datetime) -> str:
    """Say "today", "tomorrow" or the weekday of a moment."""
    days = (moment.date() - now.date()).days
    if days == 0:
        return t("day.today")
    if days == 1:
        return t("day.tomorrow")
    return escape(format_date(moment.date(), "EEEE", locale=t.language))


def open_status(t: Translator, point: InfoPoint, now: datetime, tz: tzinfo) -> Html:
    """Say whether the point is open now and until when, or when it opens next."""
    if not point.opening_hours:
        if point.hours_note:
            return t("infopoint.hours_note", note=point.hours_note)
        return t("infopoint.hours_unknown")
    try:
        hours = parse_hours(point.opening_hours, tz)
    except OpeningHoursError:
        return t("infopoint.hours_unknown")
    if hours.is_empty():  # only a comment such as "op afspraak"
        return t("infopoint.hours_note", note=hours.note or point.hours_note or "")
    local = now.astimezone(tz)
    status = hours.status(now)
    if status.open:
        if status.until is None:
            # Open beyond the two weeks looked ahead: only "24/7" is truly always open.
            key = N_("infopoint.open_always") if hours.text == "24/7" else N_("infopoint.open_now")
            return t(key)
        until = status.until.astimezone(tz)
        closes = until.strftime("%H:%M")
        end_of_today = (local + timedelta(days=1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        if until > end_of_today:
            # Open past today: say on which day it closes.
            return t("infopoint.open_until_day", day=Html(day_name(t, until, local)), time=closes)
        return t("infopoint.open_until", time="24:00" if until == end_of_today else closes)
    if status.next_open is None:
        return t("infopoint.closed")
    opens = status.next_open.astimezone(tz)
    return t(
        "infopoint.closed_opens", day=Html(day_name(t, opens, local)), time=opens.strftime("%H:%M")
    )


def services_text(t: Translator, point: InfoPoint) -> str:
    """List the point's services in the reader's language."""
    return ", ".join(t(SERVICE_KEYS[s]) for s in point.services or [] if s in SERVICE_KEYS)


def distance_text(t: Translator, metres: float) -> str:
    """Say a distance the way people do: 350 m, 1,2 km."""
    if metres < 1000:
        return t("infopoint.distance_m", m=int(round(metres, -1)))
    km = f"{metres / 1000:.1f}"
    return t("infopoint.distance_km", km=km.replace(".", ",") if t.language == "nl" else km)


def summary(
    t: Translator, point: InfoPoint, now: datetime, tz: tzinfo, metres: float | None = None
) -> Html:
    """Render one search result: name, kind, address, open now, services."""
    title = t(
        "infopoint.title", name=point.name, kind=Html(t(KIND_KEYS.get(point.kind, "kind.other")))
    )
    lines = [title]
    if metres is not None:
        lines[0] = Html(f"{title} · {distance_text(t, metres)}")
    lines.append(
        t("infopoint.address", address=point.address)
        if point.address
        else t("infopoint.no_address")
    )
    lines.append(open_status(t, point, now, tz))
    services = services_text(t, point)
    if services:
        lines.append(t("infopoint.services", services=Html(services)))
    return Html("\n".join(lines))


def details(t: Translator, point: InfoPoint, now: datetime, tz: tzinfo) -> Html:
    """Render everything known about a point."""
    lines = [summary(t, point, now, tz)]
    if point.opening_hours:
        lines.append(t("infopoint.hours", hours=point.opening_hours))
    if point.opening_hours and point.hours_note:
        lines.append(escape(point.hours_note))
    for key, value in (
        (N_("infopoint.organisation"), point.organisation),
        (N_("infopoint.phone"), point.phone),
        (N_("infopoint.website"), point.website),
        (N_("infopoint.email"), point.email),
        (N_("infopoint.note"), point.note),
    ):
        if value:
            lines.append(t(key, value=value))
    if point.wheelchair is not None:
        key = N_("infopoint.wheelchair_yes") if point.wheelchair else N_("infopoint.wheelchair_no")
        lines.append(t(key))
    if point.checked_at:
        checked = escape(format_date(point.checked_at, "d MMMM y", locale=t.language))
        lines.append(t("infopoint.checked", date=Html(checked)))
    return Html("\n".join(lines))


def result_keyboard(t: Translator, point: InfoPoint) -> InlineKeyboardMarkup:
    """Offer the map (a venue) when there are coordinates, and the details."""
    buttons = []
    if point.has_location:
        buttons.append(
            InlineKeyboardButton(t("infopoint.map_button"), callback_data=f"ip:venue:{point.id}")
        )
    buttons.append(
        InlineKeyboardButton(t("infopoint.details_button"), callback_data=f"ip:info:{point.id}")
    )
    return InlineKeyboardMarkup([buttons])


def details_keyboard(t: Translator, point: InfoPoint, *, admin: bool) -> InlineKeyboardMarkup:
    """Offer the map, a mistake report, and for admins: change and hide."""
    rows = []
    if point.has_location:
        rows.append(
            [InlineKeyboardButton(t("infopoint.map_button"), callback_data=f"ip:venue:{point.id}")]
        )
    rows.append(
        [InlineKeyboardButton(t("infopoint.report_button"), callback_data=f"ip:report:{point.id}")]
    )
    if admin:
        rows.append(
            [
                InlineKeyboardButton(
                    t("infopoint.edit_button"), callback_data=f"ip:edit:{point.id}"
                ),
                InlineKeyboardButton(
                    t("infopoint.hide_button"), callback_data=f"ip:hide:{point.id}"
                ),
            ]
        )
    return InlineKeyboardMarkup(rows)
