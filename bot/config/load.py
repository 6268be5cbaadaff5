"""Reading the workspace YAML and turning every problem into `key.path[i]: message`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
        raise ConfigError(source, problems_from(exc)) from exc


def load_workspace(path: Path | str) -> WorkspaceConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [Problem("", f"cannot read the file: {exc.strerror}")]) from exc
    return parse_workspace(text, str(path))
