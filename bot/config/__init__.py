"""The workspace config file (departments, people, calendar, digest, request catalog, rules)."""

from bot.config.load import ConfigError, Problem, load_workspace, parse_workspace
from bot.config.workspace import WorkspaceConfig

__all__ = ["ConfigError", "Problem", "WorkspaceConfig", "load_workspace", "parse_workspace"]
