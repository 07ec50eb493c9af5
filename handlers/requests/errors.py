"""How a refusal from the domain is told: a short, kind sentence per kind of refusal."""

from __future__ import annotations

from bot.i18n import N_, Translator
from models.errors import DomainError, NotAllowed, NotFound
from models.help_requests import AlreadyClaimed, NotOpen, OwnRequest, TooManyTasks

ERROR_KEYS: dict[type[DomainError], str] = {
    AlreadyClaimed: N_("request.already_claimed"),
    OwnRequest: N_("request.own"),
    NotOpen: N_("request.not_open"),
    NotAllowed: N_("request.not_allowed"),
    NotFound: N_("error.not_found"),
    TooManyTasks: N_("request.too_many_tasks"),
}


def error_text(t: Translator, error: DomainError) -> str:
    """Turn a refusal from the domain into a short, kind answer."""
    for kind, key in ERROR_KEYS.items():
        if isinstance(error, kind):
            return t(key)
    return t("request.not_allowed")
