"""Webhook mode: Telegram POSTs updates to us (through a TLS proxy) instead of us polling.

PTB's built-in webhook server (tornado) does the work: it checks the
X-Telegram-Bot-Api-Secret-Token header (a missing or wrong one gets 403 and the update is
dropped unread), queues the update and answers 200 at once; handlers run afterwards.
At start it calls setWebhook with the public URL, the secret and the update types we want.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.config import Config, WebhookConfig


def webhook_options(config: Config) -> dict[str, Any]:
    """Return the arguments for Application.run_webhook and Updater.start_webhook."""
    webhook: WebhookConfig = config.webhook
    return {
        "listen": webhook.listen,
        "port": webhook.port,
        "url_path": webhook.path,
        "webhook_url": webhook.url,
        "secret_token": webhook.secret_token,
        "max_connections": webhook.max_connections,
        "allowed_updates": Update.ALL_TYPES,
        # Keep what Telegram queued while the bot was down or switching from polling.
        "drop_pending_updates": False,
        # Telegram may be briefly unreachable at start; retry setWebhook a few times.
        "bootstrap_retries": 3,
    }


def webhook_receiver(config: Config) -> Callable[[Application], Awaitable[object]]:
    """Return how the leader starts receiving updates in webhook mode (see bot/serve.py).

    Only the leader listens and calls setWebhook; a standby that takes over does it again.
    """

    async def start(application: Application) -> object:
        assert application.updater is not None
        return await application.updater.start_webhook(**webhook_options(config))

    return start


def describe(config: Config) -> str:
    """Say where the webhook listens, for the start-up log (without the secret)."""
    webhook = config.webhook
    return f"webhook {webhook.url} -> http://{webhook.listen}:{webhook.port}{webhook.path}"
