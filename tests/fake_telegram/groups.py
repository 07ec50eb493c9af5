"""A simulated supergroup: members, admins, forum topics and the bot's own rights."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .chats import COMMAND_RE, MENTION_RE, ChatCursor
from .errors import bad_request, forbidden

if TYPE_CHECKING:
    from .state import World
    from .users import FakeUser

__all__ = ["FakeGroup"]


class FakeGroup(ChatCursor):
    """A supergroup (optionally a forum) with members, admins and the bot's own rights."""

    is_private = False

    def __init__(self, world: World, group_id: int, title: str, is_forum: bool = False) -> None:
        self._world = world
        self._cursor = 0
        self.id = group_id
        self.title = title
        self.is_forum = is_forum
        self.members: list[FakeUser] = []
        self.admins: dict[int, str] = {}  # user id -> "administrator" or "creator"
        self.topics: dict[int, str] = {}
        self.bot_status = "member"
        self.bot_permissions: dict[str, bool] = {
            "can_post_messages": True,
            "can_pin_messages": False,
            "can_manage_topics": False,
            "can_delete_messages": False,
        }

    def __repr__(self) -> str:
        return f"<FakeGroup {self.id} {self.title!r}>"

    def to_chat(self) -> dict[str, Any]:
        """Return the Bot API Chat object."""
        chat: dict[str, Any] = {"id": self.id, "type": "supergroup", "title": self.title}
        if self.is_forum:
            chat["is_forum"] = True
        return chat

    def ensure_bot_can_write(self) -> None:
        """Raise what Telegram answers when the bot may not post here."""
        if self.bot_status == "kicked":
            raise forbidden("bot was kicked from the supergroup chat")
        if self.bot_status == "left":
            raise forbidden("bot is not a member of the supergroup chat")
        if self.bot_status != "creator" and not self.bot_permissions.get("can_post_messages"):
            raise bad_request("not enough rights to send text messages to the chat")

    def bot_has_right(self, right: str) -> bool:
        """Tell whether the bot holds an administrator right (the creator holds all)."""
        if self.bot_status == "creator":
            return True
        return self.bot_status == "administrator" and self.bot_permissions.get(right, False)

    def member_status(self, user: FakeUser) -> str:
        """Return a user's ChatMember status in this group."""
        return self.admins.get(user.id) or ("member" if user in self.members else "left")

    def add_member(self, user: FakeUser) -> None:
        """Let a user join the group."""
        if user not in self.members:
            self.members.append(user)

    def set_admin(self, user: FakeUser, *, status: str = "administrator") -> None:
        """Make a member an administrator (or, with status="creator", the owner)."""
        if status not in ("administrator", "creator"):
            raise ValueError("status must be 'administrator' or 'creator'")
        self.add_member(user)
        self.admins[user.id] = status

    def bot_rights(
        self,
        *,
        can_post_messages: bool = True,
        can_pin_messages: bool = False,
        can_manage_topics: bool = False,
        status: str = "administrator",
        **other_rights: bool,
    ) -> None:
        """Set the bot's membership: status and rights (e.g. can_delete_messages=True)."""
        if status not in ("creator", "administrator", "member", "restricted", "left", "kicked"):
            raise ValueError(f"unknown chat member status {status!r}")
        self.bot_status = status
        self.bot_permissions.update(
            can_post_messages=can_post_messages,
            can_pin_messages=can_pin_messages,
            can_manage_topics=can_manage_topics,
            **other_rights,
        )

    def add_topic(self, name: str) -> int:
        """Create a forum topic; return its message_thread_id."""
        if not self.is_forum:
            raise ValueError(f"{self!r} is not a forum; create it with forum=True")
        # As in Telegram, a topic's id is the id of the service message that created it.
        thread_id = self._world.new_message_id(self.id)
        self.topics[thread_id] = name
        return thread_id

    def bot_sees(self, message: dict[str, Any]) -> bool:
        """Model privacy mode: what a non-admin bot receives from a group."""
        if self.bot_status in ("left", "kicked"):
            return False
        if not self._world.privacy_mode or self.bot_status in ("administrator", "creator"):
            return True
        bot_id = self._world.bot_user["id"]
        username = str(self._world.bot_user["username"]).lower()
        if message.get("via_bot", {}).get("id") == bot_id:
            return True  # messages sent via this bot, i.e. its chosen inline results
        replied = message.get("reply_to_message")
        if replied is not None and replied.get("from", {}).get("id") == bot_id:
            return True
        text: str = message.get("text", "")
        command = COMMAND_RE.match(text)
        if command is not None and command.start() == 0:
            return command.group(2) is None or command.group(2).lower() == username
        mentions = (m.group(1).lower() for m in MENTION_RE.finditer(text))
        return username in mentions
