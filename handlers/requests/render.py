"""How a help request looks: the group card, the "when" text, and the category names."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.config import DEFAULT_CATEGORIES, RequestsConfig
from bot.i18n import N_, Html, Translator, escape
from handlers.keyboards import deep_link
from models.areas import Buurt, Wijk
from models.help_requests import DayPart, HelpRequest, Status, When

WHEN_KEYS = {
    When.ASAP: N_("when.asap"),
    When.TODAY: N_("when.today"),
    When.TOMORROW: N_("when.tomorrow"),
    When.WEEK: N_("when.week"),
}
PART_KEYS = {
    DayPart.MORNING: N_("when.morning"),
    DayPart.AFTERNOON: N_("when.afternoon"),
    DayPart.EVENING: N_("when.evening"),
}
CATEGORY_KEYS = {
    "boodschappen": N_("category.boodschappen"),
    "vervoer": N_("category.vervoer"),
    "klusje": N_("category.klusje"),
    "computer": N_("category.computer"),
    "gezelschap": N_("category.gezelschap"),
    "huisdier": N_("category.huisdier"),
    "formulieren": N_("category.formulieren"),
    "anders": N_("category.anders"),
}
STATUS_KEYS = {
    Status.CLAIMED: N_("card.status_claimed"),
    Status.DONE: N_("card.status_done"),
    Status.CANCELLED: N_("card.status_cancelled"),
    Status.EXPIRED: N_("card.status_expired"),
}

# Telephone numbers and postcodes: things that should not stand in a public description.
_PRIVATE_RE = re.compile(r"(\+31|\b0)[\s-]?\d([\s-]?\d){7,}|\b\d{4}\s?[A-Za-z]{2}\b")


@dataclass(frozen=True)
class Category:
    slug: str
    nl: str | None = None  # labels of a custom category; default ones come from the catalogs
    en: str | None = None

    def label(self, t: Translator) -> Html:
        """Return the category's name in the translator's language, as HTML."""
        if self.slug in CATEGORY_KEYS:
            return t(CATEGORY_KEYS[self.slug])
        return escape(self.button_label(t))

    def button_label(self, t: Translator) -> str:
        """Return the category's name as plain text (buttons are not HTML)."""
        if self.slug in CATEGORY_KEYS:
            return html.unescape(t(CATEGORY_KEYS[self.slug]))
        return (self.en if t.language == "en" else self.nl) or self.slug


def categories(config: RequestsConfig) -> list[Category]:
    """Return the configured categories, custom ones given as "Dutch / English"."""
    result = []
    for entry in config.categories:
        if entry in DEFAULT_CATEGORIES:
            result.append(Category(entry))
        else:
            nl, _, en = (part.strip() for part in entry.partition("/"))
            slug = re.sub(r"[^a-z0-9]+", "-", nl.lower()).strip("-")[:24] or "custom"
            result.append(Category(f"c-{slug}", nl, en or nl))
    return result


def category_label(config: RequestsConfig, slug: str, t: Translator) -> str:
    """Name a stored category, also one that left the config since."""
    for category in categories(config):
        if category.slug == slug:
            return category.label(t)
    return escape(slug)


def when_text(
    t: Translator, kind: str, tz: tzinfo, day: date | None = None, part: str | None = None
) -> str:
    """Say when help is wanted, e.g. "morgen" or "zaterdag 28 november, middag"."""
    when = When(kind)
    if when is not When.DAY or day is None:
        return t(WHEN_KEYS.get(when, N_("when.asap")))
    text = escape(format_date(day, "EEEE d MMMM", locale=t.language))
    return f"{text}, {t(PART_KEYS[DayPart(part)])}" if part else text


def looks_private(text: str) -> bool:
    """Tell whether a description seems to hold a phone number or a postcode."""
    return bool(_PRIVATE_RE.search(text))


@dataclass(frozen=True)
class CardFacts:
    """Everything a card shows: never the requester's name, username, address or phone."""

    number: int | None
    category: str
    wijk: str
    buurt: str | None
    when: str
    description: str
    status: Status = Status.OPEN


def card_text(t: Translator, facts: CardFacts) -> Html:
    """Render the group card."""
    title = (
        t("card.title", number=facts.number, category=Html(facts.category))
        if facts.number is not None
        else t("card.title_preview", category=Html(facts.category))
    )
    place = facts.wijk if facts.buurt is None else f"{facts.wijk}, {facts.buurt}"
    lines = [
        title,
        t("card.place", place=place),
        t("card.when", when=Html(facts.when)),
        "",
        escape(facts.description),
    ]
    if facts.status in STATUS_KEYS:
        lines += ["", t(STATUS_KEYS[facts.status])]
    return Html("\n".join(lines))


def card_markup(
    t: Translator, request: HelpRequest, bot_username: str
) -> InlineKeyboardMarkup | None:
    """Offer "Ik help" and "Meer info" while the request is open."""
    if request.status != Status.OPEN:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("card.help_button"), callback_data=f"req:claim:{request.id}"
                ),
                InlineKeyboardButton(
                    t("card.info_button"), url=deep_link(bot_username, f"req_{request.id}")
                ),
            ]
        ]
    )


async def facts_of(
    session: AsyncSession, request: HelpRequest, t: Translator, config: RequestsConfig, tz: tzinfo
) -> CardFacts:
    """Gather the card facts of a stored request."""
    wijk = await session.get(Wijk, request.wijk_id)
    buurt = await session.get(Buurt, request.buurt_id) if request.buurt_id else None
    return CardFacts(
        number=request.id,
        category=category_label(config, request.category, t),
        wijk=wijk.name if wijk else "?",
        buurt=buurt.name if buurt else None,
        when=when_text(t, request.when_kind, tz, request.when_date, request.day_part),
        description=request.description,
        status=Status(request.status),
    )


def local_time(moment: datetime, tz: tzinfo) -> str:
    """Format a time of day in the local zone."""
    return moment.astimezone(tz).strftime("%H:%M")
