"""Reading the workspace YAML and turning every problem into `key.path[i]: message`."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.config.workspace import ReferenceErrors, WorkspaceConfig

_MESSAGES = {
    "missing": "required",
    "extra_forbidden": "unknown key (typo?)",
}


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(ValueError):
    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(str(p) for p in problems))


def key_path(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def problems_from(error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for err in error.errors():
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, ReferenceErrors):
            problems.extend(Problem(path, msg) for path, msg in cause.problems)
            continue
        # Drop pydantic's union/tag noise from the path so it matches the YAML the admin wrote.
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        message = _MESSAGES.get(err["type"], err["msg"].removeprefix("Value error, "))
        problems.append(Problem(key_path(loc), message))
    return problems


def parse_workspace(text: str, source: str = "<config>") -> WorkspaceConfig:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(source, [Problem(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from exc
    if not isinstance(data, dict):
        raise ConfigError(source, [Problem("", "the file must be a mapping of keys (departments:, org:, …)")])
    try:
        return WorkspaceConfig.model_validate(data)
    except ValidationError as exc:
        problems = problems_from(exc)
        if not all(_is_reference(e) for e in exc.errors()):  # else problems_from has them all already
            problems += reference_problems_despite(data, exc)
        raise ConfigError(source, problems) from exc


MAX_SALVAGE_ROUNDS = 20
UNKNOWN_KEY = re.compile(r"unknown [a-z ]+ '([^']*)'")


def reference_problems_despite(data: dict[str, Any], error: ValidationError) -> list[Problem]:
    """The cross-reference problems (unknown people, departments, channels…) of a file that also has
    shape problems, so that `config check` reports both in one pass.

    The cross-reference check only runs on a file whose shape is valid, so this sets aside what has a
    shape problem — the list item it is in (a department, a person, a request type), or else the key —
    and checks the rest. Paths are given back as in the file (items after a set-aside one keep their
    index), and a reference to a set-aside item by its key is not reported as unknown."""
    salvaged = copy.deepcopy(data)
    kept: dict[tuple[str | int, ...], list[int]] = {}  # list path → original index of each remaining item
    set_aside: set[str] = set()
    for _ in range(MAX_SALVAGE_ROUNDS):
        errors = error.errors()
        if all(_is_reference(e) for e in errors):
            problems = [p for e in errors for p in e["ctx"]["error"].problems]
            return [Problem(_original_path(path, kept), msg) for path, msg in problems
                    if not ((m := UNKNOWN_KEY.search(msg)) and m.group(1) in set_aside)]
        for loc in sorted({_locus(e["loc"]) for e in errors if not _is_reference(e)},
                          key=lambda loc: [str(p) for p in loc], reverse=True):
            if not _set_aside(salvaged, loc, kept, set_aside):
                return []
        try:
            WorkspaceConfig.model_validate(salvaged)
        except ValidationError as again:
            error = again
        else:
            return []
    return []


def _is_reference(err: Any) -> bool:
    return isinstance((err.get("ctx") or {}).get("error"), ReferenceErrors)


def _locus(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """What to set aside for an error at `loc`: up to its first list item, else the key itself."""
    loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
    for i, part in enumerate(loc):
        if isinstance(part, int):
            return loc[: i + 1]
    return loc


def _set_aside(data: Any, locus: tuple[str | int, ...], kept: dict[tuple[str | int, ...], list[int]],
               set_aside: set[str]) -> bool:
    """Removes `locus` from `data`; False when it cannot be removed without losing what else is checked."""
    if not locus:
        return False
    *parents, last = locus
    container = data
    for part in parents:
        try:
            container = container[part]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(last, int):
        if not isinstance(container, list):
            return False
        originals = kept.setdefault(tuple(parents), list(range(len(container))))
        position = originals.index(last) if last in originals else -1
        if position < 0:
            return True  # already set aside in this round
        item = container.pop(position)
        originals.pop(position)
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            set_aside.add(item["key"])
        return True
    if not isinstance(container, dict) or last not in container:
        return False
    if isinstance(container[last], (list, dict)) and container[last]:
        return False  # a whole section: checking without it would report everything it names as unknown
    del container[last]
    return True


def _original_path(path: str, kept: dict[tuple[str | int, ...], list[int]]) -> str:
    for list_path, originals in kept.items():
        prefix = key_path(list_path)
        match = re.match(re.escape(prefix) + r"\[(\d+)\]", path)
        if match and int(match.group(1)) < len(originals):
            return f"{prefix}[{originals[int(match.group(1))]}]" + path[match.end():]
    return path


def load_workspace(path: Path | str) -> WorkspaceConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [Problem("", f"cannot read the file: {exc.strerror}")]) from exc
    return parse_workspace(text, str(path))
