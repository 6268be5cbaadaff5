"""Which logged questions may be shown beyond the people who handle them (issue #12, item 5).

A question is private to the FAQ's agents and admins when a confidential request type covers it:
- its text contains one of that type's words: the type's `keywords` from the config, or, when it has
  none, its department's routing keywords (erring towards hiding: an HR desk's confidential type
  without words of its own hides every HR-sounding question from the digest), plus the type's name;
- or it was escalated into a confidential ticket.
Matching is the routing's: NFKC + casefold, Japanese keywords as substrings, English ones as whole
words (plural included). Questions asked in a DM are private too: the digest shows a phrasing only once
`digest.unanswered_min_askers` different people asked it (bot/faqdesk/stats.py: shareable_unanswered)."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from bot.config import WorkspaceConfig


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@cache
def _english(keyword: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in keyword.split()]
    return re.compile(r"(?<![a-z0-9])" + r"[\s\-]+".join(words) + r"(?:e?s)?(?![a-z0-9])")


def confidential_words(config: WorkspaceConfig) -> list[str]:
    """Normalised words marking a question as a confidential type's matter."""
    departments = {d.key: d for d in config.departments}
    words: list[str] = []
    for rt in config.request_types:
        if not rt.confidential:
            continue
        own = rt.keywords.all()
        if not own and rt.department in departments:
            own = departments[rt.department].keywords.all()
        words += [*own, rt.name.ja, *([rt.name.en] if rt.name.en else [])]
    return sorted({w for w in (normalise(w).strip() for w in words) if w})


def covered(text: str, words: list[str]) -> bool:
    """True when `text` contains one of `words` (from confidential_words)."""
    norm = normalise(text)
    return any(_english(w).search(norm) if w.isascii() else w in norm for w in words)
