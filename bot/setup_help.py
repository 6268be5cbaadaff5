"""What `make run` prints when no Slack app is configured yet; the steps are also `manifest --help`'s."""

from __future__ import annotations

APP_STEPS = """\
  1. Print the app manifest for your config:
       .venv/bin/madoguchi manifest --socket-mode > manifest.yaml      (quick start, no public URL)
       .venv/bin/madoguchi manifest --url https://YOUR-HOST/slack/events > manifest.yaml   (production)
  2. https://api.slack.com/apps → Create New App → From an app manifest → paste manifest.yaml,
     then Install to Workspace.
  3. Set these environment variables (or put them in a .env file in this folder):
       SLACK_BOT_TOKEN=xoxb-…        OAuth & Permissions → Bot User OAuth Token
       SLACK_SIGNING_SECRET=…        Basic Information → App Credentials (HTTP mode)
       SLACK_APP_TOKEN=xapp-…        Basic Information → App-Level Tokens, scope connections:write
                                     (only for Socket Mode; leave unset for HTTP mode)
     Optional: DATABASE_URL (default sqlite:///madoguchi.db), MADOGUCHI_CONFIG (your workspace YAML,
     see bot/config/example.yaml), PORT (default 3000).
  4. Check your config: .venv/bin/madoguchi config check your-config.yaml
  5. make run
"""

SETUP_HELP = "madoguchi needs a Slack app to talk to. Nothing is set yet, so here is how:\n\n" + APP_STEPS
