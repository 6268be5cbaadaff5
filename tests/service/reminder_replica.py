"""One scheduler replica running the real reminder sweep, for the two-process test.

    python -m tests.service.reminder_replica --url postgresql://… --config cfg.yaml --name a

runs `run_scheduler` with two jobs on 1-second slots: `reminders` (the production job, its slot claimed
in job_runs like in production) and `reminders-raw-<name>` (the same sweep under a name only this replica
uses, so the two processes also sweep *at the same time* and only the row-level guards — FOR UPDATE SKIP
LOCKED and the reminder_log claim — stand between them and a duplicate reminder)."""

from __future__ import annotations

import argparse
import logging
import sys
import threading


def jobs(name: str):
    from bot.reminders.jobs import run_reminders
    from bot.scheduler import Every, Job

    return [Job(name="reminders", schedule=Every(seconds=1), run=run_reminders),
            Job(name=f"reminders-raw-{name}", schedule=Every(seconds=1), run=run_reminders)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format=f"[{args.name}] %(levelname)s %(name)s: %(message)s")

    from bot.composition import build_services
    from bot.scheduler import run_scheduler
    from bot.settings import Settings

    settings = Settings(DATABASE_URL=args.url, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="s",
                        SLACK_API_URL="http://127.0.0.1:9/api/", MADOGUCHI_CONFIG=args.config)
    services = build_services(settings)
    stop = threading.Event()
    deadline = threading.Timer(args.max_seconds, stop.set)
    deadline.daemon = True
    deadline.start()
    print("ready", flush=True)
    try:
        return run_scheduler(services, jobs=jobs(args.name), stop_event=stop)
    finally:
        stop.set()
        services.close()
        print("stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
