"""A fake Telegram Bot API server for end-to-end tests of the bot.

    async with FakeTelegram() as fake:
        app = (
            ApplicationBuilder().token(fake.token)
            .base_url(fake.base_url).base_file_url(fake.base_file_url).build()
        )
        ann = fake.add_user("Ann")
        ...  # start the app polling, then:
        await ann.send("/start")
        reply = await ann.next_message()
        await ann.press(reply, "Nederlands")
        await ann.send_photo("Met bijschrift")     # or ann.send_document("brief.pdf", b"...")
        assert fake.rejected() == []

Inline mode (on by default; FakeTelegram(inline_mode=False) turns it off):

        await ann.inline_query("ladder", chat_type="supergroup")
        answer = await ann.next_inline_answer()   # the bot's answerInlineQuery, as a dict
        posted = await ann.choose_inline_result(answer, answer["results"][0]["id"], chat=group)
        assert posted.via_bot is not None and fake.unanswered_inline_queries(grace=0) == []

Webhook mode: the bot calls setWebhook (an https:// URL, as Telegram demands) and the fake
POSTs each update there with the X-Telegram-Bot-Api-Secret-Token header, retrying until a 2xx
answer. Tests say where the public URL really lives (the fake plays the TLS proxy too):

        fake.route_webhook("https://bot.example.org", "http://127.0.0.1:8081")
        ...  # start the app with updater.start_webhook(...), then users act as above
        assert all(a.status == 200 for a in fake.webhook_attempts)

The fake checks every call against ../shared/telegram/bot-api-10.0.json (when present) and
enforces Telegram's limits (see limits.py for the flood-control numbers).
"""

from .errors import ApiError
from .groups import FakeGroup
from .html import HtmlError, html_to_text, parse_html
from .limits import FloodLimits
from .models import MessageVersion, RecordedRequest, SentMessage
from .server import DEFAULT_TOKEN, FakeTelegram
from .spec import DEFAULT_SPEC_PATH, UploadedFile
from .users import FakeUser
from .webhook import WebhookAttempt

__all__ = [
    "DEFAULT_SPEC_PATH",
    "DEFAULT_TOKEN",
    "ApiError",
    "FakeGroup",
    "FakeTelegram",
    "FakeUser",
    "FloodLimits",
    "HtmlError",
    "MessageVersion",
    "RecordedRequest",
    "SentMessage",
    "UploadedFile",
    "WebhookAttempt",
    "html_to_text",
    "parse_html",
]
