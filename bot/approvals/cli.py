"""`madoguchi config simulate`: who would approve this request?"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from bot.config import WorkspaceConfig
    from bot.config.catalog import RequestType


def add(config: Any) -> None:
    """`config simulate`, added to the `config` command's subparsers (bot/cli.py)."""
    p = config.add_parser("simulate", help="print the approval chain a request would get, and each step's rule")
    p.add_argument("--type", required=True, dest="type_key", help="request type key, e.g. expense")
    p.add_argument("--requester", required=True, help="Slack user id, email or person key")
    p.add_argument("--field", action="append", default=[], metavar="KEY=VALUE",
                   help="a form field as the requester would fill it in, e.g. amount=300000 (repeatable)")
    p.add_argument("--config", help="workspace config file (default: $MADOGUCHI_CONFIG or the bundled example)")
    p.add_argument("--rules", help="a YAML file holding a list of rules, used instead of the catalog's")
    p.add_argument("--json", action="store_true", help="print the chain as JSON")
    p.set_defaults(func=simulate)


def simulate(args: argparse.Namespace) -> int:
    from bot.approvals.chain import ApprovalConfigError, build_chain
    from bot.approvals.rules import rules_for
    from bot.config import ConfigError, load_workspace
    from bot.config.approval_rules import parse_rules
    from bot.settings import load_settings

    try:
        cfg = load_workspace(Path(args.config) if args.config else load_settings().madoguchi_config)
    except ConfigError as exc:
        return _fail(args, f"config problems: {exc}")
    try:
        given = [_field(item) for item in args.field]
    except ValueError as exc:
        return _fail(args, str(exc))
    rt = cfg.request_type(args.type_key)
    if rt is None:  # with --rules, a type the catalog lacks: no form to read the values by
        fields = {key: _scalar(raw) for key, raw in given}
    else:
        problem, fields = _form_values(rt, given, cfg)
        if problem is not None:
            return _fail(args, problem)
    person = (cfg.org.by_slack_id(args.requester) or cfg.org.by_email(args.requester)
              or cfg.org.by_key(args.requester))
    if person is None or not person.slack_id:
        return _fail(args, f"no person with Slack id, email or key {args.requester!r} in the org directory")
    if args.rules:
        rules = parse_rules(yaml.safe_load(Path(args.rules).read_text(encoding="utf-8")))
    else:
        found = rules_for(cfg, args.type_key)
        if found is None:
            return _fail(args, f"no request type {args.type_key!r} in the catalog")
        rules = found
    try:
        chain = build_chain(rules, cfg, person.slack_id, fields, department=rt.department if rt else None)
    except ApprovalConfigError as exc:
        return _fail(args, f"approval rules problem: {exc.problem}")

    def who(slack_id: str) -> dict[str, Any]:
        p = cfg.org.by_slack_id(slack_id)
        return {"slack_id": slack_id, "key": p and p.key, "name": p and p.name}

    result = {
        "type": args.type_key,
        "requester": who(person.slack_id),
        "fields": fields,
        "steps": [{**step.as_dict(), "approvers": [who(a) for a in step.approvers]} for step in chain],
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"{args.type_key} by {person.name} ({person.slack_id}) with {fields}:")
    if not chain:
        print("  no approval needed: goes straight to the department")
    for step in result["steps"]:
        names = " or ".join(f"{a['name']} ({a['slack_id']})" for a in step["approvers"]) or "-"
        state = f"SKIPPED: {step['skipped_reason']}" if step["skipped"] else names
        print(f"  {step['position']}. {state}    ← {step['rule']}")
    return 0


def _field(item: str) -> tuple[str, str]:
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--field wants KEY=VALUE, got {item!r}")
    return key.strip(), raw


def _scalar(raw: str) -> Any:
    value = yaml.safe_load(raw) if raw else None
    return value if isinstance(value, int | float | list | bool) else raw


def _form_values(rt: RequestType, given: list[tuple[str, str]], cfg: WorkspaceConfig
                 ) -> tuple[str | None, dict[str, Any]]:
    """The --field values read as the request modal reads them (bot.forms.validate): (one line saying
    which value the form would refuse and why, {}) or (None, the cleaned values)."""
    from bot.errors import ValidationFailed
    from bot.forms.state import block_id
    from bot.forms.validate import validate_fields

    raw: dict[str, Any] = {}
    for key, text in given:
        spec = rt.field(key)
        if spec is None:
            return (f"--field {key}: {rt.key} has no such field; its fields are "
                    f"{', '.join(f.key for f in rt.fields)}"), {}
        if spec.type in ("multiselect", "checkboxes"):  # the modal hands over a list: a,b or [a, b]
            listed = yaml.safe_load(text) if text.lstrip().startswith("[") else None
            raw[key] = [str(v) for v in listed] if isinstance(listed, list) else \
                [part.strip() for part in text.split(",") if part.strip()]
        elif text.strip():
            raw[key] = text
    try:
        return None, validate_fields(rt, raw, locale="en", departments=tuple(d.key for d in cfg.departments))
    except ValidationFailed as exc:
        key, text = next((k, t) for k, t in given if block_id(k) in exc.field_errors)
        spec = rt.field(key)
        choices = (f" (one of: {', '.join(o.value for o in spec.options)})"
                   if spec is not None and spec.options else "")
        return f"--field {key}={text!r}: {exc.field_errors[block_id(key)]}{choices}", {}


def _fail(args: argparse.Namespace, message: str) -> int:
    if args.json:
        print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
    else:
        print(f"madoguchi: {message}", file=sys.stderr)
    return 1
