"""The bot's commands: Dutch names, English aliases, who may use them, and the menus."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.ext import Application

from bot.i18n import LANGUAGES, N_, translator
from models.people import Role


@dataclass(frozen=True)
class Command:
    """One command of the public contract in PRODUCT.md."""

    nl: str
    en: str | None
    description: str  # catalog key
    roles: frozenset[Role] = frozenset({Role.RESIDENT})
    in_groups: bool = False

    @property
    def names(self) -> list[str]:
        """Return every name the command answers to."""
        return [self.nl] if self.en is None else [self.nl, self.en]

    def name_for(self, language: str) -> str:
        """Return the name to show to a person who reads this language."""
        return self.en if language == "en" and self.en else self.nl


START = Command("start", None, N_("cmd.start"), in_groups=True)
HELP = Command("help", None, N_("cmd.help"), in_groups=True)
ASK = Command("vraag", "ask", N_("cmd.ask"), in_groups=True)
VOLUNTEER = Command("helpen", "volunteer", N_("cmd.volunteer"))
MINE = Command("mijn", "mine", N_("cmd.mine"))
INFOPOINT = Command("infopunt", "infopoint", N_("cmd.infopoint"), in_groups=True)
AGENDA = Command("agenda", "events", N_("cmd.agenda"), in_groups=True)
EVENT = Command("activiteit", "event", N_("cmd.event"))
SETTINGS = Command("instellingen", "settings", N_("cmd.settings"))
CANCEL = Command("annuleer", "cancel", N_("cmd.cancel"))
LINK = Command("koppel", "link", N_("cmd.link"), roles=frozenset({Role.ADMIN}), in_groups=True)
QUEUE = Command("wachtrij", "queue", N_("cmd.queue"), roles=frozenset({Role.BUURTASSISTENT}))
ROLE = Command("rol", "role", N_("cmd.role"), roles=frozenset({Role.ADMIN}), in_groups=True)
BROADCAST = Command("omroep", "broadcast", N_("cmd.broadcast"), roles=frozenset({Role.ADMIN}))
STATS = Command("stats", None, N_("cmd.stats"), roles=frozenset({Role.BUURTASSISTENT, Role.ADMIN}))
PRIVACY = Command("privacy", None, N_("cmd.privacy"), in_groups=True)
MYDATA = Command("mijngegevens", "mydata", N_("cmd.mydata"))
FORGET = Command("vergeetmij", "forgetme", N_("cmd.forget"))

# Only commands that exist go here; each feature adds its own when it lands.
COMMANDS: tuple[Command, ...] = (
    START,
    HELP,
    ASK,
    VOLUNTEER,
    MINE,
    INFOPOINT,
    AGENDA,
    EVENT,
    SETTINGS,
    PRIVACY,
    MYDATA,
    FORGET,
    CANCEL,
    QUEUE,
    LINK,
    ROLE,
    BROADCAST,
    STATS,
)


def visible_commands(roles: frozenset[Role], *, in_group: bool = False) -> list[Command]:
    """Return the commands a person with these roles can use, in menu order."""
    return [
        c
        for c in COMMANDS
        if (roles & c.roles or Role.ADMIN in roles) and (c.in_groups or not in_group)
    ]


def menu(language: str, *, in_group: bool) -> list[BotCommand]:
    """Build one command menu: resident commands, named in that language."""
    t = translator(language)
    return [
        BotCommand(c.name_for(language), t(c.description))
        for c in visible_commands(frozenset({Role.RESIDENT}), in_group=in_group)
    ]


async def register_menus(application: Application, default_language: str) -> None:
    """Register the menus per language and scope, and the default for other languages.

    The six calls go out together: one round trip to Telegram at start-up instead of six in a
    row. Each sets a different (scope, language) menu, so their order does not matter. A
    failure comes out as itself (e.g. NetworkError, which ``run`` explains), not in an
    exception group as from a TaskGroup; the calls still under way are then cancelled.
    """
    bot = application.bot
    calls: list[asyncio.Future[bool]] = []
    for in_group, scope in (
        (False, BotCommandScopeAllPrivateChats()),
        (True, BotCommandScopeAllGroupChats()),
    ):
        for language in LANGUAGES:
            commands = menu(language, in_group=in_group)
            calls.append(
                asyncio.ensure_future(
                    bot.set_my_commands(commands, scope=scope, language_code=language)
                )
            )
        commands = menu(default_language, in_group=in_group)
        calls.append(asyncio.ensure_future(bot.set_my_commands(commands, scope=scope)))
    try:
        await asyncio.gather(*calls)
    finally:
        for call in calls:
            call.cancel()
