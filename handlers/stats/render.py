"""The /stats message: figures per wijk in a few short lines, within Telegram's limit."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from babel.numbers import format_decimal

from bot.config import RequestsConfig
from bot.i18n import N_, Html, Translator
from handlers.requests.render import category_label
from models.stats import NO_WIJK, Period, RequestFigures, Span, Stats, WijkFigures

PERIOD_KEYS = {
    Period.LAST_7_DAYS: N_("stats.period_7d"),
    Period.LAST_30_DAYS: N_("stats.period_30d"),
    Period.THIS_MONTH: N_("stats.period_month"),
    Period.LAST_MONTH: N_("stats.period_lastmonth"),
    Period.THIS_YEAR: N_("stats.period_year"),
}
# Telegram's limit is 4096 characters of text; the HTML we measure is never shorter.
MESSAGE_MAX = 4096


def days(when: Span, tz: tzinfo) -> tuple[datetime, datetime]:
    """Return the first and last local moment of a period, for showing its days."""
    return when.start.astimezone(tz), (when.end - timedelta(microseconds=1)).astimezone(tz)


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
    t: Translator, wijk: WijkFigures, requests: RequestsConfig, *, categories: bool
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
            label = Html(category_label(requests, slug, t))
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


def render(t: Translator, figures: Stats, tz: tzinfo, requests: RequestsConfig) -> Html:
    """Word the figures; with many wijken, leave out categories, then the last wijken."""
    first, last = days(figures.span, tz)
    head = [
        t("stats.title", period=t(PERIOD_KEYS[figures.span.period])),
        t("stats.dates", first=f"{first:%d-%m-%Y}", last=f"{last:%d-%m-%Y}"),
        t("stats.explain"),
    ]
    blocks = [_total_lines(t, figures)] if len(figures.wijken) > 1 else []
    for categories in (True, False):
        wijken = [_wijk_lines(t, w, requests, categories=categories) for w in figures.wijken]
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
