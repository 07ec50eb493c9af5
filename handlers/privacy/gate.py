"""Ask again for consent when the privacy statement changed, before anything else happens.

Onboarding asks new people. This gate catches people who agreed to an older version: whatever
they send or press (a command, text, a button in a group), they first get the new notice. Only
what they need to decide stays open: /start, /privacy, /mijngegevens, /vergeetmij, /annuleer
and the consent and privacy buttons.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.commands import CANCEL, FORGET, MYDATA, PRIVACY, START
from bot.context import BuurtContext
from bot.i18n import pick_language, translator
from handlers.common import Caller, is_private
from handlers.onboarding import send_all, step_messages
from models.people import (
    OnboardingStep,
    get_person,
    needs_consent_again,
    notice_version,
    roles_of,
)

OPEN_COMMANDS = frozenset(
    name for command in (START, PRIVACY, MYDATA, FORGET, CANCEL) for name in command.names
)
OPEN_BUTTONS = re.compile(r"^(ob|priv):")


def _is_open(update: Update) -> bool:
    """Tell whether the update may pass without current consent (or is not a person's)."""
    user = update.effective_user
    if user is None or user.is_bot:
        return True
    query = update.callback_query
    if query is not None:
        return bool(OPEN_BUTTONS.match(query.data or ""))
    message = update.message
    if message is None or not is_private(update):
        return True  # groups: the bot only sees commands there, and asks nothing in public
    text = message.text or ""
    if text.startswith("/"):
        return text.split()[0][1:].split("@")[0].lower() in OPEN_COMMANDS
    return False


async def require_current_consent(update: Update, context: BuurtContext) -> None:
    """Stop the update and ask for consent when the person agreed to an older statement."""
    if _is_open(update):
        return
    user = update.effective_user
    assert user is not None
    # Only someone who agreed to an older notice is stopped here, and nobody becomes that while
    # the bot runs: agreeing records this run's notice, and only who lacks it can refuse. So
    # whoever passed once passes again without a read. The notice changes only at a restart.
    if user.id in context.services.consent_passed:
        return
    async with context.session() as session:
        person = await get_person(session, user.id)
        if person is None or not needs_consent_again(person, notice_version(session)):
            context.services.pass_consent_check(user.id)
            return
        language = pick_language(
            person.language, user.language_code, context.config.bot.default_language
        )
        caller = Caller(person, translator(language), await roles_of(session, person))
        messages = await step_messages(
            session, caller, OnboardingStep.CONSENT, returning=True, context=context
        )
    query = update.callback_query
    if query is not None:
        # Answer the press (or the button keeps spinning) and say where the question is.
        await query.answer(caller.t("consent.asked_again"), show_alert=True)
    if person.started_at is not None and not person.blocked_bot:
        for text, markup in messages:
            await context.bot.send_message(user.id, text, reply_markup=markup)
    elif is_private(update):
        await send_all(update, context, messages)
    raise ApplicationHandlerStop
