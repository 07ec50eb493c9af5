"""The buurtassistent's queue: what nobody picked up, what stalled, and handing it out.

A buurtassistent offers a request to a volunteer ("Wil je dit oppakken?"); the volunteer accepts
or declines; the buurtassistent hears the answer. They can also reopen a stalled request, close
one with a reason, and keep internal notes. Every action is checked against the stored request
and the caller's roles, and written to the audit log.

The parts: worklist.py (the wijken a buurtassistent looks after, the queue, the candidates),
offers.py (offering a request to a volunteer), interventions.py (reopen, close for a reason),
notes.py (internal notes).
"""

from models.help_requests.dispatch.interventions import (
    CloseReason,
    close_by_assistant,
    reopen_request,
)
from models.help_requests.dispatch.notes import NOTE_MAX, RequestNote, add_note, notes_of
from models.help_requests.dispatch.offers import (
    Offer,
    OfferStatus,
    answer_offer,
    offer_request,
    pending_offer,
    withdraw_offers,
)
from models.help_requests.dispatch.worklist import (
    QUEUE_OPEN_MAX,
    QUEUE_STALLED_MAX,
    Candidate,
    Queue,
    assistant_wijken,
    candidates,
    queue,
    require_assistant,
)

__all__ = [
    "NOTE_MAX",
    "QUEUE_OPEN_MAX",
    "QUEUE_STALLED_MAX",
    "Candidate",
    "CloseReason",
    "Offer",
    "OfferStatus",
    "Queue",
    "RequestNote",
    "add_note",
    "answer_offer",
    "assistant_wijken",
    "candidates",
    "close_by_assistant",
    "notes_of",
    "offer_request",
    "pending_offer",
    "queue",
    "reopen_request",
    "require_assistant",
    "withdraw_offers",
]
