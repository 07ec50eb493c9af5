"""Rate limiting with retries, so people never see Telegram's 429s or passing network faults."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

_LOGGER = logging.getLogger(__name__)


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter that also retries connection failures and Telegram 5xx answers.

    A timeout is retried only for methods that do not send anything: after a timeout we cannot
    know whether Telegram delivered the message, and a second copy is worse than a late error.
    """

    def __init__(
        self,
        *,
        max_retries: int = 3,
        backoff: float = 0.5,
        overall_per_second: int = 30,
        group_per_minute: int = 20,
        on_flood: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(
            overall_max_rate=overall_per_second,
            overall_time_period=1,
            group_max_rate=group_per_minute,
            group_time_period=60,
            max_retries=max_retries,
        )
        self._network_retries = max_retries
        self._backoff = backoff
        # Told the method of every 429 Telegram answers, for the metrics.
        self._on_flood = on_flood

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Send the request through the limiter; retry network faults with backoff."""
        if self._on_flood is not None:
            callback = self._counting_floods(callback, endpoint)
        for attempt in range(self._network_retries + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as exc:
                sends = endpoint.startswith(("send", "copy", "forward"))
                if attempt == self._network_retries or (isinstance(exc, TimedOut) and sends):
                    raise
                delay = self._backoff * 2**attempt
                _LOGGER.warning("%s failed (%s); retrying in %.1f s", endpoint, exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _counting_floods(
        self, callback: Callable[..., Coroutine[Any, Any, Any]], endpoint: str
    ) -> Callable[..., Coroutine[Any, Any, Any]]:
        """Wrap the request so each 429 is reported before the limiter waits and retries."""
        on_flood = self._on_flood
        assert on_flood is not None

        async def counted(*args: Any, **kwargs: Any) -> Any:
            try:
                return await callback(*args, **kwargs)
            except RetryAfter:
                on_flood(endpoint)
                raise

        return counted
