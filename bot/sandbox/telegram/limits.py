"""Telegram's size limits and flood control, as the fake enforces them."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import bad_request, too_many_requests
from .html import utf16_len

__all__ = [
    "FloodControl",
    "FloodLimits",
    "TokenBucket",
    "check_callback_answer",
    "check_caption",
    "check_commands",
    "check_coordinates",
    "check_reply_markup",
    "check_start_payload",
    "check_text",
    "check_venue",
]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100
MAX_BUTTONS_PER_ROW = 8
MAX_ANSWER_TEXT = 200
MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_START_PAYLOAD_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
# The fields of InlineKeyboardButton that are not the action (text and decoration).
_BUTTON_DECORATION = frozenset({"text", "icon_custom_emoji_id", "style"})


@dataclass(frozen=True)
class FloodLimits:
    """Token-bucket parameters (rate in tokens per second, burst = bucket capacity).

    The defaults let a bot that uses PTB's ``AIORateLimiter`` with its defaults (30/s overall,
    20/min per group, leaky buckets that allow a full burst up front) through without a single
    429, while a bot that sends without any limiter gets one quickly:

    * overall: 30/s with a burst of 40, ten more than AIORateLimiter's burst of 30;
    * per group/supergroup: 20/min with a burst of 25, five more than AIORateLimiter's 20;
    * per private chat: 1/s with a burst of 10. AIORateLimiter has no per-private-chat limit, so
      this bucket has to absorb a normal conversation on its own; on top of the steady refill,
      every update the user causes in that chat (message, button press) adds
      ``private_reply_credit`` tokens, because replies to a user are what Telegram's "about one
      message per second per chat" is lenient about. A bot that pushes more than ten unsolicited
      messages at one user in a few seconds still gets a 429.
    """

    overall_rate: float = 30.0
    overall_burst: float = 40.0
    group_rate: float = 20 / 60
    group_burst: float = 25.0
    private_rate: float = 1.0
    private_burst: float = 10.0
    private_reply_credit: float = 3.0


class TokenBucket:
    """A bucket that refills continuously at ``rate`` up to ``capacity``."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_time(self, now: float) -> float:
        """Return seconds until one token is available (0 when one is available now)."""
        self._refill(now)
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / self.rate if self.rate > 0 else math.inf

    def take(self, now: float) -> None:
        """Consume one token (call wait_time first)."""
        self._refill(now)
        self.tokens -= 1

    def credit(self, amount: float, now: float) -> None:
        """Add tokens, never above capacity."""
        self._refill(now)
        self.tokens = min(self.capacity, self.tokens + amount)


class FloodControl:
    """Per-bot flood control over an overall, a per-group and a per-private-chat bucket."""

    def __init__(self, limits: FloodLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._overall = TokenBucket(limits.overall_rate, limits.overall_burst, clock())
        self._chats: dict[int, TokenBucket] = {}

    def _chat_bucket(self, chat_id: int, is_group: bool) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            lim = self.limits
            rate, burst = (
                (lim.group_rate, lim.group_burst)
                if is_group
                else (lim.private_rate, lim.private_burst)
            )
            bucket = self._chats[chat_id] = TokenBucket(rate, burst, self._clock())
        return bucket

    def spend(self, chat_id: int, is_group: bool) -> None:
        """Take a token from both buckets, or raise a 429 without taking any."""
        now = self._clock()
        buckets = (self._overall, self._chat_bucket(chat_id, is_group))
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.take(now)

    def credit_private(self, chat_id: int) -> None:
        """Give a private chat reply allowance after the user did something there."""
        bucket = self._chat_bucket(chat_id, is_group=False)
        bucket.credit(self.limits.private_reply_credit, self._clock())


def check_text(text: str) -> None:
    """Enforce 1-4096 UTF-16 code units of non-blank message text (after entity parsing)."""
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")


def check_caption(caption: str) -> None:
    """Enforce 0-1024 UTF-16 code units of caption."""
    if utf16_len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")


def check_reply_markup(markup: dict[str, Any] | None, *, private_chat: bool) -> None:
    """Enforce inline-keyboard limits and private-only reply-keyboard buttons."""
    if not markup:
        return
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    for row in markup.get("keyboard", []):
        for button in row:
            requests = [k for k in ("request_location", "request_contact") if button.get(k)]
            if requests and not private_chat:
                raise bad_request(
                    f"keyboard buttons with {requests[0]} are allowed only in private chats"
                )


def _check_inline_keyboard(rows: list[list[dict[str, Any]]]) -> None:
    total = 0
    for row in rows:
        if len(row) > MAX_BUTTONS_PER_ROW:
            raise bad_request(
                f"too many buttons in a row of the inline keyboard: {len(row)} > "
                f"{MAX_BUTTONS_PER_ROW} (BUTTON_ROW_TOO_MUCH)"
            )
        total += len(row)
        for button in row:
            _check_inline_button(button)
    if total > MAX_BUTTONS:
        raise bad_request(f"too many buttons in the inline keyboard: {total} > {MAX_BUTTONS}")


def _check_inline_button(button: dict[str, Any]) -> None:
    if not str(button.get("text", "")).strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = sorted(k for k in button if k not in _BUTTON_DECORATION)
    if len(actions) != 1:
        found = ", ".join(actions) or "none"
        raise bad_request(
            "can't parse inline keyboard button: exactly one action field must be used, "
            f"found: {found}"
        )
    if "callback_data" in button:
        size = len(str(button["callback_data"]).encode("utf-8"))
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")


def check_coordinates(latitude: float, longitude: float) -> None:
    """Enforce latitude in [-90, 90] and longitude in [-180, 180]."""
    if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
        raise bad_request("wrong latitude or longitude specified")


def check_venue(venue: dict[str, Any]) -> None:
    """Enforce a venue's coordinates and its non-blank title and address."""
    check_coordinates(venue["latitude"], venue["longitude"])
    for key in ("title", "address"):
        if not str(venue.get(key) or "").strip():
            raise bad_request(f"{key} is empty")


def check_callback_answer(text: str | None) -> None:
    """Enforce 0-200 characters of answerCallbackQuery text."""
    if text is not None and utf16_len(text) > MAX_ANSWER_TEXT:
        raise bad_request("MESSAGE_TOO_LONG")


def check_commands(commands: list[dict[str, Any]], language_code: str) -> None:
    """Enforce setMyCommands rules: names, descriptions, count, duplicates, language."""
    if language_code and not _LANGUAGE_RE.fullmatch(language_code):
        raise bad_request("invalid language code specified")
    if len(commands) > MAX_COMMANDS:
        raise bad_request(f"too many commands: {len(commands)} > {MAX_COMMANDS}")
    seen: set[str] = set()
    for entry in commands:
        command = str(entry.get("command", ""))
        if not _COMMAND_RE.fullmatch(command):
            raise bad_request(f"BOT_COMMAND_INVALID: {command!r}")
        description = str(entry.get("description", ""))
        if not description.strip() or len(description) > MAX_COMMAND_DESCRIPTION:
            raise bad_request(f"BOT_COMMAND_DESCRIPTION_INVALID: command {command!r}")
        if command in seen:
            raise bad_request(f"duplicate command {command!r}")
        seen.add(command)


def check_start_payload(payload: str) -> None:
    """Raise ValueError for a deep-link /start payload Telegram would not pass on."""
    if not _START_PAYLOAD_RE.fullmatch(payload):
        raise ValueError(
            f"invalid /start payload {payload!r}: Telegram allows 1-64 characters of "
            "A-Z a-z 0-9 _ -"
        )
