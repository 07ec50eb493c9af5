"""The aiohttp transport to the Bot API, through real HTTP on 127.0.0.1.

The whole suite runs the bot on this transport; these tests add what the flows cannot reach:
uploads byte for byte, timeouts, a closed port, and error texts that must not name the token.
"""

from __future__ import annotations

import asyncio
import json
import socket
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import telegram
from aiohttp import web
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut

from bot.sandbox.telegram import FakeTelegram, FakeUser
from bot.transport import AiohttpRequest

TOKEN = "123456789:AAHsecret-token_for_the_transport"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """Run a fake Telegram with default settings."""
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[telegram.Bot]:
    """Return a plain PTB Bot on the fake that talks through AiohttpRequest."""
    client = telegram.Bot(
        fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        request=AiohttpRequest(),
        # A read timeout shorter than the long poll: PTB adds the poll's timeout to it.
        get_updates_request=AiohttpRequest(connection_pool_size=1, read_timeout=0.5),
    )
    async with client:
        yield client


@pytest.fixture
def ann(fake: FakeTelegram) -> FakeUser:
    """Return a user who has started the bot."""
    user = fake.add_user("Ann")
    user.started = True
    return user


@asynccontextmanager
async def silent_server() -> AsyncIterator[str]:
    """Serve on 127.0.0.1 and never answer; yield the base URL (as api_base_url)."""
    released = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        await released.wait()
        return web.Response(status=503)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hang)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        released.set()
        await runner.cleanup()


def closed_port() -> int:
    """Return a port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_no_token(exc: BaseException) -> None:
    """Check that neither the error nor its printed traceback names the token."""
    printed = "".join(traceback.format_exception(exc))
    secret = TOKEN.split(":")[1]
    assert secret not in str(exc)
    assert secret not in printed


async def test_a_message_goes_there_and_back(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    assert (await bot.get_me()).username == fake.bot_username
    sent = await bot.send_message(ann.id, "Hallo <b>buur</b> &amp; co", parse_mode="HTML")
    assert sent.text == "Hallo buur & co"
    assert ann.messages[-1].html == "Hallo <b>buur</b> &amp; co"
    await ann.send("Dag!")
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["Dag!"]
    # A long poll outlasts the get_updates request's own read timeout (0.5 s).
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=1) == ()


async def test_calls_go_as_json_with_their_types() -> None:
    seen: list[tuple[str, bytes]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append((request.content_type, await request.read()))
        chat = {"id": 42, "type": "private", "first_name": "Ann"}
        return web.json_response({"ok": True, "result": {"message_id": 1, "date": 0, "chat": chat}})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    button = telegram.InlineKeyboardButton("Ja 👍", callback_data="ok:1")
    try:
        async with AiohttpRequest() as request:
            client = telegram.Bot(
                TOKEN,
                base_url=f"http://127.0.0.1:{runner.addresses[0][1]}/bot",
                request=request,
            )
            markup = telegram.InlineKeyboardMarkup([[button]])
            await client.send_message(42, "Café <b>open</b>", reply_markup=markup)
    finally:
        await runner.cleanup()
    [(content_type, body)] = seen
    assert content_type == "application/json"
    assert json.loads(body) == {
        "chat_id": 42,
        "text": "Café <b>open</b>",
        "reply_markup": {"inline_keyboard": [[{"text": "Ja 👍", "callback_data": "ok:1"}]]},
    }


async def test_uploads_arrive_intact_and_download_again(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    calendar = b"BEGIN:VCALENDAR\r\nSUMMARY:Koffie \xe2\x98\x95\r\nEND:VCALENDAR\r\n"
    sent = await bot.send_document(
        ann.id, calendar, filename="café-activiteit.ics", caption="In je agenda"
    )
    assert fake.sent[-1].document == {
        "filename": "café-activiteit.ics",
        "content": calendar,
        "mime": "text/calendar",
    }
    assert fake.sent[-1].caption == "In je agenda"
    assert sent.document is not None
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == calendar
    table = b"wijk;aantal\nNoord;3\n" + bytes(range(256))
    await bot.send_document(ann.id, table, filename="stats.csv")
    assert fake.sent[-1].document == {"filename": "stats.csv", "content": table, "mime": "text/csv"}
    photo = b"\x89PNG\r\n\x1a\n" + bytes(1000)
    await bot.send_photo(ann.id, photo, caption="Foto")
    assert fake.sent[-1].kind == "photo"
    assert fake.sent[-1].caption == "Foto"


async def test_api_errors_become_the_usual_telegram_errors(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(ann.id, "<b>niet gesloten", parse_mode="HTML")
    ann.blocked = True
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(ann.id, "Hallo")


async def test_a_server_that_never_answers_times_out() -> None:
    async with silent_server() as base_url, AiohttpRequest(read_timeout=0.2) as request:
        with pytest.raises(TimedOut) as caught:
            await asyncio.wait_for(request.post(f"{base_url}{TOKEN}/getMe"), 5)
    assert_no_token(caught.value)


async def test_a_call_s_own_timeout_wins_over_the_default() -> None:
    async with silent_server() as base_url, AiohttpRequest(read_timeout=60) as request:
        with pytest.raises(TimedOut):
            await asyncio.wait_for(request.post(f"{base_url}{TOKEN}/getMe", read_timeout=0.2), 5)


async def test_a_full_pool_times_out_without_naming_the_token() -> None:
    # aiohttp waits for a free connection and connects within one budget: pool + connect.
    pool = AiohttpRequest(
        connection_pool_size=1, pool_timeout=0.2, connect_timeout=0.1, read_timeout=10
    )
    async with silent_server() as base_url, pool as request:
        url = f"{base_url}{TOKEN}/getMe"
        busy = asyncio.create_task(request.post(url))  # holds the one connection
        await asyncio.sleep(0.1)
        with pytest.raises(TimedOut, match="free connection") as caught:
            await asyncio.wait_for(request.post(url), 5)
        busy.cancel()
    # aiohttp's own error here quotes the whole URL; ours must not.
    assert_no_token(caught.value)


async def test_a_closed_port_is_a_network_error_without_the_token() -> None:
    url = f"http://127.0.0.1:{closed_port()}/bot{TOKEN}/sendMessage"
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as caught:
            await request.post(url)
    assert not isinstance(caught.value, TimedOut)
    assert "aiohttp.ClientConnectorError" in str(caught.value)
    assert_no_token(caught.value)


async def test_shutdown_twice_and_start_again(fake: FakeTelegram) -> None:
    request = AiohttpRequest()
    await request.shutdown()  # never started: nothing to do
    async with request:
        status, _ = await request.do_request(f"{fake.base_url}{fake.token}/getMe", "POST")
        assert status == 200
    await request.shutdown()
    await request.initialize()  # usable again after a shutdown
    status, _ = await request.do_request(f"{fake.base_url}{fake.token}/getMe", "POST")
    assert status == 200
    await request.shutdown()
    await request.shutdown()
