"""Which department gets a piece of free text (an inquiry, an unanswered question)?

Signals, added up per department:
1. the department model (bot/routing/model.py): P(department | words), learnt from the departments'
   duties, keywords, the request catalog and the FAQ knowledge base;
2. the departments' routing keywords from the config (a keyword counts once; longer, more specific
   keywords weigh more; English keywords match whole words, plural included) — the admin's lever;
3. the departments of the nearest FAQ entries, by summed score;
and the configured fallback (総務 by default) when nothing speaks.

The result carries a confidence in 0..1 and the reasons, so an agent (or `madoguchi route`) can see
why a ticket landed where it did."""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from bot.config import WorkspaceConfig
from bot.routing.model import DepartmentModel

log = logging.getLogger(__name__)

# Weights against keyword hits (≈1 each). The model's posterior is a probability; a FAQ neighbour's
# score (0..1) is summed over the top matches. Chosen on the labelled inquiries (docs/BENCHMARKS.md).
MODEL_WEIGHT = 6.0
FAQ_WEIGHT = 0.5
# FAQ matches this weak are noise for routing (they are below the FAQ's own "suggest" tier).
FAQ_FLOOR = 0.2


@dataclass(frozen=True)
class RouteDecision:
    department: str
    confidence: float
    reasons: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"department": self.department, "confidence": self.confidence, "reasons": list(self.reasons)}


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _is_ascii_word(keyword: str) -> bool:
    return keyword.isascii()


@cache
def _english_pattern(keyword: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in keyword.split()]
    # Whole words, an optional plural s/es on the last one, any spacing or hyphen between words.
    return re.compile(r"(?<![a-z0-9])" + r"[\s\-]+".join(words) + r"(?:e?s)?(?![a-z0-9])")


def keyword_weight(keyword: str) -> float:
    if _is_ascii_word(keyword):
        return 1.0 + 0.5 * (len(keyword.split()) - 1)
    # Two characters (経費) weigh 1.0; each further character makes the keyword more specific.
    return min(2.0, 0.6 + 0.2 * len(keyword))


def keyword_hits(text: str, config: WorkspaceConfig) -> dict[str, list[str]]:
    """Department → the keywords found in `text`."""
    norm = normalise(text)
    hits: dict[str, list[str]] = {}
    for dept in config.departments:
        found: list[str] = []
        seen: set[str] = set()
        for keyword in dept.keywords.all():
            kw = normalise(keyword)
            if not kw or kw in seen:
                continue
            seen.add(kw)
            matched = _english_pattern(kw).search(norm) if _is_ascii_word(kw) else kw in norm
            if matched:
                found.append(keyword)
        if found:
            hits[dept.key] = found
    return hits


def route(text: str, config: WorkspaceConfig, neighbours: Sequence[tuple[str, float]] = (),
          model: DepartmentModel | None = None) -> RouteDecision:
    """`neighbours`: (department, score) of the nearest FAQ entries, e.g. FaqIndex.departments_for(text)."""
    known = {d.key for d in config.departments}
    scores: dict[str, float] = defaultdict(float)
    reasons: list[str] = []
    if model is not None:
        posterior, used = model.posterior(text)
        for dept, p in posterior.items():
            if dept in known:
                scores[dept] += MODEL_WEIGHT * p
        if posterior:
            best = max(posterior, key=posterior.__getitem__)
            reasons.append(f"model {best}: {posterior[best]:.2f} ({', '.join(used[:6])})")
    for dept, score in neighbours:
        if dept in known and score >= FAQ_FLOOR:
            scores[dept] += FAQ_WEIGHT * score
            reasons.append(f"faq {dept}: {score:.2f}")
    for dept, found in keyword_hits(text, config).items():
        scores[dept] += sum(keyword_weight(k) for k in found)
        reasons.append(f"keywords {dept}: {', '.join(found)}")
    scores = defaultdict(float, {d: v for d, v in scores.items() if v > 0})
    if not scores:
        fallback = config.routing.fallback
        return RouteDecision(fallback, 0.0, [f"fallback: {fallback} (no keyword or FAQ match)"], {})
    order = [d.key for d in config.departments]
    best = max(scores, key=lambda d: (scores[d], d == config.routing.fallback, -order.index(d)))
    top = scores[best]
    share = top / sum(scores.values())
    strength = 1.0 - math.exp(-top)
    return RouteDecision(best, round(share * strength, 2), reasons, dict(scores))


def faq_neighbours(faq: Any, text: str) -> list[tuple[str, float]]:
    """The FAQ's opinion, or none: routing must work while the FAQ index is missing or failing."""
    departments_for = getattr(faq, "departments_for", None)
    if departments_for is None:
        return []
    try:
        return list(departments_for(text))
    except Exception:  # an FAQ failure costs a routing signal, never the ticket
        log.exception("FAQ routing signal failed; routing by keywords")
        return []
