"""All handler registrations, in order: the one place that decides who sees an update."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.commands import (
    AGENDA,
    CANCEL,
    FORGET,
    HELP,
    LINK,
    MINE,
    MYDATA,
    PRIVACY,
    QUEUE,
    ROLE,
    START,
    STATS,
    VOLUNTEER,
)
from bot.context import BuurtContext
from bot.persistence import DatabasePersistence
from handlers import (
    broadcast,
    cancel,
    flows,
    groups,
    guard,
    help,
    infopoints,
    onboarding,
    queue,
    queue_note,
    roles,
    settings,
    stats,
    subscriptions,
)
from handlers.activities import agenda
from handlers.activities import change as activity_change
from handlers.activities import create as activity_create
from handlers.infopoints import find as infopoint_find
from handlers.infopoints import inline as infopoint_inline
from handlers.infopoints import manage as infopoint_manage
from handlers.privacy import data as privacy_data
from handlers.privacy import gate as privacy_gate
from handlers.privacy import statement as privacy_statement
from handlers.requests import actions, ask, feedback, volunteer

ACTIVITY_BUTTONS = r"^act:(yes|maybe|no|ics|approve|decline|cancel):(\d{1,9})$"
REQUEST_BUTTONS = (
    r"^req:(claim|show|done|cancel|cancelok|withdraw|withdrawok|notyet|failed|needed|notneeded)"
    r":(\d{1,9})$"
)
QUEUE_BUTTONS = r"^q:(assign|pick|reopen|close|closeas):(\d{1,9})(?::(\d{1,12}|[a-z]{1,10}))?$"

# Runs first of all: blocked people and floods stop here, before anything reads or writes.
GUARD_GROUP = -3
# Then: people who agreed to an older privacy statement are asked again.
CONSENT_GROUP = -2
# Runs before every other group (but after the guard and the consent check).
FLOW_GROUP = -1
# After the handlers: a flow a button opened ends the others (flows.py).
FLOWS_DONE_GROUP = 99
# Runs after every other group, so conversation states are final when they are written.
PERSIST_GROUP = 100


async def write_persistence(update: object, context: BuurtContext) -> None:
    """Write changed conversation states and flow data now, not at the next interval."""
    application = context.application
    if isinstance(update, Update) and update.effective_user is not None:
        # PTB marks an update's flow data for writing only after all its handlers ran: unmarked,
        # the data this update changed would wait for the next write (another update, or the
        # interval) while its conversation state is written now, and a crash in between would
        # resume the flow without it.
        application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    await application.update_persistence()
    if isinstance(application.persistence, DatabasePersistence):
        await application.persistence.durable()


def register_all(application: Application) -> None:
    """Register every handler; the order matters where the comments say so."""
    private = filters.ChatType.PRIVATE
    add = application.add_handler
    # Before anything else: a blocked person is ignored, a flood is slowed down (guard.py).
    add(TypeHandler(Update, guard.check), group=GUARD_GROUP)
    # Then: whoever agreed to an older privacy statement is asked again.
    add(TypeHandler(Update, privacy_gate.require_current_consent), group=CONSENT_GROUP)
    # Before everything: a new command ends the flow the person was in (see flows.py).
    add(MessageHandler(private & filters.COMMAND, flows.end_other_flows), group=FLOW_GROUP)
    # ...and so does a button that opens a flow (an old message's, say): noted here, acted on
    # in FLOWS_DONE_GROUP once it is known that the flow did open.
    add(CallbackQueryHandler(flows.note_flows_a_button_may_start), group=FLOW_GROUP)
    # A group's life (the bot removed; a group became a supergroup): service updates that no
    # flow or fallback should see first.
    add(ChatMemberHandler(groups.track_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    add(MessageHandler(filters.StatusUpdate.MIGRATE, groups.follow_migration))
    # Flows first: while a flow waits for text or a location, it gets it before the fallbacks.
    add(settings.conversation())
    add(ask.conversation())
    add(feedback.conversation())
    add(infopoints.conversation())
    add(broadcast.conversation())
    add(activity_create.conversation())
    add(activity_change.conversation())
    add(queue_note.conversation())
    # A request deep link before the plain /start, which would otherwise take it.
    request_link = filters.Regex(r"^/start req_\d{1,9}$")
    add(CommandHandler(START.names, actions.open_from_link, filters=private & request_link))
    point_link = filters.Regex(r"^/start ip_\d{1,9}$")
    add(CommandHandler(START.names, infopoint_find.open_from_link, filters=private & point_link))
    add(CommandHandler(START.names, onboarding.start))
    add(CommandHandler(HELP.names, help.show_help))
    add(CommandHandler(CANCEL.names, cancel.cancel, filters=private))
    add(CommandHandler(MINE.names, actions.show_mine, filters=private))
    add(CommandHandler(PRIVACY.names, privacy_statement.show_privacy))
    add(CommandHandler(MYDATA.names, privacy_data.send_my_data))
    add(CommandHandler(FORGET.names, privacy_data.ask_forget))
    add(CommandHandler(VOLUNTEER.names, volunteer.show_volunteering, filters=private))
    add(CommandHandler(LINK.names, groups.start_link))
    add(CommandHandler(QUEUE.names, queue.show_queue))
    add(CallbackQueryHandler(queue.press, pattern=QUEUE_BUTTONS))
    add(CallbackQueryHandler(queue.answer, pattern=r"^offer:(yes|no):(\d{1,9})$"))
    add(CommandHandler(ROLE.names, roles.start_role))
    add(CallbackQueryHandler(actions.press, pattern=REQUEST_BUTTONS))
    add(CallbackQueryHandler(actions.keep, pattern=r"^req:keep:\d{1,9}$"))
    add(CallbackQueryHandler(volunteer.press_profile, pattern=r"^vol:"))
    add(CallbackQueryHandler(subscriptions.press, pattern=r"^sub:"))
    add(CallbackQueryHandler(infopoint_find.show_details, pattern=r"^ip:info:(\d{1,9})$"))
    add(CallbackQueryHandler(infopoint_find.send_venue, pattern=r"^ip:venue:(\d{1,9})$"))
    add(CallbackQueryHandler(infopoint_find.show_wijk, pattern=r"^ip:wijk:(\d{1,9})$"))
    add(CallbackQueryHandler(infopoint_manage.hide, pattern=r"^ip:hide:(\d{1,9})$"))
    add(InlineQueryHandler(infopoint_inline.answer_inline))
    add(CommandHandler(AGENDA.names, agenda.show_agenda))
    add(CallbackQueryHandler(agenda.press, pattern=ACTIVITY_BUTTONS))
    add(CallbackQueryHandler(agenda.next_page, pattern=r"^act:page:(\d{1,5})$"))
    add(CallbackQueryHandler(broadcast.cancel_planned, pattern=r"^bc:cancel:(\d{1,9})$"))
    add(CommandHandler(STATS.names, stats.show_stats))
    add(CallbackQueryHandler(stats.show_period, pattern=stats.SHOW_PATTERN))
    add(CallbackQueryHandler(stats.send_csv, pattern=stats.CSV_PATTERN))
    add(CallbackQueryHandler(stats.send_audit, pattern=stats.AUDIT_PATTERN))
    add(CallbackQueryHandler(groups.choose_link, pattern=r"^link:(\d{1,9}):(\d{1,12})$"))
    add(CallbackQueryHandler(groups.press_unlink, pattern=r"^link:off$"))
    add(CallbackQueryHandler(groups.choose_buurt, pattern=r"^linkb:(\d{1,9})$"))
    add(CallbackQueryHandler(roles.show_person, pattern=roles.PICK_PATTERN))
    add(CallbackQueryHandler(roles.show_person, pattern=roles.WIJKEN_PATTERN))
    add(CallbackQueryHandler(roles.change_role, pattern=roles.CHANGE_PATTERN))
    add(CallbackQueryHandler(roles.close_menu, pattern=roles.CLOSE_PATTERN))
    add(CallbackQueryHandler(privacy_statement.press_show, pattern=r"^priv:show$"))
    add(CallbackQueryHandler(privacy_data.press_forget, pattern=r"^priv:forget:(yes|no)$"))
    add(CallbackQueryHandler(onboarding.choose_language, pattern=r"^ob:lang:(nl|en)$"))
    add(CallbackQueryHandler(onboarding.answer_consent, pattern=r"^ob:consent:(yes|no)$"))
    add(CallbackQueryHandler(onboarding.choose_wijk, pattern=r"^ob:wijk:(\d{1,9})(?::(\d{1,9}))?$"))
    add(CallbackQueryHandler(onboarding.list_wijken_again, pattern=r"^ob:wijken$"))
    add(MessageHandler(private & filters.LOCATION, onboarding.receive_location))
    # Fallbacks last: unknown commands and free text in private chats, then stray buttons.
    # In groups, privacy mode means the bot only sees commands; unknown ones may be another
    # bot's, so they get no answer there.
    add(MessageHandler(private & filters.COMMAND, onboarding.unknown_command))
    # A result someone shared with "@bot ..." comes back as a message "via" the bot: no answer.
    mine = private & ~filters.VIA_BOT
    add(MessageHandler(mine & filters.TEXT, onboarding.receive_text))
    add(MessageHandler(mine & filters.UpdateType.MESSAGE, onboarding.receive_other))
    add(CallbackQueryHandler(cancel.press_stale_button))
    # ...ended only once the button did open its flow (flows.py).
    add(CallbackQueryHandler(flows.end_flows_a_button_left), group=FLOWS_DONE_GROUP)
    add(TypeHandler(Update, write_persistence), group=PERSIST_GROUP)
    if isinstance(application.persistence, DatabasePersistence):
        # A flow stored before a restart ends after its timeout, as it would have without one.
        application.persistence.max_ages = flows.timeouts(application)
