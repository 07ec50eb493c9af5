"""The bot's Prometheus metrics, in a registry of its own (one per Application)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from telegram import Update
from telegram.ext import Application

# Seconds; from a quick button answer to a slow flow with several database round trips.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# The update kinds Telegram knows; anything else is counted as "other".
UPDATE_KINDS = tuple(Update.ALL_TYPES)
DELIVERY_OUTCOMES = ("sent", "retry", "failed", "blocked")


def update_kind(update: object) -> str:
    """Name the kind of an update: message, callback_query, inline_query, ..."""
    if isinstance(update, Update):
        for kind in UPDATE_KINDS:
            if getattr(update, kind, None) is not None:
                return kind
    return "other"


class Metrics:
    """Counters, gauges and the latency histogram; never the global registry.

    A registry per Application keeps tests that start many bots in one process apart.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter(
            "buurtbot_updates",
            "Updates from Telegram handled, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "buurtbot_update_handling_seconds",
            "Time to handle one update (all handlers), by kind.",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.deliveries = Counter(
            "buurtbot_deliveries",
            "Outbox messages handed to Telegram, by outcome: sent, retry (will try again), "
            "failed (given up) or blocked (the person blocked the bot).",
            ["outcome"],
            registry=self.registry,
        )
        self.flood_waits = Counter(
            "buurtbot_telegram_429",
            "Too Many Requests (429) answers from Telegram, by method.",
            ["method"],
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "buurtbot_outbox_backlog",
            "Outbox messages waiting to be sent (pending), at the last scrape.",
            registry=self.registry,
        )
        self.database_up = Gauge(
            "buurtbot_database_up",
            "1 when the last health check reached the database, else 0.",
            registry=self.registry,
        )
        self.leader = Gauge(
            "buurtbot_leader",
            "1 when this process is the leader (polls and sends), 0 when standby.",
            registry=self.registry,
        )
        self.last_update = Gauge(
            "buurtbot_last_update_timestamp_seconds",
            "Unix time the last update was handled.",
            registry=self.registry,
        )
        for outcome in DELIVERY_OUTCOMES:  # show zeros before the first delivery
            self.deliveries.labels(outcome)
        self.last_update_at: float | None = None
        # Each kind's counter and histogram, looked up once: labels() takes a lock and checks
        # its arguments, on every update.
        self._per_kind: dict[str, tuple[Any, Any]] = {}

    def observe_update(self, update: object, seconds: float) -> None:
        """Count one handled update and its handling time."""
        kind = update_kind(update)
        metrics = self._per_kind.get(kind)
        if metrics is None:
            metrics = self._per_kind[kind] = (self.updates.labels(kind), self.latency.labels(kind))
        metrics[0].inc()
        metrics[1].observe(seconds)
        self.last_update_at = time.time()
        self.last_update.set(self.last_update_at)

    def observe_delivery(self, outcome: str) -> None:
        """Count one outbox send: sent, retry, failed or blocked."""
        self.deliveries.labels(outcome).inc()

    def observe_flood(self, method: str) -> None:
        """Count one 429 answer."""
        self.flood_waits.labels(method).inc()

    def exposition(self) -> bytes:
        """Return the registry in the Prometheus text format."""
        return generate_latest(self.registry)


class MeasuredApplication(Application):  # type: ignore[type-arg]
    """An Application that times and counts every update it handles."""

    def __init__(self, *, metrics: Metrics | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metrics = metrics or Metrics()
        # Set by whoever knows (the leader election); a standby is healthy but idle.
        self.role: Callable[[], str] = lambda: "leader"

    async def process_update(self, update: object) -> None:
        """Handle the update as usual; record how long it took."""
        started = time.perf_counter()
        try:
            await super().process_update(update)
        finally:
            self.metrics.observe_update(update, time.perf_counter() - started)
