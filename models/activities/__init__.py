"""Activities in the wijk: proposals, publishing, RSVP with a waitlist, changes and reminders.

proposed -> published (approved) | declined; published -> cancelled. An RSVP is "yes", "maybe"
or "no"; with a capacity, a "yes" beyond it waits, and the first waiting person moves up when
someone who comes cancels. Each change returns who must be told; the caller queues it.

The parts: tables.py (tables, states, errors, values), proposals.py (create and review),
attendance.py (RSVP and the waitlist), changes.py (move, re-place, cancel), reminders.py,
queries.py (reading: one activity, its place, the agenda, its cards).
"""

from models.activities.attendance import answer, counts
from models.activities.changes import cancel, change
from models.activities.proposals import check_proposals, create, review
from models.activities.queries import cards_of, get, place_of, point_place, upcoming
from models.activities.reminders import REMINDERS, due_reminders
from models.activities.tables import (
    Activity,
    ActivityCard,
    Answer,
    Counts,
    Draft,
    Event,
    Notice,
    NotPublished,
    Outcome,
    Rsvp,
    Status,
    TooManyProposals,
)

__all__ = [
    "REMINDERS",
    "Activity",
    "ActivityCard",
    "Answer",
    "Counts",
    "Draft",
    "Event",
    "NotPublished",
    "Notice",
    "Outcome",
    "Rsvp",
    "Status",
    "TooManyProposals",
    "answer",
    "cancel",
    "cards_of",
    "change",
    "check_proposals",
    "counts",
    "create",
    "due_reminders",
    "get",
    "place_of",
    "point_place",
    "review",
    "upcoming",
]
