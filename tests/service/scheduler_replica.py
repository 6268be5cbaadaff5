"""Scheduler test support: throwaway PostgreSQL databases, and one scheduler replica as a process.

    python -m tests.service.scheduler_replica --url postgresql://… --name a [--max-seconds 120]

runs `run_scheduler` (the real APScheduler plus the outbox dispatcher thread) with one test job,
`replica-probe`: a 1-second slot whose run inserts (slot, replica) into `replica_probe_runs` — a
side table without a unique constraint, so a slot executed twice would show up as two rows.
The process exits 0 on SIGTERM, and on its own after --max-seconds so a crashed test never leaves
it running.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from models.db import normalise_url, transaction

POSTGRES_ENV = "MADOGUCHI_TEST_POSTGRES_URL"
PROBE_TABLE = "replica_probe_runs"
PROBE_JOB = "replica-probe"


# -- throwaway PostgreSQL databases ---------------------------------------------------------------


def postgres_server_url() -> str:
    """The server from MADOGUCHI_TEST_POSTGRES_URL; skips the test when unset, fails it under CI."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{POSTGRES_ENV} is not set but CI=true: PostgreSQL tests must run in CI")
        pytest.skip(f"{POSTGRES_ENV} not set")
    return normalise_url(url)


@contextmanager
def throwaway_postgres(server_url: str) -> Iterator[str]:
    """CREATE a database of our own on the server and DROP it afterwards, so tests never touch
    anybody else's data. Yields its URL (psycopg driver)."""
    name = f"madoguchi_sched_{secrets.token_hex(6)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")  # CREATE DATABASE can't be in a txn
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                # FORCE: a replica process killed mid-query may still hold a connection.
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# -- one replica --------------------------------------------------------------------------------


def probe_job(replica: str):  # -> bot.scheduler.Job; imported late so `python -m` starts fast
    from bot.scheduler import Every, Job

    def run(services, slot: str) -> str:
        with transaction(services.session_factory) as session:
            session.execute(
                text(f"INSERT INTO {PROBE_TABLE} (slot, replica) VALUES (:slot, :replica)"),
                {"slot": slot, "replica": replica},
            )
        return replica

    return Job(name=PROBE_JOB, schedule=Every(seconds=1), run=run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format=f"[{args.name}] %(levelname)s %(name)s: %(message)s")

    from bot.composition import build_services
    from bot.scheduler import run_scheduler
    from bot.settings import Settings

    settings = Settings(
        DATABASE_URL=args.url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL="http://127.0.0.1:9/api/",  # nothing listens: nothing can reach Slack
    )
    services = build_services(settings)
    stop = threading.Event()
    deadline = threading.Timer(args.max_seconds, stop.set)  # a last resort if the test forgets us
    deadline.daemon = True
    deadline.start()
    print("ready", flush=True)
    try:
        return run_scheduler(services, jobs=[probe_job(args.name)], stop_event=stop)
    finally:
        stop.set()
        services.close()
        print("stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
