"""Keep secrets (the bot token) out of every log record, whichever library logs it.

A filter on our own handlers would miss records that reach other handlers (pytest's, a
deployment's own), and a level on the httpx logger can be lowered by anyone debugging. So the
token is taken out where records are made: a log record factory that replaces it in the message
and in the traceback text. The webhook secret is blanked out by a filter on our log handler.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

REDACTED = "<token>"
_SECRETS: set[str] = set()
_previous_factory = logging.getLogRecordFactory()


def _redact(text: str) -> str:
    """Replace every registered secret in a text."""
    for secret in _SECRETS:
        text = text.replace(secret, REDACTED)
    return text


def _make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    """Create a record as usual, then take every secret out of it."""
    record = _previous_factory(*args, **kwargs)
    if not _SECRETS:
        return record
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a malformed call; logging reports it later
        return record
    if any(secret in message for secret in _SECRETS):
        record.msg, record.args = _redact(message), None
    if record.exc_info and record.exc_info[0] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if any(secret in text for secret in _SECRETS):
            # Formatters use exc_text when it is set, instead of formatting exc_info again.
            record.exc_text = _redact(text)
    return record


def redact_in_logs(secret: str) -> None:
    """Register a secret that must never appear in a log line."""
    if not secret:
        return
    _SECRETS.add(secret)
    if logging.getLogRecordFactory() is not _make_record:
        logging.setLogRecordFactory(_make_record)


SECRET_PLACEHOLDER = "<webhook secret>"  # noqa: S105 - what replaces the secret


class SecretFilter(logging.Filter):
    """Blank out a secret (the webhook's) wherever it would end up in a log line.

    PTB logs every Bot API call's parameters at DEBUG level, setWebhook's secret_token too.
    """

    def __init__(self, secret: str, placeholder: str = SECRET_PLACEHOLDER) -> None:
        super().__init__()
        self._secret = secret
        self._placeholder = placeholder

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the secret in the formatted message."""
        if self._secret:
            message = record.getMessage()
            if self._secret in message:
                record.msg, record.args = message.replace(self._secret, self._placeholder), None
        return True
