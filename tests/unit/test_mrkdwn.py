"""The one home of mrkdwn escaping (bot/i18n/mrkdwn.py): what people type shows as typed and can
never become markup; what the bot writes itself stays markup."""

import pytest

from bot.i18n import t
from bot.i18n.mrkdwn import Mrkdwn, escape, link, literal, mention, trusted

TYPED = [
    ("<!channel> 至急", "&lt;!channel&gt; 至急"),
    ("<!here|here>", "&lt;!here|here&gt;"),
    ("<@U0ADMIN>", "&lt;@U0ADMIN&gt;"),
    ("<https://evil.example|https://sso.example.co.jp/reset>",
     "&lt;https://evil.example|https://sso.example.co.jp/reset&gt;"),
    ("A&B 5>3", "A&amp;B 5&gt;3"),
    ("&lt; already", "&amp;lt; already"),
    ("経費 *太字* _斜体_", "経費 *太字* _斜体_"),
]


@pytest.mark.parametrize(("typed", "shown"), TYPED)
def test_typed_text_is_escaped_once_and_reads_back_as_typed(typed: str, shown: str) -> None:
    once = escape(typed)
    assert once == shown
    assert escape(once) == shown  # Mrkdwn is never escaped twice
    assert literal(once) == typed


@pytest.mark.parametrize(("typed", "shown"), TYPED)
def test_catalog_parameters_are_escaped(typed: str, shown: str) -> None:
    text = t("ja", "errors.generic", ref=typed)
    assert shown in text
    assert "<!" not in text and "<@" not in text and "<http" not in text
    assert isinstance(text, Mrkdwn)


def test_the_bots_own_markup_stays_markup() -> None:
    assert mention("U0ADMIN") == "<@U0ADMIN>"
    assert mention("<!channel>") == "&lt;!channel&gt;"  # not a user id: shown, never a ping
    assert link("https://example.co.jp/a?b=1&c=2", "申請 <1>") == "<https://example.co.jp/a?b=1&amp;c=2|申請 &lt;1&gt;>"
    assert link("https://x.example/|evil") == "<https://x.example/%7Cevil>"  # no disguised label
    assert trusted("<@U1> さん") == "<@U1> さん"
