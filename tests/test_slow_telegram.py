"""A handler talks to Telegram only once its transaction is over.

On SQLite the bot has one database connection; a handler that waited for Telegram inside its
transaction (Telegram answering 500 and the call retried, or a flood wait) would hold up every
other person's update until Telegram answered. Here Telegram fails Ann's answer twice, so the
bot retries for about 1.5 s; Bob's /help must be answered in the meantime.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from telegram.ext import Application

from bot.sandbox.telegram import FakeTelegram, FakeUser
from tests.conftest import ADMIN_ID
from tests.people import onboarded
from tests.test_subscriptions import open_notifications

Fail = Callable[[], None]  # makes Telegram fail the next answers to Ann


async def stale_notification_button(user: FakeUser, fail: Fail) -> None:
    menu = await open_notifications(user)
    fail()
    await user.press_data(menu, "sub:quiet:99")


async def stale_settings_button(user: FakeUser, fail: Fail) -> None:
    await user.send("/instellingen")
    menu = await user.next_message()
    fail()
    await user.press_data(menu, "set:nonsense")


async def stale_volunteer_button(user: FakeUser, fail: Fail) -> None:
    await user.send("/helpen")
    await user.next_message()
    profile = await user.next_message()
    fail()
    await user.press_data(profile, "vol:nonsense")


async def roles_of_an_unknown_person(user: FakeUser, fail: Fail) -> None:
    fail()
    await user.send("/rol @niemand")


async def roles_of_a_person_who_is_gone(user: FakeUser, fail: Fail) -> None:
    await user.send("/rol")
    people = await user.next_message()
    fail()
    await user.press_data(people, "rol:p:999999")


Act = Callable[[FakeUser, Fail], Awaitable[None]]
CASES: list[tuple[Act, str, int | None]] = [
    (stale_notification_button, "answerCallbackQuery", None),
    (stale_settings_button, "answerCallbackQuery", None),
    (stale_volunteer_button, "answerCallbackQuery", None),
    (roles_of_an_unknown_person, "sendMessage", ADMIN_ID),
    (roles_of_a_person_who_is_gone, "answerCallbackQuery", ADMIN_ID),
]


@pytest.mark.parametrize(("act", "method", "user_id"), CASES, ids=[c[0].__name__ for c in CASES])
async def test_a_slow_answer_to_one_person_holds_up_nobody_else(
    bot: Application, telegram: FakeTelegram, act: Act, method: str, user_id: int | None
) -> None:
    ann = await onboarded(telegram, "Ann", **({"user_id": user_id} if user_id else {}))
    bob = await onboarded(telegram, "Bob")
    # Bob does something that needs the database but not the method that fails for Ann.
    if method == "sendMessage":
        await bob.send("/instellingen")
        settings = await bob.next_message()
    start = len(telegram.requests)

    def to_ann(ok: bool | None) -> list[object]:
        return [
            r
            for r in telegram.requests[start:]
            if r.method == method
            and r.params.get("chat_id") in (None, ann.id, str(ann.id))
            and (ok is None or r.ok == ok)
        ]

    def fail() -> None:
        nonlocal start
        start = len(telegram.requests)
        # Answered 500 twice: the bot tries again after 0.5 s and after another 1 s.
        telegram.fail_next(method, error_code=500, count=2)

    await act(ann, fail)
    await telegram.wait_for(lambda: to_ann(ok=False))  # the first try failed: now it waits
    if method == "sendMessage":
        answered = len(bob.answers)
        await bob.press(settings, "Klaar")
        await telegram.wait_for(lambda: len(bob.answers) > answered, timeout=10)
    else:
        await bob.send("/help")
        await bob.next_message(timeout=10)
    assert to_ann(ok=True) == []  # Bob had his answer while Ann's was still being retried
    await telegram.wait_for(lambda: to_ann(ok=True), timeout=10)  # and Ann's came through
