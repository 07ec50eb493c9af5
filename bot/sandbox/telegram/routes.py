"""The HTTP side of the fake: dispatch /bot<token>/<method> calls and serve uploaded files."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .bot_methods import BOT_HANDLERS, PollSuperseded
from .decoding import decode_request
from .errors import ApiError, bad_request
from .inline import INLINE_HANDLERS
from .messages import MESSAGE_HANDLERS
from .models import RecordedRequest
from .spec import Spec
from .state import World, api_error_from

__all__ = ["ApiRoutes"]

Handler = Callable[[World, dict[str, Any]], Any]
_HANDLERS: dict[str, tuple[str, Handler]] = {
    name.lower(): (name, handler)
    for name, handler in {**BOT_HANDLERS, **MESSAGE_HANDLERS, **INLINE_HANDLERS}.items()
}


class ApiRoutes:
    """aiohttp handlers over one World: check token and spec, run the method, record the call."""

    def __init__(
        self, token: str, spec: Spec | None, world: World, failures: dict[str, list[ApiError]]
    ) -> None:
        self.token = token
        self.spec = spec
        self.world = world
        self.failures = failures  # method name (lowercase) -> errors to inject, in order

    def install(self, app: web.Application) -> None:
        """Add the Bot API, file and catch-all routes."""
        app.router.add_route("*", "/bot{token}/{method}", self.handle_method)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self.handle_file)
        app.router.add_route("*", "/{tail:.*}", self.handle_unknown_route)

    async def handle_unknown_route(self, request: web.Request) -> web.Response:
        """Answer 404 like Telegram for anything that is no Bot API route."""
        return error_response(ApiError(404, "Not Found"))

    async def handle_file(self, request: web.Request) -> web.StreamResponse:
        """Serve a file the bot uploaded, by its file_path."""
        if request.match_info["token"] != self.token:
            return error_response(ApiError(401, "Unauthorized"))
        for stored in self.world.files.values():
            if stored.path == request.match_info["path"]:
                return web.Response(body=stored.upload.content, content_type=stored.upload.mime)
        return error_response(ApiError(404, "Not Found"))

    async def handle_method(self, request: web.Request) -> web.Response:
        """Run one Bot API call and answer in Telegram's JSON shape."""
        name = request.match_info["method"]
        spec_method = self.spec.method(name) if self.spec else None
        implemented = _HANDLERS.get(name.lower())
        canonical = spec_method.name if spec_method else implemented[0] if implemented else name
        params: dict[str, Any] = {}
        injected = False
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if (self.spec and spec_method is None) or (not self.spec and not implemented):
                raise ApiError(404, "Not Found")
            params = await decode_request(request, spec_method)
            failures = self.failures.get(name.lower())
            if failures:
                injected = True
                raise failures.pop(0)
            if self.spec and spec_method:
                self.spec.validate(spec_method, params)
            if implemented is None:
                raise bad_request(f"fake server does not implement {canonical}")
            result = implemented[1](self.world, params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as exc:
            if isinstance(exc, PollSuperseded) and await _client_gone(request):
                # PTB cancels its long poll on shutdown and then polls once more; the old
                # request's 409 reaches nobody, so it is no rejection worth reporting.
                self._record(canonical, params, None, injected)
                return web.json_response({"ok": True, "result": []})
            self._record(canonical, params, exc, injected)
            return error_response(exc)
        except Exception as exc:  # a fake bug must fail the test loudly, not hang the bot
            error = api_error_from(exc)
            self._record(canonical, params, error, injected)
            return error_response(error)
        self._record(canonical, params, None, injected)
        return web.json_response({"ok": True, "result": result})

    def _record(
        self, method: str, params: dict[str, Any], error: ApiError | None, injected: bool
    ) -> None:
        self.world.requests.append(
            RecordedRequest(
                method=method,
                params=params,
                ok=error is None,
                error_code=error.error_code if error else None,
                description=error.description if error else None,
                at=time.monotonic(),
                injected=injected,
            )
        )
        self.world.notify()


def error_response(error: ApiError) -> web.Response:
    """Return Telegram's error JSON with the matching HTTP status."""
    return web.json_response(error.payload(), status=error.error_code)


async def _client_gone(request: web.Request) -> bool:
    """Tell whether the client hung up, giving the hang-up a moment to be noticed."""
    for _ in range(10):
        transport = request.transport
        if transport is None or transport.is_closing():
            return True
        await asyncio.sleep(0.01)
    return False
