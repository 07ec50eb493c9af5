"""A simulated group: members, admins, forum topics, the bot's own rights, and migration.

A basic group (kind="group") can become a supergroup, as Telegram does when a group grows or
turns into a forum: migrate_to_supergroup() sends the two service messages and from then on
the old chat id answers 400 with parameters.migrate_to_chat_id.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import TYPE_CHECKING, Any

from .chats import COMMAND_RE, MENTION_RE, ChatCursor
from .errors import bad_request, chat_migrated, forbidden
from .members import chat_member
from .state import now

if TYPE_CHECKING:
    from .state import World
    from .users import FakeUser

__all__ = ["FakeGroup"]


class FakeGroup(ChatCursor):
    """A supergroup (optionally a forum) or basic group, with members, admins and the bot."""

    is_private = False

    def __init__(
        self,
        world: World,
        group_id: int,
        title: str,
        is_forum: bool = False,
        kind: str = "supergroup",
    ) -> None:
        if kind not in ("group", "supergroup"):
            raise ValueError("kind must be 'group' or 'supergroup'")
        if is_forum and kind != "supergroup":
            raise ValueError("only a supergroup can be a forum")
        self._world = world
        self._cursor = 0
        self.id = group_id
        self.title = title
        self.is_forum = is_forum
        self.kind = kind
        self.migrated_to: int | None = None  # the supergroup's id once this group migrated
        self.members: list[FakeUser] = []
        self.admins: dict[int, str] = {}  # user id -> "administrator" or "creator"
        self.admin_rights: dict[int, dict[str, bool]] = {}  # an administrator's own rights
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
        chat: dict[str, Any] = {"id": self.id, "type": self.kind, "title": self.title}
        if self.is_forum:
            chat["is_forum"] = True
        return chat

    def ensure_bot_can_write(self) -> None:
        """Raise what Telegram answers when the bot may not post here."""
        if self.migrated_to is not None:
            raise chat_migrated(self.migrated_to)
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

    def set_admin(self, user: FakeUser, *, status: str = "administrator", **rights: bool) -> None:
        """Make a member an administrator (or, with status="creator", the owner).

        Rights are ChatMemberAdministrator fields, e.g. can_pin_messages=True.
        """
        if status not in ("administrator", "creator"):
            raise ValueError("status must be 'administrator' or 'creator'")
        self.add_member(user)
        self.admins[user.id] = status
        self.admin_rights[user.id] = dict(rights)

    def remove_admin(self, user: FakeUser) -> None:
        """Make an administrator an ordinary member again."""
        self.admins.pop(user.id, None)
        self.admin_rights.pop(user.id, None)

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

    def change_bot_membership(self, by: FakeUser, status: str, **rights: bool) -> None:
        """Let a member change the bot's membership; the bot gets a my_chat_member update."""
        old = self._bot_member()
        self.bot_rights(status=status, **rights)
        self._world.enqueue_update(
            "my_chat_member",
            {
                "chat": self.to_chat(),
                "from": by.to_api(),
                "date": now(),
                "old_chat_member": old,
                "new_chat_member": self._bot_member(),
            },
        )

    def remove_bot(self, by: FakeUser, *, kicked: bool = True) -> None:
        """Let an admin remove the bot (kicked), or the bot leave (kicked=False)."""
        self.change_bot_membership(by, "kicked" if kicked else "left")

    def _bot_member(self) -> dict[str, Any]:
        return chat_member(self.bot_status, self._world.bot_from, self.bot_permissions)

    def migrate_to_supergroup(self, by: FakeUser) -> FakeGroup:
        """Upgrade a basic group to a supergroup, as Telegram does; return the supergroup.

        The history moves along with the same message ids (so the bot can still edit its
        messages under the new chat id); both chats get a service message for the bot.
        """
        if self.kind != "group" or self.migrated_to is not None:
            raise ValueError(f"{self!r} is no basic group that can migrate")
        world = self._world
        new = FakeGroup(world, world.new_group_id(), self.title)
        new.members = list(self.members)
        new.admins, new.admin_rights = dict(self.admins), copy.deepcopy(self.admin_rights)
        new.bot_status, new.bot_permissions = self.bot_status, dict(self.bot_permissions)
        world.groups[new.id] = new
        for message in self.messages:
            moved = dataclasses.replace(copy.deepcopy(message), chat_id=new.id, chat=new.to_chat())
            world.add_bot_message(moved)
        new._cursor = len(new.messages)  # moved history is not "new" to a test reading it
        world.set_message_counter(new.id, world.new_message_id(self.id))
        self.migrated_to = new.id
        for chat, field, other in (
            (self, "migrate_to_chat_id", new.id),
            (new, "migrate_from_chat_id", self.id),
        ):
            # Service messages reach the bot whatever its privacy mode.
            message = {
                "message_id": world.new_message_id(chat.id),
                "from": by.to_api(),
                "chat": chat.to_chat(),
                "date": now(),
                field: other,
            }
            world.user_messages[(chat.id, message["message_id"])] = message
            world.enqueue_update("message", message)
        return new

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
