"""Two real scheduler processes against one PostgreSQL database: every slot runs exactly once.

Each process is `python -m tests.service.scheduler_replica` running `run_scheduler` — the real
APScheduler and the outbox dispatcher thread — with a job firing every second on a 1-second slot
that writes one row per execution into a side table without a unique constraint. A slot executed
twice would leave two rows there, whatever the claim table says.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.migrate import upgrade
from models import JobRun
from models.db import make_engine, make_session_factory
from tests.service.scheduler_replica import (
    PROBE_JOB,
    PROBE_TABLE,
    postgres_server_url,
    throwaway_postgres,
)

REPO = Path(__file__).resolve().parents[2]
RUN_SECONDS = 20
STARTUP_TIMEOUT_S = 30
EXIT_TIMEOUT_S = 15

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def wait_for_line(log: Path, line: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if line in log.read_text(errors="replace").splitlines():
            return
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"{log.name}: no {line!r} (exit code {proc.poll()}):\n{log.read_text()}")


def slot_time(key: str) -> datetime:
    return datetime.strptime(key, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def test_two_scheduler_processes_run_every_slot_exactly_once(tmp_path: Path) -> None:
    with throwaway_postgres(postgres_server_url()) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            with engine.begin() as conn:
                conn.execute(
                    text(
                        f"CREATE TABLE {PROBE_TABLE} (id serial PRIMARY KEY, slot varchar(64) NOT NULL,"
                        " replica varchar(16) NOT NULL, ran_at timestamptz NOT NULL DEFAULT now())"
                    )
                )
            procs: dict[str, subprocess.Popen[bytes]] = {}
            logs = {name: tmp_path / f"replica-{name}.log" for name in ("a", "b")}
            spawned = time.monotonic()
            try:
                for name, log in logs.items():
                    with log.open("wb") as out:  # the child keeps its own descriptor
                        procs[name] = subprocess.Popen(
                            [sys.executable, "-m", "tests.service.scheduler_replica", "--url", url,
                             "--name", name, "--max-seconds", str(RUN_SECONDS + 60)],
                            cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=os.environ.copy(),
                        )  # fmt: skip
                for name, proc in procs.items():
                    wait_for_line(logs[name], "ready", proc, STARTUP_TIMEOUT_S)
                started = time.monotonic()
                time.sleep(RUN_SECONDS)
                for proc in procs.values():
                    proc.send_signal(signal.SIGTERM)
                exit_codes = {name: proc.wait(EXIT_TIMEOUT_S) for name, proc in procs.items()}
                elapsed = time.monotonic() - started  # both running, before SIGTERM
                lifetime = time.monotonic() - spawned  # slots may run during start-up too
            finally:
                for proc in procs.values():
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait(5)
            outputs = {name: log.read_text(errors="replace") for name, log in logs.items()}
            assert exit_codes == {"a": 0, "b": 0}, outputs  # SIGTERM is a clean stop

            with engine.connect() as conn:
                executions = conn.execute(text(f"SELECT slot, replica FROM {PROBE_TABLE}")).all()
            with make_session_factory(engine)() as session:
                claims = session.scalars(select(JobRun).where(JobRun.job == PROBE_JOB)).all()
        finally:
            engine.dispose()

    per_slot = Counter(slot for slot, _ in executions)
    duplicates = {slot: n for slot, n in per_slot.items() if n > 1}
    wins = Counter(replica for _, replica in executions)
    times = sorted(slot_time(slot) for slot in per_slot)
    span = int((times[-1] - times[0]) / timedelta(seconds=1)) + 1 if times else 0
    gaps = span - len(times)
    summary = (
        f"{len(per_slot)} slots, {elapsed:.1f} s both running ({lifetime:.1f} s since spawn), "
        f"{len(executions)} executions, "
        f"{len(duplicates)} duplicated, {gaps} missing inside the span, wins {dict(wins)}"
    )
    print(summary)

    assert duplicates == {}, summary
    # The claim table agrees with what actually ran, and every run finished before shutdown.
    assert sorted((c.slot, c.outcome) for c in claims) == sorted(executions), summary
    assert all(c.finished_at is not None for c in claims), summary
    # Both processes really competed; a one-sided race would not prove much.
    assert set(wins) == {"a", "b"} and min(wins.values()) >= 1, summary
    # One slot per second: a second or two may be lost to a stalled machine, not more.
    assert gaps <= 2, summary
    assert len(per_slot) >= RUN_SECONDS - 3, summary
    assert len(per_slot) <= lifetime + 1, summary
