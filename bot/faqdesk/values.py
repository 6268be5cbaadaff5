"""This company's values in FAQ answers: a KB answer names a value as ``{{closing_day}}``; the workspace
config fills it in (``faq.values``), and the employee sees the value — never the placeholder.

- A filled value is escaped like the rest of the answer; a value that is a URL becomes a link.
- An unfilled value (no key, or an empty one) is left out with what needs it: when it sits in brackets
  — ``（毎月{{payday}}）`` or ``({{payday}})`` — only the brackets go; otherwise its whole sentence goes.
  `Filled.missing` names what was left out, so the answer can add whom to ask (bot/faqdesk/views.py).
- `config check` lists the keys the knowledge base uses that the config does not fill (`unfilled`).

The syntax cannot meet ordinary text (Japanese prose and Slack mrkdwn have no ``{{``), and the KB's
YAML, CSV and JSON Lines files keep it as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.config.text import LocalizedText
from bot.i18n import t
from bot.i18n.mrkdwn import Mrkdwn, escape, link, literal
from faq.engine import FaqDoc

if TYPE_CHECKING:
    from bot.config import WorkspaceConfig

PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
_URL = re.compile(r"(?:https?://|mailto:)\S+")
# A sentence ends at 。！？ (and a closing quote), at .!? before a capital, a quote or the end (so "e.g. a"
# is not an end), or at a line break; the whitespace after an end belongs to the sentence before it.
_SENTENCE_END = re.compile(r"[。！？]+[」』]?|[.!?]+(?=\s+[A-Z0-9\"“‘'(\[{]|\s*$)|\n")
_OPENING, _CLOSING = "（(", "）)"

Values = Mapping[str, LocalizedText | None]


def keys_in(text: str | None) -> list[str]:
    """The value keys a text names, each once, in order."""
    return list(dict.fromkeys(m.group(1) for m in PLACEHOLDER.finditer(text or "")))


def used_by(docs: Iterable[FaqDoc]) -> dict[str, list[str]]:
    """key → ids of the entries whose answer (ja or en) names it."""
    out: dict[str, set[str]] = {}
    for doc in docs:
        for key in keys_in(doc.answer) + keys_in(doc.answer_en):
            out.setdefault(key, set()).add(doc.id)
    return {key: sorted(ids) for key, ids in sorted(out.items())}


def value_text(values: Values, key: str, locale: str) -> str | None:
    value = values.get(key)
    text = value.get(locale).strip() if value is not None else ""
    return text or None


def unfilled(docs: Iterable[FaqDoc], values: Values) -> dict[str, list[str]]:
    """key → entries using it, for every key the KB uses and the config leaves unfilled."""
    return {key: ids for key, ids in used_by(docs).items() if value_text(values, key, "ja") is None}


@dataclass(frozen=True)
class Filled:
    mrkdwn: Mrkdwn  # for blocks: escaped, URL values as links
    plain: str  # for a notification's text and the CLI
    missing: tuple[str, ...]  # keys left out (with their sentence or brackets)


def fill(template: str, values: Values, locale: str) -> Filled:
    marked, plain, missing = [], [], []
    for sentence in _sentences(template):
        absent = [m for m in PLACEHOLDER.finditer(sentence) if value_text(values, m.group(1), locale) is None]
        missing.extend(m.group(1) for m in absent)
        kept = _without(sentence, absent)
        if kept is None:
            continue
        text, shown = _render(kept, values, locale)
        marked.append(text)
        plain.append(shown)
    return Filled(Mrkdwn("".join(marked).strip()), "".join(plain).strip(), tuple(dict.fromkeys(missing)))


def _sentences(text: str) -> list[str]:
    out, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        stop = end.end()
        while stop < len(text) and text[stop].isspace():
            stop += 1
        if stop > start:
            out.append(text[start:stop])
            start = stop
    if start < len(text):
        out.append(text[start:])
    return out


def _bracket_spans(sentence: str) -> list[tuple[int, int]]:
    spans, stack = [], []
    for i, char in enumerate(sentence):
        if char in _OPENING:
            stack.append(i)
        elif char in _CLOSING and stack:
            spans.append((stack.pop(), i + 1))
    return spans


def _without(sentence: str, absent: list[re.Match[str]]) -> str | None:
    """The sentence without the brackets around each absent value; None when one is not in brackets."""
    if not absent:
        return sentence
    spans = _bracket_spans(sentence)
    cut: set[tuple[int, int]] = set()
    for match in absent:
        around = [s for s in spans if s[0] < match.start() and match.end() < s[1]]
        if not around:
            return None
        cut.add(min(around, key=lambda s: s[1] - s[0]))
    outermost = [s for s in cut if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in cut)]
    for start, end in sorted(outermost, reverse=True):
        if start > 0 and sentence[start - 1] == " ":  # "payday ({{payday}}) in" → "payday in"
            start -= 1
        sentence = sentence[:start] + sentence[end:]
    return sentence


def _render(text: str, values: Values, locale: str) -> tuple[str, str]:
    marked, plain, at = [], [], 0
    for match in PLACEHOLDER.finditer(text):
        value = value_text(values, match.group(1), locale) or ""
        marked += [escape(text[at:match.start()]), link(value) if _URL.fullmatch(value) else escape(value)]
        plain += [text[at:match.start()], value]
        at = match.end()
    marked.append(escape(text[at:]))
    plain.append(text[at:])
    return "".join(marked), "".join(plain)


@dataclass(frozen=True)
class CompanyValues:
    """What an answer needs from the workspace config: the values, and the desks to name as whom to ask."""

    values: Values = field(default_factory=dict)
    department_names: Mapping[str, LocalizedText] = field(default_factory=dict)
    fallback_department: str | None = None

    @classmethod
    def from_config(cls, config: WorkspaceConfig) -> CompanyValues:
        return cls(values=config.faq.values, department_names={d.key: d.name for d in config.departments},
                   fallback_department=config.routing.fallback)

    def fill(self, template: str, locale: str) -> Filled:
        return fill(template, self.values, locale)

    def whom_to_ask(self, department: str | None, locale: str) -> str:
        name = self.department_names.get(department or "") or self.department_names.get(
            self.fallback_department or "")
        return name.get(locale) if name is not None else literal(t(locale, "faq.your_department"))
