"""Tests of the fake's group life: admins' rights, the bot removed, a group that migrates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import telegram
from telegram.error import BadRequest, ChatMigrated, Forbidden

from bot.sandbox.telegram import FakeGroup, FakeTelegram, FakeUser


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """Run a fake with default settings (spec checks and flood control on)."""
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[telegram.Bot]:
    """Return a plain PTB Bot on the fake."""
    client = telegram.Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
    async with client:
        yield client


@pytest.fixture
def ann(fake: FakeTelegram) -> FakeUser:
    """Return a user."""
    return fake.add_user("Ann")


def conforms(fake: FakeTelegram, value: dict[str, Any], type_name: str) -> None:
    """Assert that an object the fake built fits the Bot API spec."""
    assert fake.spec is not None, "the spec in ../shared/telegram is needed for this check"
    assert fake.spec.check(value, (type_name,), "result") is None, value


async def test_admins_have_their_own_rights_and_the_answers_fit_the_spec(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    bob = fake.add_user("Bob")
    group = fake.add_group(members=[ann, bob])
    group.set_admin(ann, can_pin_messages=True, can_manage_topics=True)
    group.set_admin(bob)
    ann_member = await bot.get_chat_member(group.id, ann.id)
    bob_member = await bot.get_chat_member(group.id, bob.id)
    assert isinstance(ann_member, telegram.ChatMemberAdministrator)
    assert isinstance(bob_member, telegram.ChatMemberAdministrator)
    assert (ann_member.can_pin_messages, ann_member.can_manage_topics) == (True, True)
    assert (bob_member.can_pin_messages, bob_member.can_manage_topics) == (False, False)
    group.remove_admin(ann)
    assert (await bot.get_chat_member(group.id, ann.id)).status == "member"
    results = [r for r in fake.requests if r.method == "getChatMember"]
    assert all(r.ok for r in results)
    for status in ("creator", "administrator", "member", "restricted", "left", "kicked"):
        group.bot_rights(status=status, can_pin_messages=True)
        me = await bot.get_chat_member(group.id, bot.id)
        assert me.status == status
        conforms(fake, me.to_dict(), "ChatMember")


async def test_removing_the_bot_sends_my_chat_member_and_then_refuses_sends(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    group = fake.add_group(members=[ann])
    group.set_admin(ann)
    group.bot_rights(status="administrator", can_pin_messages=True)
    group.remove_bot(by=ann)
    updates = await bot.get_updates(timeout=0)
    assert len(updates) == 1
    changed = updates[0].my_chat_member
    assert changed is not None
    assert changed.chat.id == group.id
    assert changed.from_user.id == ann.id
    assert changed.old_chat_member.status == "administrator"
    assert changed.new_chat_member.status == "kicked"
    assert changed.new_chat_member.user.id == bot.id
    raw = fake.updates[0]["my_chat_member"]
    conforms(fake, raw, "ChatMemberUpdated")
    with pytest.raises(Forbidden, match="kicked"):
        await bot.send_message(group.id, "Hallo?")
    group.change_bot_membership(ann, "member")  # added back
    await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    assert (await bot.send_message(group.id, "Weer terug")).chat.id == group.id


async def test_a_basic_group_migrates_to_a_supergroup(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    old = fake.add_group("Buurt", members=[ann], basic=True)
    old.set_admin(ann, can_pin_messages=True)
    assert (await bot.get_chat(old.id)).type == "group"
    card = await bot.send_message(old.id, "Een kaart")
    new = old.migrate_to_supergroup(by=ann)
    assert new.id != old.id
    assert str(new.id).startswith("-100")
    updates = await bot.get_updates(timeout=0)
    to_new = [u.message.migrate_to_chat_id for u in updates if u.message]
    from_old = [u.message.migrate_from_chat_id for u in updates if u.message]
    assert (updates[0].message.chat.id, to_new[0]) == (old.id, new.id)
    assert (updates[1].message.chat.id, from_old[1]) == (new.id, old.id)
    assert updates[1].message.chat.type == "supergroup"
    for raw in fake.updates:
        conforms(fake, raw["message"], "Message")

    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(old.id, "Naar de oude groep")
    assert migrated.value.new_chat_id == new.id
    failed = fake.requests[-1]
    assert failed.description == "Bad Request: group chat was upgraded to a supergroup chat"
    with pytest.raises(ChatMigrated):
        await bot.edit_message_text("Bijgewerkt", chat_id=old.id, message_id=card.message_id)
    with pytest.raises(ChatMigrated):
        await bot.get_chat_member(old.id, ann.id)

    # The history came along with the same ids; new messages continue after them.
    await bot.edit_message_text("Bijgewerkt", chat_id=new.id, message_id=card.message_id)
    assert new.messages[0].text == "Bijgewerkt"
    assert (await bot.get_chat_member(new.id, ann.id)).status == "administrator"
    sent = await bot.send_message(new.id, "In de supergroep")
    assert sent.message_id > card.message_id
    assert (await new.next_message()).text == "In de supergroep"
    with pytest.raises(ValueError, match="became supergroup"):
        await ann.send("/help", chat=old)
    with pytest.raises(ValueError, match="no basic group"):
        new.migrate_to_supergroup(by=ann)


async def test_topic_messages_carry_their_thread(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    forum = fake.add_group("Forum", forum=True, members=[ann])
    topic = forum.add_topic("Noord")
    delivered = await ann.send("/koppel", chat=forum, thread_id=topic)
    assert delivered is not None
    assert (delivered["message_thread_id"], delivered["is_topic_message"]) == (topic, True)
    conforms(fake, delivered, "Message")
    with pytest.raises(BadRequest, match="thread not found"):
        await bot.send_message(forum.id, "x", message_thread_id=topic + 99)
    with pytest.raises(ValueError, match="only a supergroup"):
        FakeGroup(fake.world, -5, "x", is_forum=True, kind="group")
