"""/activiteit, second half: the place (typed, or an information point), theme, capacity, an
optional photo, the preview and publishing or proposing."""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, Update
from telegram.ext import ConversationHandler

from bot import media
from bot.context import BuurtContext
from bot.i18n import N_, Html
from handlers.activities.notify import queue_activity
from handlers.activities.render import THEME_KEYS, THEMES, card_text
from handlers.activities.wizard import DRAFT, Step, stop_button, wizard_caller
from handlers.common import Caller, close_buttons, identify, send
from handlers.keyboards import rows
from handlers.onboarding import send_all
from models import activities
from models.activities import Activity, Counts, Draft, TooManyProposals, point_place
from models.errors import DomainError
from models.infopoints import InfoPoint, get_point, points_in_wijk
from models.people import Role, reviewers_for

POINTS_SHOWN = 30  # a wijk has a handful; past this, typing the place is quicker anyway


async def ask_place(
    update: Update, context: BuurtContext, caller: Caller, prefix: str = "ev"
) -> Step:
    """Ask where: type it, or pick one of the wijk's information points (<prefix>:points)."""
    t = caller.t
    button = InlineKeyboardButton(t("activity.pick_point"), callback_data=f"{prefix}:points")
    await send_all(update, context, [(t("activity.ask_place"), rows([button]))])
    return Step.PLACE


async def offer_points(
    update: Update, context: BuurtContext, caller: Caller, wijk_id: int, prefix: str
) -> None:
    """Show the visible information points of a wijk as buttons (<prefix>:point:<id>)."""
    async with context.session() as session:
        points = await points_in_wijk(session, wijk_id)
    if not points:
        await send_all(update, context, [(caller.t("activity.no_points"), None)])
        return
    buttons = [
        InlineKeyboardButton(p.name[:60], callback_data=f"{prefix}:point:{p.id}")
        for p in points[:POINTS_SHOWN]
    ]
    await send_all(update, context, [(caller.t("activity.choose_point"), rows(buttons, per_row=1))])


async def point_in_wijk(context: BuurtContext, point_id: int, wijk_id: int) -> InfoPoint | None:
    """Return a visible point of this wijk (None: hidden, gone, or another wijk's)."""
    try:
        async with context.session() as session:
            point = await get_point(session, point_id)
    except DomainError:
        return None
    return point if point.wijk_id == wijk_id else None


async def list_points(update: Update, context: BuurtContext) -> Step:
    """Show the information points of the activity's wijk."""
    query = update.callback_query
    assert query is not None
    assert context.user_data is not None
    caller, _ = await wizard_caller(update, context)
    await query.answer()
    await close_buttons(update)
    await offer_points(update, context, caller, context.user_data[DRAFT]["wijk"], "ev")
    return Step.PLACE


async def choose_point(update: Update, context: BuurtContext) -> Step:
    """Store the chosen point (its words too, so the place stays readable); ask the theme."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, _ = await wizard_caller(update, context)
    draft = context.user_data[DRAFT]
    point = await point_in_wijk(context, int(context.match.group(1)), draft["wijk"])
    if point is None:
        await query.answer(caller.t("button.stale"))
        return Step.PLACE
    draft.update(place=point_place(point), infopoint_id=point.id)
    await query.answer()
    await close_buttons(update)
    return await _ask_theme(update, context, caller)


async def receive_place(update: Update, context: BuurtContext) -> Step:
    """Store the typed place; ask the theme."""
    caller, _ = await wizard_caller(update, context)
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    place = " ".join((message.text or "").split())
    if not 2 <= len(place) <= 200:
        await send(message.chat, context, caller.t("activity.place_length"))
        return Step.PLACE
    context.user_data[DRAFT].update(place=place, infopoint_id=None)
    return await _ask_theme(update, context, caller)


async def _ask_theme(update: Update, context: BuurtContext, caller: Caller) -> Step:
    """Offer the themes."""
    themes = [
        InlineKeyboardButton(caller.t(THEME_KEYS[k]), callback_data=f"ev:theme:{k}") for k in THEMES
    ]
    await send_all(
        update, context, [(caller.t("activity.ask_theme"), rows([*themes, stop_button(caller.t)]))]
    )
    return Step.THEME


async def choose_theme(update: Update, context: BuurtContext) -> Step:
    """Store the theme; ask for a maximum number of people."""
    query = update.callback_query
    assert query is not None
    assert context.match is not None
    assert context.user_data is not None
    caller, _ = await wizard_caller(update, context)
    context.user_data[DRAFT]["theme"] = context.match.group(1)
    await query.answer()
    await close_buttons(update)
    options = [InlineKeyboardButton(caller.t("activity.no_limit"), callback_data="ev:cap:0")]
    options += [InlineKeyboardButton(str(n), callback_data=f"ev:cap:{n}") for n in (10, 20, 50)]
    await send_all(update, context, [(caller.t("activity.ask_capacity"), rows(options, per_row=4))])
    return Step.CAPACITY


async def choose_capacity(update: Update, context: BuurtContext) -> Step:
    """Store the capacity (a button or a typed number); ask for a photo."""
    caller, _ = await wizard_caller(update, context)
    assert context.user_data is not None
    if update.callback_query is not None:
        assert context.match is not None
        value = context.match.group(1)
        await update.callback_query.answer()
        await close_buttons(update)
    else:
        value = (update.effective_message.text or "").strip() if update.effective_message else ""
    if not value.isdigit() or int(value) > 10_000:
        await send_all(update, context, [(caller.t("activity.bad_capacity"), None)])
        return Step.CAPACITY
    context.user_data[DRAFT]["capacity"] = int(value) or None
    skip = InlineKeyboardButton(caller.t("activity.no_photo"), callback_data="ev:nophoto")
    await send_all(
        update, context, [(caller.t("activity.ask_photo"), rows([skip, stop_button(caller.t)]))]
    )
    return Step.PHOTO


async def receive_photo(update: Update, context: BuurtContext) -> Step:
    """Store the photo (its file_id; the bot keeps no copy) and show the preview."""
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    found = media.incoming(message)
    assert found is not None  # the handler's filter lets only photos in
    context.user_data[DRAFT]["photo"] = found.file_id
    return await _preview(update, context)


async def skip_photo(update: Update, context: BuurtContext) -> Step:
    """Go on without a photo."""
    query = update.callback_query
    assert query is not None
    assert context.user_data is not None
    context.user_data[DRAFT]["photo"] = None
    await query.answer()
    await close_buttons(update)
    return await _preview(update, context)


async def no_photo_text(update: Update, context: BuurtContext) -> Step:
    """Typed text or a file where a photo was asked: explain."""
    caller, _ = await wizard_caller(update, context)
    await send_all(update, context, [(caller.t("activity.photo_please"), None)])
    return Step.PHOTO


async def _preview(update: Update, context: BuurtContext) -> Step:
    """Show the card as the group will see it (as a photo when there is one)."""
    caller, may_publish = await wizard_caller(update, context)
    draft = _draft(context)
    preview = Activity(
        id=0,
        title=draft.title,
        description=draft.description,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        place=draft.place,
        infopoint_id=draft.infopoint_id,
        wijk_ids=draft.wijk_ids,
        theme=draft.theme,
        capacity=draft.capacity,
        status=activities.Status.PUBLISHED,
    )
    photo = draft.photo_file_id
    async with context.session() as session:
        text = await card_text(
            session, caller.t, preview, Counts(), context.config.bot.tz, caption=bool(photo)
        )
    key = N_("activity.publish") if may_publish else N_("activity.propose")
    buttons = rows(
        [InlineKeyboardButton(caller.t(key), callback_data="ev:post"), stop_button(caller.t)],
        per_row=1,
    )
    intro = caller.t("activity.preview")
    if photo:
        assert update.effective_chat is not None
        await send_all(update, context, [(intro, None)])
        await media.send_media(
            context.bot, update.effective_chat.id, media.Media.PHOTO, photo, text,
            reply_markup=buttons,
        )  # fmt: skip
        return Step.PREVIEW
    await send_all(update, context, [(Html(f"{intro}\n\n{text}"), buttons)])
    return Step.PREVIEW


def _draft(context: BuurtContext) -> Draft:
    """Build the activity from the stored answers."""
    assert context.user_data is not None
    data = context.user_data[DRAFT]
    starts = datetime.fromisoformat(data["starts_at"])
    return Draft(
        title=data["title"],
        description=data.get("description", ""),
        starts_at=starts,
        ends_at=starts + timedelta(hours=data["hours"]),
        place=data["place"],
        wijk_ids=[data["wijk"]],
        theme=data["theme"],
        capacity=data.get("capacity"),
        infopoint_id=data.get("infopoint_id"),
        photo_file_id=data.get("photo"),
    )


async def post(update: Update, context: BuurtContext) -> int:
    """Publish (buurtassistent, admin: checked again here) or propose the activity."""
    query = update.callback_query
    assert query is not None
    assert context.user_data is not None
    now = context.now()
    caller, _ = await wizard_caller(update, context)
    try:
        draft = _draft(context)
    except (KeyError, ValueError):  # the draft was lost (a timeout): nothing to publish
        await query.answer(caller.t("button.stale"))
        return ConversationHandler.END
    try:
        async with context.session() as session:
            caller = await identify(session, update, context)
            publish = caller.roles.has(Role.BUURTASSISTENT, draft.wijk_ids[0])
            reviewers = await reviewers_for(session, draft.wijk_ids[0])
            outcome = await activities.create(
                session,
                organiser=caller.person,
                draft=draft,
                publish=publish,
                reviewers=reviewers,
                now=now,
                max_proposals=context.config.limits.activity_proposals_per_day,
            )
            await queue_activity(session, outcome, context.config, now)
    except TooManyProposals as exc:
        context.user_data.pop(DRAFT, None)
        await query.answer()
        await close_buttons(update)
        await send_all(update, context, [(caller.t("activity.too_many", limit=exc.limit), None)])
        return ConversationHandler.END
    except DomainError:
        await query.answer()
        await send_all(update, context, [(caller.t("activity.in_the_past"), None)])
        return Step.PREVIEW
    context.user_data.pop(DRAFT, None)
    context.services.dispatcher.wake()
    await query.answer()
    await close_buttons(update)
    await send_all(
        update,
        context,
        [(caller.t(N_("activity.published") if publish else N_("activity.proposed")), None)],
    )
    return ConversationHandler.END
