"""The modules that add subcommands to `madoguchi` (each registers itself with bot.cli.command)."""

from bot import audit_export  # audit export
from bot.approvals import cli as approvals_cli  # config simulate
from bot.digest import cli as digest_cli  # noqa: F401 - digest
from bot.faqdesk import cli as faq_cli  # faq ask|eval|import|export
from bot.jobs import cli as jobs_cli  # jobs run|list
from bot.playground import cli as playground_cli  # playground
from bot.routing import cli as routing_cli  # noqa: F401 - route

FEATURES = (approvals_cli, audit_export, faq_cli, jobs_cli, playground_cli)
