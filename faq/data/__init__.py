"""Bundled data: the default knowledge base and the default synonym groups."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from faq.scope import OtherPartyGuard

_HERE = Path(__file__).resolve().parent


def default_kb_path() -> Path:
    """The product's default knowledge base (YAML, see faq.formats)."""
    return _HERE / "default_kb.yaml"


def default_synonyms_path() -> Path:
    return _HERE / "synonyms.yaml"


@cache
def _load_synonyms() -> tuple[tuple[str, tuple[str, ...]], ...]:
    raw = yaml.safe_load(default_synonyms_path().read_text(encoding="utf-8")) or {}
    return tuple((str(k), tuple(str(v) for v in vs or ())) for k, vs in raw.get("synonyms", {}).items())


def default_synonyms() -> dict[str, list[str]]:
    """Canonical word → other spellings, for FaqEngine.build(synonyms=...); a fresh dict each call."""
    return {k: list(vs) for k, vs in _load_synonyms()}


def default_scope_path() -> Path:
    return _HERE / "scope.yaml"


@cache
def default_other_party() -> OtherPartyGuard:
    """The default out-of-scope guard (another company's or another person's workplace), shared."""
    raw = yaml.safe_load(default_scope_path().read_text(encoding="utf-8")) or {}
    lists = (tuple(str(x) for x in raw.get(k) or ()) for k in ("other_company", "people", "workplaces"))
    return OtherPartyGuard(*lists)
