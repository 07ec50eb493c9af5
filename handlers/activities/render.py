"""How an activity looks: its card with live counts, its buttons, its notices, its .ics file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, Html, Translator, escape
from bot.media import CAPTION_MAX, fits_caption, visible_length
from models.activities import Activity, Counts, Event, Status, place_of
from models.areas import wijk_names

THEMES = (
    "ontmoeten",
    "bewegen",
    "eten",
    "leren",
    "cultuur",
    "kinderen",
    "repair",
    "anders",
)
THEME_KEYS = {
    "ontmoeten": N_("theme.ontmoeten"),
    "bewegen": N_("theme.bewegen"),
    "eten": N_("theme.eten"),
    "leren": N_("theme.leren"),
    "cultuur": N_("theme.cultuur"),
    "kinderen": N_("theme.kinderen"),
    "repair": N_("theme.repair"),
    "anders": N_("theme.anders"),
}
NOTICE_KEYS = {
    Event.PROPOSED: N_("activity.notice_proposed"),
    Event.APPROVED: N_("activity.notice_approved"),
    Event.DECLINED: N_("activity.notice_declined"),
    Event.PROMOTED: N_("activity.notice_promoted"),
    Event.CHANGED: N_("activity.notice_changed"),
    Event.CANCELLED: N_("activity.notice_cancelled"),
    Event.REMINDER: N_("activity.notice_reminder"),
}


def when_text(t: Translator, activity: Activity, tz: tzinfo) -> str:
    """Say when: "zaterdag 28 november, 10:00-12:00"."""
    start, end = activity.starts_at.astimezone(tz), activity.ends_at.astimezone(tz)
    day = format_date(start.date(), "EEEE d MMMM", locale=t.language)
    return escape(f"{day}, {start:%H:%M}-{end:%H:%M}")


async def card_text(
    session: AsyncSession,
    t: Translator,
    activity: Activity,
    counts: Counts,
    tz: tzinfo,
    *,
    caption: bool = False,
) -> Html:
    """Render the card: title, when, where, theme, description, and the answers so far.

    As a caption (under a photo) it must fit Telegram's 1024 characters: the description is
    shortened as far as needed; the facts and the counts always stay.
    """
    names = await wijk_names(session, activity.wijk_ids)
    place = await place_of(session, activity)
    text = _card(t, activity, counts, tz, names, place, activity.description)
    cut = activity.description
    while caption and cut and not fits_caption(text):
        excess = visible_length(text) - CAPTION_MAX
        cut = cut[: max(0, len(cut) - excess - 1)].rstrip()
        text = _card(t, activity, counts, tz, names, place, cut + "…" if cut else "")
    return text


def _card(
    t: Translator,
    activity: Activity,
    counts: Counts,
    tz: tzinfo,
    names: list[str],
    place: str,
    description: str,
) -> Html:
    """Put the card's lines together."""
    lines = [
        t(
            "activity.title",
            title=activity.title,
            theme=Html(t(THEME_KEYS.get(activity.theme, "theme.anders"))),
        ),
        t("activity.when", when=Html(when_text(t, activity, tz))),
    ]
    if place:
        lines.append(t("activity.place", place=place))
    if names:
        lines.append(t("activity.wijken", wijken=", ".join(names)))
    if description:
        lines += ["", escape(description)]
    lines.append("")
    if activity.status == Status.CANCELLED:
        lines.append(t("activity.cancelled"))
    else:
        lines.append(t("activity.counts", yes=counts.yes, maybe=counts.maybe))
        if activity.capacity is not None:
            free = max(0, activity.capacity - counts.yes)
            lines.append(
                t(
                    "activity.capacity",
                    free=free,
                    capacity=activity.capacity,
                    waiting=counts.waiting,
                )
            )
    return Html("\n".join(lines))


def rsvp_keyboard(
    t: Translator, activity: Activity, *, calendar: bool = False
) -> InlineKeyboardMarkup | None:
    """Offer "Ik kom" / "Misschien" / "Ik kan niet" (and the calendar file) while it is on."""
    if activity.status != Status.PUBLISHED:
        return None
    n = activity.id
    rows = [
        [
            InlineKeyboardButton(t("activity.yes"), callback_data=f"act:yes:{n}"),
            InlineKeyboardButton(t("activity.maybe"), callback_data=f"act:maybe:{n}"),
            InlineKeyboardButton(t("activity.no"), callback_data=f"act:no:{n}"),
        ]
    ]
    if calendar:
        rows.append([InlineKeyboardButton(t("activity.calendar"), callback_data=f"act:ics:{n}")])
    return InlineKeyboardMarkup(rows)


def notice_text(t: Translator, event: Event, activity: Activity, tz: tzinfo) -> Html:
    """Word a notice about an activity."""
    return t(
        NOTICE_KEYS[event],
        title=activity.title,
        when=Html(when_text(t, activity, tz)),
        place=activity.place or "-",
    )


def review_keyboard(t: Translator, activity: Activity) -> dict[str, Any]:
    """Offer approve and decline to a reviewer (stored in the outbox, so as a dict)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("activity.approve"), callback_data=f"act:approve:{activity.id}"
                ),
                InlineKeyboardButton(
                    t("activity.decline"), callback_data=f"act:decline:{activity.id}"
                ),
            ]
        ]
    ).to_dict()


def ics_file(
    activity: Activity, tz: tzinfo, *, place: str | None = None, domain: str = "buurtbot"
) -> bytes:
    """Make an .ics calendar file: local times with the zone's VTIMEZONE, and an alarm.

    place: where it is now (see place_of); the stored place when not given.
    """
    # Imported here: icalendar costs about 40 ms at start-up, and only this file needs it.
    import icalendar

    place = activity.place if place is None else place
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Buurtbot//NL")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", f"activity-{activity.id}@{domain}")
    event.add("summary", activity.title)
    event.add("dtstart", activity.starts_at.astimezone(tz))
    event.add("dtend", activity.ends_at.astimezone(tz))
    event.add("dtstamp", datetime.now(UTC))
    if place:
        event.add("location", place)
    if activity.description:
        event.add("description", activity.description)
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", activity.title)
    alarm.add("trigger", timedelta(hours=-1))
    event.add_component(alarm)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
