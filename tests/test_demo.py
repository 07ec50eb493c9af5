"""``buurtbot demo`` without a browser: its JSON API, its data choice and its offline page."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.sandbox.areas import write_area_files
from bot.sandbox.demo import Demo, DemoOptions
from bot.sandbox.seed import find_data
from bot.sandbox.web import STATIC

Json = dict[str, Any]


class Page:
    """The demo page's side of the API, as the JavaScript uses it."""

    def __init__(self, http: aiohttp.ClientSession, demo: Demo) -> None:
        self.http = http
        self.demo = demo
        self.version = ""

    async def state(self, wait: bool = False) -> Json:
        """Return the state; with wait, the next one that differs from the last seen."""
        version = self.version if wait else ""
        async with self.http.get(self.demo.url + f"api/state?version={version}") as response:
            assert response.status == 200
            state = await response.json()
        self.version = state["version"]
        return state

    async def post(self, path: str, **body: Any) -> tuple[int, Json]:
        """Call an action; return the status and the answer."""
        async with self.http.post(self.demo.url + "api/" + path, json=body) as response:
            return response.status, await response.json()

    def person(self, key: str) -> int:
        """Return the Telegram id of a persona."""
        return next(p.user.id for p in self.demo.world.personas if p.key == key)

    async def wait_message(
        self, chat_id: int, check: Callable[[Json], bool], seconds: float = 8.0
    ) -> Json:
        """Wait until the chat shows a message that passes check; return it."""
        async with asyncio.timeout(seconds):
            state = await self.state()
            while True:
                chat = next(c for c in state["chats"] if c["id"] == chat_id)
                found = [m for m in chat["messages"] if check(m)]
                if found:
                    return found[-1]
                state = await self.state(wait=True)


@pytest.fixture
async def demo(db_url: str) -> AsyncIterator[Demo]:
    """Run the demo in this loop on the test database, the page on a free port."""
    async with Demo(DemoOptions(port=0, database=db_url, open_browser=False)) as running:
        yield running


@pytest.fixture
async def page(demo: Demo) -> AsyncIterator[Page]:
    """Talk to the demo's API."""
    async with aiohttp.ClientSession() as http:
        yield Page(http, demo)


def texts(state: Json, chat_id: int) -> str:
    chat = next(c for c in state["chats"] if c["id"] == chat_id)
    return "\n".join(m["text"] for m in chat["messages"])


async def test_the_page_lists_four_people_and_the_wijk_group(page: Page) -> None:
    state = await page.state()
    private = [c for c in state["chats"] if c["kind"] == "private"]
    groups = [c for c in state["chats"] if c["kind"] == "group"]
    assert [c["persona"] for c in private] == ["resident", "volunteer", "assistant", "admin"]
    assert len(groups) == 1
    assert len(groups[0]["members"]) == 4
    assert groups[0]["title"] == f"Buurtgroep {state['wijk']}"
    assert state["bot"]["username"] == "buurtbot_demo_bot"
    # The bot registered its menus at start-up: the page offers them.
    assert ["vraag", "Hulp vragen aan buren"] in private[0]["commands"]


async def test_a_message_as_the_resident_gets_the_bots_reply_and_buttons_work(
    page: Page,
) -> None:
    ria = page.person("resident")
    status, _ = await page.post("send", user_id=ria, text="/vraag")
    assert status == 200
    question = await page.wait_message(ria, lambda m: m["from"] == "bot" and m["buttons"])
    assert "Waar heb je hulp bij nodig?" in question["text"]
    assert {"type": "bold", "offset": 0, "length": 27} in question["entities"]
    shopping = next(b for row in question["buttons"] for b in row if "Boodschappen" in b["text"])
    status, _ = await page.post(
        "press", user_id=ria, chat_id=ria, message_id=question["id"], data=shopping["data"]
    )
    assert status == 200
    await page.wait_message(ria, lambda m: "Wat is je vraag?" in m["text"])
    state = await page.state()
    mine = [m for c in state["chats"] if c["id"] == ria for m in c["messages"]]
    assert [m["from"] for m in mine[:2]] == ["user", "bot"]  # merged in Telegram's order


async def test_sharing_a_point_on_the_map_finds_information_points(page: Page) -> None:
    ria = page.person("resident")
    await page.post("send", user_id=ria, text="/infopunt")
    await page.wait_message(ria, lambda m: "deel je locatie" in m["text"].lower())
    state = await page.state()
    keyboard = next(c for c in state["chats"] if c["id"] == ria)["keyboard"]
    assert keyboard is not None
    assert keyboard[0][0]["kind"] == "location"
    map_ = await (await page.http.get(page.demo.url + "api/map")).json()
    assert len(map_["wijken"]) >= 2
    assert all(w["path"].startswith("M") for w in map_["wijken"])
    lat, lon = await _inside_home_wijk(page)
    status, _ = await page.post("location", user_id=ria, chat_id=ria, latitude=lat, longitude=lon)
    assert status == 200
    await page.wait_message(ria, lambda m: m["kind"] == "location" and m["from"] == "user")
    await page.wait_message(ria, lambda m: "Het dichtst bij jou" in m["text"])
    state = await page.state()
    assert next(c for c in state["chats"] if c["id"] == ria)["keyboard"] is None  # removed


async def _inside_home_wijk(page: Page) -> tuple[float, float]:
    """Return a point inside the demo's wijk (a grid over its box, checked by the bot's rule)."""
    from sqlalchemy import select

    from models.areas import Wijk, locate

    async with page.demo.sessionmaker() as session:
        wijk = await session.scalar(select(Wijk).where(Wijk.name == page.demo.world.wijk_name))
        assert wijk is not None
        assert wijk.min_lat is not None
        assert wijk.max_lat is not None
        assert wijk.min_lon is not None
        assert wijk.max_lon is not None
        for i in range(1, 10):
            for j in range(1, 10):
                lat = wijk.min_lat + (wijk.max_lat - wijk.min_lat) * i / 10
                lon = wijk.min_lon + (wijk.max_lon - wijk.min_lon) * j / 10
                placement = await locate(session, latitude=lat, longitude=lon)
                if placement.wijk is not None and placement.wijk.id == wijk.id:
                    return lat, lon
    raise AssertionError("no point found inside the wijk")


async def test_the_clock_moves_forward_only(page: Page) -> None:
    before = page.demo.clock.now()
    status, _ = await page.post("clock", days=1)
    assert status == 200
    assert (page.demo.clock.now() - before).total_seconds() >= 86_400
    assert (await page.state())["shifted"] is True
    status, answer = await page.post("clock", hours=-5)
    assert status == 400
    assert "forward" in answer["error"]


async def test_refusals_are_readable(page: Page) -> None:
    ria = page.person("resident")
    status, answer = await page.post("send", user_id=12345, text="hoi")
    assert (status, answer["error"]) == (400, "unknown person")
    status, answer = await page.post("link", user_id=ria, url="https://example.org/x")
    assert status == 400
    assert "not a start link" in answer["error"]
    status, answer = await page.post("press", user_id=ria, chat_id=ria, message_id=99, data="x")
    assert (status, answer["error"]) == (400, "that message is gone")


async def test_a_start_link_opens_the_private_chat_with_its_payload(page: Page) -> None:
    victor = page.person("volunteer")
    bot = page.demo.telegram.bot_username
    status, answer = await page.post("link", user_id=victor, url=f"https://t.me/{bot}?start=help")
    assert (status, answer["chat_id"]) == (200, victor)
    await page.wait_message(victor, lambda m: m["from"] == "user" and m["text"] == "/start help")
    await page.wait_message(victor, lambda m: m["from"] == "bot")


async def test_a_document_from_the_bot_can_be_downloaded(page: Page) -> None:
    ahmed = page.person("admin")
    await page.post("send", user_id=ahmed, text="/mijngegevens")
    document = await page.wait_message(ahmed, lambda m: "file" in m)
    async with page.http.get(page.demo.url + document["file"]["url"].lstrip("/")) as response:
        assert response.status == 200
        assert "attachment" in response.headers["Content-Disposition"]
        body = await response.read()
    assert body.startswith(b"{")
    assert len(body) == document["file"]["size"]


async def test_a_contact_and_a_photo_show_in_the_chat(page: Page) -> None:
    ria, group = page.person("resident"), page.demo.world.group.id
    status, _ = await page.post("contact", user_id=ria, chat_id=ria)
    assert status == 200
    contact = await page.wait_message(ria, lambda m: m["kind"] == "contact")
    assert contact["contact"].startswith("+31")
    status, _ = await page.post("photo", user_id=ria, chat_id=group, caption="Ons buurtfeest")
    assert status == 200
    photo = await page.wait_message(group, lambda m: m["kind"] == "photo")
    assert (photo["text"], photo["name"]) == ("Ons buurtfeest", "Ria")


def test_the_data_is_the_given_folder_else_utrecht_else_made_up(tmp_path: Path) -> None:
    own = tmp_path / "own"
    own.mkdir()
    write_area_files(own)
    (own / "wijken.geojson").rename(own / "wijk.geojson")
    chosen = find_data(own, tmp_path, shared=tmp_path / "absent")
    assert (chosen.wijken.name, chosen.infopoints, chosen.name) == ("wijk.geojson", None, "own")
    made_up = find_data(None, tmp_path, shared=tmp_path / "absent")
    assert made_up.name == "made-up"
    assert made_up.wijken.is_file()
    with pytest.raises(FileNotFoundError, match=r"no wijk\.geojson"):
        find_data(tmp_path / "absent", tmp_path)


async def test_without_the_utrecht_data_the_demo_uses_made_up_areas(
    db_url: str, tmp_path: Path
) -> None:
    write_area_files(tmp_path)
    (tmp_path / "wijken.geojson").rename(tmp_path / "wijk.geojson")
    options = DemoOptions(port=0, database=db_url, data=tmp_path, open_browser=False)
    async with Demo(options) as demo, aiohttp.ClientSession() as http:
        page = Page(http, demo)
        assert (await page.state())["wijk"] == "Noord"
        ria = page.person("resident")
        await page.post("send", user_id=ria, text="/infopunt")
        await page.wait_message(ria, lambda m: "deel je locatie" in m["text"].lower())
        await page.post("location", user_id=ria, chat_id=ria, latitude=52.16, longitude=5.03)
        found = await page.wait_message(ria, lambda m: "Buurthuis De Linde" in m["text"])
        assert found["from"] == "bot"


# -- offline: nothing from outside 127.0.0.1 ----------------------------------------------

# The SVG namespace is a name in createElementNS, never fetched.
ALLOWED_URLS = {"http://www.w3.org/2000/svg"}
URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'`)<>]*""")


def outside_urls(text: str) -> list[str]:
    """Return absolute or protocol-relative URLs in a served file (comments included)."""
    return [u for u in URL.findall(text) if u not in ALLOWED_URLS]


def test_the_static_files_load_nothing_from_outside() -> None:
    files = sorted(STATIC.iterdir())
    assert {f.name for f in files} == {"index.html", "app.css", "app.js", "map.js"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert outside_urls(text) == [], path.name
        assert "@import" not in text, path.name
        assert "@font-face" not in text, path.name
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    for match in re.finditer(r"""(?:src|href)="([^"]*)\"""", html):
        assert match.group(1).startswith(("/", "data:")), match.group(0)


def test_the_url_scan_would_catch_a_cdn() -> None:
    assert outside_urls('<script src="https://cdn.example.com/x.js">') != []
    assert outside_urls("@import url(//fonts.example.com/css);") != []


async def test_the_served_page_is_the_static_files(page: Page) -> None:
    async with page.http.get(page.demo.url) as response:
        html = await response.text()
    assert outside_urls(html) == []
    assert '<script src="/static/app.js">' in html
    async with page.http.get(page.demo.url + "static/../seed.py") as response:
        assert response.status == 404


def test_commands_in_the_bots_text_become_tappable_but_not_in_code() -> None:
    from bot.sandbox.view import with_commands

    plain = "Typ /vraag of /stats"  # from "Typ /vraag of <code>/stats</code>"
    code = [{"type": "code", "offset": 14, "length": 6}]
    found = with_commands(plain, code)
    assert {"type": "bot_command", "offset": 4, "length": 6} in found
    assert not any(e["type"] == "bot_command" and e["offset"] == 14 for e in found)


# -- the command, as a real process ---------------------------------------------------------


async def test_buurtbot_demo_starts_serves_the_page_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """The real run path (serve.serve, as ``buurtbot run``): ready, the page answers, Ctrl+C."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        "--no-browser",
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=tmp_path,  # a config.toml of the developer's own plays no part
    )
    assert proc.stdout is not None
    started = asyncio.get_running_loop().time()
    url = ""
    try:
        async with asyncio.timeout(30):
            while not url:
                line = (await proc.stdout.readline()).decode()
                assert line, "the demo ended before it was ready"
                if "open http://127.0.0.1:" in line:
                    url = line.split("open ", 1)[1].strip()
        ready = asyncio.get_running_loop().time() - started
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            assert response.status == 200
            assert "Buurtbot demo" in await response.text()
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(proc.communicate(), timeout=20)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert "Stopped cleanly" in err.decode()
    print(f"buurtbot demo was ready after {ready:.1f} s")  # shown with pytest -s


def test_buurtbot_demo_with_a_folder_without_areas_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    assert main(["demo", "--no-browser", "--data", str(tmp_path)]) == 2
    assert "has no wijk.geojson" in capsys.readouterr().err
