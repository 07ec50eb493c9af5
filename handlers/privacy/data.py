"""/mijngegevens (/mydata): everything stored, as a file; /vergeetmij (/forgetme): erase it all."""

from __future__ import annotations

import io
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BuurtContext
from bot.i18n import N_, Html, Translator, translator
from handlers.activities.notify import queue_activity
from handlers.common import close_buttons, guess_translator, identify, send
from handlers.flows import end_all_flows
from handlers.help import point_to_private
from handlers.requests.notify import queue_outcome
from models.people import get_person, notice_version
from models.privacy import Erased, erase_person, personal_rows, to_json

_LOGGER = logging.getLogger("buurtbot.privacy")

# Readable names of the tables in the summary; a table added later shows its own name.
TABLE_KEYS = {
    "person": N_("mydata.table.person"),
    "role_assignment": N_("mydata.table.role_assignment"),
    "consent_event": N_("mydata.table.consent_event"),
    "help_request": N_("mydata.table.help_request"),
    "request_card": N_("mydata.table.request_card"),
    "feedback": N_("mydata.table.feedback"),
    "volunteer": N_("mydata.table.volunteer"),
    "subscription": N_("mydata.table.subscription"),
    "rsvp": N_("mydata.table.rsvp"),
    "activity": N_("mydata.table.activity"),
    "activity_card": N_("mydata.table.activity_card"),
    "broadcast": N_("mydata.table.broadcast"),
    "group_link": N_("mydata.table.group_link"),
    "infopoint_report": N_("mydata.table.infopoint_report"),
    "audit_entry": N_("mydata.table.audit_entry"),
    "outbox_message": N_("mydata.table.outbox_message"),
    "flow_data": N_("mydata.table.flow_data"),
    "conversation_state": N_("mydata.table.conversation_state"),
}


def summary(t: Translator, counts: dict[str, int]) -> Html:
    """List how many rows of each kind the export holds."""
    lines = [t("mydata.summary")]
    for table, count in counts.items():
        label = t(TABLE_KEYS[table]) if table in TABLE_KEYS else table
        lines.append(t("mydata.line", label=label, count=count))
    lines += ["", t("mydata.explain")]
    return Html("\n".join(lines))


async def send_my_data(update: Update, context: BuurtContext) -> None:
    """Send everything stored about the person as a JSON file, with a short summary."""
    if update.effective_chat is None or update.effective_chat.type != "private":
        await point_to_private(update, context)
        return
    now = context.now()
    async with context.session() as session:
        caller = await identify(session, update, context)
        rows = await personal_rows(session, caller.person)
        version = notice_version(session)
    about = {
        "what": caller.t("mydata.about"),
        "organisation": context.config.organisation.name,
        "made_at": now.isoformat(),
        "privacy_notice_version": version,
        "retention_days": context.config.privacy.retention_days,
    }
    document = to_json(rows, about=about)
    counts = {table: len(found) for table, found in rows.items()}
    await send(update.effective_chat, context, summary(caller.t, counts))
    name = "mijngegevens" if caller.language == "nl" else "mydata"
    await context.bot.send_document(
        update.effective_chat.id,
        io.BytesIO(document),
        filename=f"{name}-{now:%Y-%m-%d}.json",
    )


async def ask_forget(update: Update, context: BuurtContext) -> None:
    """Explain what erasing means and ask to confirm with a button."""
    if update.effective_chat is None or update.effective_chat.type != "private":
        await point_to_private(update, context)
        return
    async with context.session() as session:
        t = (await identify(session, update, context)).t
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t("forget.yes"), callback_data="priv:forget:yes")],
            [InlineKeyboardButton(t("forget.no"), callback_data="priv:forget:no")],
        ]
    )
    await send(update.effective_chat, context, t("forget.ask"), keyboard)


def erased_text(t: Translator, erased: Erased) -> Html:
    """Tell the person what erasing did."""
    lines = [t("forget.done")]
    if erased.requests_cancelled:
        numbers = ", ".join(f"#{n}" for n in erased.requests_cancelled)
        lines.append(t("forget.cancelled", numbers=numbers))
    if erased.help_withdrawn:
        numbers = ", ".join(f"#{n}" for n in erased.help_withdrawn)
        lines.append(t("forget.withdrawn", numbers=numbers))
    if erased.requests_anonymised:
        lines.append(t("forget.anonymised", count=erased.requests_anonymised))
    lines.append(t("forget.after"))
    return Html("\n".join(lines))


async def press_forget(update: Update, context: BuurtContext) -> None:
    """Erase the person after "yes" (only the one who pressed), or keep everything after "no"."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    user = update.effective_user
    assert user is not None
    # The language is looked up before erasing: afterwards nothing is left to look it up in.
    t = guess_translator(update, context)
    now = context.now()
    async with context.session() as session:
        # get_person, not identify: a second press must not bring the person back.
        person = await get_person(session, user.id)
        if person is not None and person.language:
            t = translator(person.language)
        if context.match.group(1) == "no" or person is None:
            erased = None
        else:
            erased = await erase_person(session, person, now=now)
            config = context.config
            for outcome in erased.request_outcomes:
                await queue_outcome(session, outcome, config, now)
            for activity_outcome in erased.activity_outcomes:
                await queue_activity(session, activity_outcome, config, now)
    if erased is not None:
        # Forget the flows and drafts held in memory too, or they would be written back; do it
        # before talking to Telegram, which may fail and end this handler.
        end_all_flows(update, context)
        context.application.drop_user_data(user.id)
        context.services.dispatcher.wake()
        _LOGGER.info("A person was erased (%d rows deleted)", erased.rows_deleted)
    await query.answer()
    if context.match.group(1) == "no":
        await close_buttons(update, t("forget.kept"))
        return
    if erased is None:
        await close_buttons(update, t("forget.nothing"))
        return
    await close_buttons(update, erased_text(t, erased))
