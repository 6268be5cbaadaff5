"""Out-of-scope guard: questions about another company's or another person's workplace.

The default KB answers for this company only.  「他社って有給何日くらい？」 or 「友達の会社、リモート何日OK？」
share every content word with a real entry (有給, リモート) and can score like a paraphrase of it; answering
them with this company's rule would be wrong.  Such a question is never answered directly: the engine
shows at most もしかして suggestions (``FaqEngine.ask``), and ``faq.eval`` fits and reports the tiers the
same way.  The phrases are product data (``faq/data/scope.yaml``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from faq.normalize import base_form, char_form


def _shape(text: str) -> str:
    return char_form(base_form(text))


class OtherPartyGuard:
    """``mentions_other_party(text)``: the question is about another company or another person's workplace."""

    def __init__(self, other_company: Iterable[str] = (), people: Iterable[str] = (),
                 workplaces: Iterable[str] = ()) -> None:
        phrases = {_shape(p) for p in other_company if p.strip()}
        places = [_shape(w) for w in workplaces if w.strip()]
        phrases |= {f"{_shape(p)}の{w}" for p in people if p.strip() for w in places}
        # Longest first; Latin phrases only as whole words ("another company", not "anothercompanyx").
        latin = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True) if p.isascii())
        other = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True) if not p.isascii())
        alts = [*([rf"(?<![a-z0-9])(?:{latin})(?![a-z0-9])"] if latin else []), *([other] if other else [])]
        self._pattern = re.compile("|".join(alts)) if alts else None

    def mentions_other_party(self, text: str) -> bool:
        return self._pattern is not None and self._pattern.search(_shape(text)) is not None
