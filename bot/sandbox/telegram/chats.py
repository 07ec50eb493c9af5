"""What private chats and groups share: bot-message cursors and user-text entities."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .html import utf16_len
from .models import SentMessage

if TYPE_CHECKING:
    from .state import World

__all__ = ["COMMAND_RE", "MENTION_RE", "ChatCursor", "text_entities"]

# A command token anywhere after whitespace, optionally addressed: /cmd or /cmd@some_bot.
COMMAND_RE = re.compile(r"(?<!\S)/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{3,64}))?(?![\w@])")
MENTION_RE = re.compile(r"(?<![\w@/])@([A-Za-z0-9_]{4,32})\b")


def text_entities(text: str) -> list[dict[str, Any]]:
    """Return the bot_command and mention entities Telegram attaches to user text."""
    found: list[tuple[int, int, str]] = []
    for match in COMMAND_RE.finditer(text):
        found.append((match.start(), match.end(), "bot_command"))
    for match in MENTION_RE.finditer(text):
        found.append((match.start(), match.end(), "mention"))
    return [
        {
            "type": kind,
            "offset": utf16_len(text[:start]),
            "length": utf16_len(text[start:end]),
        }
        for start, end, kind in sorted(found)
    ]


class ChatCursor:
    """Shared next_message/last_message logic for a chat the bot writes to."""

    id: int
    _world: World
    _cursor: int

    @property
    def messages(self) -> list[SentMessage]:
        """Return what the bot sent to this chat, in order (deleted ones included)."""
        return self._world.messages_in(self.id)

    @property
    def last_message(self) -> SentMessage | None:
        """Return the bot's most recent message in this chat."""
        messages = self.messages
        return messages[-1] if messages else None

    # The contract names the parameter "timeout"; asyncio.timeout() could not add the dump.
    async def next_message(self, timeout: float = 5.0) -> SentMessage:  # noqa: ASYNC109
        """Wait for the next bot message here that next_message has not returned yet.

        Messages users sent via the bot (chosen inline results) are skipped: the user who chose
        one got it from choose_inline_result already.
        """
        start = self._cursor

        def what() -> str:
            earlier = "\n".join(f"  {m!r}" for m in self.messages[:start][-5:]) or "  (none)"
            return (
                f"no new bot message in {self!r} within {timeout} s; "
                f"earlier messages in this chat:\n{earlier}"
            )

        def following() -> int | None:
            messages = self.messages
            for index in range(self._cursor, len(messages)):
                if messages[index].via_bot is None:
                    return index + 1
            return None

        world = self._world
        end = await world.wait_for(following, timeout, what, on=world.chat_signal(self.id))
        self._cursor = end
        return self.messages[end - 1]
