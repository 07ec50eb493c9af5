"""The escalation ladder: tell the buurtassistenten, then the admins, about requests nobody takes.

A scheduler job asks the database which steps are due; each step queues its messages and is
recorded in the same transaction, so it happens once, also across restarts. The message names
the request (category, wijk, how long) but never the resident, and links to the request.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.config import Config, EscalationConfig, EscalationSteps
from bot.context import BuurtContext
from bot.i18n import N_, Html, Translator, pick_language, translator
from handlers.keyboards import deep_link
from handlers.requests.render import category_label
from models import outbox
from models.escalations import Due, Ladder, Ladders, Step, admins, assistants_of, due_steps
from models.escalations import take_step as record_step
from models.help_requests import HelpRequest
from models.help_requests import Status as RequestStatus
from models.outbox import Kind
from models.people import Person
from models.subscriptions import Subscription, choices, quiet_until

_LOGGER = logging.getLogger("buurtbot.escalation")

STEP_KEYS = {
    Step.ASSISTANTS: N_("escalation.assistants"),
    Step.ADMINS: N_("escalation.admins"),
    Step.STALLED: N_("escalation.stalled"),
}
# A message held for quiet hours goes out only while the request still needs it.
STILL_NEEDED_WHILE = {
    Step.ASSISTANTS: RequestStatus.OPEN,
    Step.ADMINS: RequestStatus.OPEN,
    Step.STALLED: RequestStatus.CLAIMED,
}


def _ladder(steps: EscalationSteps) -> Ladder:
    """Turn configured hours into a ladder (0 hours: the step is off)."""

    def after(hours: int) -> timedelta | None:
        return timedelta(hours=hours) if hours > 0 else None

    return Ladder(
        after(steps.notify_buurtassistent_after_hours),
        after(steps.notify_admins_after_hours),
        after(steps.stalled_after_hours),
    )


def ladders(config: EscalationConfig) -> Ladders:
    """Read the default ladder and the per-wijk ones from the config."""
    return Ladders(
        _ladder(config.steps_for(None)),
        {code: _ladder(steps) for code, steps in config.wijk.items()},
    )


def duration_text(t: Translator, delta: timedelta) -> Html:
    """Say how long, roughly: hours up to two days, then days."""
    hours = max(0, int(delta.total_seconds() // 3600))
    if hours < 48:
        key = N_("duration.hour") if hours == 1 else N_("duration.hours")
        return t(key, count=hours)
    return t("duration.days", count=hours // 24)


def request_button(bot_username: str, request_id: int, label: str) -> InlineKeyboardButton:
    """Return a button that opens the request in the private chat (/start req_<n>)."""
    return InlineKeyboardButton(label, url=deep_link(bot_username, f"req_{request_id}"))


def render(
    t: Translator, due: Due, config: Config, now: datetime, bot_username: str
) -> tuple[Html, dict[str, Any]]:
    """Word one step of the ladder for one person, with a button to the request."""
    request = due.request
    text = t(
        STEP_KEYS[due.step],
        number=request.id,
        category=Html(category_label(config.requests, request.category, t)),
        wijk=due.wijk.name,
        age=duration_text(t, now - due.since),
    )
    label = t("escalation.open_button", number=request.id)
    markup = InlineKeyboardMarkup([[request_button(bot_username, request.id, label)]])
    return text, markup.to_dict()


async def recipients(session: AsyncSession, due: Due) -> list[Person]:
    """Return who a step tells: the wijk's buurtassistenten, or the admins."""
    request = due.request
    # The resident and the helper are not asked to chase themselves.
    involved = (request.requester_id, request.helper_id)
    if due.step is not Step.ADMINS:
        people = [p for p in await assistants_of(session, request.wijk_id) if p.id not in involved]
        if people:
            return people
    # The admins; also for a wijk without a buurtassistent, so someone hears of it.
    return [p for p in await admins(session) if p.id not in involved]


async def escalate(
    session: AsyncSession, due: Due, config: Config, now: datetime, bot_username: str
) -> int:
    """Queue one step's messages and record the step; return how many people are told."""
    people = await recipients(session, due)
    request: HelpRequest = due.request
    for person in people:
        t = translator(pick_language(person.language, None, config.bot.default_language))
        text, markup = render(t, due, config, now, bot_username)
        subscription = await session.get(Subscription, person.id)
        quiet = choices(person, subscription, config.requests.quiet_hours).quiet_hours
        await outbox.enqueue(
            session,
            kind=Kind.TEXT,
            chat_id=person.telegram_id,
            person_id=person.id,
            request_id=request.id,
            payload={"text": text, "markup": markup, "while": STILL_NEEDED_WHILE[due.step]},
            now=now,
            due_at=quiet_until(now, config.bot.tz, quiet),
            dedupe_key=f"esc:{request.id}:{due.step}:{person.id}",
        )
    await record_step(session, due, told=len(people), now=now)
    return len(people)


async def run_escalations(context: BuurtContext) -> None:
    """Take every escalation step that is due."""
    now = context.now()
    config = context.config
    async with context.session() as session:
        due = await due_steps(session, now=now, ladders=ladders(config.escalation))
        for item in due:
            await escalate(session, item, config, now, context.bot.username)
    if due:
        _LOGGER.info("%d escalation step(s) taken", len(due))
        context.services.dispatcher.wake()
