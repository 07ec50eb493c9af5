"""Records of what happened on the fake: requests, bot messages, callback queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CallbackQueryRecord",
    "InlineQueryRecord",
    "MessageVersion",
    "RecordedRequest",
    "SentMessage",
]


def _copy(value: Any) -> Any:
    """Copy JSON-shaped data (dicts, lists, scalars): what copy.deepcopy does, several times faster.

    Every Message the fake hands out is a copy, so that neither a test nor a queued update can
    change the stored message, nor see later edits.
    """
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


@dataclass
class RecordedRequest:
    """One Bot API call as the fake saw it (``at`` is ``time.monotonic()``)."""

    method: str
    params: dict[str, Any]
    ok: bool
    error_code: int | None
    description: str | None
    at: float
    injected: bool = False  # failed on purpose through FakeTelegram.fail_next

    def summary(self, width: int = 160) -> str:
        """Describe the call on one line for assertion messages."""
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        if len(params) > width:
            params = params[: width - 3] + "..."
        outcome = "ok" if self.ok else f"{self.error_code} {self.description}"
        injected = " (injected)" if self.injected else ""
        return f"{self.method}({params}) -> {outcome}{injected}"


@dataclass(frozen=True)
class MessageVersion:
    """A bot message's content before one of its edits."""

    text: str | None
    html: str | None
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    edit_date: int | None


@dataclass(eq=False)
class SentMessage:
    """A message the bot sent; edits update it in place and keep the old versions in ``edits``.

    ``text`` is the plain text the user reads: the message text, or the caption of a document
    or photo (None without caption). ``html`` is that text exactly as the bot sent it.

    A chosen inline result is a message the user sent "via" the bot: ``sender`` is that user,
    ``via_bot`` the bot, and ``inline_message_id`` is set when it has an inline keyboard.
    """

    chat_id: int
    message_id: int
    kind: str  # "text", "document", "photo", "location", "venue", "contact"
    date: int
    chat: dict[str, Any]
    sender: dict[str, Any]
    thread_id: int | None = None
    text: str | None = None
    html: str | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    document: dict[str, Any] | None = None  # {"filename", "content", "mime"} of an upload
    photo: dict[str, Any] | None = None  # same shape, for sendPhoto
    location: dict[str, float] | None = None
    venue: dict[str, Any] | None = None  # {"latitude", "longitude", "title", "address", ...}
    media: dict[str, Any] = field(default_factory=dict)  # Bot API fields, e.g. {"document": {...}}
    reply_to: dict[str, Any] | None = None  # the Message replied to
    edits: list[MessageVersion] = field(default_factory=list)
    edit_date: int | None = None
    deleted: bool = False
    pinned: bool = False
    via_bot: dict[str, Any] | None = None  # the bot's User, for a chosen inline result
    inline_message_id: str | None = None

    @property
    def inline_markup(self) -> dict[str, Any] | None:
        """Return the inline keyboard markup, the only kind a Message carries."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup
        return None

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """Return the inline keyboard rows ([] without an inline keyboard)."""
        markup = self.inline_markup
        return markup["inline_keyboard"] if markup else []

    @property
    def button_texts(self) -> list[str]:
        """Return the visible texts of all inline buttons, row by row."""
        return [button["text"] for row in self.buttons for button in row]

    @property
    def reply_keyboard(self) -> list[list[dict[str, Any]]]:
        """Return the ReplyKeyboardMarkup rows ([] without one)."""
        return (self.reply_markup or {}).get("keyboard", [])

    @property
    def remove_keyboard(self) -> bool:
        """Tell whether the message carried ReplyKeyboardRemove."""
        return bool((self.reply_markup or {}).get("remove_keyboard"))

    @property
    def caption(self) -> str | None:
        """Return the caption of a document or photo."""
        return None if self.kind == "text" else self.text

    def snapshot(self) -> MessageVersion:
        """Freeze the current content, to keep as history before an edit."""
        return MessageVersion(
            self.text,
            self.html,
            self.parse_mode,
            _copy(self.entities),
            _copy(self.reply_markup),
            self.edit_date,
        )

    def to_api(self) -> dict[str, Any]:
        """Return the Bot API Message object for the current version."""
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        if self.thread_id is not None:
            message["message_thread_id"] = self.thread_id
            message["is_topic_message"] = True
        if self.via_bot is not None:
            message["via_bot"] = self.via_bot
        if self.reply_to is not None:
            message["reply_to_message"] = self.reply_to
        message.update(_copy(self.media))
        if self.kind == "text":
            message["text"] = self.text
            if self.entities:
                message["entities"] = _copy(self.entities)
        elif self.text is not None:
            message["caption"] = self.text
            if self.entities:
                message["caption_entities"] = _copy(self.entities)
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.inline_markup is not None:
            message["reply_markup"] = _copy(self.inline_markup)
        return message

    def __repr__(self) -> str:
        flags = "".join(f" {name}" for name in ("deleted", "pinned") if getattr(self, name)) + (
            f" edited x{len(self.edits)}" if self.edits else ""
        )
        if self.via_bot is not None:
            flags += f" from {self.sender.get('first_name')!r} via @{self.via_bot.get('username')}"
        buttons = f" buttons={self.button_texts}" if self.buttons else ""
        return (
            f"<SentMessage chat={self.chat_id} id={self.message_id} {self.kind}"
            f" {self.text!r}{buttons}{flags}>"
        )


@dataclass
class CallbackQueryRecord:
    """A button press and, once the bot answered it, the answer."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float  # time.monotonic()
    answer: dict[str, Any] | None = None

    @property
    def answered(self) -> bool:
        """Tell whether answerCallbackQuery was called for this query."""
        return self.answer is not None


@dataclass
class InlineQueryRecord:
    """An inline query a user typed and, once the bot answered it, the answer."""

    id: str
    user_id: int
    query: str
    offset: str
    chat_type: str
    created: float  # time.monotonic()
    answer: dict[str, Any] | None = None

    @property
    def answered(self) -> bool:
        """Tell whether answerInlineQuery was called for this query."""
        return self.answer is not None
