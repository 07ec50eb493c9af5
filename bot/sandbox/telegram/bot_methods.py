"""Bot API methods about the bot itself, updates, commands, chats and files."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .errors import ApiError, bad_request, chat_migrated
from .groups import FakeGroup
from .limits import check_commands
from .members import chat_member
from .state import DEFAULT_ALLOWED_UPDATES, World
from .webhook import check_webhook

__all__ = ["BOT_HANDLERS", "PollSuperseded", "scope_key"]

Params = dict[str, Any]


class PollSuperseded(ApiError):
    """The 409 for the older of two overlapping getUpdates calls (two bot instances polling)."""

    def __init__(self) -> None:
        super().__init__(
            409,
            "Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running",
        )


_TOPIC_COLORS = frozenset({7322096, 16766590, 13338331, 9367192, 16749490, 16478047})


def get_me(world: World, p: Params) -> Any:
    """Handle getMe."""
    return world.bot_user


def log_out(world: World, p: Params) -> Any:
    """Handle logOut and close: nothing to do on a fake."""
    return True


def set_webhook(world: World, p: Params) -> Any:
    """Handle setWebhook: check and remember it; webhook.py then posts the updates to it."""
    check_webhook(p)
    if not p["url"]:
        return delete_webhook(world, p)
    world.webhook = {
        "url": p["url"],
        "allowed_updates": p.get("allowed_updates"),
        "secret_token": p.get("secret_token"),
        "max_connections": p.get("max_connections", 40),
    }
    if p.get("allowed_updates") is not None:
        world.allowed_updates = frozenset(p["allowed_updates"]) or DEFAULT_ALLOWED_UPDATES
    if p.get("drop_pending_updates"):
        world.updates.clear()
    world.notify_queue()
    return True


def delete_webhook(world: World, p: Params) -> Any:
    """Handle deleteWebhook."""
    world.webhook = {"url": ""}
    if p.get("drop_pending_updates"):
        world.updates.clear()
    world.notify_queue()
    return True


def get_webhook_info(world: World, p: Params) -> Any:
    """Handle getWebhookInfo."""
    info: dict[str, Any] = {
        "url": world.webhook["url"],
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates),
    }
    if world.webhook.get("allowed_updates"):
        info["allowed_updates"] = world.webhook["allowed_updates"]
    if world.webhook["url"]:
        info["max_connections"] = world.webhook["max_connections"]
    for key in ("last_error_date", "last_error_message"):  # never the secret token
        if key in world.webhook:
            info[key] = world.webhook[key]
    return info


async def get_updates(world: World, p: Params) -> Any:
    """Handle getUpdates with long polling; return early on new updates or shutdown."""
    if world.webhook["url"]:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
            "to delete the webhook first",
        )
    if "allowed_updates" in p:
        world.allowed_updates = frozenset(p["allowed_updates"]) or DEFAULT_ALLOWED_UPDATES
    world.confirm_updates(p.get("offset"))
    limit = min(max(p.get("limit", 100), 1), 100)
    timeout = max(p.get("timeout", 0), 0)
    # A newer getUpdates ends an older one with 409, as Telegram does with two bot instances.
    world.poll_generation += 1
    generation = world.poll_generation
    world.notify_queue()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    world.active_polls += 1
    try:
        while True:
            if world.poll_generation != generation:
                raise PollSuperseded
            if world.stopping:
                return []
            if world.updates:
                return world.updates[:limit]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await world.wait_queue_changed(remaining)
    finally:
        world.active_polls -= 1


def scope_key(
    scope_type: str, chat_id: int | str | None, user_id: int | None, language_code: str
) -> tuple[str, int | str | None, int | None, str]:
    """Return the key commands are stored under."""
    return (scope_type, chat_id, user_id, language_code)


def _scope_from(world: World, p: Params) -> tuple[str, int | str | None, int | None, str]:
    scope = p.get("scope") or {"type": "default"}
    chat_id = scope.get("chat_id")
    if chat_id is not None:
        world.chat(chat_id)  # 400 chat not found, as Telegram
    return scope_key(scope["type"], chat_id, scope.get("user_id"), p.get("language_code", ""))


def set_my_commands(world: World, p: Params) -> Any:
    """Handle setMyCommands: validate, then store per scope and language."""
    key = _scope_from(world, p)
    check_commands(p["commands"], key[3])
    commands = [(c["command"], c["description"]) for c in p["commands"]]
    if commands:
        world.commands[key] = commands
    else:
        world.commands.pop(key, None)
    world.notify()
    return True


def get_my_commands(world: World, p: Params) -> Any:
    """Handle getMyCommands (exact scope and language, no fallback)."""
    key = _scope_from(world, p)
    return [{"command": c, "description": d} for c, d in world.commands.get(key, [])]


def delete_my_commands(world: World, p: Params) -> Any:
    """Handle deleteMyCommands."""
    world.commands.pop(_scope_from(world, p), None)
    world.notify()
    return True


def set_chat_menu_button(world: World, p: Params) -> Any:
    """Handle setChatMenuButton (per chat, or the default without chat_id)."""
    chat_id = p.get("chat_id")
    if chat_id is not None:
        world.chat(chat_id)
    world.menu_buttons[chat_id] = p.get("menu_button") or {"type": "default"}
    return True


def get_chat_menu_button(world: World, p: Params) -> Any:
    """Handle getChatMenuButton."""
    chat_id = p.get("chat_id")
    return world.menu_buttons.get(chat_id) or world.menu_buttons.get(None) or {"type": "default"}


def get_chat(world: World, p: Params) -> Any:
    """Handle getChat (a minimal ChatFullInfo)."""
    chat = world.chat(p["chat_id"])
    gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
    return {
        **chat.to_chat(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {key: False for key in (*gifts, "gifts_from_channels")},
    }


def get_chat_member(world: World, p: Params) -> Any:
    """Handle getChatMember for the bot itself and for simulated users (with their rights)."""
    chat = world.chat(p["chat_id"])
    if isinstance(chat, FakeGroup) and chat.migrated_to is not None:
        raise chat_migrated(chat.migrated_to)
    user_id = p["user_id"]
    if user_id == world.bot_user["id"]:
        if isinstance(chat, FakeGroup):
            return chat_member(chat.bot_status, world.bot_from, chat.bot_permissions)
        return chat_member("member", world.bot_from, {})
    user = world.users.get(user_id)
    if user is None or (not isinstance(chat, FakeGroup) and chat is not user):
        raise bad_request("user not found")
    if not isinstance(chat, FakeGroup):
        return chat_member("member", user.to_api(), {})
    rights = chat.admin_rights.get(user.id, {})
    return chat_member(chat.member_status(user), user.to_api(), rights)


def create_forum_topic(world: World, p: Params) -> Any:
    """Handle createForumTopic."""
    chat = world.chat_for_sending(p["chat_id"])
    if not isinstance(chat, FakeGroup) or not chat.is_forum:
        raise bad_request("the chat is not a forum")
    if not chat.bot_has_right("can_manage_topics"):
        raise bad_request("not enough rights to create a topic")
    name = p["name"]
    if not 1 <= len(name) <= 128:
        raise bad_request("TOPIC_TITLE_INVALID")
    color = p.get("icon_color", 7322096)
    if color not in _TOPIC_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")
    thread_id = chat.add_topic(name)
    world.notify()
    return {"message_thread_id": thread_id, "name": name, "icon_color": color}


def get_file(world: World, p: Params) -> Any:
    """Handle getFile for files the bot uploaded."""
    stored = world.files.get(p["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.upload.content),
        "file_path": stored.path,
    }


BOT_HANDLERS: dict[str, Callable[[World, Params], Any]] = {
    "getMe": get_me,
    "logOut": log_out,
    "close": log_out,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "getUpdates": get_updates,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "createForumTopic": create_forum_topic,
    "getFile": get_file,
}
