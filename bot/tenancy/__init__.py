"""Installed by many workspaces (OAuth mode): tokens kept encrypted, one desk per workspace.

With SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and MADOGUCHI_TOKEN_KEY set instead of SLACK_BOT_TOKEN, one
process serves every workspace (or Enterprise Grid organisation) that installs the app through
`/slack/install`. Each has its own workspace config and its own database, so no query can reach another
workspace's tickets, FAQ or digest; the installations (tokens encrypted) live in DATABASE_URL.
docs/MULTI_WORKSPACE.md has the whole picture."""
