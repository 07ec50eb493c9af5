"""/privacy: the privacy statement, built from the configuration."""

from __future__ import annotations

from telegram import Update

from bot.commands import FORGET, MYDATA, SETTINGS
from bot.config import Config
from bot.context import BuurtContext
from bot.i18n import N_, Html, Translator
from handlers.common import guess_translator, identify, is_private, send
from models.people import effective_notice_version


def contact_lines(t: Translator, config: Config) -> Html:
    """List the ways to reach the organisation, or say to ask the group's admin."""
    org = config.organisation
    lines = [
        t(key, value=value)
        for key, value in (
            (N_("privacy.contact_email"), org.contact_email),
            (N_("privacy.contact_phone"), org.contact_phone),
            (N_("privacy.contact_website"), org.website),
        )
        if value
    ]
    return Html("\n".join(lines)) if lines else t("privacy.no_contact")


def privacy_statement(t: Translator, config: Config) -> Html:
    """Return the full privacy statement in the reader's language."""
    language = t.language
    return t(
        "privacy.statement",
        org=config.organisation.name,
        days=config.privacy.retention_days,
        outbox_days=config.privacy.outbox_days,
        mydata=MYDATA.name_for(language),
        forget=FORGET.name_for(language),
        settings=SETTINGS.name_for(language),
        contact=contact_lines(t, config),
        version=effective_notice_version(config.privacy.notice_version),
    )


async def show_privacy(update: Update, context: BuurtContext) -> None:
    """Send the privacy statement (also to people who have not agreed to it yet)."""
    assert update.effective_chat is not None
    if is_private(update):
        async with context.session() as session:
            t = (await identify(session, update, context)).t
    else:
        # In a group, touch no one's data: the statement is the same for everybody.
        t = guess_translator(update, context)
    await send(update.effective_chat, context, privacy_statement(t, context.config))


async def press_show(update: Update, context: BuurtContext) -> None:
    """Send the statement from the button under the consent question."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await show_privacy(update, context)
