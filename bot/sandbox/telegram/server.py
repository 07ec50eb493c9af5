"""FakeTelegram: an aiohttp Bot API server on 127.0.0.1 plus the API tests drive it with."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from .bot_methods import scope_key
from .errors import ApiError
from .groups import FakeGroup
from .limits import FloodControl, FloodLimits
from .models import RecordedRequest, SentMessage
from .routes import ApiRoutes
from .spec import DEFAULT_SPEC_PATH, Spec
from .state import World
from .users import FakeUser
from .webhook import WebhookAttempt, WebhookDelivery

__all__ = ["DEFAULT_TOKEN", "FakeTelegram"]

DEFAULT_TOKEN = "123456:TEST-TOKEN"
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class FakeTelegram:
    """A strict, in-process Telegram Bot API for end-to-end tests of a PTB bot."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "buurtbot_test_bot",
        bot_first_name: str = "Buurtbot",
        spec_path: Path | None = DEFAULT_SPEC_PATH,
        flood_control: bool = True,
        flood_limits: FloodLimits | None = None,
        privacy_mode: bool = True,
        inline_mode: bool = True,
    ) -> None:
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": not privacy_mode,
            "supports_inline_queries": inline_mode,  # /setinline at @BotFather
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.spec = Spec.load(spec_path)
        flood = FloodControl(flood_limits or FloodLimits()) if flood_control else None
        self.world = World(bot_user=self.bot_user, privacy_mode=privacy_mode, flood=flood)
        self._failures: dict[str, list[ApiError]] = {}
        self._webhook = WebhookDelivery(self.world)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> Self:
        """Start serving on 127.0.0.1 with an ephemeral port."""
        app = web.Application(client_max_size=60 * 1024 * 1024)  # uploads up to Telegram's 50 MB
        ApiRoutes(self.token, self.spec, self.world, self._failures).install(app)
        self.world.stopping = False
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])
        await self._webhook.start()
        return self

    async def stop(self) -> None:
        """Stop serving; pending long polls return [] at once."""
        self.world.stopping = True
        self.world.notify_queue()
        await self._webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Return the value for ApplicationBuilder.base_url / Bot(base_url=...)."""
        return f"http://127.0.0.1:{self._require_port()}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the value for ApplicationBuilder.base_file_url."""
        return f"http://127.0.0.1:{self._require_port()}/file/bot"

    def _require_port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started; await fake.start() first")
        return self._port

    # -- test-facing API ---------------------------------------------------------------------

    @property
    def bot_username(self) -> str:
        """Return the bot's @username (without @)."""
        return str(self.bot_user["username"])

    @property
    def requests(self) -> list[RecordedRequest]:
        """Return every Bot API call, in arrival order."""
        return self.world.requests

    def rejected(self) -> list[RecordedRequest]:
        """Return the calls that got an error, except failures injected with fail_next."""
        return [r for r in self.world.requests if not r.ok and not r.injected]

    @property
    def sent(self) -> list[SentMessage]:
        """Return all messages the bot sent, in order, across chats.

        This includes chosen inline results: messages users sent via the bot (``via_bot`` set).
        """
        return self.world.sent

    @property
    def is_polling(self) -> bool:
        """Tell whether a getUpdates long poll is waiting right now (the bot is listening)."""
        return self.world.active_polls > 0

    @property
    def updates(self) -> list[dict[str, Any]]:
        """Return the updates queued and not yet confirmed by getUpdates."""
        return self.world.updates

    def add_user(
        self,
        first_name: str = "Ann",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "nl",
        user_id: int | None = None,
    ) -> FakeUser:
        """Create a user who has not started the bot yet."""
        uid = user_id if user_id is not None else self.world.new_user_id()
        if uid in self.world.users:
            raise ValueError(f"user id {uid} exists already")
        user = FakeUser(self.world, uid, first_name, last_name, username, language_code)
        self.world.users[uid] = user
        return user

    def add_group(
        self,
        title: str = "Buurtgroep Oost",
        forum: bool = False,
        members: Iterable[FakeUser] = (),
        *,
        basic: bool = False,
    ) -> FakeGroup:
        """Create a supergroup (a forum with forum=True) that the bot is a member of.

        With basic=True it is a basic group ("group"), which can migrate_to_supergroup().
        """
        world = self.world
        if basic:
            group = FakeGroup(world, world.new_basic_group_id(), title, kind="group")
        else:
            group = FakeGroup(world, world.new_group_id(), title, is_forum=forum)
        for user in members:
            group.add_member(user)
        self.world.groups[group.id] = group
        return group

    def commands(
        self,
        scope_type: str = "default",
        language_code: str = "",
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[tuple[str, str]]:
        """Return the (command, description) pairs set for exactly this scope and language."""
        key = scope_key(scope_type, chat_id, user_id, language_code)
        return list(self.world.commands.get(key, []))

    def unanswered_callback_queries(self, grace: float = 2.0) -> list[dict[str, Any]]:
        """Return button presses the bot has not answered within grace seconds."""
        cutoff = time.monotonic() - grace
        return [
            {
                "id": r.id,
                "user_id": r.user_id,
                "chat_id": r.chat_id,
                "message_id": r.message_id,
                "data": r.data,
                "age": time.monotonic() - r.created,
            }
            for r in self.world.callback_queries.values()
            if not r.answered and r.created <= cutoff
        ]

    def unanswered_inline_queries(self, grace: float = 2.0) -> list[dict[str, Any]]:
        """Return inline queries the bot has not answered within grace seconds."""
        cutoff = time.monotonic() - grace
        return [
            {
                "id": r.id,
                "user_id": r.user_id,
                "query": r.query,
                "offset": r.offset,
                "chat_type": r.chat_type,
                "age": time.monotonic() - r.created,
            }
            for r in self.world.inline_queries.values()
            if not r.answered and r.created <= cutoff
        ]

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """Make the next count calls of method fail with this error (429 gets retry_after)."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if error_code == 429
                else _DEFAULT_DESCRIPTIONS.get(error_code, "Internal Server Error")
            )
        error = ApiError(error_code, description, retry_after)
        self._failures.setdefault(method.lower(), []).extend([error] * count)

    def route_webhook(self, public: str, local: str) -> None:
        """Play the reverse proxy: deliver what goes to the public https origin to local.

        E.g. ``route_webhook("https://bot.example.org", "http://127.0.0.1:8443")``.
        """
        self._webhook.route(public, local)

    @property
    def webhook_attempts(self) -> list[WebhookAttempt]:
        """Return every POST of an update to the webhook, in order, with its outcome."""
        return self._webhook.attempts

    # The contract names the parameter "timeout"; asyncio.timeout() could not add the dump.
    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:  # noqa: ASYNC109
        """Wait until predicate() is truthy and return its value; AssertionError on timeout."""
        return await self.world.wait_for(predicate, timeout)
