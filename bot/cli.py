"""The `madoguchi` command (also `python -m bot`). Each subcommand has --help; --json where a
machine reads the output.

Wiring: the core commands are built here; the features' commands are one explicit list below
(FEATURE_COMMANDS, FEATURE_SUBCOMMANDS). A feature's CLI module is imported only when its command is the
one being run, so `madoguchi --help` and every other command start without loading the FAQ engine,
matplotlib or the job list; `build_parser()` with no argument builds everything (tests, docs)."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli_args import positive_int

if TYPE_CHECKING:
    pass

Handler = Callable[[argparse.Namespace], int]
Extender = Callable[[Any], None]


# -- the features' commands: one list ------------------------------------------------------------
@dataclass(frozen=True)
class FeatureCommand:
    """A command a feature owns. `module` is imported only when the command is run; its `add` receives
    the parser made here (a top-level command, listed by `madoguchi --help` with `help`) or, under a core
    command (`audit export`, `config simulate`), that command's subparsers."""

    name: str
    help: str
    module: str

    def load(self) -> Extender:
        return importlib.import_module(self.module).add  # type: ignore[no-any-return]


FEATURE_COMMANDS: tuple[FeatureCommand, ...] = (
    FeatureCommand("faq", "the FAQ knowledge base", "bot.faqdesk.cli"),
    FeatureCommand("route", "which department gets this text? (keywords, FAQ neighbours, fallback)",
                   "bot.routing.cli"),
    FeatureCommand("digest", "the weekly digest: print it (--dry-run) or post it once", "bot.digest.cli"),
    FeatureCommand("jobs", "the periodic jobs: run one once now, or list them with their last run", "bot.jobs.cli"),
    FeatureCommand("receipts", "receipts and invoices kept under 電子帳簿保存法: search, export for a tax officer, "
                               "verify an export", "bot.receipts.cli"),
    FeatureCommand("export", "hand-off to accounting: approved expenses and payments as journal rows (仕訳)",
                   "bot.journal.cli"),
    FeatureCommand("playground", "try madoguchi without Slack: the bot, a local Slack stand-in and a web UI on "
                                 "127.0.0.1", "bot.playground.cli"),
)
# Subcommands features add under a core command (its help is the core command's own).
FEATURE_SUBCOMMANDS: tuple[FeatureCommand, ...] = (
    FeatureCommand("audit", "", "bot.audit_export"),
    FeatureCommand("config", "", "bot.approvals.cli"),
)


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# -- serve / scheduler ---------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from bot.runtime import serve
    from bot.settings import MissingSetting, load_settings

    settings = load_settings()
    if settings.oauth_mode:  # installed by many workspaces (bot/tenancy)
        from bot.tenancy.compose import check_oauth_settings

        try:
            check_oauth_settings(settings)
        except MissingSetting as exc:
            print(f"madoguchi: {exc}", file=sys.stderr)
            return 2
        return serve(settings, host=args.host, port=args.port or settings.port,
                     with_scheduler=not args.no_scheduler, workers=args.workers, threads=args.threads)
    if settings.slack_bot_token is None:
        from bot.setup_help import SETUP_HELP

        print(SETUP_HELP, file=sys.stderr)
        return 2
    try:
        settings.require_for_serve()
    except MissingSetting as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return 2
    return serve(settings, host=args.host, port=args.port or settings.port, with_scheduler=not args.no_scheduler,
                 workers=args.workers, threads=args.threads)


def cmd_scheduler(args: argparse.Namespace) -> int:
    from bot.runtime import scheduler_only
    from bot.settings import load_settings

    return scheduler_only(load_settings())


# -- db ------------------------------------------------------------------------------------------
def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.migrate import current, maintenance_warning, upgrade
    from bot.settings import load_settings
    from models.db import make_engine

    settings = load_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine, args.revision)
    print(f"database at revision {current(engine)}")
    warning = maintenance_warning(engine)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    engine.dispose()
    if settings.oauth_mode:  # and every installed workspace's own database (bot/tenancy)
        from bot.tenancy.teams import TeamSetupFailed, upgrade_workspaces

        try:
            for key, revision in upgrade_workspaces(settings, args.revision):
                print(f"workspace {key}: database at revision {revision}")
        except TeamSetupFailed as exc:
            print(f"madoguchi db upgrade: {exc}", file=sys.stderr)
            return 1
    return 0


# -- config --------------------------------------------------------------------------------------
def cmd_config_check(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, load_workspace
    from bot.settings import load_settings

    if args.team:
        from bot.tenancy.teams import TeamDirectory, team_key

        if args.file or team_key(None, args.team, False) is None:
            print("madoguchi config check: --team takes a team id (T…) or an enterprise id (E…) and no FILE",
                  file=sys.stderr)
            return 2
        settings = load_settings()
        path = TeamDirectory(settings.madoguchi_teams_dir, "{team}").config_path(args.team)
    else:
        path = Path(args.file) if args.file else load_settings().madoguchi_config
    try:
        cfg = load_workspace(path)
    except ConfigError as exc:
        warnings = _faq_value_warnings(_raw_faq_section(path), args.kb)
        if args.json:
            _print_json({"ok": False, "file": str(path),
                         "problems": [{"path": p.path, "message": p.message} for p in exc.problems],
                         "warnings": warnings})
        else:
            print(f"{path}: {len(exc.problems)} problem(s)", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            _print_warnings(path, warnings, sys.stderr)
        return 1
    warnings = install_warnings() + _faq_value_warnings(cfg.faq.model_dump(), args.kb)
    summary = {"ok": True, "file": str(path), "departments": len(cfg.departments),
               "people": len(cfg.org.people), "request_types": len(cfg.request_types), "warnings": warnings}
    if args.json:
        _print_json({**summary, "warnings": warnings})
    else:
        print(f"{path}: OK ({summary['departments']} departments, {summary['people']} people, "
              f"{summary['request_types']} request types)")
        _print_warnings(path, warnings, sys.stdout)
    return 0


def _raw_faq_section(path: Path) -> dict[str, Any]:
    """The `faq:` section of a file that did not validate, as far as it reads (for the warnings)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    faq = data.get("faq") if isinstance(data, dict) else None
    return faq if isinstance(faq, dict) else {}


def _faq_value_warnings(faq: dict[str, Any], kb_file: str | None) -> list[dict[str, Any]]:
    """Values the knowledge base names ({{key}}) that `faq.values` leaves unfilled: the bundled KB (when it
    is seeded) and `--kb FILE`. Warnings, not problems: the bot runs, and those answers leave the value out."""
    from bot.config.text import LocalizedText
    from bot.faqdesk.values import unfilled
    from faq.data import default_kb_path
    from faq.formats import FormatError, load_docs

    values: dict[str, LocalizedText | None] = {}
    for key, value in (faq.get("values") or {}).items() if isinstance(faq.get("values"), dict) else ():
        try:
            values[str(key)] = None if value is None else LocalizedText.model_validate(
                str(value) if isinstance(value, (int, float)) else value)
        except ValueError:
            values[str(key)] = LocalizedText(ja="?")  # a shape problem, reported as such: not "unfilled" too
    docs = list(load_docs(default_kb_path())) if faq.get("seed_default_kb", True) is not False else []
    if kb_file:
        try:
            docs += load_docs(kb_file)
        except (FormatError, OSError, ValueError) as exc:
            return [{"path": "--kb", "message": f"cannot read {kb_file}: {exc}", "entries": []}]
    return [{"path": f"faq.values.{key}", "message": f"not filled in; used by {', '.join(ids)}", "entries": ids}
            for key, ids in unfilled(docs, values).items()]


def _print_warnings(path: Path, warnings: list[dict[str, Any]], out: Any) -> None:
    if not warnings:
        return
    print(f"{path}: {len(warnings)} warning(s) — not errors: the bot runs (an unfilled FAQ value is left "
          "out of its answers, which say whom to ask)", file=out)
    for warning in warnings:
        print(f"  {warning['path']}: {warning['message']}", file=out)


def install_warnings() -> list[dict[str, Any]]:
    """What this installation lacks that the bot can run without (a warning, not a config problem): the
    FAQ's English sentence model files, and onnxruntime for its fast path."""
    import importlib.util

    from faq.minilm import INSTALL_HINT, model_problem

    problem = model_problem()
    if problem is not None:
        message = (f"FAQ English sentence encoder (all-MiniLM-L6-v2) missing, English questions are matched "
                   f"by words only: {problem}")
    elif importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("onnx") is None:
        message = ("FAQ English sentence encoder runs on numpy (~5x slower per query): onnxruntime/onnx are "
                   f"not installed; {INSTALL_HINT}")
    else:
        message = None
    warnings = [] if message is None else [{"path": "faq.encoders.en", "message": message, "entries": []}]
    from faq import wordvec

    if (ja_problem := wordvec.problem()) is not None:
        warnings.append({"path": "faq.encoders.ja", "message": "FAQ Japanese word vectors (chiVe) missing, Japanese "
                         f"questions are matched by words and readings only: {ja_problem}", "entries": []})
    return warnings


# -- manifest ------------------------------------------------------------------------------------
def cmd_manifest(args: argparse.Namespace) -> int:
    from bot.config import load_workspace
    from bot.manifest import PLACEHOLDER_URL, manifest, manifest_yaml, request_url_warnings
    from bot.settings import load_settings

    settings = load_settings()
    socket_mode = args.socket_mode if args.socket_mode is not None else settings.socket_mode
    if socket_mode:
        warnings = ["--url is not used in Socket Mode (Slack connects over the app's socket); leave it out, "
                    "or use --http"] if args.url else []
    elif args.url is None:
        warnings = [f"no --url given, so every request URL reads {PLACEHOLDER_URL}; replace YOUR-HOST with the "
                    "bot's public host before pasting, or run again with --url https://<host>/slack/events"]
    else:
        try:
            warnings = request_url_warnings(args.url)
        except ValueError as exc:
            print(f"madoguchi manifest: --url {args.url!r}: {exc}", file=sys.stderr)
            return 2
    if args.oauth_redirect_url:
        if socket_mode:
            print("madoguchi manifest: --oauth-redirect-url: installed by many workspaces, madoguchi serves over "
                  "HTTP; use --http with --url", file=sys.stderr)
            return 2
        try:
            request_url_warnings(args.oauth_redirect_url)
        except ValueError as exc:
            print(f"madoguchi manifest: --oauth-redirect-url {args.oauth_redirect_url!r}: {exc}", file=sys.stderr)
            return 2
    cfg = load_workspace(args.config or settings.madoguchi_config)
    options = {"socket_mode": socket_mode, "request_url": args.url, "name": args.name,
               "oauth_redirect_url": args.oauth_redirect_url}
    if args.json:
        _print_json(manifest(cfg, **options))
    else:
        print(manifest_yaml(cfg, **options), end="")
    for warning in warnings:  # after the manifest: the last thing on the terminal when it is redirected
        print(f"madoguchi manifest: warning: {warning}", file=sys.stderr)
    return 0


# -- audit ---------------------------------------------------------------------------------------
def cmd_audit_verify(args: argparse.Namespace) -> int:
    from bot import audit
    from bot.config import load_workspace
    from bot.receipts import verify as evidence
    from bot.receipts.storage import evidence_store
    from bot.settings import load_settings
    from models.db import make_engine, make_session_factory

    settings = load_settings()
    store = evidence_store(load_workspace(settings.madoguchi_config).evidence)
    engine = make_engine(settings.database_url)
    try:
        # What the running processes have not sealed yet (a second's worth) joins the chain before the check.
        audit.seal_everything(make_session_factory(engine))
        with make_session_factory(engine)() as session:
            broken = audit.verify(session)
            # The receipts' records and files against the events that recorded them (bot/receipts/verify.py).
            problems = evidence.check(session, store)
    finally:
        engine.dispose()
    ok = broken is None and not problems
    if args.json:
        _print_json({"ok": ok, "first_broken_event": broken and broken.event_id, "problem": broken and broken.problem,
                     "evidence_problems": [vars(p) for p in problems]})
        return 0 if ok else 1
    if broken is None:
        print("audit trail intact")
    else:
        print(f"audit trail broken at event {broken.event_id}: {broken.problem}", file=sys.stderr)
    for p in problems:
        print(f"evidence: {p.line()}", file=sys.stderr)
    if not problems:
        print("evidence intact (receipt records and files match the trail)")
    return 0 if ok else 1


MAX_DEFAULT_WORKERS = 4  # each worker holds its own FAQ index and sentence encoder


def _cores() -> int:
    """One process acks on one core at most (the GIL): by default a worker per core this process may use."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(usable, MAX_DEFAULT_WORKERS))


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with `command`, the features' parts only for that command (the others are listed
    by name and help, their modules not imported)."""
    from bot.setup_help import APP_STEPS

    parser = argparse.ArgumentParser(
        prog="madoguchi", description="madoguchi (窓口): the back office's front desk in Slack"
    )
    parser.add_argument("--team", metavar="ID", help="OAuth mode: the workspace (team or enterprise id) a command "
                        "works on, with its own config, database and token, e.g. madoguchi --team T0123 digest")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="run the bot (HTTP on $PORT, or Socket Mode when SLACK_APP_TOKEN is set)")
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default: 0.0.0.0, every interface)")
    p.add_argument("--port", type=int, default=None, help="default: $PORT or 3000")
    p.add_argument("--no-scheduler", action="store_true",
                   help="do not run the periodic jobs (otherwise a `madoguchi scheduler` child process runs them)")
    p.add_argument("--workers", type=positive_int, default=os.environ.get("WEB_CONCURRENCY") or str(_cores()),
                   help="HTTP worker processes sharing the port (default: $WEB_CONCURRENCY, else one per core, "
                        f"at most {MAX_DEFAULT_WORKERS})")
    p.add_argument("--threads", type=positive_int, default=os.environ.get("WEB_THREADS") or "2",
                   help="listener threads per worker; more only where Slack answers slowly, see "
                        "bot/granian_server.py (default: $WEB_THREADS or 2)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("scheduler", help="run the periodic jobs and the outbox dispatcher alone (Procfile worker)")
    p.set_defaults(func=cmd_scheduler)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    p = db.add_parser("upgrade", help="migrate DATABASE_URL to the latest schema")
    p.add_argument("revision", nargs="?", default="head",
                   help="the Alembic revision to migrate to (default: head, the latest)")
    p.set_defaults(func=cmd_db_upgrade)

    config = sub.add_parser("config", help="the workspace config file").add_subparsers(dest="config_command",
                                                                                      required=True)
    p = config.add_parser("check", help="validate a config file; every problem with its key path, and the FAQ "
                          "values ({{key}} in answers) it leaves unfilled as warnings")
    p.add_argument("file", nargs="?", help="default: $MADOGUCHI_CONFIG or the bundled example")
    p.add_argument("--team", help="OAuth mode: the config of this workspace (team or enterprise id), "
                   "$MADOGUCHI_TEAMS_DIR/<id>.yaml")
    p.add_argument("--kb", help="also check the values a KB file (.yaml/.csv/.jsonl, e.g. from `faq export`) uses")
    p.add_argument("--json", action="store_true", help="print the problems and warnings as JSON")
    p.set_defaults(func=cmd_config_check)

    p = sub.add_parser("manifest", help="print the Slack app manifest (YAML) for this config",
                       description="Print the Slack app manifest (YAML) for this config: the /helpdesk command, "
                                   "the shortcuts, the Home and Messages tabs, the events and the bot scopes.",
                       epilog="creating the Slack app:\n" + APP_STEPS,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--socket-mode", dest="socket_mode", action="store_true", default=None,
                      help="for Socket Mode: no public URL (default when SLACK_APP_TOKEN is set)")
    mode.add_argument("--http", dest="socket_mode", action="store_false",
                      help="for HTTP mode: Slack calls --url (default when SLACK_APP_TOKEN is not set)")
    p.add_argument("--url", help="public request URL for HTTP mode, e.g. https://host/slack/events")
    p.add_argument("--name", default="madoguchi", help="the app's name and bot display name (default: madoguchi)")
    p.add_argument("--oauth-redirect-url", help="installed by many workspaces (OAuth mode): the public "
                   "https://host/slack/oauth_redirect; adds it and the uninstall events")
    p.add_argument("--config", help="workspace config file (default: $MADOGUCHI_CONFIG or the bundled example)")
    p.add_argument("--json", action="store_true", help="print the manifest as JSON instead of YAML")
    p.set_defaults(func=cmd_manifest)

    audit = sub.add_parser("audit", help="the audit trail (証跡)").add_subparsers(dest="audit_command", required=True)
    p = audit.add_parser("verify", help="recompute the hash chain and check the kept receipts against it; non-zero "
                                        "naming the first broken event and every changed record or file")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_audit_verify)

    def wanted(name: str) -> bool:
        return command is None or command == name

    for extension in FEATURE_SUBCOMMANDS:
        if wanted(extension.name):
            extension.load()({"audit": audit, "config": config}[extension.name])
    for feature in FEATURE_COMMANDS:
        p = sub.add_parser(feature.name, help=feature.help)
        if wanted(feature.name):
            feature.load()(p)
    return parser


def database_problem(exc: BaseException) -> str | None:
    """One line for an operator when a command cannot use the database (down, unreachable, a file that
    cannot be opened, a schema not created yet); None when `exc` is something else. The URL is shown
    without its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, ProgrammingError

    if not isinstance(exc, (OperationalError, InterfaceError, ProgrammingError)) or not isinstance(exc, DBAPIError):
        return None
    from bot.settings import Settings

    try:
        url = make_url(Settings().database_url).render_as_string(hide_password=True)
    except Exception:
        url = "DATABASE_URL"
    reason = " ".join(str(exc.orig).split()) if exc.orig is not None else type(exc).__name__
    if "no such table" in reason or ("does not exist" in reason and "relation" in reason):
        return f"the database at {url} has no schema yet ({reason}): run `madoguchi db upgrade`"
    if isinstance(exc, ProgrammingError):
        return None
    if "unable to open database file" in reason:
        return f"the database at {url} cannot be opened ({reason}): check the path and its folder's permissions"
    return f"the database at {url} is not reachable: {reason[:300]}"


def _command_of(argv: Sequence[str]) -> str | None:
    """The command being run: the first word that is not an option or --team's value."""
    words = iter(argv)
    for word in words:
        if word == "--team":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(_command_of(argv) or "").parse_args(argv)

    from bot.logs import configure
    from bot.settings import MissingSetting, Settings, StartupFailed

    try:
        configure(Settings().log_level)
    except Exception:  # a bad LOG_LEVEL must not hide the real error below
        configure("INFO")
    try:
        from bot.tenancy.cli import choose_workspace

        choose_workspace(args)  # OAuth mode: the command runs as one workspace's desk
        return int(args.func(args) or 0)
    except (MissingSetting, StartupFailed) as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        problem = database_problem(exc)
        if problem is None:
            raise
        print(f"madoguchi: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `madoguchi … | head` closed the pipe: not an error
        return 0


if __name__ == "__main__":
    sys.exit(main())
