"""The demo page and its small JSON API, served on 127.0.0.1 by aiohttp.

GET  /                     the page (static/index.html, app.css, app.js)
GET  /api/state?version=V  everything the page shows; waits up to 20 s while it equals V
GET  /api/map              the wijken as SVG paths
GET  /api/file/CHAT/MSG    a document the bot sent, as a download
POST /api/send             {"user_id", "chat_id", "text"}
POST /api/press            {"user_id", "chat_id", "message_id", "data"}
POST /api/link             {"user_id", "url"}   a t.me/<bot>?start=... link
POST /api/location         {"user_id", "chat_id", "latitude", "longitude"}
POST /api/contact          {"user_id", "chat_id"}
POST /api/photo            {"user_id", "chat_id", "caption"}   a made-up photo
POST /api/clock            {"hours": 1} or {"days": 1}
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.telegram import ApiError, FakeGroup, FakeUser
from bot.sandbox.view import Json, chat_view

if TYPE_CHECKING:
    from bot.sandbox.demo import Demo

_LOGGER = logging.getLogger("buurtbot.demo")

STATIC = Path(__file__).with_name("static")
LONG_POLL_SECONDS = 20.0
# Each "share contact" shows this made-up number (a 06 number from the range kept for fiction).
DEMO_PHONE = "+31699900000"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class DemoSite:
    """The page and the API on top of a running Demo."""

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        """Return the aiohttp application (tests may serve it themselves)."""
        app = web.Application(middlewares=[_errors_as_json])
        app.router.add_get("/", self.index)
        app.router.add_get("/static/{name}", self.static)
        app.router.add_get("/api/state", self.state)
        app.router.add_get("/api/map", self.map)
        app.router.add_get("/api/file/{chat_id}/{message_id}", self.file)
        app.router.add_post("/api/send", self.send)
        app.router.add_post("/api/press", self.press)
        app.router.add_post("/api/link", self.link)
        app.router.add_post("/api/location", self.location)
        app.router.add_post("/api/contact", self.contact)
        app.router.add_post("/api/photo", self.photo)
        app.router.add_post("/api/clock", self.move_clock)
        return app

    async def start(self, port: int) -> int:
        """Serve on 127.0.0.1 (never on other interfaces: the page can act as anyone)."""
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- pages -------------------------------------------------------------------------------

    async def index(self, _request: web.Request) -> web.StreamResponse:
        """Serve the page."""
        return web.FileResponse(STATIC / "index.html", headers=_NO_CACHE)

    async def static(self, request: web.Request) -> web.StreamResponse:
        """Serve app.css and app.js (only files that exist in static/, by name)."""
        name = request.match_info["name"]
        allowed = {p.name for p in STATIC.iterdir() if p.is_file()}
        if name not in allowed:
            raise web.HTTPNotFound()
        return web.FileResponse(STATIC / name, headers=_NO_CACHE)

    # -- reading -----------------------------------------------------------------------------

    def snapshot(self) -> Json:
        """Return everything the page shows, with a version that changes when anything does."""
        demo = self.demo
        world = demo.telegram.world
        chats = [
            {**chat_view(world, p.user, p.user), "persona": p.key, "role": p.role_label}
            for p in demo.world.personas
        ]
        group = demo.world.group
        chats.append({**chat_view(world, group, None), "persona": None, "role": ""})
        for chat in chats:
            chat["commands"] = self._commands(chat["id"], chat["kind"])
        now = demo.clock.now().astimezone(demo.config.bot.tz)
        state: Json = {
            "bot": {"username": demo.telegram.bot_username, "name": "Buurtbot"},
            "clock": dutch_time(now),
            "shifted": demo.clock.offset.total_seconds() > 0,
            "data": demo.world.data.name,
            "wijk": demo.world.wijk_name,
            "chats": chats,
            "toasts": [
                {"n": n, "user_id": uid, "text": a.get("text", ""), "alert": a.get("show_alert")}
                for n, (uid, a) in enumerate(world.answers)
                if a.get("text")
            ][-10:],
        }
        body = json.dumps(state, sort_keys=True, default=str)
        state["version"] = hashlib.sha256(body.encode()).hexdigest()[:16]
        return state

    def _commands(self, chat_id: int, kind: str) -> list[list[str]]:
        """Return the command menu this chat shows: the most specific scope that has one."""
        telegram = self.demo.telegram
        broad = "all_private_chats" if kind == "private" else "all_group_chats"
        for scope, chat in (("chat", chat_id), (broad, None), ("default", None)):
            for language in ("nl", ""):
                found = telegram.commands(scope, language, chat_id=chat)
                if found:
                    return [[c, d] for c, d in found]
        return []

    async def state(self, request: web.Request) -> web.StreamResponse:
        """Return the state, waiting (long poll) while it is the version the page has."""
        known = request.query.get("version", "")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LONG_POLL_SECONDS
        state = self.snapshot()
        while state["version"] == known and loop.time() < deadline:
            # Capped: the clock and the bot's database change without waking the fake.
            await self.demo.telegram.world.wait_changed(1.0)
            state = self.snapshot()
        return web.json_response(state, headers=_NO_CACHE, dumps=_dumps)

    async def map(self, _request: web.Request) -> web.StreamResponse:
        """Return the wijken map."""
        return web.json_response(self.demo.map, dumps=_dumps)

    async def file(self, request: web.Request) -> web.StreamResponse:
        """Hand out a document the bot sent, with its file name."""
        try:
            key = (int(request.match_info["chat_id"]), int(request.match_info["message_id"]))
        except ValueError:
            raise web.HTTPNotFound() from None
        sent = self.demo.telegram.world.bot_messages.get(key)
        if sent is None or sent.document is None:
            raise web.HTTPNotFound()
        document = sent.document
        name = str(document["filename"]).replace('"', "")
        return web.Response(
            body=document["content"],
            content_type=document["mime"] or "application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # -- acting --------------------------------------------------------------------------------

    async def send(self, request: web.Request) -> web.StreamResponse:
        """Send a text (or command) as a persona, in their private chat or the group."""
        body = await _body(request)
        user, group = self._actor(body)
        text = str(body.get("text", "")).strip()
        if not text:
            raise _bad("empty message")
        await user.send(text[:4096], chat=group)
        return _ok()

    async def press(self, request: web.Request) -> web.StreamResponse:
        """Press an inline button as a persona."""
        body = await _body(request)
        user, _group = self._actor(body)
        chat_id, message_id = int(body["chat_id"]), int(body["message_id"])
        sent = self.demo.telegram.world.live_bot_message(chat_id, message_id)
        if sent is None:
            raise _bad("that message is gone")
        await user.press_data(sent, str(body["data"]))
        return _ok()

    async def link(self, request: web.Request) -> web.StreamResponse:
        """Follow a t.me/<bot>?start=... link: the persona's private chat gets /start payload."""
        body = await _body(request)
        user = self._user(body)
        await user.open_start_link(str(body["url"]))
        return _ok({"chat_id": user.id})

    async def location(self, request: web.Request) -> web.StreamResponse:
        """Share a point on the map as a persona."""
        body = await _body(request)
        user, group = self._actor(body)
        await user.share_location(float(body["latitude"]), float(body["longitude"]), chat=group)
        return _ok()

    async def contact(self, request: web.Request) -> web.StreamResponse:
        """Share the persona's own (made-up) phone number."""
        body = await _body(request)
        user, group = self._actor(body)
        await user.share_contact(DEMO_PHONE, chat=group)
        return _ok()

    async def photo(self, request: web.Request) -> web.StreamResponse:
        """Send a made-up photo (with the typed text as its caption) as a persona."""
        body = await _body(request)
        user, group = self._actor(body)
        caption = str(body.get("caption", "")).strip()[:1024] or None
        await user.send_photo(caption, chat=group)
        return _ok()

    async def move_clock(self, request: web.Request) -> web.StreamResponse:
        """Fast-forward the bot's clock; the scheduler's next round sees what fell due."""
        body = await _body(request)
        delta = timedelta(hours=float(body.get("hours", 0)), days=float(body.get("days", 0)))
        if not timedelta() < delta <= timedelta(days=30):
            raise _bad("move the clock forward by up to 30 days")
        self.demo.clock.advance(delta)
        _LOGGER.info("Clock moved forward by %s", delta)
        self.demo.telegram.world.notify()
        return _ok()

    def _user(self, body: Json) -> FakeUser:
        """Return the persona named by user_id."""
        users = {p.user.id: p.user for p in self.demo.world.personas}
        try:
            return users[int(body["user_id"])]
        except (KeyError, ValueError, TypeError):
            raise _bad("unknown person") from None

    def _actor(self, body: Json) -> tuple[FakeUser, FakeGroup | None]:
        """Return the persona and the group they act in (None: their private chat)."""
        user = self._user(body)
        chat_id = int(body.get("chat_id", user.id))
        if chat_id == user.id:
            return user, None
        group = self.demo.telegram.world.groups.get(chat_id)
        if group is None or user not in group.members:
            raise _bad("that person is not in that chat")
        return user, group


_NO_CACHE = {"Cache-Control": "no-store"}
_DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def dutch_time(moment: datetime) -> str:
    """Return e.g. "vr 27 nov 2026 14:12" (no locale needed)."""
    day, month = _DAYS[moment.weekday()], _MONTHS[moment.month - 1]
    return f"{day} {moment.day} {month} {moment.year} {moment:%H:%M}"


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str)


def _ok(extra: Json | None = None) -> web.Response:
    return web.json_response({"ok": True, **(extra or {})})


def _bad(reason: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=json.dumps({"ok": False, "error": reason}), content_type="application/json"
    )


async def _body(request: web.Request) -> Json:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _bad("expected a JSON body") from None
    if not isinstance(body, dict):
        raise _bad("expected a JSON object")
    return body


@web.middleware
async def _errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn what Telegram (the fake) refuses into a readable 400 for the page."""
    try:
        return await handler(request)
    except ApiError as exc:
        raise _bad(f"Telegram: {exc.description}") from None
    except (ValueError, LookupError, KeyError, TypeError) as exc:
        raise _bad(str(exc)) from None
