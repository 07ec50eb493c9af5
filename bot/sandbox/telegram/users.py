"""A simulated Telegram user: sends messages, presses buttons, reads the bot's replies."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

from .chats import ChatCursor, text_entities
from .errors import forbidden
from .inline_actions import post_inline_result, send_inline_query
from .limits import check_start_payload
from .media import MediaSending
from .models import CallbackQueryRecord, SentMessage
from .state import now, shallow_reply

if TYPE_CHECKING:
    from .groups import FakeGroup
    from .state import World

__all__ = ["FakeUser"]


class FakeUser(ChatCursor, MediaSending):
    """A Telegram user; ``started``/``blocked`` model the private chat with the bot."""

    is_private = True

    def __init__(
        self,
        world: World,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "nl",
    ) -> None:
        self._world = world
        self._cursor = 0
        self._inline_cursor = 0
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.started = False
        self.blocked = False

    def __repr__(self) -> str:
        return f"<FakeUser {self.id} {self.first_name!r}>"

    @property
    def topics(self) -> dict[int, str]:
        """Return the forum topics of the private chat (the fake models none)."""
        return {}

    def ensure_bot_can_write(self) -> None:
        """Raise the 403 Telegram gives when the bot may not message this user."""
        if self.blocked:
            raise forbidden("bot was blocked by the user")
        if not self.started:
            raise forbidden("bot can't initiate conversation with a user")

    def bot_has_right(self, right: str) -> bool:
        """Tell whether the bot may pin/delete here: always, in a private chat."""
        return True

    def to_api(self) -> dict[str, Any]:
        """Return the Bot API User object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                user[key] = getattr(self, key)
        return user

    def to_chat(self) -> dict[str, Any]:
        """Return the Bot API Chat object of the private chat with the bot."""
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key):
                chat[key] = getattr(self, key)
        return chat

    @property
    def answers(self) -> list[dict[str, Any]]:
        """Return the bot's answerCallbackQuery calls for this user's presses, in call order."""
        return [answer for user_id, answer in self._world.answers if user_id == self.id]

    async def send(
        self,
        text: str,
        chat: FakeGroup | None = None,
        thread_id: int | None = None,
        reply_to: SentMessage | dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Send text; return the Message delivered to the bot, or None if privacy mode hid it."""
        content: dict[str, Any] = {"text": text}
        entities = text_entities(text)
        if entities:
            content["entities"] = entities
        return self._deliver(content, chat, thread_id, reply_to)

    async def open_start_link(self, link: str) -> dict[str, Any] | None:
        """Follow a t.me/<bot>?start=<payload> link: check it and send "/start <payload>"."""
        parsed = urlparse(link)
        bot = parsed.path.strip("/")
        if parsed.netloc not in ("t.me", "telegram.me") or bot != self._world.bot_user["username"]:
            raise ValueError(
                f"{link!r} is not a start link for @{self._world.bot_user['username']}"
            )
        payload = parse_qs(parsed.query).get("start", [""])[0]
        check_start_payload(payload)
        return await self.send(f"/start {payload}")

    async def share_location(
        self, latitude: float, longitude: float, chat: FakeGroup | None = None
    ) -> dict[str, Any] | None:
        """Send a location message."""
        content = {"location": {"latitude": latitude, "longitude": longitude}}
        return self._deliver(content, chat, None, None)

    async def share_contact(
        self, phone_number: str = "+31612345678", chat: FakeGroup | None = None
    ) -> dict[str, Any] | None:
        """Share the user's own contact, as the request_contact button does."""
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": self.first_name,
            "user_id": self.id,
        }
        if self.last_name:
            contact["last_name"] = self.last_name
        return self._deliver({"contact": contact}, chat, None, None)

    async def press(self, message: SentMessage, button: str) -> str:
        """Press the inline button with this text or callback_data; return the query id."""
        for row in message.buttons:
            for candidate in row:
                if button in (candidate.get("text"), candidate.get("callback_data")):
                    if "callback_data" not in candidate:
                        raise ValueError(
                            f"button {button!r} has no callback_data ({candidate}); pressing "
                            "it does not reach the bot"
                        )
                    return await self.press_data(message, candidate["callback_data"])
        available = [
            f"{b.get('text')!r} ({b.get('callback_data', 'no callback_data')!r})"
            for row in message.buttons
            for b in row
        ]
        raise LookupError(
            f"no button {button!r} on {message!r}; available: {', '.join(available) or 'none'}"
        )

    async def press_data(self, message: SentMessage, data: str) -> str:
        """Send a callback query with arbitrary (possibly tampered) data for message."""
        world = self._world
        if message.deleted:
            raise LookupError(f"{message!r} was deleted; its buttons are gone")
        if message.chat_id == self.id:
            self._private_activity()
        else:
            group = world.groups.get(message.chat_id)
            if group is None or self not in group.members:
                raise ValueError(f"{self!r} cannot see {message!r}: not in that chat")
        query_id = world.new_query_id()
        world.callback_queries[query_id] = CallbackQueryRecord(
            query_id, self.id, message.chat_id, message.message_id, data, time.monotonic()
        )
        query: dict[str, Any] = {"id": query_id, "from": self.to_api()}
        if message.inline_message_id is not None:  # sent via the bot: the bot gets no Message
            query["inline_message_id"] = message.inline_message_id
        else:
            query["message"] = message.to_api()
        query.update(chat_instance=str(abs(message.chat_id) * 7 + 3), data=data)
        world.enqueue_update("callback_query", query)
        return query_id

    # -- inline mode -----------------------------------------------------------------------

    async def inline_query(
        self, query: str, *, chat_type: str = "private", offset: str = ""
    ) -> str:
        """Type "@bot query" in a chat of chat_type; return the inline query id."""
        return send_inline_query(self._world, self, query, chat_type, offset)

    @property
    def inline_answers(self) -> list[dict[str, Any]]:
        """Return the bot's answerInlineQuery calls for this user's queries, in call order."""
        return [answer for user_id, answer in self._world.inline_answers if user_id == self.id]

    # The contract names the parameter "timeout"; asyncio.timeout() could not add the dump.
    async def next_inline_answer(self, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
        """Wait for the next answer to this user's inline queries not returned here yet."""
        start = self._inline_cursor

        def what() -> str:
            pending = [q.query for q in self._world.inline_queries.values() if q.user_id == self.id]
            return f"no new inline answer for {self!r} within {timeout} s; queries: {pending}"

        await self._world.wait_for(lambda: len(self.inline_answers) > start, timeout, what)
        self._inline_cursor = start + 1
        return self.inline_answers[start]

    async def choose_inline_result(
        self, answer: dict[str, Any], result_id: str, chat: FakeGroup | None = None
    ) -> SentMessage:
        """Send result result_id of answer into chat (None: the private chat with the bot)."""
        if chat is None:
            self._private_activity()
        return post_inline_result(self._world, self, answer, result_id, chat)

    def _private_activity(self) -> None:
        # Writing to the bot implies START was pressed, and un-blocks it like "Restart bot".
        self.started = True
        self.blocked = False
        self._world.credit_private(self.id)

    def _deliver(
        self,
        content: dict[str, Any],
        group: FakeGroup | None,
        thread_id: int | None,
        reply_to: SentMessage | dict[str, Any] | None,
    ) -> dict[str, Any] | None:
        world = self._world
        chat: FakeUser | FakeGroup = self if group is None else group
        if group is None:
            self._private_activity()
        elif self not in group.members:
            raise ValueError(f"{self!r} is not a member of {group!r}; use add_member")
        elif group.migrated_to is not None:
            raise ValueError(f"{group!r} became supergroup {group.migrated_to}; write there")
        if thread_id is not None and thread_id not in chat.topics:
            raise ValueError(f"{chat!r} has no forum topic {thread_id}")
        message: dict[str, Any] = {
            "message_id": world.new_message_id(chat.id),
            "from": self.to_api(),
            "chat": chat.to_chat(),
            "date": now(),
            **content,
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if reply_to is not None:
            replied = shallow_reply(
                reply_to.to_api() if isinstance(reply_to, SentMessage) else reply_to
            )
            if replied["chat"]["id"] != chat.id:
                raise ValueError("reply_to must be a message in the same chat")
            message["reply_to_message"] = replied
        world.user_messages[(chat.id, message["message_id"])] = message
        if group is not None and not group.bot_sees(message):
            world.notify()
            return None
        if not world.enqueue_update("message", message):
            return None
        return message
