"""Tests of the fake Telegram Bot API: it must reject what Telegram rejects, accept the rest."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import telegram
from hypothesis import given
from hypothesis import strategies as st
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    ExtBot,
)

from bot.sandbox.telegram import (
    FakeTelegram,
    FakeUser,
    FloodLimits,
    HtmlError,
    SentMessage,
    html_to_text,
    parse_html,
)

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
    """Call the fake directly, for requests PTB would refuse to build."""
    async with aiohttp.ClientSession() as session:

        async def call(
            method: str, *, token: str | None = None, body: Any = None, **params: Any
        ) -> tuple[int, dict[str, Any]]:
            url = f"{fake.base_url}{token or fake.token}/{method}"
            if body is not None:
                response = await session.post(url, json=body)
            else:
                form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
                response = await session.post(url, data=form)
            async with response:
                return response.status, await response.json()

        yield call


@pytest.fixture
def ann(fake: FakeTelegram) -> FakeUser:
    """Return a user who has started the bot."""
    user = fake.add_user("Ann", username="ann_oost")
    user.started = True
    return user


def ci(fragment: str) -> str:
    """Match a fragment case-insensitively: PTB lowercases BadRequest messages."""
    return "(?i)" + re.escape(fragment)


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Build an inline keyboard from rows of (text, callback_data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


# -- protocol, auth and spec checks ------------------------------------------------------------


async def test_wrong_token_is_401_with_telegram_shape(fake: FakeTelegram, raw: RawCall) -> None:
    status, body = await raw("getMe", token="999:WRONG")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    wrong = telegram.Bot("999:WRONG", base_url=fake.base_url)
    with pytest.raises(InvalidToken):
        await wrong.initialize()
    await wrong.shutdown()


async def test_get_me_parses_and_method_names_are_case_insensitive(
    fake: FakeTelegram, bot: telegram.Bot, raw: RawCall
) -> None:
    assert bot.username == "buurtbot_test_bot"
    assert bot.id == 123456
    status, body = await raw("GETME")
    assert status == 200
    assert body["result"]["username"] == fake.bot_username
    assert fake.requests[-1].method == "getMe"


async def test_get_query_strings_and_json_bodies_work(
    fake: FakeTelegram, raw: RawCall, ann: FakeUser
) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{fake.base_url}{fake.token}/sendMessage"
        async with session.get(url, params={"chat_id": str(ann.id), "text": "123"}) as response:
            body = await response.json()
    assert body["ok"]
    assert body["result"]["text"] == "123"  # a String parameter stays a string
    status, body = await raw("sendMessage", body={"chat_id": ann.id, "text": "via JSON"})
    assert status == 200
    assert [m.text for m in ann.messages] == ["123", "via JSON"]


async def test_unknown_method_is_404(raw: RawCall) -> None:
    status, body = await raw("sendMesage", chat_id=1, text="x")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_unknown_parameter_is_rejected(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    with pytest.raises(BadRequest, match=ci('unknown parameter "parse_mod"')):
        await bot.send_message(ann.id, "hoi", api_kwargs={"parse_mod": "HTML"})
    assert fake.rejected()[-1].error_code == 400


async def test_ptb_defaults_leaking_into_other_methods_are_tolerated(
    fake: FakeTelegram, ann: FakeUser
) -> None:
    defaults = Defaults(parse_mode="HTML", disable_notification=True, protect_content=True)
    client = ExtBot(fake.token, base_url=fake.base_url, defaults=defaults)
    async with client:
        sent = await client.send_message(ann.id, "Kies", reply_markup=keyboard([("a", "a")]))
        await sent.edit_reply_markup(None)  # PTB sends parse_mode etc. here too
        await client.send_location(ann.id, 52.09, 5.12)
        with pytest.raises(BadRequest, match=ci('unknown parameter "parse_mod"')):
            await client.send_location(ann.id, 52.09, 5.12, api_kwargs={"parse_mod": "HTML"})
    assert fake.requests[-2].params["parse_mode"] == "HTML"
    assert len(fake.rejected()) == 1


async def test_missing_required_parameters(raw: RawCall, ann: FakeUser) -> None:
    status, body = await raw("sendMessage", text="hoi")
    assert status == 400
    assert body["description"] == "Bad Request: chat_id is empty"
    status, body = await raw("sendMessage", chat_id=ann.id)
    assert body["description"] == "Bad Request: message text is empty"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"chat_id": [1], "text": "x"}, '"chat_id" must be Integer or String'),
        ({"chat_id": 1, "text": "x", "disable_notification": "yes"}, "must be Boolean"),
        (
            {"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": 5}]]}},
            '"reply_markup.inline_keyboard[0][0].text" must be String',
        ),
        (
            {"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": [], "colour": 1}},
            'unknown field "reply_markup.colour"',
        ),
        (
            {"chat_id": 1, "text": "x", "reply_parameters": {"chat_id": 1}},
            '"reply_parameters.message_id" is required',
        ),
    ],
)
async def test_wrong_types_are_rejected(
    raw: RawCall, params: dict[str, Any], fragment: str
) -> None:
    status, body = await raw("sendMessage", body=params)
    assert status == 400
    assert fragment in body["description"]


async def test_abstract_types_match_a_subtype(
    raw: RawCall, bot: telegram.Bot, ann: FakeUser
) -> None:
    commands = [{"command": "start", "description": "Begin"}]
    status, body = await raw("setMyCommands", commands=commands, scope={"type": "chat"})
    assert status == 400
    assert '"scope.chat_id" is required' in body["description"]
    status, body = await raw("setMyCommands", commands=commands, scope={"type": "everyone"})
    assert status == 400
    assert await bot.set_my_commands([("start", "Begin")], scope=BotCommandScopeChat(ann.id))
    with pytest.raises(BadRequest, match=ci("chat not found")):
        await bot.set_my_commands([("start", "Begin")], scope=BotCommandScopeChat(42))


async def test_spec_valid_but_unimplemented_method_says_so(raw: RawCall, ann: FakeUser) -> None:
    status, body = await raw("sendPoll", chat_id=ann.id, question="?", options=[{"text": "a"}])
    assert status == 400
    assert body["description"] == "Bad Request: fake server does not implement sendPoll"


async def test_without_spec_limits_still_apply(raw: RawCall) -> None:
    async with FakeTelegram(spec_path=None) as bare:
        user = bare.add_user()
        user.started = True
        client = telegram.Bot(bare.token, base_url=bare.base_url)
        async with client:
            await client.send_message(user.id, "a" * 4096)
            with pytest.raises(BadRequest, match=ci("message is too long")):
                await client.send_message(user.id, "a" * 4097)
            with pytest.raises(BadRequest, match=ci("can't parse entities")):
                await client.send_message(user.id, "<br>", parse_mode="HTML")
        assert bare.spec is None


# -- HTML parse mode ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "fragment"),
    [
        ("regel<br>regel", 'Unsupported start tag "br"'),
        ("<b>vet", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag"),
        ("3 < 4", 'Unsupported start tag ""'),
        ("<b", "Unclosed start tag"),
        ("AT&T", 'Character "&"'),
        ("&amp without semicolon", 'Character "&"'),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;"'),
        ("&#0;", "Invalid numeric character reference"),
        ("&#xD800;", "Invalid numeric character reference"),
        ("<span>x</span>", 'must have class "tg-spoiler"'),
        ('<span class="spoiler">x</span>', 'must have class "tg-spoiler"'),
        ("<a>link</a>", 'Tag "a" must have a non-empty "href"'),
        ("<tg-emoji>x</tg-emoji>", "Invalid custom emoji identifier"),
        ("<b/>", 'Unsupported start tag "b/"'),
        ('<a href="x>y</a>', "Unclosed start tag"),
        ("<blockquote open>x</blockquote>", "Expected equal sign"),
    ],
)
def test_invalid_html_is_rejected(markup: str, fragment: str) -> None:
    with pytest.raises(HtmlError) as caught:
        html_to_text(markup)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<b>vet <i>en schuin</i></b> &amp; <u>onder</u>", "vet en schuin & onder"),
        (
            "<strong>a</strong><em>b</em><ins>c</ins><s>d</s><strike>e</strike><del>f</del>",
            "abcdef",
        ),
        ('<span class="tg-spoiler">geheim</span> <tg-spoiler>ook</tg-spoiler>', "geheim ook"),
        ('<a href="https://t.me/x?a=1&amp;b=2">link</a>', "link"),
        ("<code>x &lt; y</code> &gt; &quot;z&quot;", 'x < y > "z"'),
        ('<pre><code class="language-python">print(1)</code></pre>', "print(1)"),
        ("<blockquote expandable>lang</blockquote>", "lang"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ("&#128075; &#x1F44B; &#39;", "👋 👋 '"),
        ("<B>HOOFD</B>", "HOOFD"),
        ("kaas > worst", "kaas > worst"),
        ("", ""),
    ],
)
def test_valid_html_is_accepted(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


def test_html_entities_use_utf16_offsets() -> None:
    parsed = parse_html('😀 <b>vet</b> <a href="https://x.nl">x</a>')
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 3},
        {"type": "text_link", "offset": 7, "length": 1, "url": "https://x.nl"},
    ]
    pre = parse_html('<pre><code class="language-py">1</code></pre>')
    assert pre.entities == [{"type": "pre", "offset": 0, "length": 1, "language": "py"}]


@given(st.text())
def test_escaped_text_is_valid_and_round_trips(text: str) -> None:
    assert html_to_text(html.escape(text)) == text
    assert html_to_text(html.escape(text, quote=False)) == text


_TAGS = ["b", "i", "u", "s", "code", "tg-spoiler", "blockquote", "em", "strong", "del"]


@st.composite
def nested_markup(draw: st.DrawFn, depth: int = 0) -> tuple[str, str]:
    """Draw (valid Telegram HTML, its plain text)."""
    parts = draw(st.lists(st.one_of(st.text(max_size=8), st.just(None)), max_size=4))
    markup, plain = "", ""
    for part in parts:
        if part is not None or depth >= 3:
            markup += html.escape(part or "")
            plain += part or ""
            continue
        tag = draw(st.sampled_from(_TAGS))
        inner_markup, inner_plain = draw(nested_markup(depth + 1))
        markup += f"<{tag}>{inner_markup}</{tag}>"
        plain += inner_plain
    return markup, plain


@given(nested_markup())
def test_nested_tags_parse_to_their_text(case: tuple[str, str]) -> None:
    markup, plain = case
    assert html_to_text(markup) == plain


async def test_bad_html_over_the_api(bot: telegram.Bot, ann: FakeUser) -> None:
    with pytest.raises(BadRequest, match=ci("can't parse entities: Unsupported start tag")):
        await bot.send_message(ann.id, "Hoi<br>daar", parse_mode="HTML")
    message = await bot.send_message(ann.id, "<b>Hoi</b> &amp; 👋", parse_mode="HTML")
    assert message.text == "Hoi & 👋"
    assert message.entities[0].type == "bold"


# -- message limits ----------------------------------------------------------------------------


async def test_text_length_counts_utf16_after_parsing(bot: telegram.Bot, ann: FakeUser) -> None:
    await bot.send_message(ann.id, "a" * 4096)
    with pytest.raises(BadRequest, match=ci("message is too long")):
        await bot.send_message(ann.id, "a" * 4097)
    await bot.send_message(ann.id, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(ann.id, "😀" * 2048)  # 2 UTF-16 code units each
    with pytest.raises(BadRequest, match=ci("message is too long")):
        await bot.send_message(ann.id, "😀" * 2048 + "a")


async def test_empty_text_is_rejected(bot: telegram.Bot, ann: FakeUser) -> None:
    for text in (" ", "\n\t"):
        with pytest.raises(BadRequest, match=ci("message text is empty")):
            await bot.send_message(ann.id, text)
    with pytest.raises(BadRequest, match=ci("message text is empty")):
        await bot.send_message(ann.id, "<b> </b>", parse_mode="HTML")


async def test_caption_limit(fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser) -> None:
    await bot.send_document(ann.id, b"data", filename="a.txt", caption="c" * 1024)
    with pytest.raises(BadRequest, match=ci("caption is too long")):
        await bot.send_document(ann.id, b"data", filename="a.txt", caption="c" * 1025)
    assert fake.sent[-1].caption == "c" * 1024


async def test_callback_data_is_limited_to_64_bytes(bot: telegram.Bot, ann: FakeUser) -> None:
    await bot.send_message(ann.id, "x", reply_markup=keyboard([("ok", "é" * 32)]))  # 64 bytes
    with pytest.raises(BadRequest, match=ci("BUTTON_DATA_INVALID")):
        await bot.send_message(ann.id, "x", reply_markup=keyboard([("ok", "é" * 32 + "a")]))
    with pytest.raises(BadRequest, match=ci("BUTTON_DATA_INVALID")):
        await bot.send_message(ann.id, "x", reply_markup=keyboard([("ok", "")]))


async def test_inline_keyboard_shape_limits(bot: telegram.Bot, raw: RawCall, ann: FakeUser) -> None:
    await bot.send_message(ann.id, "8", reply_markup=keyboard([(str(i), str(i)) for i in range(8)]))
    with pytest.raises(BadRequest, match=ci("too many buttons in a row")):
        await bot.send_message(
            ann.id, "9", reply_markup=keyboard([(str(i), str(i)) for i in range(9)])
        )
    rows = [[(f"{r}-{c}", f"{r}-{c}") for c in range(8)] for r in range(13)]  # 104 buttons
    with pytest.raises(BadRequest, match=ci("too many buttons in the inline keyboard")):
        await bot.send_message(ann.id, "104", reply_markup=keyboard(*rows))
    two_actions = {"text": "x", "callback_data": "a", "url": "https://x.nl"}
    status, body = await raw(
        "sendMessage",
        chat_id=ann.id,
        text="x",
        reply_markup={"inline_keyboard": [[two_actions]]},
    )
    assert status == 400
    assert "exactly one action field" in body["description"]


async def test_location_and_contact_buttons_only_in_private_chats(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    markup = ReplyKeyboardMarkup([[KeyboardButton("Deel locatie", request_location=True)]])
    await bot.send_message(ann.id, "Waar woon je?", reply_markup=markup)
    assert fake.sent[-1].reply_keyboard[0][0]["request_location"] is True
    group = fake.add_group(members=[ann])
    with pytest.raises(BadRequest, match=ci("only in private chats")):
        await bot.send_message(group.id, "Waar?", reply_markup=markup)
    await bot.send_message(ann.id, "Klaar", reply_markup=ReplyKeyboardRemove())
    assert fake.sent[-1].remove_keyboard


async def test_private_chat_access(fake: FakeTelegram, bot: telegram.Bot) -> None:
    bob = fake.add_user("Bob")
    with pytest.raises(Forbidden, match=ci("bot can't initiate conversation with a user")):
        await bot.send_message(bob.id, "Hoi")
    await bob.send("/start")
    assert bob.started
    await bot.send_message(bob.id, "Hoi")
    bob.blocked = True
    with pytest.raises(Forbidden, match=ci("bot was blocked by the user")):
        await bot.send_message(bob.id, "Hoi?")
    with pytest.raises(BadRequest, match=ci("chat not found")):
        await bot.send_message(987654321, "Wie?")
    assert [r.error_code for r in fake.rejected()] == [403, 403, 400]


# -- edits, deletes, pins ----------------------------------------------------------------------


async def test_edit_to_identical_content_is_not_modified(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    markup = keyboard([("Ja", "yes")])
    sent = await bot.send_message(ann.id, "<b>Vraag</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(BadRequest, match=ci("message is not modified")):
        await sent.edit_text("<strong>Vraag</strong>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(BadRequest, match=ci("message is not modified")):
        await sent.edit_reply_markup(markup)
    await sent.edit_text("<b>Vraag</b>", parse_mode="HTML")  # drops the keyboard: a change
    message = fake.sent[-1]
    assert message.buttons == []
    assert len(message.edits) == 1
    assert message.edits[0].reply_markup == markup.to_dict()
    with pytest.raises(BadRequest, match=ci("message to edit not found")):
        await bot.edit_message_text("x", chat_id=ann.id, message_id=999)


async def test_caption_edits_and_kind_checks(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    doc = await bot.send_document(ann.id, b"pdf", filename="a.pdf", caption="Oud")
    with pytest.raises(BadRequest, match=ci("no text in the message")):
        await doc.edit_text("Nieuw")
    with pytest.raises(BadRequest, match=ci("message is not modified")):
        await doc.edit_caption("Oud")
    await doc.edit_caption("<i>Nieuw</i>", parse_mode="HTML")
    assert fake.sent[-1].text == "Nieuw"
    assert fake.sent[-1].html == "<i>Nieuw</i>"


async def test_delete_and_pin(fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser) -> None:
    group = fake.add_group(members=[ann])
    message = await bot.send_message(group.id, "Agenda")
    with pytest.raises(BadRequest, match=ci("not enough rights to manage pinned messages")):
        await message.pin()
    group.bot_rights(can_pin_messages=True)
    member = await bot.get_chat_member(group.id, bot.id)
    assert isinstance(member, telegram.ChatMemberAdministrator)
    assert member.can_pin_messages
    await message.pin()
    assert group.last_message is not None
    assert group.last_message.pinned
    await message.delete()
    assert group.last_message.deleted
    with pytest.raises(BadRequest, match=ci("message to delete not found")):
        await message.delete()


async def test_bot_without_post_rights_cannot_send(fake: FakeTelegram, bot: telegram.Bot) -> None:
    group = fake.add_group()
    group.bot_rights(can_post_messages=False, status="restricted")
    with pytest.raises(BadRequest, match=ci("not enough rights to send text messages")):
        await bot.send_message(group.id, "Hallo")
    group.bot_rights(status="kicked")
    with pytest.raises(Forbidden, match=ci("kicked")):
        await bot.send_message(group.id, "Hallo")


# -- callback queries --------------------------------------------------------------------------


async def test_answer_callback_query_rules(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    await bot.send_message(ann.id, "Kies", reply_markup=keyboard([("Ja", "yes")]))
    first = await ann.press(fake.sent[-1], "Ja")
    second = await ann.press(fake.sent[-1], "yes")  # by callback_data works too
    assert fake.unanswered_callback_queries(grace=0)[0]["data"] == "yes"
    assert fake.unanswered_callback_queries(grace=60) == []
    with pytest.raises(BadRequest, match=ci("MESSAGE_TOO_LONG")):
        await bot.answer_callback_query(first, text="x" * 201)
    await bot.answer_callback_query(first, text="x" * 200, show_alert=True)
    with pytest.raises(BadRequest, match=ci("query is too old")):
        await bot.answer_callback_query(first)
    with pytest.raises(BadRequest, match=ci("query ID is invalid")):
        await bot.answer_callback_query("12345")
    assert [q["id"] for q in fake.unanswered_callback_queries(grace=0)] == [second]
    assert ann.answers == [
        {
            "callback_query_id": first,
            "text": "x" * 200,
            "show_alert": True,
            "url": None,
            "cache_time": None,
        }
    ]


async def test_press_uses_current_markup_and_lists_buttons(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    sent = await bot.send_message(ann.id, "Kies", reply_markup=keyboard([("Ja", "yes")]))
    message = fake.sent[-1]
    with pytest.raises(LookupError, match=r"'Misschien'.*available: 'Ja' \('yes'\)"):
        await ann.press(message, "Misschien")
    await sent.edit_reply_markup(keyboard([("Zeker", "sure")]))
    with pytest.raises(LookupError, match="Zeker"):
        await ann.press(message, "Ja")
    await ann.press(message, "Zeker")
    await ann.press_data(message, "tampered:1")
    datas = [u["callback_query"]["data"] for u in fake.updates if "callback_query" in u]
    assert datas == ["sure", "tampered:1"]


# -- commands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("commands", "fragment"),
    [
        ([("Start", "Begin")], "BOT_COMMAND_INVALID"),
        ([("a" * 33, "Begin")], "BOT_COMMAND_INVALID"),
        ([("hulp-nodig", "Help")], "BOT_COMMAND_INVALID"),
        ([("start", "")], "BOT_COMMAND_DESCRIPTION_INVALID"),
        ([("start", "d" * 257)], "BOT_COMMAND_DESCRIPTION_INVALID"),
        ([("start", "a"), ("start", "b")], "duplicate command"),
        ([(f"c{i}", "d") for i in range(101)], "too many commands"),
    ],
)
async def test_set_my_commands_validation(
    bot: telegram.Bot, commands: list[tuple[str, str]], fragment: str
) -> None:
    with pytest.raises(BadRequest, match=ci(fragment)):
        await bot.set_my_commands(commands)


async def test_commands_are_stored_per_scope_and_language(
    fake: FakeTelegram, bot: telegram.Bot
) -> None:
    await bot.set_my_commands([BotCommand("start", "Begin")])
    await bot.set_my_commands(
        [("start", "Begin"), ("hulp", "Vraag hulp")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="nl",
    )
    assert fake.commands() == [("start", "Begin")]
    assert fake.commands(scope_type="all_private_chats", language_code="nl") == [
        ("start", "Begin"),
        ("hulp", "Vraag hulp"),
    ]
    assert fake.commands(scope_type="all_private_chats") == []
    stored = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="nl")
    assert [c.command for c in stored] == ["start", "hulp"]
    await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="nl")
    assert fake.commands(scope_type="all_private_chats", language_code="nl") == []
    with pytest.raises(BadRequest, match=ci("language code")):
        await bot.set_my_commands([("start", "Begin")], language_code="dutch")


# -- updates -----------------------------------------------------------------------------------


async def test_long_poll_returns_when_an_update_arrives(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    delivered = await ann.send("/start")
    updates = await poll
    assert time.monotonic() - started < 1.5
    assert [u.message.text for u in updates if u.message] == ["/start"]
    assert delivered is not None
    assert delivered["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    # Unconfirmed updates come again; an offset past them confirms them.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    assert fake.updates == []
    await ann.send("een")
    await ann.send("twee")
    first = await bot.get_updates(limit=1, timeout=0)
    assert [u.message.text for u in first] == ["een"]
    assert first[0].update_id > updates[0].update_id


async def test_allowed_updates_filters_new_updates(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    assert await ann.send("niet gezien") is None
    await bot.send_message(ann.id, "x", reply_markup=keyboard([("a", "a")]))
    await ann.press(fake.sent[-1], "a")
    updates = await bot.get_updates(timeout=0, allowed_updates=[])
    assert [u.callback_query.data for u in updates if u.callback_query] == ["a"]
    assert len(updates) == 1


async def test_long_poll_ends_promptly_on_stop() -> None:
    server = await FakeTelegram().start()
    client = telegram.Bot(server.token, base_url=server.base_url)
    async with client:
        poll = asyncio.create_task(client.get_updates(timeout=30))
        await server.wait_for(lambda: server.is_polling)
        started = time.monotonic()
        stop = asyncio.create_task(server.stop())
        assert await poll == ()
        await stop
        assert time.monotonic() - started < 1.5


async def test_two_pollers_conflict(fake: FakeTelegram, bot: telegram.Bot) -> None:
    other = telegram.Bot(fake.token, base_url=fake.base_url)
    async with other:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await fake.wait_for(lambda: fake.is_polling)
        await other.get_updates(timeout=0)
        with pytest.raises(telegram.error.Conflict, match=ci("terminated by other getUpdates")):
            await first
    assert fake.rejected()[-1].error_code == 409


async def test_webhook_blocks_get_updates(bot: telegram.Bot) -> None:
    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(telegram.error.Conflict, match=ci("webhook is active")):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


# -- flood control -----------------------------------------------------------------------------


async def test_blasting_without_a_limiter_hits_flood_control(fake: FakeTelegram) -> None:
    users = [fake.add_user(f"U{i}") for i in range(25)]
    for user in users:
        user.started = True
    client = telegram.Bot(fake.token, base_url=fake.base_url)
    flood_errors: list[str] = []
    async with client:
        for n in range(100):  # four per chat, so only the overall bucket can run dry
            try:
                await client.send_message(users[n % 25].id, f"Nieuwsbrief {n}")
            except RetryAfter as exc:
                flood_errors.append(str(exc))
    assert flood_errors
    assert flood_errors[0] == "Flood control exceeded. Retry in 0:00:01"
    rejected = fake.rejected()
    assert {r.error_code for r in rejected} == {429}
    assert rejected[0].description == "Too Many Requests: retry after 1"
    first_refused = int(rejected[0].params["text"].split()[-1])
    assert first_refused >= 40  # the burst allowance, plus what refilled meanwhile


async def test_aio_rate_limiter_defaults_never_get_429(fake: FakeTelegram) -> None:
    users = [fake.add_user(f"U{i}") for i in range(20)]
    for user in users:
        user.started = True
    client = ExtBot(fake.token, base_url=fake.base_url, rate_limiter=AIORateLimiter())
    started = time.monotonic()
    async with client:
        await asyncio.gather(
            *(client.send_message(users[n % 20].id, f"Bericht {n}") for n in range(60))
        )
    assert fake.rejected() == []
    assert len(fake.sent) == 60
    assert time.monotonic() - started < 5


async def test_group_and_private_buckets() -> None:
    limits = FloodLimits(group_burst=3, private_burst=2, private_reply_credit=1)
    async with FakeTelegram(flood_limits=limits) as server:
        user = server.add_user()
        group = server.add_group(members=[user])
        client = telegram.Bot(server.token, base_url=server.base_url)
        async with client:
            for _ in range(3):
                await client.send_message(group.id, "Oproep")
            with pytest.raises(RetryAfter) as caught:
                await client.send_message(group.id, "Nog een")
            assert caught.value.retry_after == dt.timedelta(seconds=3)  # 20/min refill
            await user.send("/start")
            for _ in range(2):
                await client.send_message(user.id, "Antwoord")
            with pytest.raises(RetryAfter):
                await client.send_message(user.id, "Te veel")
            await user.send("nog een vraag")  # a user message buys one more reply
            await client.send_message(user.id, "Antwoord")
    async with FakeTelegram(flood_control=False) as unlimited:
        user = unlimited.add_user()
        user.started = True
        client = telegram.Bot(unlimited.token, base_url=unlimited.base_url)
        async with client:
            for _ in range(50):
                await client.send_message(user.id, "Snel")
        assert unlimited.rejected() == []


# -- injected failures -------------------------------------------------------------------------


async def test_fail_next(fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser) -> None:
    fake.fail_next("sendMessage", error_code=502, count=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(ann.id, "Hoi")
    await bot.send_message(ann.id, "Hoi")
    fake.fail_next("sendmessage", error_code=429, retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ann.id, "Hoi")
    assert caught.value.retry_after == dt.timedelta(seconds=3)
    fake.fail_next("sendMessage", error_code=400, description="Bad Request: custom")
    with pytest.raises(BadRequest, match=ci("custom")):
        await bot.send_message(ann.id, "Hoi")
    assert fake.rejected() == []
    assert sum(1 for r in fake.requests if r.injected) == 4
    assert len(fake.sent) == 1


# -- groups and privacy mode -------------------------------------------------------------------


async def test_privacy_mode_in_groups(fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser) -> None:
    group = fake.add_group("Buurtgroep Oost", members=[ann])
    assert await ann.send("Gewoon een praatje", chat=group) is None
    assert await ann.send("/hulp", chat=group) is not None
    assert await ann.send("/hulp@buurtbot_test_bot ladder", chat=group) is not None
    assert await ann.send("/hulp@andere_bot", chat=group) is None
    assert await ann.send("Vraag aan @buurtbot_test_bot", chat=group) is not None
    assert await ann.share_location(52.09, 5.12, chat=group) is None
    sent = await bot.send_message(group.id, "Wie helpt?")
    reply = await ann.send("Ik!", chat=group, reply_to=group.messages[-1])
    assert reply is not None
    assert reply["reply_to_message"]["message_id"] == sent.message_id
    group.bot_rights(can_pin_messages=True)  # admins see everything
    assert await ann.send("Nog een praatje", chat=group) is not None
    texts = [u["message"]["text"] for u in fake.updates]
    assert texts == [
        "/hulp",
        "/hulp@buurtbot_test_bot ladder",
        "Vraag aan @buurtbot_test_bot",
        "Ik!",
        "Nog een praatje",
    ]
    outsider = fake.add_user("Piet")
    with pytest.raises(ValueError, match="not a member"):
        await outsider.send("/hulp", chat=group)


async def test_forum_topics(fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser) -> None:
    group = fake.add_group("Buurtforum", forum=True, members=[ann])
    topic = group.add_topic("Oost-Noord")
    with pytest.raises(BadRequest, match=ci("not enough rights to create a topic")):
        await bot.create_forum_topic(group.id, "Zuid")
    group.bot_rights(can_manage_topics=True)
    created = await bot.create_forum_topic(group.id, "Zuid")
    sent = await bot.send_message(group.id, "In het topic", message_thread_id=topic)
    assert sent.message_thread_id == topic
    assert sent.is_topic_message
    assert group.last_message is not None
    assert group.last_message.thread_id == topic
    with pytest.raises(BadRequest, match=ci("message thread not found")):
        await bot.send_message(
            group.id, "Nergens", message_thread_id=created.message_thread_id + 50
        )
    delivered = await ann.send("/hulp", chat=group, thread_id=created.message_thread_id)
    assert delivered is not None
    assert delivered["message_thread_id"] == created.message_thread_id
    plain = fake.add_group("Gewoon")
    with pytest.raises(BadRequest, match=ci("not a forum")):
        await bot.create_forum_topic(plain.id, "X")


async def test_get_chat_member_reflects_the_group(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    bob = fake.add_user("Bob")
    group = fake.add_group(members=[ann, bob])
    group.set_admin(ann)
    group.set_admin(bob, status="creator")
    carl = fake.add_user("Carl")
    statuses = [(await bot.get_chat_member(group.id, u.id)).status for u in (ann, bob, carl)]
    assert statuses == ["administrator", "creator", "left"]
    assert (await bot.get_chat_member(group.id, bot.id)).status == "member"
    group.bot_rights(can_post_messages=True, can_manage_topics=True)
    me = await bot.get_chat_member(group.id, bot.id)
    assert isinstance(me, telegram.ChatMemberAdministrator)
    assert (me.can_manage_topics, me.can_pin_messages) == (True, False)
    chat = await bot.get_chat(group.id)
    assert chat.title == group.title


# -- sendVenue ---------------------------------------------------------------------------------


async def test_send_venue_is_stored_and_parses(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Route", callback_data="route")]])
    sent = await bot.send_venue(
        ann.id, *UTRECHT, "Buurthuis", "Oudegracht 1", foursquare_id="4b1", reply_markup=markup
    )
    assert sent.venue is not None
    assert (sent.venue.title, sent.venue.address) == ("Buurthuis", "Oudegracht 1")
    assert (sent.venue.location.latitude, sent.venue.location.longitude) == UTRECHT
    assert sent.location is not None  # Telegram sets location next to venue
    message = await ann.next_message()
    assert message.kind == "venue"
    assert message.text is None
    assert message.venue == {
        "latitude": 52.0907,
        "longitude": 5.1214,
        "title": "Buurthuis",
        "address": "Oudegracht 1",
        "foursquare_id": "4b1",
    }
    assert message.button_texts == ["Route"]
    with pytest.raises(BadRequest, match=ci("there is no text in the message to edit")):
        await sent.edit_text("Nee")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((91.0, 5.0, "Huis", "Straat 1"), "wrong latitude or longitude"),
        ((52.0, -180.5, "Huis", "Straat 1"), "wrong latitude or longitude"),
        ((52.0, 5.0, "  ", "Straat 1"), "title is empty"),
        ((52.0, 5.0, "Huis", "\n"), "address is empty"),
    ],
)
async def test_send_venue_rejections(
    bot: telegram.Bot, ann: FakeUser, args: tuple[float, float, str, str], fragment: str
) -> None:
    with pytest.raises(BadRequest, match=ci(fragment)):
        await bot.send_venue(ann.id, *args)


async def test_send_venue_needs_title_and_address(raw: RawCall, ann: FakeUser) -> None:
    venue = {"chat_id": ann.id, "latitude": 52.0, "longitude": 5.0, "title": "Huis"}
    status, body = await raw("sendVenue", body={**venue, "address": ""})
    assert (status, body["description"]) == (400, "Bad Request: address is empty")
    status, body = await raw("sendVenue", body={**venue, "title": "", "address": "Straat 1"})
    assert (status, body["description"]) == (400, "Bad Request: title is empty")


async def test_send_venue_access_threads_and_flood() -> None:
    async with FakeTelegram(flood_limits=FloodLimits(group_burst=2)) as fake:
        bob = fake.add_user("Bob")
        forum = fake.add_group("Buurtforum", forum=True, members=[bob])
        topic = forum.add_topic("Oost")
        client = telegram.Bot(fake.token, base_url=fake.base_url)
        async with client:
            with pytest.raises(Forbidden, match=ci("bot can't initiate conversation")):
                await client.send_venue(bob.id, *UTRECHT, "Huis", "Straat 1")
            sent = await client.send_venue(
                forum.id, *UTRECHT, "Huis", "Straat 1", message_thread_id=topic
            )
            assert sent.message_thread_id == topic
            with pytest.raises(BadRequest, match=ci("message thread not found")):
                await client.send_venue(
                    forum.id, *UTRECHT, "Huis", "Straat 1", message_thread_id=topic + 50
                )
            await client.send_venue(forum.id, *UTRECHT, "Huis", "Straat 2")
            with pytest.raises(RetryAfter):
                await client.send_venue(forum.id, *UTRECHT, "Huis", "Straat 3")
        assert [m.venue["address"] for m in forum.messages if m.venue] == ["Straat 1", "Straat 2"]


# -- simulated users ---------------------------------------------------------------------------


async def test_user_actions_parse_as_updates(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    await ann.share_location(52.0907, 5.1214)
    await ann.share_contact()
    await ann.open_start_link("https://t.me/buurtbot_test_bot?start=uitnodiging_42")
    with pytest.raises(ValueError, match="invalid /start payload"):
        await ann.open_start_link("https://t.me/buurtbot_test_bot?start=met spatie")
    updates = [Update.de_json(u, bot) for u in fake.updates]
    location = updates[0].message.location
    contact = updates[1].message.contact
    assert (location.latitude, location.longitude) == (52.0907, 5.1214)
    assert (contact.phone_number, contact.user_id) == ("+31612345678", ann.id)
    assert updates[2].message.text == "/start uitnodiging_42"


async def test_next_message_and_wait_for(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    async def reply_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(ann.id, "Eerste")
        await bot.send_message(ann.id, "Tweede")

    task = asyncio.create_task(reply_later())
    first = await ann.next_message(timeout=2)
    second = await ann.next_message(timeout=2)
    await task
    assert (first.text, second.text) == ("Eerste", "Tweede")
    assert ann.last_message is second
    assert ann.messages == [first, second]
    with pytest.raises(AssertionError, match=r"(?s)no new bot message.*Tweede.*sendMessage"):
        await ann.next_message(timeout=0.1)
    assert await fake.wait_for(lambda: len(fake.sent), timeout=0.5) == 2
    with pytest.raises(AssertionError, match="last 3 requests"):
        await fake.wait_for(lambda: False, timeout=0.1)


async def test_documents_are_stored_and_downloadable(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    sent = await bot.send_document(ann.id, b"a;b\n1;2\n", filename="export.csv", caption="Export")
    message = fake.sent[-1]
    assert message.kind == "document"
    assert message.document == {
        "filename": "export.csv",
        "content": b"a;b\n1;2\n",
        "mime": "text/csv",
    }
    assert sent.document is not None
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"a;b\n1;2\n"
    await bot.send_document(ann.id, sent.document.file_id)  # resend by file_id
    with pytest.raises(BadRequest, match=ci("wrong file identifier")):
        await bot.send_document(ann.id, "no-such-file-id")
    with pytest.raises(BadRequest, match=ci("file must be non-empty")):
        await bot.send_document(ann.id, b"", filename="leeg.txt")
    photo = await bot.send_photo(ann.id, b"\x89PNG fake", caption="Foto")
    assert photo.photo
    assert fake.sent[-1].kind == "photo"
    await bot.send_location(ann.id, 52.09, 5.12)
    assert fake.sent[-1].location == {"latitude": 52.09, "longitude": 5.12}


async def test_users_send_photos_and_documents_the_bot_can_send_on(
    fake: FakeTelegram, bot: telegram.Bot, ann: FakeUser
) -> None:
    await ann.send_photo("Zie /omroep", size=(1600, 1200))
    await ann.send_document("rooster.pdf", b"%PDF rooster", caption="Het rooster")
    await ann.send_photo()
    updates = [Update.de_json(u, bot) for u in fake.updates]
    photo, document, bare = (u.message for u in updates)
    assert [(s.width, s.height) for s in photo.photo] == [
        (90, 68),
        (320, 240),
        (800, 600),
        (1600, 1200),
    ]
    assert photo.caption == "Zie /omroep"
    assert photo.caption_entities[0].type == "bot_command"
    assert document.document.file_name == "rooster.pdf"
    assert document.caption == "Het rooster"
    assert bare.caption is None

    sent = await bot.send_photo(
        ann.id, photo.photo[-1].file_id, caption="<b>Kijk</b>", parse_mode="HTML"
    )
    assert fake.sent[-1].kind == "photo"
    assert fake.sent[-1].caption == "Kijk"
    assert (sent.photo[-1].width, sent.photo[-1].height) == (1600, 1200)
    await bot.send_document(ann.id, document.document.file_id, caption="Rooster")
    assert fake.sent[-1].document["filename"] == "rooster.pdf"
    downloaded = await (await bot.get_file(document.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"%PDF rooster"
    with pytest.raises(BadRequest, match=ci("wrong file identifier/HTTP URL specified")):
        await bot.send_photo(ann.id, "AgACAgQAAxkBAAI-no-such-photo")
    with pytest.raises(BadRequest, match=ci("type of file mismatch")):
        await bot.send_document(ann.id, photo.photo[0].file_id)
    with pytest.raises(BadRequest, match=ci("message caption is too long")):
        await bot.send_photo(ann.id, photo.photo[0].file_id, caption="x" * 1025)
    edited = await bot.edit_message_caption(ann.id, sent.message_id, caption="Nieuw")
    assert edited.caption == "Nieuw"
    with pytest.raises(BadRequest, match=ci("there is no text in the message to edit")):
        await bot.edit_message_text("Tekst", chat_id=ann.id, message_id=sent.message_id)
    with pytest.raises(ValueError, match="4096"):
        await ann.send_photo("x" * 4097)
    assert [r.method for r in fake.rejected()] == [
        "sendPhoto",
        "sendDocument",
        "sendPhoto",
        "editMessageText",
    ]


# -- the real Application ------------------------------------------------------------------------


async def test_application_round_trip(fake: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "Welkom, <b>buur</b>!", parse_mode="HTML", reply_markup=keyboard([("Ja", "yes")])
        )

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Top")
        await query.edit_message_text(f"Gekozen: {query.data}")

    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .rate_limiter(AIORateLimiter())
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    ann = fake.add_user("Ann")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=dt.timedelta(seconds=1))
        try:
            await ann.send("/start")
            welcome: SentMessage = await ann.next_message()
            assert welcome.text == "Welkom, buur!"
            assert welcome.html == "Welkom, <b>buur</b>!"
            await ann.press(welcome, "Ja")
            await fake.wait_for(lambda: welcome.edits)
            assert welcome.text == "Gekozen: yes"
            assert welcome.buttons == []
            assert [a["text"] for a in ann.answers] == ["Top"]
        finally:
            await app.updater.stop()
            await app.stop()
    assert fake.rejected() == []
    assert fake.unanswered_callback_queries(grace=0) == []
