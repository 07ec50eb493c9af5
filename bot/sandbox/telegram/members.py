"""ChatMember objects as Telegram builds them, per status."""

from __future__ import annotations

from typing import Any

__all__ = ["chat_member"]


def chat_member(status: str, user: dict[str, Any], rights: dict[str, bool]) -> dict[str, Any]:
    """Build a ChatMember object of the given status with every field PTB requires."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=rights.get("can_delete_messages", False),
            can_manage_video_chats=False,
            can_restrict_members=rights.get("can_restrict_members", False),
            can_promote_members=False,
            can_change_info=rights.get("can_change_info", False),
            can_invite_users=rights.get("can_invite_users", True),
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_post_messages=rights.get("can_post_messages", True),
            can_edit_messages=rights.get("can_edit_messages", False),
            can_pin_messages=rights.get("can_pin_messages", False),
            can_manage_topics=rights.get("can_manage_topics", False),
        )
    elif status == "restricted":
        can_send = rights.get("can_post_messages", False)
        sends = ("audios", "documents", "photos", "videos", "video_notes", "voice_notes", "polls")
        member.update(
            is_member=True,
            can_send_messages=can_send,
            **{f"can_send_{kind}": False for kind in sends},
            can_send_other_messages=False,
            can_add_web_page_previews=False,
            can_react_to_messages=False,
            can_edit_tag=False,
            can_change_info=False,
            can_invite_users=False,
            can_pin_messages=rights.get("can_pin_messages", False),
            can_manage_topics=rights.get("can_manage_topics", False),
            until_date=0,
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member
