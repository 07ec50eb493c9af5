"""The catalogs: complete in both languages, same placeholders, valid Telegram HTML."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from bot.i18n import LANGUAGES, Html, catalog, escape, pick_language, placeholders, translator
from bot.sandbox.telegram.html import HtmlError, html_to_text

REPO = Path(__file__).resolve().parents[1]


def keys_in_code() -> set[str]:
    """Extract every catalog key the code uses (t("...") and N_("..."))."""
    keys = set()
    for folder in ("bot", "handlers", "models"):
        for file, _line, key, _comments, _context in extract_from_dir(
            REPO / folder, method_map=[("**.py", "python")], keywords={"t": None, "N_": None}
        ):
            if not file.startswith("sandbox"):  # the fake Telegram speaks no catalog
                keys.add(key)
    return keys


def test_every_key_in_the_code_is_in_both_catalogs_and_none_is_unused() -> None:
    used = keys_in_code()
    for language in LANGUAGES:
        texts = catalog(language)
        assert sorted(used - set(texts)) == [], f"missing from the {language} catalog"
        assert sorted(set(texts) - used) == [], f"unused texts in the {language} catalog"


def test_placeholders_agree_between_languages() -> None:
    nl, en = catalog("nl"), catalog("en")
    for key in nl:
        assert placeholders(nl[key]) == placeholders(en[key]), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_valid_telegram_html(language: str) -> None:
    t = translator(language)
    for key, template in catalog(language).items():
        params = {name: "<x & y>" for name in placeholders(template)}
        try:
            plain = html_to_text(t(key, **params))
        except HtmlError as exc:  # pragma: no cover - the assertion message is the point
            pytest.fail(f"{language} {key}: {exc}")
        assert 0 < len(plain) <= 4096, key
        if params:
            assert "<x & y>" in plain, key


def test_parameters_are_escaped_but_html_values_are_not() -> None:
    t = translator("en")
    assert (
        t("welcome.back", name="<b>Ann</b> & co")
        == "Welcome back, &lt;b&gt;Ann&lt;/b&gt; &amp; co!"
    )
    assert t("wijk.saved", wijk=Html("<i>x</i>")) == "Your wijk is now <b><i>x</i></b>."
    assert escape('"<&>"') == '"&lt;&amp;&gt;"'


def test_language_choice() -> None:
    assert pick_language("en", "nl", "nl") == "en"
    assert pick_language(None, "en-US", "nl") == "en"
    assert pick_language(None, "NL", "en") == "nl"
    assert pick_language(None, "tr", "nl") == "nl"
    assert pick_language(None, None, "en") == "en"
    assert pick_language("xx", None, "nl") == "nl"
