"""The typed callback context: one place to reach the config and the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, CallbackContext

from bot.clock import Clock
from bot.config import Config
from bot.delivery import Dispatcher
from bot.guard import Guard
from bot.telegram_bot import BuurtBot

# How many people who passed the consent check are kept in memory before the list starts afresh
# (a few MB at most).
CONSENT_PASSED_KEPT = 100_000


@dataclass
class Services:
    """Long-lived objects every callback may use (never a session: one per update)."""

    config: Config
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    dispatcher: Dispatcher
    guard: Guard
    # Telegram ids that passed the consent check once this run (handlers/privacy/gate.py).
    consent_passed: set[int] = field(default_factory=set)

    def pass_consent_check(self, telegram_id: int) -> None:
        """Let the person by the consent check from now on (they agreed to this run's notice)."""
        if len(self.consent_passed) >= CONSENT_PASSED_KEPT:
            self.consent_passed.clear()
        self.consent_passed.add(telegram_id)


class BuurtContext(CallbackContext[BuurtBot, dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to the services."""

    # The flows a pressed button may start (handlers/flows.py): noted before the handlers
    # run, looked at after them (PTB makes one context per update for all its groups).
    starting_flows: tuple[Any, ...] = ()

    @property
    def services(self) -> Services:
        """Return the services wired in build_application."""
        return self.application.bot_data["services"]

    @property
    def config(self) -> Config:
        """Return the configuration."""
        return self.services.config

    def session(self) -> Any:
        """Open a session in a transaction: ``async with context.session() as session``."""
        return self.services.sessionmaker.begin()

    def now(self) -> datetime:
        """Return the current time from the configured clock."""
        return self.services.clock.now()


BuurtApplication = Application[Any, BuurtContext, Any, Any, Any, Any]
