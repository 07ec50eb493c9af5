"""Periodic jobs. Each asks the database what is due, so a restart loses nothing."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import Application

from bot.config import Config
from bot.context import BuurtContext
from handlers.activities.agenda import run_reminders
from handlers.broadcast_run import run_broadcasts
from handlers.digest import run_digests
from handlers.escalation import run_escalations
from handlers.requests.notify import queue_outcome
from models.help_requests import FollowupTimes, run_due
from models.privacy import purge_expired

_LOGGER = logging.getLogger("buurtbot.scheduling")

FOLLOWUPS_JOB = "followups"
BROADCASTS_JOB = "broadcasts"
REMINDERS_JOB = "activity-reminders"
ESCALATIONS_JOB = "escalations"
DIGESTS_JOB = "assistant-digests"
RETENTION_JOB = "privacy-retention"
# Once a day is enough for periods counted in days; the first run soon after a (re)start, so a
# bot that restarts every night still purges.
RETENTION_INTERVAL = timedelta(days=1)
RETENTION_FIRST = timedelta(minutes=5)


def followup_times(config: Config) -> FollowupTimes:
    """Read the follow-up timings from the config."""
    requests = config.requests
    return FollowupTimes(
        expire_grace=timedelta(hours=requests.expire_grace_hours),
        still_needed_after=timedelta(hours=requests.still_needed_after_hours),
        remind_before=timedelta(minutes=requests.remind_before_minutes),
    )


async def run_followups(context: BuurtContext) -> None:
    """Apply due reminders, check-ins, "still needed?" questions and expiries."""
    now = context.now()
    config = context.config
    async with context.session() as session:
        outcomes = await run_due(session, now=now, times=followup_times(config))
        for outcome in outcomes:
            await queue_outcome(session, outcome, config, now)
    if outcomes:
        _LOGGER.info("%d follow-up(s) due", len(outcomes))
        context.services.dispatcher.wake()


async def run_retention(context: BuurtContext) -> None:
    """Remove personal data that is past its retention period."""
    privacy = context.config.privacy
    async with context.session() as session:
        purged = await purge_expired(
            session,
            now=context.now(),
            retention_days=privacy.retention_days,
            outbox_days=privacy.outbox_days,
        )
    if purged.total:
        _LOGGER.info("Retention: %s", purged)
    if purged.requests:
        context.services.dispatcher.wake()  # the cards lose their description


def schedule_jobs(application: Application, config: Config) -> None:
    """Register the periodic jobs on the JobQueue."""
    assert application.job_queue is not None
    every_followup = config.requests.followup_interval_seconds
    jobs = (
        (run_reminders, every_followup, REMINDERS_JOB),
        (run_broadcasts, config.delivery.broadcast_check_seconds, BROADCASTS_JOB),
        (run_followups, every_followup, FOLLOWUPS_JOB),
        (run_escalations, every_followup, ESCALATIONS_JOB),
        (run_digests, every_followup, DIGESTS_JOB),
    )
    for callback, interval, name in jobs:
        application.job_queue.run_repeating(callback, interval=interval, first=1, name=name)
    application.job_queue.run_repeating(
        run_retention, interval=RETENTION_INTERVAL, first=RETENTION_FIRST, name=RETENTION_JOB
    )
