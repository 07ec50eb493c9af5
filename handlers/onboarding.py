"""/start: language, privacy notice and consent, home wijk, welcome.

Onboarding keeps no conversation state of its own: each step's answer is stored on the person
at once, and the next step is derived from what is stored. So a restart, an old message's
button or a second /start always continues where the person really is.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, ReplyKeyboardRemove, Update

from bot.config import Config
from bot.context import BuurtContext
from bot.i18n import N_, Html, Translator, translator
from handlers.common import Caller, close_buttons, identify, is_private, send, shorten
from handlers.help import help_text, point_to_private
from handlers.keyboards import language_keyboard, rows
from handlers.wijk_picker import Messages, location_reply, name_reply, wijk_prompt
from models.areas import get_wijk
from models.errors import NotFound
from models.people import (
    OnboardingStep,
    at_wijk_step,
    onboarding_step,
    set_home_area,
    set_language,
)
from models.privacy.consent import answer_notice

# Deep-link payloads this version understands; later features add theirs.
KNOWN_PAYLOADS = ("group",)


async def step_messages(
    session: AsyncSession,
    caller: Caller,
    step: OnboardingStep | None,
    *,
    returning: bool,
    context: BuurtContext,
) -> Messages:
    """Build the messages that ask for a step, or the welcome when all are done."""
    t = caller.t
    if step is OnboardingStep.LANGUAGE:
        return [(t("language.choose"), language_keyboard("ob:lang:"))]
    if step is OnboardingStep.CONSENT:
        keyboard = rows(
            [
                InlineKeyboardButton(t("consent.agree"), callback_data="ob:consent:yes"),
                InlineKeyboardButton(t("consent.decline"), callback_data="ob:consent:no"),
                InlineKeyboardButton(t("consent.read"), callback_data="priv:show"),
            ],
            per_row=1,
        )
        notice = consent_notice(t, context.config)
        if caller.person.consent_version is not None:
            # They agreed to an older statement (or withdrew): say why they are asked again.
            changed = t("consent.changed")
            notice = Html(f"{changed}\n\n{notice}")
        return [(notice, keyboard)]
    if step is OnboardingStep.WIJK:
        return await wijk_prompt(session, t, "ob")
    roles = caller.roles
    wijk = (
        await get_wijk(session, caller.person.home_wijk_id) if caller.person.home_wijk_id else None
    )
    key = N_("welcome.back") if returning else N_("welcome.new")
    greeting = t(key, name=caller.person.display_name)
    body = help_text(t, roles, wijk_name=wijk.name if wijk else None)
    welcome = (Html(f"{greeting}\n\n{body}"), ReplyKeyboardRemove())
    return [welcome, *pending_request_messages(context, t)]


def consent_notice(t: Translator, config: Config) -> Html:
    """Return the short privacy notice, naming who runs the bot and how to reach them."""
    org = config.organisation
    contact = org.contact_email or org.website or org.contact_phone
    notice = t("consent.notice", org=org.name)
    if not contact:
        return notice
    return Html(f"{notice}\n" + t("consent.contact", contact=contact))


def pending_request_messages(context: BuurtContext, t: Translator) -> Messages:
    """Offer the request whose link brought a new person here, now onboarding is done."""
    pending = context.user_data.pop("pending_request", None) if context.user_data else None
    if pending is None:
        return []
    button = InlineKeyboardButton(
        t("request.show_button", number=pending), callback_data=f"req:show:{pending}"
    )
    return [(t("request.pending", number=pending), rows([button]))]


async def send_all(update: Update, context: BuurtContext, messages: Messages) -> None:
    """Send prepared messages to the update's chat, in order."""
    assert update.effective_chat is not None
    for text, markup in messages:
        await send(update.effective_chat, context, text, markup)


async def start(update: Update, context: BuurtContext) -> None:
    """Welcome the person and continue onboarding where they are."""
    if not is_private(update):
        await point_to_private(update, context)
        return
    payload = context.args[0] if context.args else ""
    async with context.session() as session:
        caller = await identify(session, update, context)
        step = await onboarding_step(session, caller.person)
        messages = await step_messages(session, caller, step, returning=True, context=context)
    if payload and payload not in KNOWN_PAYLOADS:
        messages.insert(0, (caller.t("start.unknown_link"), None))
    await send_all(update, context, messages)


async def choose_language(update: Update, context: BuurtContext) -> None:
    """Store the language chosen with a button and ask the next step."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    language = context.match.group(1)
    async with context.session() as session:
        caller = await identify(session, update, context)
        current = await onboarding_step(session, caller.person)
        if current is not OnboardingStep.LANGUAGE:
            messages = None
        else:
            set_language(caller.person, language)
            caller = replace(caller, t=translator(language))
            step = await onboarding_step(session, caller.person)
            messages = await step_messages(session, caller, step, returning=False, context=context)
    await _finish_press(update, context, caller, messages, caller.t("language.saved"))


async def answer_consent(update: Update, context: BuurtContext) -> None:
    """Record consent to the privacy notice, or explain what declining means."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    agreed = context.match.group(1) == "yes"
    async with context.session() as session:
        caller = await identify(session, update, context)
        current = await onboarding_step(session, caller.person)
        # Someone asked again had agreed before: refusing withdraws that, and they may have more
        # stored than a name and a language.
        returning = caller.person.consent_version is not None
        if current is not OnboardingStep.CONSENT:
            messages = None
        else:
            await answer_notice(session, caller.person, agreed=agreed, now=context.now())
            step = await onboarding_step(session, caller.person)
            messages = (
                await step_messages(session, caller, step, returning=returning, context=context)
                if agreed
                else []
            )
    if agreed and messages is not None:
        # They agreed to the notice in force (committed): the consent check need not read them.
        context.services.pass_consent_check(caller.person.telegram_id)
    t = caller.t
    if messages == []:
        await query.answer()
        notice = consent_notice(t, context.config)
        declined = t(N_("consent.withdrawn") if returning else N_("consent.declined"))
        await close_buttons(update, Html(f"{notice}\n\n{declined}"))
        return
    await _finish_press(update, context, caller, messages, None)


async def choose_wijk(update: Update, context: BuurtContext) -> None:
    """Store the home wijk chosen with a button and welcome the person."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    wijk_id = int(context.match.group(1))
    buurt_id = int(context.match.group(2)) if context.match.group(2) else None
    async with context.session() as session:
        caller = await identify(session, update, context)
        if not at_wijk_step(session, caller.person):
            messages, chosen = None, ""
        else:
            try:
                wijk, _ = await set_home_area(
                    session, caller.person, wijk_id=wijk_id, buurt_id=buurt_id
                )
            except NotFound:
                # Ask again, or welcome them if no wijk is left at all.
                step = await onboarding_step(session, caller.person)
                messages = await step_messages(
                    session, caller, step, returning=False, context=context
                )
                chosen = None
            else:
                chosen = wijk.name
                step = await onboarding_step(session, caller.person)
                messages = await step_messages(
                    session, caller, step, returning=False, context=context
                )
    if chosen is None:  # the wijk was removed since the buttons were sent
        await query.answer(caller.t("error.not_found"))
        await close_buttons(update)
        await send_all(update, context, messages or [])
        return
    await _finish_press(update, context, caller, messages, caller.t("wijk.saved", wijk=chosen))


async def list_wijken_again(update: Update, context: BuurtContext) -> None:
    """Show the wijk buttons again (after "another wijk")."""
    query = update.callback_query
    assert query is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
        current = await onboarding_step(session, caller.person)
        messages = (
            await wijk_prompt(session, caller.t, "ob") if current is OnboardingStep.WIJK else None
        )
    await _finish_press(update, context, caller, messages, None)


async def _finish_press(
    update: Update,
    context: BuurtContext,
    caller: Caller,
    messages: Messages | None,
    closed_text: str | None,
) -> None:
    """Answer the press, retire its buttons and send what comes next.

    ``messages`` is None when the press came from an old message whose step is done.
    """
    query = update.callback_query
    assert query is not None
    # Telegram shows a spinner on the button until the query is answered.
    if messages is None:
        await query.answer(caller.t("button.already_done"))
        await close_buttons(update)
        return
    await query.answer()
    await close_buttons(update, closed_text)
    await send_all(update, context, messages)


async def receive_location(update: Update, context: BuurtContext) -> None:
    """Place a shared location in its wijk and ask to confirm it."""
    message = update.effective_message
    assert message is not None
    assert message.location is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
        step = await onboarding_step(session, caller.person)
        if step in (OnboardingStep.LANGUAGE, OnboardingStep.CONSENT):
            # No consent yet: do not use the location; ask the step again.
            messages = [(caller.t("hint.use_buttons"), None)]
            messages += await step_messages(session, caller, step, returning=False, context=context)
        else:
            mode = "ob" if step is OnboardingStep.WIJK else "set"
            messages = await location_reply(
                session,
                caller.t,
                mode,
                latitude=message.location.latitude,
                longitude=message.location.longitude,
            )
    await send_all(update, context, messages)


async def receive_text(update: Update, context: BuurtContext) -> None:
    """Answer text typed outside any flow: a wijk name during onboarding, else a hint."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
        step = await onboarding_step(session, caller.person)
        t = caller.t
        if step is OnboardingStep.WIJK:
            messages = await name_reply(session, t, "ob", message.text)
        elif step is not None:
            messages = [(t("hint.use_buttons"), None)]
            messages += await step_messages(session, caller, step, returning=False, context=context)
        else:
            messages = [(t("hint.free_text"), None)]
    await send_all(update, context, messages)


async def unknown_command(update: Update, context: BuurtContext) -> None:
    """Say that a command is unknown and point to /help."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    async with context.session() as session:
        caller = await identify(session, update, context)
    command = shorten(message.text.split()[0], 40)
    await send_all(update, context, [(caller.t("hint.unknown_command", command=command), None)])


async def receive_other(update: Update, context: BuurtContext) -> None:
    """Answer a photo, sticker, voice message and the like: only text and buttons work."""
    async with context.session() as session:
        caller = await identify(session, update, context)
    await send_all(update, context, [(caller.t("hint.unsupported"), None)])
