"""Webhook delivery: while a webhook is set, POST each queued update to it, as Telegram does.

Telegram only posts to public https:// URLs. In tests the bot listens on plain HTTP on
127.0.0.1, so the fake plays the TLS-terminating reverse proxy too: ``route(public, local)``
says where a public origin really lives. The fake never reaches out to the real network: an
unrouted host fails like an unknown one.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .errors import bad_request
from .state import World, now

__all__ = ["WebhookAttempt", "WebhookDelivery", "check_webhook"]

_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class WebhookAttempt:
    """One POST of an update to the webhook and how it went."""

    update_id: int
    status: int | None  # the HTTP status, or None when the connection failed
    error: str | None


def check_webhook(p: dict[str, Any]) -> None:
    """Refuse the setWebhook parameters Telegram refuses."""
    url = p["url"]
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if (parts.port or 443) not in _WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    secret = p.get("secret_token")
    if secret is not None and not _SECRET_RE.match(secret):
        raise bad_request("bad webhook: Secret token contains unallowed characters")
    connections = p.get("max_connections")
    if connections is not None and not 1 <= connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")


class WebhookDelivery:
    """The delivery loop: oldest update first, one at a time, retrying until a 2xx answer."""

    def __init__(self, world: World, retry_seconds: float = 0.2) -> None:
        self.world = world
        self.retry_seconds = retry_seconds
        self.routes: dict[str, str] = {}  # public origin -> local base URL
        self.attempts: list[WebhookAttempt] = []
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None

    def route(self, public: str, local: str) -> None:
        """Send what Telegram would post to the public origin to a local server instead."""
        parts = urlsplit(public)
        self.routes[f"{parts.scheme}://{parts.netloc}"] = local.rstrip("/")

    async def start(self) -> None:
        """Start the loop."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._task = asyncio.create_task(self._run(), name="fake-telegram-webhook")

    async def stop(self) -> None:
        """Stop the loop and close the connections."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        world = self.world
        while not world.stopping:
            url = world.webhook["url"]
            if not url or not world.updates:
                await world.wait_queue_changed(1.0)
                continue
            update = world.updates[0]
            error = await self._post(url, update)
            if error is None:
                world.updates = [u for u in world.updates if u is not update]
                world.notify()
            else:
                world.webhook["last_error_date"] = now()
                world.webhook["last_error_message"] = error
                await asyncio.sleep(self.retry_seconds)

    def _local_url(self, url: str) -> str | None:
        parts = urlsplit(url)
        base = self.routes.get(f"{parts.scheme}://{parts.netloc}")
        if base is None:
            return None
        return base + parts.path + (f"?{parts.query}" if parts.query else "")

    async def _post(self, url: str, update: dict[str, Any]) -> str | None:
        """POST one update; return None on a 2xx answer, else Telegram's error message."""
        target = self._local_url(url)
        update_id = update["update_id"]
        if target is None:
            error = "Failed to resolve host: Name or service not known"
            self.attempts.append(WebhookAttempt(update_id, None, error))
            return error
        headers = {}
        secret = self.world.webhook.get("secret_token")
        if secret:
            headers[SECRET_HEADER] = secret
        assert self._session is not None
        try:
            async with self._session.post(target, json=update, headers=headers) as response:
                status = response.status
                reason = response.reason or ""
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection refused ({type(exc).__name__})"
            self.attempts.append(WebhookAttempt(update_id, None, error))
            return error
        if 200 <= status < 300:
            self.attempts.append(WebhookAttempt(update_id, status, None))
            return None
        error = f"Wrong response from the webhook: {status} {reason}".strip()
        self.attempts.append(WebhookAttempt(update_id, status, error))
        return error
