"""What the /activiteit steps share: the steps, the draft's key, the caller, the stop button."""

from __future__ import annotations

import enum

from telegram import InlineKeyboardButton, Update

from bot.context import BuurtContext
from bot.i18n import Translator
from handlers.common import Caller, identify_with_roles
from models.people import Role

DRAFT = "activity"


class Step(enum.IntEnum):
    """The wizard's states (stored by the persistence: keep the numbers)."""

    TITLE = 1
    DESCRIPTION = 2
    DAY = 3
    TIME = 4
    LENGTH = 5
    PLACE = 6
    THEME = 7
    CAPACITY = 8
    PREVIEW = 9
    PHOTO = 10


async def wizard_caller(update: Update, context: BuurtContext) -> tuple[Caller, bool]:
    """Identify the caller; tell whether they may publish (buurtassistent or admin)."""
    caller, roles = await identify_with_roles(update, context)
    return caller, roles.has(Role.BUURTASSISTENT, caller.person.home_wijk_id)


def stop_button(t: Translator) -> InlineKeyboardButton:
    """Offer to stop the wizard."""
    return InlineKeyboardButton(t("ask.stop"), callback_data="ev:stop")
