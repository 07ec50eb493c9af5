"""Help requests (burenhulp): tables, posting, life cycle, dispatch and follow-ups."""

from models.help_requests import dispatch
from models.help_requests.feedback import add_feedback_comment, give_feedback
from models.help_requests.followups import FollowupTimes, run_due
from models.help_requests.lifecycle import (
    cancel_request,
    claim_request,
    complete_request,
    confirm_still_needed,
    get_request,
    postpone_checkin,
    withdraw_help,
)
from models.help_requests.posting import check_limits, create_request
from models.help_requests.queries import cards_of, open_requests, requests_of
from models.help_requests.tables import (
    ACTIVE,
    AlreadyClaimed,
    ContactWay,
    DayPart,
    Draft,
    Event,
    Feedback,
    HelpRequest,
    Limits,
    Notice,
    NotOpen,
    Outcome,
    OwnRequest,
    RequestCard,
    Status,
    TooFast,
    TooManyOpen,
    TooManyTasks,
    When,
)
from models.help_requests.timing import window

__all__ = [
    "ACTIVE",
    "AlreadyClaimed",
    "ContactWay",
    "DayPart",
    "Draft",
    "Event",
    "Feedback",
    "FollowupTimes",
    "HelpRequest",
    "Limits",
    "NotOpen",
    "Notice",
    "Outcome",
    "OwnRequest",
    "RequestCard",
    "Status",
    "TooFast",
    "TooManyOpen",
    "TooManyTasks",
    "When",
    "add_feedback_comment",
    "cancel_request",
    "cards_of",
    "check_limits",
    "claim_request",
    "complete_request",
    "confirm_still_needed",
    "create_request",
    "dispatch",
    "get_request",
    "give_feedback",
    "open_requests",
    "postpone_checkin",
    "requests_of",
    "run_due",
    "window",
    "withdraw_help",
]
