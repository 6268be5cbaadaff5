"""Knowledge-base files: YAML, CSV and JSON Lines (the shared benchmark format), plus query files.

YAML (the hand-edited format)::

    entries:
      - id: fin-expense-deadline
        department: finance
        question: 経費精算の締め日はいつですか
        variants: [...]
        answer: ...
        question_en / variants_en / answer_en / keywords / tags: optional

CSV: one row per entry; list columns (variants, variants_en, keywords, tags) hold ``|``-separated items.
JSONL: ``{"id", "question", "answer", "variants"}`` per line; the other FaqDoc fields are optional keys.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from faq.engine import FaqDoc

_LIST_FIELDS = ("variants", "variants_en", "keywords", "tags")
_TEXT_FIELDS = ("department", "question_en", "answer_en")
CSV_COLUMNS = ("id", "department", "question", "variants", "answer", "question_en", "variants_en",
               "answer_en", "keywords", "tags")
_CSV_SEP = "|"


@dataclass(frozen=True)
class Query:
    query: str
    gold_ids: tuple[str, ...]  # empty = out of scope: the right behaviour is "no answer"

    @property
    def in_scope(self) -> bool:
        return bool(self.gold_ids)


class FormatError(ValueError):
    """A KB file that cannot be read as entries (the message names the file and the entry)."""


def doc_from_dict(raw: dict[str, Any], where: str = "") -> FaqDoc:
    try:
        doc_id, question = str(raw["id"]).strip(), str(raw["question"]).strip()
    except KeyError as e:
        raise FormatError(f"{where}: missing field {e.args[0]!r}") from None
    if not doc_id or not question:
        raise FormatError(f"{where}: id and question must not be empty")
    kwargs: dict[str, Any] = {"id": doc_id, "question": question, "answer": str(raw.get("answer") or "")}
    for name in _LIST_FIELDS:
        value = raw.get(name) or ()
        if isinstance(value, str):
            value = [v for v in value.split(_CSV_SEP)]
        kwargs[name] = tuple(str(v).strip() for v in value if str(v).strip())
    for name in _TEXT_FIELDS:
        value = raw.get(name)
        kwargs[name] = str(value).strip() if value not in (None, "") else None
    return FaqDoc(**kwargs)


def doc_to_dict(doc: FaqDoc) -> dict[str, Any]:
    """Only the fields that are set, in a stable, readable order."""
    out: dict[str, Any] = {"id": doc.id}
    if doc.department:
        out["department"] = doc.department
    out["question"] = doc.question
    if doc.variants:
        out["variants"] = list(doc.variants)
    out["answer"] = doc.answer
    for name in ("question_en", "variants_en", "answer_en", "keywords", "tags"):
        value = getattr(doc, name)
        if value:
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


def load_docs(path: str | Path) -> list[FaqDoc]:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        items = data.get("entries", []) if isinstance(data, dict) else data
        return [doc_from_dict(raw, f"{path}: entry {i + 1}") for i, raw in enumerate(items)]
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:  # utf-8-sig: Excel writes a BOM
            return [doc_from_dict(row, f"{path}: row {i + 2}") for i, row in enumerate(csv.DictReader(f))]
    if suffix in (".jsonl", ".ndjson"):
        return [doc_from_dict(json.loads(line), f"{path}: line {i + 1}")
                for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()) if line.strip()]
    raise FormatError(f"{path}: unsupported format {suffix!r} (use .yaml, .yml, .csv or .jsonl)")


def dump_docs(docs: Iterable[FaqDoc], path: str | Path) -> None:
    path = Path(path)
    suffix = path.suffix.lower()
    rows = [doc_to_dict(d) for d in docs]
    if suffix in (".yaml", ".yml"):
        text = yaml.safe_dump({"entries": rows}, allow_unicode=True, sort_keys=False, width=1000)
        path.write_text(text, encoding="utf-8")
    elif suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _CSV_SEP.join(v) if isinstance(v, list) else v for k, v in row.items()})
    elif suffix in (".jsonl", ".ndjson"):
        with path.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        raise FormatError(f"{path}: unsupported format {suffix!r} (use .yaml, .yml, .csv or .jsonl)")


def load_queries(path: str | Path) -> list[Query]:
    """queries.jsonl: ``{"query", "gold_id": str | null, "gold_ids": [...] (optional)}``."""
    out: list[Query] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        gold = raw.get("gold_ids") or ([raw["gold_id"]] if raw.get("gold_id") is not None else [])
        out.append(Query(str(raw["query"]), tuple(str(g) for g in gold)))
    return out
