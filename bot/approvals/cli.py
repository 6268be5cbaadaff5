"""`madoguchi config simulate`: who would approve this request?"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.cli import command


def _subparsers(parser: argparse.ArgumentParser) -> Any:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


@command
def add(sub: Any) -> None:
    config = _subparsers(sub.choices["config"])
    p = config.add_parser("simulate", help="print the approval chain a request would get, and each step's rule")
    p.add_argument("--type", required=True, dest="type_key", help="request type key, e.g. expense")
    p.add_argument("--requester", required=True, help="Slack user id, email or person key")
    p.add_argument("--field", action="append", default=[], metavar="KEY=VALUE", help="a form field (repeatable)")
    p.add_argument("--config", help="workspace config file (default: $MADOGUCHI_CONFIG or the bundled example)")
    p.add_argument("--rules", help="a YAML file holding a list of rules, used instead of the catalog's")
    p.add_argument("--json", action="store_true")
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
        fields = dict(_field(item) for item in args.field)
    except ValueError as exc:
        return _fail(args, str(exc))
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
        rt = cfg.request_type(args.type_key)
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


def _field(item: str) -> tuple[str, Any]:
    key, sep, raw = item.partition("=")
    if not sep or not key:
        raise ValueError(f"--field wants KEY=VALUE, got {item!r}")
    value = yaml.safe_load(raw) if raw else None
    return key.strip(), value if isinstance(value, int | float | list | bool) else raw


def _fail(args: argparse.Namespace, message: str) -> int:
    if args.json:
        print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
    else:
        print(f"madoguchi: {message}", file=sys.stderr)
    return 1
