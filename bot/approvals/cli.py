"""`madoguchi config simulate`: who would approve this request (on a given day)? `madoguchi config rules`: every
approval rule with the period it is in force, for auditors (J-SOX: the history of the 職務権限 as configured)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date, datetime
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
    p.add_argument("--at", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="the day of submission: the rules in force that day (default: today)")
    p.add_argument("--json", action="store_true", help="print the chain as JSON")
    p.set_defaults(func=simulate)
    p = config.add_parser("rules", help="every approval rule with its period (職務権限の改定履歴), for auditors")
    p.add_argument("--type", dest="type_key", help="only this request type")
    p.add_argument("--format", choices=("text", "csv", "json"), default="text",
                   help="text (default; * marks the rules in force today), csv for a spreadsheet, or json")
    p.add_argument("--config", help="workspace config file (default: $MADOGUCHI_CONFIG or the bundled example)")
    p.set_defaults(func=rule_history)


RULE_COLUMNS = ("request_type", "position", "step", "approver", "conditions", "effective_from", "effective_until",
                "in_force_today")


def rule_history(args: argparse.Namespace) -> int:
    from bot.config import ConfigError

    try:
        cfg = _workspace(args)
    except ConfigError as exc:
        print(f"madoguchi: config problems: {exc}", file=sys.stderr)
        return 1
    if args.type_key and cfg.request_type(args.type_key) is None:
        print(f"madoguchi: no request type {args.type_key!r} in the catalog", file=sys.stderr)
        return 1
    today = _today(cfg)
    rows = [{"request_type": rt.key, "position": j, "step": rule.step_name,
             "approver": rule.kind if rule.kind == "manager" else f"{rule.kind}:{_approver(rule)}",
             "conditions": " and ".join(c.describe() for c in rule.when),
             "effective_from": rule.effective_from.isoformat() if rule.effective_from else "",
             "effective_until": rule.effective_until.isoformat() if rule.effective_until else "",
             "in_force_today": rule.in_force(today)}
            for rt in cfg.request_types if not args.type_key or rt.key == args.type_key
            for j, rule in enumerate(rt.approval, start=1)]
    if args.format == "json":
        print(json.dumps({"today": today.isoformat(), "rules": rows}, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=RULE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        for row in rows:
            period = f"{row['effective_from']}〜{row['effective_until']}" if (
                row["effective_from"] or row["effective_until"]) else "always"
            mark = "*" if row["in_force_today"] else " "
            when = f" when {row['conditions']}" if row["conditions"] else ""
            print(f"{mark} {row['request_type']} {row['position']}. {row['step']} ({row['approver']}){when}"
                  f"  [{period}]")
        print(f"(* in force today, {today})")
    return 0


def _workspace(args: argparse.Namespace) -> WorkspaceConfig:
    """--config, else $MADOGUCHI_CONFIG or the bundled example; raises ConfigError."""
    from bot.config import load_workspace
    from bot.settings import load_settings

    return load_workspace(Path(args.config) if args.config else load_settings().madoguchi_config)


def _approver(rule: Any) -> str:
    value = getattr(rule, rule.kind)
    return ",".join(value) if isinstance(value, list) else str(value)


def _today(cfg: WorkspaceConfig) -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(cfg.calendar.timezone)).date()


def simulate(args: argparse.Namespace) -> int:
    from bot.approvals.chain import ApprovalConfigError, build_chain
    from bot.approvals.rules import rules_for
    from bot.config import ConfigError
    from bot.config.approval_rules import in_force, parse_rules

    try:
        cfg = _workspace(args)
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
        rules = in_force(parse_rules(yaml.safe_load(Path(args.rules).read_text(encoding="utf-8"))),
                         args.at or _today(cfg))
    else:
        found = rules_for(cfg, args.type_key, on=args.at or _today(cfg))
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
        "on": (args.at or _today(cfg)).isoformat(),
        "requester": who(person.slack_id),
        "fields": fields,
        "steps": [{**step.as_dict(), "approvers": [who(a) for a in step.approvers]} for step in chain],
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"{args.type_key} by {person.name} ({person.slack_id}) with {fields}, submitted on {result['on']}:")
    if not chain:
        print("  no approval needed: goes straight to the department")
    for step in result["steps"]:
        names = " or ".join(f"{a['name']} ({a['slack_id']})" for a in step["approvers"]) or "-"
        state = f"SKIPPED: {step['skipped_reason']}" if step["skipped"] else names
        # 合議: "2a. … and 2b. …", every part must approve; 回付: informed, nobody decides.
        part = chr(ord("a") + step["part"] - 1) if step["mode"] != "any" else ""
        kind = {"all": "  [all must approve]", "fyi": "  [FYI: informed, no decision]"}.get(step["mode"], "")
        print(f"  {step['position']}{part}. {state}{kind}    ← {step['rule']}")
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
