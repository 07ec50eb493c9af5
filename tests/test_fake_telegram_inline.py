"""Tests of the fake Telegram's venues and inline mode: answerInlineQuery and chosen results."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import telegram
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultPhoto,
    InlineQueryResultsButton,
    InlineQueryResultVenue,
    InputTextMessageContent,
    InputVenueMessageContent,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
)

from bot.sandbox.telegram import FakeGroup, FakeTelegram, FakeUser

RawCall = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
UTRECHT = (52.0907, 5.1214)


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta retry_after, so building RetryAfter does not warn."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """Run a fake with default settings (spec checks and flood control on)."""
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[telegram.Bot]:
    """Return a plain PTB Bot on the fake (no Defaults, no rate limiter)."""
    client = telegram.Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
    async with client:
        yield client


@pytest.fixture
async def raw(fake: FakeTelegram) -> AsyncIterator[RawCall]:
    """Call the fake with a JSON body, for requests PTB would refuse to build."""
    async with aiohttp.ClientSession() as session:

        async def call(method: str, **params: Any) -> tuple[int, dict[str, Any]]:
            url = f"{fake.base_url}{fake.token}/{method}"
            async with session.post(url, json=params) as response:
                return response.status, await response.json()

        yield call


@pytest.fixture
def ann(fake: FakeTelegram) -> FakeUser:
    """Return a user who has started the bot."""
    user = fake.add_user("Ann", username="ann_oost")
    user.started = True
    return user


@pytest.fixture
def group(fake: FakeTelegram, ann: FakeUser) -> FakeGroup:
    """Return a supergroup Ann is in, where the bot is a plain member (privacy mode on)."""
    return fake.add_group("Buurtgroep Oost", members=[ann])


def ci(fragment: str) -> str:
    """Match a fragment case-insensitively: PTB lowercases BadRequest messages."""
    return "(?i)" + re.escape(fragment)


def article(result_id: str, text: str, **extra: Any) -> InlineQueryResultArticle:
    """Build an article result that posts text as HTML."""
    content = InputTextMessageContent(text, parse_mode="HTML")
    return InlineQueryResultArticle(result_id, f"Titel {result_id}", content, **extra)


def venue_result(result_id: str = "v1") -> InlineQueryResultVenue:
    """Build a venue result without input_message_content."""
    return InlineQueryResultVenue(result_id, *UTRECHT, "Buurthuis", "Oudegracht 1, Utrecht")


async def pending_inline_query(bot: telegram.Bot) -> telegram.InlineQuery:
    """Fetch the one queued update and return its inline query."""
    updates = await bot.get_updates(timeout=0)
    assert len(updates) == 1
    assert updates[0].inline_query is not None
    return updates[0].inline_query


# -- inline queries and answers ----------------------------------------------------------------


async def test_inline_query_round_trip(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    assert (await bot.get_me()).supports_inline_queries
    query_id = await ann.inline_query("ladder", offset="", chat_type="private")
    query = await pending_inline_query(bot)
    assert (query.id, query.query, query.offset, query.chat_type) == (
        query_id,
        "ladder",
        "",
        "private",
    )
    assert query.from_user.id == ann.id
    assert [q["query"] for q in fake.unanswered_inline_queries(grace=0)] == ["ladder"]
    assert fake.unanswered_inline_queries(grace=60) == []
    button = InlineQueryResultsButton("Meer hulp", start_parameter="inline_help")
    await bot.answer_inline_query(
        query_id,
        [article("a1", "Leen een <b>ladder</b>"), venue_result()],
        cache_time=0,
        is_personal=True,
        next_offset="2",
        button=button,
    )
    answer = await ann.next_inline_answer(timeout=1)
    assert answer["inline_query_id"] == query_id
    assert (answer["query"], answer["next_offset"], answer["is_personal"]) == ("ladder", "2", True)
    assert answer["cache_time"] == 0
    assert answer["button"] == {"text": "Meer hulp", "start_parameter": "inline_help"}
    assert [r["id"] for r in answer["results"]] == ["a1", "v1"]
    assert answer["results"][0]["input_message_content"]["parse_mode"] == "HTML"
    assert ann.inline_answers == [answer]
    assert fake.unanswered_inline_queries(grace=0) == []
    with pytest.raises(AssertionError, match="no new inline answer"):
        await ann.next_inline_answer(timeout=0.1)
    # The next page: the bot answers with no more results.
    second = await ann.inline_query("ladder", offset="2")
    await bot.answer_inline_query(second, [])
    assert (await ann.next_inline_answer())["next_offset"] == ""
    assert fake.rejected() == []


async def test_answer_inline_query_rejections(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    query_id = await ann.inline_query("x")
    cases: list[tuple[list[Any], str]] = [
        ([article(str(i), "tekst") for i in range(51)], "RESULTS_TOO_MUCH"),
        ([article("1", "een"), article("1", "twee")], "RESULT_ID_DUPLICATE"),
        ([article("é" * 32 + "a", "tekst")], "RESULT_ID_INVALID"),  # 65 bytes
        ([article("1", "regel<br>regel")], "can't parse entities: Unsupported start tag"),
        ([article("1", "<b>open")], "can't parse entities"),
        ([article("1", "   ")], "message text is empty"),
        (
            [
                article(
                    "1",
                    "tekst",
                    reply_markup=InlineKeyboardMarkup(
                        [[InlineKeyboardButton("Kies", callback_data="x" * 65)]]
                    ),
                )
            ],
            "BUTTON_DATA_INVALID",
        ),
        (
            [InlineQueryResultVenue("1", 91.0, 5.0, "Huis", "Straat 1")],
            "wrong latitude or longitude",
        ),
    ]
    for results, fragment in cases:
        with pytest.raises(BadRequest, match=ci(fragment)):
            await bot.answer_inline_query(query_id, results)
    with pytest.raises(BadRequest, match=ci("NEXT_OFFSET_INVALID")):
        await bot.answer_inline_query(query_id, [], next_offset="9" * 65)
    button = InlineQueryResultsButton("Start", start_parameter="met spatie")
    with pytest.raises(BadRequest, match=ci("START_PARAM_INVALID")):
        await bot.answer_inline_query(query_id, [], button=button)
    # Rejected answers leave the query open; 50 results with 64-byte ids are fine.
    assert [q["id"] for q in fake.unanswered_inline_queries(grace=0)] == [query_id]
    await bot.answer_inline_query(query_id, [article(f"{i:064d}", "ok") for i in range(50)])
    with pytest.raises(BadRequest, match=ci("query is too old and response timeout expired")):
        await bot.answer_inline_query(query_id, [])
    with pytest.raises(BadRequest, match=ci("query ID is invalid")):
        await bot.answer_inline_query("12345", [])
    assert len(ann.inline_answers) == 1


@pytest.mark.parametrize(
    ("result", "fragment"),
    [
        (
            {"type": "venue", "id": "1", "latitude": 52.0, "longitude": 5.0, "title": "Huis"},
            'field "results[0].address" is required in InlineQueryResultVenue',
        ),
        (
            {"type": "article", "id": "1", "title": "Geen inhoud"},
            'field "results[0].input_message_content" is required in InlineQueryResultArticle',
        ),
        (
            {
                "type": "article",
                "id": "1",
                "title": "t",
                "input_message_content": {"message_text": "x", "parse_mod": "HTML"},
            },
            'unknown field "results[0].input_message_content.parse_mod"',
        ),
        ({"type": "artikel", "id": "1", "title": "t"}, '"results[0].type" must be one of'),
        (
            {
                "type": "article",
                "id": "1",
                "title": " ",
                "input_message_content": {"message_text": "x"},
            },
            "ARTICLE_TITLE_EMPTY",
        ),
    ],
)
async def test_results_are_checked_against_the_spec(
    raw: RawCall, ann: FakeUser, result: dict[str, Any], fragment: str
) -> None:
    query_id = await ann.inline_query("x")
    status, body = await raw("answerInlineQuery", inline_query_id=query_id, results=[result])
    assert status == 400
    assert fragment in body["description"]


async def test_results_sharing_a_type_with_a_cached_variant_are_accepted(
    bot: telegram.Bot, raw: RawCall, ann: FakeUser
) -> None:
    query_id = await ann.inline_query("foto")
    photo = InlineQueryResultPhoto("p1", "https://example.org/a.jpg", "https://example.org/t.jpg")
    await bot.answer_inline_query(query_id, [photo])
    other = await ann.inline_query("foto 2")
    cached = {"type": "photo", "id": "p2", "photo_file_id": "AgADBAAD"}
    gif = {"type": "mpeg4_gif", "id": "g1", "mpeg4_file_id": "CgADBAAD"}
    status, body = await raw("answerInlineQuery", inline_query_id=other, results=[cached, gif])
    assert (status, body) == (200, {"ok": True, "result": True})


async def test_inline_queries_need_inline_mode_and_allowed_updates() -> None:
    async with FakeTelegram(inline_mode=False) as off:
        user = off.add_user()
        with pytest.raises(ValueError, match="inline mode off"):
            await user.inline_query("x")
    async with FakeTelegram() as fake:
        user = fake.add_user()
        client = telegram.Bot(fake.token, base_url=fake.base_url)
        async with client:
            await client.get_updates(timeout=0, allowed_updates=["message"])
            query_id = await user.inline_query("niet gezien")
            assert fake.updates == []
            assert fake.unanswered_inline_queries(grace=0) == []
            with pytest.raises(BadRequest, match=ci("query ID is invalid")):
                await client.answer_inline_query(query_id, [])
        with pytest.raises(ValueError, match="chat_type must be one of"):
            await user.inline_query("x", chat_type="kanaal")


async def test_answers_without_the_spec_keep_string_ids() -> None:
    async with FakeTelegram(spec_path=None) as bare:
        user = bare.add_user()
        client = telegram.Bot(bare.token, base_url=bare.base_url)
        async with client:
            query_id = await user.inline_query("x")
            await client.answer_inline_query(query_id, [article("1", "<i>ok</i>")])
            second = await user.inline_query("y")
            with pytest.raises(BadRequest, match=ci("RESULT_ID_DUPLICATE")):
                await client.answer_inline_query(second, [article("1", "a"), article("1", "b")])
        assert user.inline_answers[0]["inline_query_id"] == query_id


# -- choosing a result -------------------------------------------------------------------------


async def test_choosing_a_text_result_in_the_private_chat(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    query_id = await ann.inline_query("hulp")
    await bot.answer_inline_query(query_id, [article("a1", "Wie leent mij een <b>ladder</b>?")])
    answer = await ann.next_inline_answer()
    chosen = await ann.choose_inline_result(answer, "a1")
    assert chosen.kind == "text"
    assert chosen.text == "Wie leent mij een ladder?"
    assert chosen.html == "Wie leent mij een <b>ladder</b>?"
    assert chosen.parse_mode == "HTML"
    assert chosen.entities == [{"type": "bold", "offset": 18, "length": 6}]
    assert chosen.via_bot is not None
    assert chosen.via_bot["username"] == fake.bot_username
    assert chosen.sender["id"] == ann.id
    assert chosen.inline_message_id is None  # no keyboard, so no inline message id
    assert ann.messages == [chosen]
    assert fake.sent == [chosen]
    assert "via @buurtbot_test_bot" in repr(chosen)
    # The bot receives the user's message, as Telegram delivers it.
    updates = await bot.get_updates(timeout=0)
    message = updates[-1].message
    assert message is not None
    assert message.via_bot is not None
    assert message.via_bot.id == bot.id
    assert message.from_user.id == ann.id
    assert message.text_html == "Wie leent mij een <b>ladder</b>?"
    # next_message skips it: the bot's own replies are what tests wait for.
    await bot.send_message(ann.id, "Gezien")
    assert (await ann.next_message()).text == "Gezien"
    with pytest.raises(BadRequest, match=ci("message can't be edited")):
        await bot.edit_message_text("Anders", chat_id=ann.id, message_id=chosen.message_id)


async def test_choosing_a_venue_result_in_a_group(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser, group: FakeGroup
) -> None:
    query_id = await ann.inline_query("buurthuis", chat_type="supergroup")
    custom = InlineQueryResultArticle(
        "a2", "Adres", InputVenueMessageContent(*UTRECHT, "Bieb", "Neude 11")
    )
    await bot.answer_inline_query(query_id, [venue_result("v1"), custom])
    answer = await ann.next_inline_answer()
    chosen = await ann.choose_inline_result(answer, "v1", chat=group)
    assert chosen.kind == "venue"
    assert chosen.text is None
    assert chosen.venue == {
        "latitude": 52.0907,
        "longitude": 5.1214,
        "title": "Buurthuis",
        "address": "Oudegracht 1, Utrecht",
    }
    from_content = await ann.choose_inline_result(answer, "a2", chat=group)
    assert from_content.venue is not None
    assert from_content.venue["title"] == "Bieb"
    assert group.messages == [chosen, from_content]
    # Privacy mode lets messages sent via the bot through.
    delivered = [Update.de_json(u, bot) for u in fake.updates if "message" in u]
    assert [u.message.venue.title for u in delivered if u.message.venue] == ["Buurthuis", "Bieb"]
    with pytest.raises(LookupError, match=r"no result 'zz'.*'v1'"):
        await ann.choose_inline_result(answer, "zz", chat=group)
    with pytest.raises(ValueError, match="chat_type='private'"):
        await ann.choose_inline_result(answer, "v1")
    bob = fake.add_user("Bob")
    with pytest.raises(ValueError, match="no answer to an inline query of"):
        await bob.choose_inline_result(answer, "v1", chat=group)
    bob_query = await bob.inline_query("x", chat_type="supergroup")
    await bot.answer_inline_query(bob_query, [venue_result()])
    with pytest.raises(ValueError, match="not a member"):
        await bob.choose_inline_result(await bob.next_inline_answer(), "v1", chat=group)
    # Deleting a user's message needs the right in a group.
    with pytest.raises(BadRequest, match=ci("message can't be deleted")):
        await bot.delete_message(group.id, chosen.message_id)
    group.bot_rights(can_delete_messages=True)
    await bot.delete_message(group.id, chosen.message_id)
    assert chosen.deleted


async def test_buttons_on_chosen_results_use_inline_message_ids(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser, group: FakeGroup
) -> None:
    query_id = await ann.inline_query("klus", chat_type="supergroup")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ik help", callback_data="help:1")]])
    await bot.answer_inline_query(
        query_id, [article("k1", "Klus: <i>tuin</i>", reply_markup=markup)]
    )
    chosen = await ann.choose_inline_result(await ann.next_inline_answer(), "k1", chat=group)
    assert chosen.inline_message_id is not None
    assert chosen.button_texts == ["Ik help"]
    await bot.get_updates(offset=fake.updates[-1]["update_id"] + 1, timeout=0)
    press = await ann.press(chosen, "Ik help")
    updates = await bot.get_updates(timeout=0)
    callback = updates[-1].callback_query
    assert callback is not None
    assert (callback.id, callback.data) == (press, "help:1")
    assert callback.message is None
    assert callback.inline_message_id == chosen.inline_message_id
    await bot.answer_callback_query(press, text="Dank")
    edited = await bot.edit_message_text(
        "Klus: <i>tuin</i> (Ann helpt)",
        inline_message_id=callback.inline_message_id,
        parse_mode="HTML",
    )
    assert edited is True
    assert chosen.text == "Klus: tuin (Ann helpt)"
    assert chosen.buttons == []
    assert len(chosen.edits) == 1
    with pytest.raises(BadRequest, match=ci("MESSAGE_ID_INVALID")):
        await bot.edit_message_text("x", inline_message_id="AgAAAnope")
    assert fake.unanswered_callback_queries(grace=0) == []


# -- the real Application ------------------------------------------------------------------------


async def test_application_answers_inline_queries(fake: FakeTelegram) -> None:
    async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.inline_query
        assert query is not None
        text = f"Gezocht: <b>{query.query}</b>"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ik help", callback_data="help")]])
        results = [
            InlineQueryResultArticle("1", "Vraag plaatsen", InputTextMessageContent(text)),
            InlineQueryResultArticle(
                "2", "Met knop", InputTextMessageContent(text), reply_markup=markup
            ),
        ]
        await query.answer(results, cache_time=dt.timedelta(seconds=0), is_personal=True)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"Geholpen door {query.from_user.first_name}")

    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .defaults(Defaults(parse_mode="HTML"))  # PTB puts it into input_message_content
        .rate_limiter(AIORateLimiter())
        .build()
    )
    app.add_handler(InlineQueryHandler(inline))
    app.add_handler(CallbackQueryHandler(button))
    ann = fake.add_user("Ann")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=dt.timedelta(seconds=1))
        try:
            await ann.inline_query("ladder")
            answer = await ann.next_inline_answer()
            assert [r["title"] for r in answer["results"]] == ["Vraag plaatsen", "Met knop"]
            chosen = await ann.choose_inline_result(answer, "2")
            assert chosen.text == "Gezocht: ladder"
            assert chosen.entities == [{"type": "bold", "offset": 9, "length": 6}]
            await ann.press(chosen, "Ik help")
            await fake.wait_for(lambda: chosen.edits)
            assert chosen.text == "Geholpen door Ann"
        finally:
            await app.updater.stop()
            await app.stop()
    assert fake.rejected() == []
    assert fake.unanswered_inline_queries(grace=0) == []
    assert fake.unanswered_callback_queries(grace=0) == []
    assert json.dumps(answer)  # answers are plain JSON data
