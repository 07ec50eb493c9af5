"""The figures of /stats as a CSV document: one row per wijk and category, counts only."""

from __future__ import annotations

import csv
import io

from models.stats import NO_WIJK, RequestFigures, Stats

# How the row of what belongs to no wijk (people without a home wijk) is named.
NO_WIJK_NAME = "(no wijk)"

CSV_COLUMNS = (
    "period_start_utc",
    "period_end_utc",
    "wijk_code",
    "wijk",
    "category",
    "requests",
    "accepted",
    "accepted_pct",
    "median_minutes_to_accept",
    "done",
    "done_pct",
    "expired",
    "cancelled",
    "feedback",
    "feedback_avg_score",
    "activities",
    "rsvp_yes",
    "rsvp_waiting",
    "rsvp_maybe",
    "rsvp_no",
    "announcements_delivered",
)
# The category of a wijk's summary row, which also holds its activities and announcements.
ALL = "*"


def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


def _request_cells(figures: RequestFigures) -> list[object]:
    return [
        figures.requests,
        figures.accepted,
        _pct(figures.accepted_share),
        _number(figures.median_minutes),
        figures.done,
        _pct(figures.done_share),
        figures.expired,
        figures.cancelled,
        figures.feedback,
        _number(figures.feedback_average, 2),
    ]


def to_csv(stats: Stats) -> bytes:
    """Render the figures as UTF-8 CSV with BOM: one row per wijk and category, then the wijk.

    Each wijk ends with a row of category "*": its requests of every category together, and
    the figures that have no category (activities, answers, announcements).
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    when = [stats.span.start.isoformat(), stats.span.end.isoformat()]
    for wijk in stats.wijken:
        place = [wijk.code, wijk.name] if wijk.wijk_id != NO_WIJK else ["", NO_WIJK_NAME]
        for category in sorted(wijk.categories):
            cells = _request_cells(wijk.categories[category])
            writer.writerow([*when, *place, category, *cells, "", "", "", "", "", ""])
        answers = [wijk.rsvp_yes, wijk.rsvp_waiting, wijk.rsvp_maybe, wijk.rsvp_no]
        summary = [*_request_cells(wijk.requests), wijk.activities, *answers, wijk.announcements]
        writer.writerow([*when, *place, ALL, *summary])
    return out.getvalue().encode("utf-8-sig")
