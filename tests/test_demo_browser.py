"""The demo page in a real browser: ask for help, accept it in the group, find a point on the map.

Uses the system Chromium (Debian's ``chromium``) through Playwright; nothing here downloads a
browser. Skips, saying why, when either is missing. With BUURTBOT_DEMO_SCREENSHOT=path the test
also saves a screenshot of the page there (the README's picture).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.demo import Demo, DemoOptions

playwright_api = pytest.importorskip(
    "playwright.async_api",
    reason="needs the playwright package: pip install -e '.[test]' (it drives the system Chromium)",
)
expect = playwright_api.expect


def chromium_path() -> str | None:
    """Return the system Chromium: $BUURTBOT_CHROMIUM, else chromium on the PATH."""
    wanted = os.environ.get("BUURTBOT_CHROMIUM")
    if wanted:
        return wanted if Path(wanted).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
async def demo(db_url: str) -> AsyncIterator[Demo]:
    """Run the demo in this loop on the test database."""
    async with Demo(DemoOptions(port=0, database=db_url, open_browser=False)) as running:
        yield running


def move_to_daytime(demo: Demo) -> None:
    """Move the demo's clock on to noon (its time zone) unless it is daytime already.

    Follow-ups wait for the end of quiet hours (22:00-08:00 by default), so a scenario that
    fast-forwards two days from 23:00 would wait until morning: the test must not depend on
    the hour it runs at.
    """
    now = demo.clock.now().astimezone(demo.config.bot.tz)
    if 9 <= now.hour < 18:
        return
    day = now if now.hour < 9 else now + timedelta(days=1)
    demo.clock.advance(day.replace(hour=12, minute=0, second=0, microsecond=0) - now)


@pytest.fixture
async def browser_page(demo: Demo) -> AsyncIterator[tuple[Any, list[str], list[str]]]:
    """Open the page in headless Chromium; yield (page, requested URLs, page errors)."""
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "needs Chromium: apt-get install chromium (or set BUURTBOT_CHROMIUM); "
            "Playwright's own browser download is never used"
        )
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox"]
        )
        try:
            page = await browser.new_page(viewport={"width": 1440, "height": 860})
            requested: list[str] = []
            errors: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(demo.url)
            yield page, requested, errors
        finally:
            await browser.close()


async def say(pane: Any, text: str) -> None:
    """Type a message in a chat and press Enter."""
    box = pane.locator("input.text")
    await box.fill(text)
    await box.press("Enter")


async def press(pane: Any, label: str) -> None:
    """Press the newest inline button with this label in a chat."""
    await pane.locator(".inline-buttons button", has_text=label).last.click()


# Finds a point inside the named wijk on the SVG map; returns its screen position.
POINT_IN_WIJK = """(name) => {
  const svg = document.querySelector('#map svg');
  const path = [...svg.querySelectorAll('path')]
    .find((p) => p.querySelector('title').textContent === name);
  const box = path.getBBox();
  for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
    const point = svg.createSVGPoint();
    point.x = box.x + box.width * i / 20;
    point.y = box.y + box.height * j / 20;
    if (path.isPointInFill(point)) {
      const screen = point.matrixTransform(svg.getScreenCTM());
      return [screen.x, screen.y];
    }
  }
  return null;
}"""


async def test_ask_accept_in_the_group_and_find_an_information_point_on_the_map(
    demo: Demo, browser_page: tuple[Any, list[str], list[str]]
) -> None:
    page, requested, errors = browser_page
    move_to_daytime(demo)  # the follow-ups below would otherwise wait out the night
    ria = page.locator('section.chat[data-chat="resident"]')
    victor = page.locator('section.chat[data-chat="volunteer"]')
    group = page.locator('section.chat[data-chat="group"]')
    await expect(page.locator("section.chat")).to_have_count(5)

    # Ria asks for help: /vraag, a category, one sentence, when, how to reach her, post it.
    await say(ria, "/vraag")
    await press(ria, "Boodschappen")
    await expect(ria.locator(".messages")).to_contain_text("Wat is je vraag?")
    await say(ria, "Wie kan morgen boodschappen voor mij doen bij de supermarkt?")
    await press(ria, "Morgen")
    await press(ria, "Via Telegram")
    await expect(ria.locator(".messages")).to_contain_text("Zo ziet je vraag eruit in de groep")
    await press(ria, "Plaatsen")

    # The card appears in the wijk group; Victor accepts it there.
    await expect(group.locator(".messages")).to_contain_text("boodschappen voor mij doen")
    await group.locator("select.speaker").select_option(label="Victor")
    await press(group, "Ik help")
    await expect(group.locator(".messages")).to_contain_text("Een buur helpt al")
    await expect(ria.locator(".messages")).to_contain_text("Victor helpt je")
    await expect(victor.locator(".messages")).to_contain_text("Je helpt Ria")

    # Ria looks for an information point by clicking on the map.
    await say(ria, "/infopunt")
    await ria.locator('.reply-keyboard button[data-kind="location"]').click()
    await expect(page.locator("#map-dialog")).to_be_visible()
    where = await page.evaluate(POINT_IN_WIJK, demo.world.wijk_name)
    assert where is not None, f"no point inside {demo.world.wijk_name} on the map"
    await page.mouse.click(*where)
    await expect(page.locator("#map-dialog")).to_be_hidden()
    messages = ria.locator(".messages")
    await expect(messages).to_contain_text("📍")
    await expect(messages).to_contain_text(f"Ook in {demo.world.wijk_name}")
    if demo.world.data.name == "Utrecht":
        await expect(messages).to_contain_text("Wijkbureau Overvecht")

    # Two days later both are asked whether it worked out (the clock control).
    await page.locator('[data-advance="days"]').click()
    await page.locator('[data-advance="days"]').click()
    await expect(ria.locator(".messages")).to_contain_text("Is het gelukt", timeout=15_000)
    await expect(page.locator("#clock")).to_have_class("clock-time shifted")

    # The admin picks /help from the menu; the buurtassistent types /wachtrij (which, like
    # every privileged command, is not in Telegram's menu).
    ahmed = page.locator('section.chat[data-chat="admin"]')
    await ahmed.locator("button.menu").click()
    await ahmed.locator(".commands button", has_text="/help").first.click()
    bea = page.locator('section.chat[data-chat="assistant"]')
    await say(bea, "/wachtrij")
    for pane in (ahmed, bea):
        await expect(pane.locator(".msg.bot").first).to_be_visible()

    shot = os.environ.get("BUURTBOT_DEMO_SCREENSHOT")
    if shot:
        await page.wait_for_timeout(4000)  # the button answers' pop-ups are gone
        await page.screenshot(path=shot)
    outside = [u for u in requested if not u.startswith((demo.url, "data:"))]
    assert outside == [], "the page must load nothing from outside 127.0.0.1"
    assert errors == []
