"""A lean HTTP transport to the Bot API: python-telegram-bot's BaseRequest on aiohttp.

PTB's own HTTPXRequest spends about 0.6 ms CPU per API call on our machine, an aiohttp client
about 0.14 ms, and the bot makes three to four calls per update.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest"]

_URL = "<Bot API URL>"
_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """Make the Bot API's HTTP requests with aiohttp.

    HTTP/1.1 only and no proxy support: HTTP(S)_PROXY and the like in the environment are
    ignored (use PTB's HTTPXRequest, ``telegram.http = "httpx"``, behind a proxy). Timeouts
    map onto aiohttp's as closely as it allows: read is the wait for each read of the response,
    connect the wait for the TCP connection; waiting for a free connection in the pool and
    connecting share one budget (pool + connect); and as aiohttp has no timeout for writing,
    the write timeout bounds the whole request instead (all four together; none if any is None).

    The arguments mean what they mean for HTTPXRequest, with the same defaults.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        # A ClientSession belongs to the event loop it was made in, so it is made on first use
        # (initialize() runs in the bot's loop), not here.
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """Return the read timeout used when a call does not pass one."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the HTTP session (and its connection pool)."""
        self._client()

    async def shutdown(self) -> None:
        """Close the session and its connections; a second call does nothing."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _client(self) -> aiohttp.ClientSession:
        """Return the open session, making it in the running loop if there is none."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                # Telegram sets no cookies; a jar that keeps none saves work on every response.
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
            )
        return self._session

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; return the HTTP status and the body.

        Raises TimedOut or NetworkError, whose messages never hold the URL: it holds the token.
        """
        upload = request_data is not None and request_data.contains_files
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout, upload)
        body: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None and upload:
            body = _multipart(request_data)
        elif request_data is not None:
            # A JSON body, as the Bot API accepts: cheaper to build than a form (about a sixth
            # of a call's CPU), and the values keep their types.
            body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
            headers = _JSON
        try:
            async with self._client().request(
                method, url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp's timeouts are TimeoutErrors too
            if isinstance(err, aiohttp.ConnectionTimeoutError):
                message = (
                    "Timed out connecting to the Bot API or waiting for a free connection "
                    f"(pool of {self._pool_size})"
                )
            else:
                message = f"Timed out ({type(err).__name__})"
            raise TimedOut(message) from _cause(err, url)
        except (aiohttp.ClientError, OSError) as err:
            text = _without_url(str(err), url)
            raise NetworkError(f"aiohttp.{type(err).__name__}: {text}") from _cause(err, url)

    def _timeout(
        self,
        read: ODVInput[float],
        write: ODVInput[float],
        connect: ODVInput[float],
        pool: ODVInput[float],
        upload: bool,
    ) -> aiohttp.ClientTimeout:
        """Map PTB's four timeouts, or this instance's defaults, onto aiohttp's."""
        read = self._read_timeout if isinstance(read, DefaultValue) else read
        connect = self._connect_timeout if isinstance(connect, DefaultValue) else connect
        pool = self._pool_timeout if isinstance(pool, DefaultValue) else pool
        if isinstance(write, DefaultValue):
            write = self._media_write_timeout if upload else self._write_timeout
        parts = (read, write, connect, pool)
        return aiohttp.ClientTimeout(
            total=None if None in parts else sum(parts),  # type: ignore[arg-type]
            # aiohttp's connect covers waiting for a pooled connection and making a new one.
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )


def _multipart(request_data: RequestData) -> aiohttp.FormData:
    """Build a multipart body: the parameters, then each file with its name and type."""
    # quote_fields=False sends a file name as UTF-8 text, as httpx does, not percent-encoded.
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename or name, content_type=mimetype)
    return form


def _without_url(text: str, url: str) -> str:
    """Replace the URL, or its path (which holds the token), in an error's text."""
    text = text.replace(url, _URL)
    path = urlsplit(url).path
    return text.replace(path, _URL) if len(path) > 1 else text


def _cause(err: BaseException, url: str) -> BaseException | None:
    """Return the error to chain from, or None when its text names the URL (a traceback would
    print it)."""
    return err if _without_url(str(err), url) == str(err) else None
