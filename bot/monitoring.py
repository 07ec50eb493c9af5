"""/healthz and /metrics: a small HTTP server in the bot's own process (tornado, from PTB).

It serves plain HTTP for a load balancer, systemd's watchdog scripts or Prometheus; keep it on
localhost or a private network (it is not meant to be behind the public proxy).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import tornado.netutil
import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tornado.httpserver import HTTPServer

from bot.config import Config
from bot.metrics import MeasuredApplication, Metrics
from models.outbox import OutboxMessage, Status

_LOGGER = logging.getLogger("buurtbot.monitoring")


@dataclass(frozen=True)
class Health:
    """The result of one health check."""

    database: bool
    role: str
    outbox_backlog: int | None
    last_update_at: float | None
    error: str | None = None

    @property
    def healthy(self) -> bool:
        """Tell whether the bot can do its work (a standby counts: it is ready to take over)."""
        return self.database

    def as_json(self) -> dict[str, Any]:
        """Return the /healthz body."""
        last = self.last_update_at
        return {
            "status": "ok" if self.healthy else "unavailable",
            "database": "ok" if self.database else "unreachable",
            "role": self.role,
            "outbox_backlog": self.outbox_backlog,
            "last_update_at": (
                datetime.fromtimestamp(last, UTC).isoformat(timespec="seconds") if last else None
            ),
            **({"error": self.error} if self.error else {}),
        }


async def pending_count(session: AsyncSession) -> int:
    """Count the outbox messages waiting to be sent."""
    count = await session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.status == Status.PENDING)
    )
    return int(count or 0)


class Monitor:
    """Check the bot's health and keep the gauges up to date."""

    def __init__(
        self,
        application: MeasuredApplication,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        timeout: float = 3.0,
    ) -> None:
        self.application = application
        self.sessionmaker = sessionmaker
        self.timeout = timeout

    @property
    def metrics(self) -> Metrics:
        """Return the application's metrics."""
        return self.application.metrics

    async def check(self) -> Health:
        """Reach the database (counting the outbox backlog on the way) within the timeout."""
        role = self.application.role()
        backlog: int | None = None
        error: str | None = None
        try:
            async with asyncio.timeout(self.timeout), self.sessionmaker() as session:
                backlog = await pending_count(session)
        except TimeoutError:
            error = f"no answer from the database within {self.timeout:g} s"
        except Exception as exc:  # whatever the driver raises, the answer is 503, not 500
            # The type only: a driver's message may name hosts or users.
            error = f"database error: {type(exc).__name__}"
        if error:
            _LOGGER.warning("Health check failed: %s", error)
        self.metrics.database_up.set(0 if error else 1)
        self.metrics.leader.set(1 if role == "leader" else 0)
        if backlog is not None:
            self.metrics.outbox_backlog.set(backlog)
        return Health(
            database=error is None,
            role=role,
            outbox_backlog=backlog,
            last_update_at=self.metrics.last_update_at,
            error=error,
        )


class _HealthHandler(tornado.web.RequestHandler):
    """GET /healthz: 200 and a JSON summary when healthy, else 503."""

    def initialize(self, monitor: Monitor) -> None:
        """Take the monitor (tornado's way of passing arguments)."""
        self.monitor = monitor

    async def get(self) -> None:
        """Run the health check."""
        health = await self.monitor.check()
        self.set_status(HTTPStatus.OK if health.healthy else HTTPStatus.SERVICE_UNAVAILABLE)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(health.as_json()))


class _MetricsHandler(tornado.web.RequestHandler):
    """GET /metrics: the Prometheus text format."""

    def initialize(self, monitor: Monitor) -> None:
        """Take the monitor."""
        self.monitor = monitor

    async def get(self) -> None:
        """Refresh the gauges that come from the database, then expose everything."""
        await self.monitor.check()
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(self.monitor.metrics.exposition())


class _QuietApplication(tornado.web.Application):
    """A tornado app that leaves request logging to us (a scrape every 15 s is noise)."""

    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """Log nothing per request."""


class MonitoringServer:
    """Serve /healthz and /metrics on host:port until stopped."""

    def __init__(self, monitor: Monitor, host: str, port: int) -> None:
        self.host = host
        self.port = port
        app = _QuietApplication(
            [
                (r"/healthz", _HealthHandler, {"monitor": monitor}),
                (r"/metrics", _MetricsHandler, {"monitor": monitor}),
            ]
        )
        self._server = HTTPServer(app)
        self._running = False

    async def start(self) -> None:
        """Listen; with port 0, pick a free port and remember it."""
        sockets = tornado.netutil.bind_sockets(self.port, address=self.host)
        self._server.add_sockets(sockets)
        self.port = int(sockets[0].getsockname()[1])
        self._running = True
        _LOGGER.info(
            "Health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port
        )

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if not self._running:
            return
        self._running = False
        self._server.stop()
        await self._server.close_all_connections()

    @property
    def base_url(self) -> str:
        """Return the server's address, e.g. for tests."""
        return f"http://{self.host}:{self.port}"


async def start_monitoring(application: MeasuredApplication, config: Config) -> None:
    """Start the health and metrics server if [monitoring] is enabled."""
    settings = config.monitoring
    if not settings.enabled or "monitoring" in application.bot_data:
        return  # off, or already started (by serve, before the leadership was won)
    services = application.bot_data["services"]
    monitor = Monitor(application, services.sessionmaker, timeout=settings.health_timeout_seconds)
    server = MonitoringServer(monitor, settings.host, settings.port)
    await server.start()
    application.bot_data["monitoring"] = server


async def stop_monitoring(application: MeasuredApplication) -> None:
    """Stop the health and metrics server, if it runs."""
    server: MonitoringServer | None = application.bot_data.pop("monitoring", None)
    if server is not None:
        await server.stop()
