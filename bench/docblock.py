"""A benchmark's table in docs/BENCHMARKS.md: the block between its two markers, replaced in place (or added
at the end the first time), the file re-read just before writing so other benches' blocks are kept."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "BENCHMARKS.md"


def write_block(begin: str, end: str, lines: list[str], doc_path: Path = DOC) -> None:
    doc = doc_path.read_text(encoding="utf-8") if doc_path.exists() else "# Benchmarks\n"
    block = "\n".join([begin, *lines, end])
    if begin in doc and end in doc:
        doc = doc[:doc.index(begin)] + block + doc[doc.index(end) + len(end):]
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    doc_path.write_text(doc, encoding="utf-8")
