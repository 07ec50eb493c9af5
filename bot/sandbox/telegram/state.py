"""The simulated Telegram: chats, messages and the update queue."""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Any

from .errors import ApiError, bad_request, forbidden
from .html import HtmlError, parse_html
from .limits import FloodControl
from .models import CallbackQueryRecord, InlineQueryRecord, RecordedRequest, SentMessage
from .signals import Notifier
from .spec import UploadedFile
from .update_types import DEFAULT_ALLOWED_UPDATES

if TYPE_CHECKING:
    from .groups import FakeGroup
    from .users import FakeUser

__all__ = ["DEFAULT_ALLOWED_UPDATES", "StoredFile", "World"]


class StoredFile:
    """A file known to the fake, downloadable under /file/bot<token>/<path>."""

    def __init__(
        self, number: int, upload: UploadedFile, kind: str, size: tuple[int, int] = (640, 480)
    ) -> None:
        self.file_id = f"FAKE{kind.upper()}{number:06d}"
        self.file_unique_id = f"U{number:06d}"
        self.path = f"{kind}s/file_{number}_{upload.filename}"
        self.upload = upload
        self.kind = kind
        self.width, self.height = size  # what a PhotoSize of it says (photos only)


class World(Notifier):
    """Everything the fake remembers; method handlers and test actors both act on it."""

    def __init__(
        self, *, bot_user: dict[str, Any], privacy_mode: bool, flood: FloodControl | None
    ) -> None:
        super().__init__()
        self.bot_user = bot_user
        self.bot_from = {k: bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
        self.privacy_mode = privacy_mode
        self.flood = flood
        self.users: dict[int, FakeUser] = {}
        self.groups: dict[int, FakeGroup] = {}
        self.sent: list[SentMessage] = []
        self.requests: list[RecordedRequest] = []
        self.bot_messages: dict[tuple[int, int], SentMessage] = {}
        self.user_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.answers: list[tuple[int, dict[str, Any]]] = []  # (user id, answer) in call order
        self.inline_queries: dict[str, InlineQueryRecord] = {}
        self.inline_answers: list[tuple[int, dict[str, Any]]] = []  # (user id, answer)
        self.inline_messages: dict[str, SentMessage] = {}  # inline_message_id -> message
        self.commands: dict[tuple[str, int | None, int | None, str], list[tuple[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.files: dict[str, StoredFile] = {}
        self.webhook: dict[str, Any] = {"url": ""}
        self.updates: list[dict[str, Any]] = []
        self.allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self.dropped_updates = 0  # updates not queued because allowed_updates excluded them
        self.poll_generation = 0  # bumped per getUpdates so an older long poll can yield (409)
        self.active_polls = 0  # getUpdates calls waiting right now
        self.stopping = False
        self._chat_sent: dict[int, list[SentMessage]] = {}
        self._message_ids: dict[int, int] = {}
        self._update_ids = itertools.count(1)
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(1)
        self._query_ids = itertools.count(4_000_000_000_000_001)
        self._file_numbers = itertools.count(1)

    # -- ids and updates -------------------------------------------------------------------

    def new_user_id(self) -> int:
        """Allocate a user id."""
        return next(self._user_ids)

    def new_group_id(self) -> int:
        """Allocate a supergroup id of the -100xxxxxxxxxx form."""
        return -1_000_000_000_000 - next(self._group_ids)

    def new_query_id(self) -> str:
        """Allocate a callback query id."""
        return str(next(self._query_ids))

    def new_message_id(self, chat_id: int) -> int:
        """Allocate the next message id of a chat (bot and user messages share the sequence)."""
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def set_message_counter(self, chat_id: int, last_id: int) -> None:
        """Continue a chat's message ids after last_id (a migrated group keeps its history)."""
        self._message_ids[chat_id] = last_id

    def new_basic_group_id(self) -> int:
        """Allocate a basic group id (negative, without the -100 prefix)."""
        return -4_000_000_000 - next(self._group_ids)

    def enqueue_update(self, kind: str, payload: dict[str, Any]) -> bool:
        """Queue an update for getUpdates; return False if allowed_updates filters it out."""
        if kind not in self.allowed_updates:
            self.dropped_updates += 1
            return False
        self.updates.append({"update_id": next(self._update_ids), kind: payload})
        self.notify_queue()
        return True

    def confirm_updates(self, offset: int | None) -> None:
        """Forget updates as getUpdates' offset prescribes."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    # -- chats -----------------------------------------------------------------------------

    def chat(self, chat_id: Any) -> FakeUser | FakeGroup:
        """Find a chat by id, or raise 400 chat not found (like Telegram for @usernames)."""
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            found = self.users.get(chat_id) or self.groups.get(chat_id)
            if found is not None:
                return found
        raise bad_request("chat not found")

    def chat_for_sending(self, chat_id: Any) -> FakeUser | FakeGroup:
        """Find a chat the bot may write to, or raise the error Telegram would give."""
        if chat_id == self.bot_user["id"]:
            raise forbidden("bot can't send messages to bots")
        chat = self.chat(chat_id)
        chat.ensure_bot_can_write()
        return chat

    def check_thread(self, chat: FakeUser | FakeGroup, thread_id: int | None) -> int | None:
        """Validate message_thread_id for a chat; return it."""
        if thread_id is None:
            return None
        if thread_id not in chat.topics:
            raise bad_request("message thread not found")
        return thread_id

    def spend_flood(self, chat: FakeUser | FakeGroup) -> None:
        """Charge one sent or edited message to flood control."""
        if self.flood is not None:
            self.flood.spend(chat.id, is_group=not chat.is_private)

    def credit_private(self, user_id: int) -> None:
        """Note a user action in a private chat (see FloodLimits.private_reply_credit)."""
        if self.flood is not None:
            self.flood.credit_private(user_id)

    # -- messages --------------------------------------------------------------------------

    def add_bot_message(self, message: SentMessage) -> SentMessage:
        """Store a message the bot just sent, or a user sent via the bot, and wake waiters."""
        self.sent.append(message)
        self._chat_sent.setdefault(message.chat_id, []).append(message)
        key = (message.chat_id, message.message_id)
        if message.via_bot is None:
            self.bot_messages[key] = message
        else:  # the user's message: the bot cannot edit it by chat_id and message_id
            self.user_messages[key] = message.to_api()
            if message.inline_message_id is not None:
                self.inline_messages[message.inline_message_id] = message
        self.notify_chat(message.chat_id)
        return message

    def messages_in(self, chat_id: int) -> list[SentMessage]:
        """Return what the bot sent to one chat, in order."""
        return self._chat_sent.get(chat_id, [])

    def live_bot_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """Return a bot message that has not been deleted."""
        message = self.bot_messages.get((chat_id, message_id))
        return None if message is None or message.deleted else message

    def reply_target(
        self, chat: FakeUser | FakeGroup, reply_parameters: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """Resolve reply_parameters to the Message replied to, as Telegram would."""
        if not reply_parameters:
            return None
        chat_id = reply_parameters.get("chat_id", chat.id)
        message_id = reply_parameters["message_id"]
        bot_message = self.live_bot_message(chat_id, message_id)
        if bot_message is not None:
            return shallow_reply(bot_message.to_api())
        user_message = self.user_messages.get((chat_id, message_id))
        if user_message is not None:
            return shallow_reply(user_message)
        if reply_parameters.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")

    def add_user_file(
        self, upload: UploadedFile, kind: str, size: tuple[int, int] = (640, 480)
    ) -> StoredFile:
        """Keep a file a simulated user sent, so the bot can resend it by its file_id."""
        stored = StoredFile(next(self._file_numbers), upload, kind, size)
        self.files[stored.file_id] = stored
        return stored

    def store_upload(self, value: UploadedFile | str, kind: str) -> StoredFile:
        """Keep an uploaded file, or find the one a file_id/URL names."""
        if isinstance(value, UploadedFile):
            if not value.content:
                raise bad_request("file must be non-empty")
            stored = StoredFile(next(self._file_numbers), value, kind)
            self.files[stored.file_id] = stored
            return stored
        if value in self.files:
            stored = self.files[value]
            # Telegram keeps photos and other files apart: a photo's file_id is no document.
            if (stored.kind == "photo") != (kind == "photo"):
                raise bad_request("type of file mismatch")
            return stored
        if value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
            upload = UploadedFile(name, b"", "application/octet-stream")
            stored = StoredFile(next(self._file_numbers), upload, kind)
            self.files[stored.file_id] = stored
            return stored
        raise bad_request("wrong file identifier/HTTP URL specified")


def parse_formatted(
    raw: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]]]:
    """Turn text plus parse_mode/entities into (plain text, entities), as Telegram does."""
    if not parse_mode:
        return raw, list(entities or [])
    mode = parse_mode.lower()
    if mode == "html":
        try:
            parsed = parse_html(raw)
        except HtmlError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
        return parsed.text, parsed.entities
    if mode in ("markdown", "markdownv2"):
        raise bad_request(f"fake server does not implement parse_mode {parse_mode}")
    raise bad_request(f"unsupported parse_mode {parse_mode!r}")


def shallow_reply(message: dict[str, Any]) -> dict[str, Any]:
    """Return a Message fit for reply_to_message: Telegram does not nest replies further."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}


def now() -> int:
    """Return a Bot API date (Unix seconds)."""
    return int(time.time())


def api_error_from(exc: Exception) -> ApiError:
    """Map an unexpected handler exception to a 500 so the test sees it, not a hang."""
    return ApiError(500, f"Internal Server Error: fake server bug: {exc!r}")
