"""Both languages say the same things: same keys, same placeholders."""

from __future__ import annotations

import pytest

from bot.i18n import catalog, normalise_locale, placeholders, t


def test_ja_and_en_have_the_same_keys():
    ja, en = catalog("ja"), catalog("en")
    assert sorted(set(ja) - set(en)) == [], "missing in en"
    assert sorted(set(en) - set(ja)) == [], "missing in ja"


@pytest.mark.parametrize("key", sorted(catalog("ja")))
def test_placeholders_match_between_languages(key):
    assert placeholders(catalog("ja")[key]) == placeholders(catalog("en")[key])


@pytest.mark.parametrize(
    ("slack_locale", "ours"),
    [("ja-JP", "ja"), ("en-US", "en"), ("en-GB", "en"), ("fr-FR", "en"), ("", "ja"), (None, "ja")],
)
def test_slack_locales_map_to_ours(slack_locale, ours):
    assert normalise_locale(slack_locale) == ours


def test_missing_key_falls_back_to_the_key_itself():
    assert t("en", "no.such.key") == "no.such.key"


def test_a_message_is_formatted_with_its_parameters():
    assert t("en", "errors.already_decided", who="Sato", when="10:00") == "This was already handled by Sato at 10:00."
