"""Ack latency under mixed signed traffic: `madoguchi serve` against a bare Bolt app that only acks.

    .venv/bin/python bench/ack_latency.py [--postgres postgresql://postgres@127.0.0.1:5432/test]

Budget (2 cores): at 8 concurrent p99 ≤ 25 ms; at 32 concurrent p99 ≤ 75 ms; no non-2xx.

What it does, all on 127.0.0.1:
- starts a FakeSlackServer (the Web API: auth.test, users.info, views.publish …) in a process of its own
  (bench/fake_slack_process.py), with the bench users as FakeUsers (locale ja-JP, not in the workspace
  config, so the locale really comes from users.info and its cache);
- runs `madoguchi db upgrade` and then `madoguchi serve --no-scheduler` as a subprocess on a fresh SQLite
  file (and, with --postgres, a second time on a throwaway PostgreSQL database it creates and drops);
- runs bench/ack_baseline_server.py as another subprocess: the same server (Granian, the same workers and
  listener threads) around a bare Bolt App whose listeners only ack() the same command, action and event;
- waits for GET /healthz = 200 on both, warms both up, then for each concurrency level runs a closed
  loop of N clients, each sending one request after another, first against the baseline and then
  against madoguchi. The clients are wrk connections when `wrk` is installed (`apt-get install wrk`;
  bench/wrk_load.py) — a Python generator on the same two cores times itself as much as the servers
  (it reads the bare baseline's p99 at 8 as 12-23 ms, wrk as 7-10 ms) — or Python threads
  (--generator python, which also gives the per-kind table). Kinds rotate: `/helpdesk help` (slash
  command), a button click (block_actions), an `app_home_opened` event with a new event_id each time
  (none is dropped as a retry; opening Home is idempotent, so it takes no de-duplication record and
  its refresh coalesces per person).
- Each request is built and signed just before it is sent, or for wrk just before its level (fresh
  X-Slack-Request-Timestamp, trigger_id, event_id; each used once); the timed part is send + read the
  whole response (the Python generator also times the connect). By default every request opens
  a new TCP connection, as Slack's deliveries do; --keep-alive reuses one connection per worker.

Prints a markdown table and writes it into docs/BENCHMARKS.md between the bench:ack markers (--no-write
to skip). Exit status 1 when the budget is not met.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import wrk_load  # noqa: E402
from bench.fake_slack_process import FakeSlackProcess, bench_users  # noqa: E402
from bench.proc_cpu import cpu_seconds  # noqa: E402
from bot.fakeslack import BOT_TOKEN, SlackRequester, payloads  # noqa: E402
from bot.fakeslack import events as fake_events  # noqa: E402
from bot.granian_server import DEFAULT_THREADS  # noqa: E402

BENCHMARKS = ROOT / "docs" / "BENCHMARKS.md"
BEGIN, END = "<!-- bench:ack:begin -->", "<!-- bench:ack:end -->"
INTRO = """# Benchmarks

Budgets are for 2 cores. Each section is written by the benchmark named in it; re-run the
benchmark to refresh its section. Timings are never asserted in tests.
"""
BUDGET_P99_MS = {8: 25.0, 32: 75.0}
KINDS = ("command", "button", "event")
BIN = Path(sys.executable).parent


# -- measurements ---------------------------------------------------------------------------------
@dataclass
class Sample:
    kind: str
    status: int  # 0: no HTTP answer (connection error / timeout)
    seconds: float


@dataclass
class Run:
    target: str
    concurrency: int
    samples: list[Sample]
    wall: float
    truncated: bool = False

    def latencies(self, kind: str | None = None) -> list[float]:
        return sorted(s.seconds * 1000 for s in self.samples if kind is None or s.kind == kind)

    def non2xx(self, kind: str | None = None) -> int:
        return sum(1 for s in self.samples if (kind is None or s.kind == kind) and not 200 <= s.status < 300)

    def statuses(self) -> dict[str, dict[int, int]]:
        out: dict[str, dict[int, int]] = {}
        for s in self.samples:
            if not 200 <= s.status < 300:
                out.setdefault(s.kind, {}).setdefault(s.status, 0)
                out[s.kind][s.status] += 1
        return out

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.wall if self.wall else 0.0


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the samples at or below it."""
    if not sorted_ms:
        return float("nan")
    rank = max(1, -(-len(sorted_ms) * p // 100))
    return sorted_ms[int(rank) - 1]


# -- traffic --------------------------------------------------------------------------------------
class Traffic:
    """Builds the next request of the mix, signed now."""

    def __init__(self, requester: SlackRequester, users: list[str], action_id: str,
                 kinds: tuple[str, ...] = KINDS):
        self.kinds = kinds
        self.requester = requester
        self.users = users
        self.action_id = action_id

    def build(self, i: int) -> tuple[str, bytes, dict[str, str]]:
        kind = self.kinds[i % len(self.kinds)]
        user = self.users[(i // len(self.kinds)) % len(self.users)]
        if kind == "command":
            request = payloads.command(user_id=user, text="help")
        elif kind == "button":
            request = payloads.block_action(user_id=user, action_id=self.action_id, value="new",
                                            view={"id": "V" + user[1:], "type": "home", "blocks": []})
        else:
            request = payloads.event(fake_events.app_home_opened(user=user))
        prepared = self.requester.prepare(request)
        return kind, prepared.body, prepared.headers


class Target:
    def __init__(self, name: str, port: int, traffic: Traffic, keep_alive: bool, timeout: float = 10.0):
        self.name = name
        self.port = port
        self.traffic = traffic
        self.keep_alive = keep_alive
        self.timeout = timeout

    def send(self, conn: http.client.HTTPConnection | None, body: bytes, headers: dict[str, str]
             ) -> tuple[int, http.client.HTTPConnection | None]:
        """One POST; returns (status, the connection to reuse). Status 0 when no answer came."""
        fresh = conn is None
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request("POST", "/slack/events", body=body,
                         headers={**headers, "Connection": "keep-alive" if self.keep_alive else "close"})
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            conn.close()
            if not fresh:  # a kept-alive connection the server closed: retry once on a new one
                return self.send(None, body, headers)
            return 0, None
        if not self.keep_alive or response.will_close:
            conn.close()
            return status, None
        return status, conn

    def run(self, concurrency: int, count: int, max_seconds: float) -> Run:
        counter = iter(range(count))
        lock = threading.Lock()
        samples: list[Sample] = []
        deadline = time.monotonic() + max_seconds
        truncated = threading.Event()
        start_line = threading.Barrier(concurrency + 1)

        def worker() -> None:
            conn: http.client.HTTPConnection | None = None
            mine: list[Sample] = []
            start_line.wait()
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    break
                if time.monotonic() > deadline:
                    truncated.set()
                    break
                kind, body, headers = self.traffic.build(i)
                t0 = time.perf_counter()
                status, conn = self.send(conn, body, headers)
                mine.append(Sample(kind, status, time.perf_counter() - t0))
            if conn is not None:
                conn.close()
            with lock:
                samples.extend(mine)

        threads = [threading.Thread(target=worker, name=f"load-{n}", daemon=True) for n in range(concurrency)]
        for thread in threads:
            thread.start()
        start_line.wait()
        t0 = time.perf_counter()
        for thread in threads:
            thread.join()
        return Run(self.name, concurrency, samples, time.perf_counter() - t0, truncated.is_set())


# -- processes ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}; log:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                                                  timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"no GET /healthz = 200 on port {port} within {timeout:.0f} s; log:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def subprocess_server(argv: list[str], env: dict[str, str], port: int, log: Path
                      ) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            wait_healthy(port, process, log)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def throwaway_postgres(admin_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from models.db import normalise_url

    name = f"madoguchi_bench_{secrets.token_hex(4)}"
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalise_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# -- the benchmark --------------------------------------------------------------------------------
@dataclass
class Options:
    levels: list[int]
    counts: list[int]
    warmup: int
    keep_alive: bool
    action: str
    users: int
    max_seconds: float
    postgres: str | None
    write: bool
    keep_logs: bool
    sqlite: bool
    workers: list[int] = field(default_factory=lambda: [1])
    generator: str = "python"
    kinds: tuple[str, ...] = KINDS
    full_fake: bool = False


@dataclass
class Result:
    database: str
    runs: list[tuple[Run, Run]] = field(default_factory=list)  # (madoguchi, baseline) per level
    wrk_runs: list[tuple[wrk_load.WrkRun, wrk_load.WrkRun]] = field(default_factory=list)
    preflight: dict[str, int] = field(default_factory=dict)
    settled_calls: int = 0
    log_errors: int = 0  # ERROR records in madoguchi's log: failures its error handler answered with 200
    log_locked: int = 0  # "database is locked" among them
    # (server, level) -> CPU ms per answered request: (the server's processes, the fake Slack's)
    cpu_ms: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)


def preflight(target: Target) -> dict[str, int]:
    """One request of each kind; the statuses say whether every kind is handled."""
    out = {}
    for i, kind in enumerate(KINDS):
        k, body, headers = target.traffic.build(i)
        assert k == kind
        out[kind] = target.send(None, body, headers)[0]
    return out


def settle(fake: FakeSlackProcess, quiet: float = 1.0, cap: float = 15.0) -> None:
    """Let madoguchi's outbox finish its views.publish backlog, so it doesn't eat the next run's CPU."""
    deadline = time.monotonic() + cap
    last = fake.calls()
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = fake.calls()
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet:
            return


def bench_database(opts: Options, database: str, database_url: str, workdir: Path,
                   fake: FakeSlackProcess, users: list[str], log: Callable[[str], None], workers: int = 1
                   ) -> Result:
    secret = secrets.token_hex(16)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("SLACK_APP_TOKEN", None)
    upgrade = subprocess.run([str(BIN / "madoguchi"), "db", "upgrade"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    if upgrade.returncode != 0:
        raise RuntimeError(f"madoguchi db upgrade failed:\n{upgrade.stdout}\n{upgrade.stderr}")

    m_port, b_port = free_port(), free_port()
    serve = [str(BIN / "madoguchi"), "serve", "--host", "127.0.0.1", "--port", str(m_port), "--no-scheduler",
             "--workers", str(workers)]
    baseline = [sys.executable, str(ROOT / "bench" / "ack_baseline_server.py"), "--port", str(b_port),
                "--signing-secret", secret, "--action", opts.action, "--workers", str(workers)]
    if len(opts.workers) > 1:
        database = f"{database}, {workers} worker{'s' if workers > 1 else ''}"
    result = Result(database)
    slug = database.replace(", ", "-").replace(" ", "")
    with (
        subprocess_server(serve, env, m_port, workdir / f"serve-{slug}.log") as m_proc,
        subprocess_server(baseline, env, b_port, workdir / f"baseline-{slug}.log") as b_proc,
    ):
        def target(name: str, port: int) -> Target:
            # Trigger ids are made up here: the fake (in its own process) accepts each once.
            requester = SlackRequester(f"http://127.0.0.1:{port}", secret)
            return Target(name, port, Traffic(requester, users, opts.action, opts.kinds), opts.keep_alive)

        madoguchi, bare = target("madoguchi", m_port), target("baseline", b_port)
        result.preflight = preflight(target("madoguchi", m_port) if opts.kinds == KINDS else
                                     Target("madoguchi", m_port, Traffic(madoguchi.traffic.requester, users,
                                                                         opts.action), opts.keep_alive))
        log(f"[{database}] preflight statuses (madoguchi): {result.preflight}")
        # Warm-up: imports, connection pools, the users.info cache (every user's locale fetched once).
        for t in (bare, madoguchi):
            t.run(min(8, opts.warmup or 1), max(opts.warmup, 3 * len(users)), opts.max_seconds)
        settle(fake)
        for level, count in zip(opts.levels, opts.counts, strict=True):
            if opts.generator == "wrk":
                runs = []
                for t, pid in ((bare, b_proc.pid), (madoguchi, m_proc.pid)):
                    # Signed now (timestamps stay valid for 300 s; a level takes far less).
                    built = [t.traffic.build(i)[1:] for i in range(count + wrk_load.spares(level))]
                    before = cpu_seconds(pid), cpu_seconds(fake.pid)
                    run = wrk_load.run(t.name, t.port, built, level, opts.max_seconds, opts.keep_alive)
                    if t is madoguchi:
                        settle(fake)  # the outbox's work after the acks is the server's too
                    runs.append(run)
                    if run.requests:
                        result.cpu_ms[(t.name, level)] = (
                            1000 * (cpu_seconds(pid) - before[0]) / run.requests,
                            1000 * (cpu_seconds(fake.pid) - before[1]) / run.requests)
                wb, wm = runs
                result.wrk_runs.append((wm, wb))
                log(f"[{database}] wrk c={level}: madoguchi p50 {wm.p50_ms:.1f} p99 {wm.p99_ms:.1f} ms, "
                    f"{wm.throughput:.0f}/s, failures {wm.failures}; baseline p50 {wb.p50_ms:.1f} "
                    f"p99 {wb.p99_ms:.1f} ms, {wb.throughput:.0f}/s, failures {wb.failures}")
                continue
            b = bare.run(level, count, opts.max_seconds)
            m = madoguchi.run(level, count, opts.max_seconds)
            result.runs.append((m, b))
            log(f"[{database}] c={level}: madoguchi p50 {percentile(m.latencies(), 50):.1f} "
                f"p99 {percentile(m.latencies(), 99):.1f} ms, {m.throughput:.0f}/s, non-2xx {m.non2xx()}; "
                f"baseline p50 {percentile(b.latencies(), 50):.1f} p99 {percentile(b.latencies(), 99):.1f} ms, "
                f"{b.throughput:.0f}/s, non-2xx {b.non2xx()}")
            settle(fake)
        result.settled_calls = fake.calls("views.publish")
    text = (workdir / f"serve-{slug}.log").read_text(errors="replace")
    result.log_errors = sum(1 for line in text.splitlines() if " ERROR " in line)
    result.log_locked = text.count("database is locked")
    return result


# -- report ---------------------------------------------------------------------------------------
def verdict(m: Run | wrk_load.WrkRun) -> str:
    budget = BUDGET_P99_MS.get(m.concurrency)
    if isinstance(m, wrk_load.WrkRun):
        failures, p99 = m.failures, m.p99_ms
    else:
        failures, p99 = m.non2xx(), percentile(m.latencies(), 99)
    problems = []
    if failures:
        problems.append(f"{failures} non-2xx")
    if m.truncated:
        problems.append("hit the time cap")
    if budget is not None and p99 > budget:
        problems.append(f"p99 > {budget:.0f} ms")
    if problems:
        return "**FAIL**: " + ", ".join(problems)
    return f"ok (p99 ≤ {budget:.0f} ms)" if budget is not None else "ok (no p99 budget)"


def render_wrk(results: list[Result], opts: Options) -> list[str]:
    connections = ("one fresh TCP connection per request (`Connection: close`)" if not opts.keep_alive
                   else "kept-alive connections")
    lines = [
        f"Load generator: **wrk** (C, epoll; Debian package `wrk`), {connections}"
        f", N connections over min(2, N) wrk threads. All requests of a level are built and signed in Python just "
        f"before it (each used once: fresh trigger_id / event_id), then wrk hands them out (bench/wrk_load.py). wrk "
        f"times from the request's first byte written to the response's last byte read (the TCP connect is not in "
        f"it; the server's accept is). Baseline first, then madoguchi, then the outbox settles.",
        "",
        "| db | concurrent | server | requests | p50 ms | p90 ms | p99 ms | max ms | req/s | non-2xx + socket errors "
        "| p99 × | server CPU ms/req | fake Slack CPU ms/req | budget |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        for m, b in result.wrk_runs:
            for run, mark in ((m, "madoguchi"), (b, "baseline")):
                ratio = f"{m.p99_ms / b.p99_ms:.2f}" if run is m and b.p99_ms else ""
                server_cpu, fake_cpu = result.cpu_ms.get((mark, run.concurrency), (float("nan"),) * 2)
                lines.append(
                    f"| {result.database} | {run.concurrency} | {mark} | {run.requests} | {run.p50_ms:.1f} "
                    f"| {run.p90_ms:.1f} | {run.p99_ms:.1f} | {run.max_ms:.1f} | {run.throughput:.0f} "
                    f"| {run.failures} | {ratio} | {server_cpu:.2f} | {fake_cpu:.2f} "
                    f"| {verdict(run) if run is m else ''} |")
    return lines


def render_python(results: list[Result]) -> list[str]:
    def ms(v: float) -> str:
        return f"{v:.1f}"

    lines = [
        "| db | concurrent | server | requests | p50 ms | p99 ms | max ms | req/s | non-2xx | p50 × | p99 × "
        "| budget |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        for m, b in result.runs:
            mp50, mp99 = percentile(m.latencies(), 50), percentile(m.latencies(), 99)
            bp50, bp99 = percentile(b.latencies(), 50), percentile(b.latencies(), 99)
            lines.append(
                f"| {result.database} | {m.concurrency} | madoguchi | {len(m.samples)} | {ms(mp50)} | {ms(mp99)} "
                f"| {ms(max(m.latencies()))} | {m.throughput:.0f} | {m.non2xx()} | {mp50 / bp50:.2f} "
                f"| {mp99 / bp99:.2f} | {verdict(m)} |"
            )
            lines.append(
                f"| {result.database} | {b.concurrency} | baseline | {len(b.samples)} | {ms(bp50)} | {ms(bp99)} "
                f"| {ms(max(b.latencies()))} | {b.throughput:.0f} | {b.non2xx()} | | | |"
            )
    lines += [
        "",
        "Per request kind (madoguchi / baseline):",
        "",
        "| db | concurrent | kind | madoguchi p50 | madoguchi p99 | madoguchi max | baseline p50 | baseline p99 "
        "| non-2xx (madoguchi) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        for m, b in result.runs:
            for kind in KINDS:
                ml, bl = m.latencies(kind), b.latencies(kind)
                statuses = m.statuses().get(kind, {})
                bad = ", ".join(f"{n}× {s or 'no answer'}" for s, n in sorted(statuses.items())) or "0"
                lines.append(
                    f"| {result.database} | {m.concurrency} | {kind} | {ms(percentile(ml, 50))} "
                    f"| {ms(percentile(ml, 99))} | {ms(max(ml) if ml else float('nan'))} | {ms(percentile(bl, 50))} "
                    f"| {ms(percentile(bl, 99))} | {bad} |"
                )
    return lines


def render(results: list[Result], opts: Options, command: str) -> str:
    def ms(v: float) -> str:
        return f"{v:.1f}"

    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    lines = [
        f"Code: the working tree at `{head.stdout.strip() or '?'}`. "
        f"Run {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {platform.node() or 'this machine'}: "
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}.",
        "",
        "```",
        command,
        "```",
        "",
        "Method: both servers are subprocesses on 127.0.0.1 (`madoguchi serve --no-scheduler`, and "
        "`bench/ack_baseline_server.py`: a bare Bolt app whose listeners only `ack()`, on the same server: "
        f"Granian, as many workers, {DEFAULT_THREADS} listener threads each); the fake Slack Web API runs in a "
        "process of its own "
        "(`bench/fake_slack_process.py`: in the load generator's process it would wait on the generator's GIL, "
        "and the bench would time itself; "
        + ("the test harness's FakeSlackServer, `--full-fake`" if opts.full_fake else
           "the lean stand-in `bench/lean_fake_slack.py`: asyncio, keep-alive, Slack's answers for the calls this "
           "traffic makes, counts only — the harness's FakeSlackServer costs ~1.1 ms CPU per views.open on these "
           "same cores, which Slack's servers never take from the bot")
        + f"); the load generator, the fake and both servers share the same "
        f"{len(os.sched_getaffinity(0))} cores. Each level is a closed loop of N concurrent clients sending "
        f"requests back to back ({'wrk connections' if opts.generator == 'wrk' else 'Python threads'}), "
        f"rotating `/helpdesk help`, a `{opts.action}` button click and an "
        f"`app_home_opened` event (new event_id each time; opening Home is idempotent, so it "
        f"skips the de-duplication record; a person's repeat open within 30 s of their last refresh is "
        f"answered from memory, App Home's refresh window) over {opts.users} users who exist in the fake "
        f"as ja-JP FakeUsers. Every "
        f"request is signed just before it is sent (wrk: just before its level); the time measured is "
        + ("send + full response on a fresh TCP connection per request, as Slack delivers (the Python "
           "generator also counts the connect)"
           if not opts.keep_alive else "send + full response on a kept-alive connection per client")
        + f". Before measuring, {max(opts.warmup, 3 * opts.users)} warm-up requests per server fill the "
        f"users.info locale cache and the connection pools; at each level the baseline runs first, then "
        f"madoguchi, then the bench waits for madoguchi's outbox (views.publish to the fake) to go quiet. "
        f"Latency includes the load generator's own scheduling, which the baseline pays too. "
        f"Budget: p99 ≤ 25 ms at 8, ≤ 75 ms at 32, no non-2xx.",
        "",
    ]
    lines += render_wrk(results, opts) if opts.generator == "wrk" else render_python(results)
    preflights = "; ".join(f"{r.database}: " + ", ".join(f"{k} {v}" for k, v in r.preflight.items())
                           for r in results)
    lines += ["", f"Pre-flight status per kind against madoguchi: {preflights}."]
    if any(r.preflight.get("button") == 404 for r in results):
        lines.append(f"A 404 for the button means no listener is registered for `{opts.action}`: Bolt answers "
                     "its unhandled-request 404, so every third request counts as non-2xx until one exists.")
    lines.append("madoguchi's own log over the whole run (warm-up included): " + "; ".join(
        f"{r.database}: {r.log_errors} ERROR records, {r.log_locked} × `database is locked`" for r in results)
        + ". Errors inside an event listener are answered 200 by the app's error handler, so they are not in "
        "the non-2xx column.")
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    block = f"{BEGIN}\n## Ack latency (bench/ack_latency.py)\n\n{section}{END}"
    BENCHMARKS.parent.mkdir(parents=True, exist_ok=True)
    current = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else INTRO
    if BEGIN in current and END in current and current.index(BEGIN) < current.index(END):
        head, rest = current.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        updated = head + block + tail
    else:
        updated = current.rstrip("\n") + "\n\n" + block + "\n"
    BENCHMARKS.write_text(updated, encoding="utf-8")


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="1,8,32", help="concurrency levels (default 1,8,32)")
    parser.add_argument("--counts", default="300,2000,4000", help="requests per level (default 300,2000,4000)")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up requests per server (default 200)")
    parser.add_argument("--keep-alive", action="store_true",
                        help="reuse one connection per worker (default: a new connection per request, as Slack)")
    parser.add_argument("--action", default="home_new_request", help="action_id of the button click")
    parser.add_argument("--users", type=int, default=20, help="distinct users in the traffic (default 20)")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="time cap per level and server")
    parser.add_argument("--postgres", metavar="URL", help="also run on a throwaway database on this server")
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false", help="only the --postgres run")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs (path on stderr)")
    parser.add_argument("--no-write", dest="write", action="store_false", help="don't update docs/BENCHMARKS.md")
    parser.add_argument("--workers", default="1",
                        help="`madoguchi serve --workers N`; a list (1,2) benches each in the same run (default 1)")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator: wrk (C, Debian package `wrk`) or Python threads; auto = wrk "
                             "when installed")
    parser.add_argument("--full-fake", action="store_true",
                        help="answer Web API calls with the test harness's FakeSlackServer (Block Kit checks, full "
                             "record; ~1.1 ms CPU per views.open on the same cores), not bench/lean_fake_slack.py")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help=f"request kinds in the mix (default {','.join(KINDS)}); one kind alone attributes cost")
    args = parser.parse_args(argv)
    kinds = tuple(args.kinds.split(","))
    if not kinds or set(kinds) - set(KINDS):
        parser.error(f"--kinds: choose from {','.join(KINDS)}")
    levels = [int(x) for x in args.levels.split(",")]
    counts = [int(x) for x in args.counts.split(",")]
    if len(levels) != len(counts):
        parser.error("--levels and --counts need the same number of entries")
    opts = Options(levels, counts, args.warmup, args.keep_alive, args.action, args.users, args.max_seconds,
                   args.postgres, args.write, args.keep_logs,
                   args.sqlite, [int(w) for w in args.workers.split(",")],
                   "wrk" if args.generator == "auto" and wrk_load.available() else
                   ("python" if args.generator == "auto" else args.generator), kinds, args.full_fake)
    if opts.generator == "wrk" and not wrk_load.available():
        parser.error("--generator wrk: wrk is not installed (apt-get install wrk)")
    if not opts.sqlite and not opts.postgres:
        parser.error("--no-sqlite needs --postgres")
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    shown = [a for a in (argv if argv is not None else sys.argv[1:])]
    if opts.postgres:  # never print a password
        from sqlalchemy.engine import make_url

        shown = [make_url(a).render_as_string(hide_password=True) if a == opts.postgres else a for a in shown]
    command = " ".join([".venv/bin/python bench/ack_latency.py", *shown])

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    users = bench_users(opts.users)
    workdir = Path(tempfile.mkdtemp(prefix="madoguchi-bench-"))
    results: list[Result] = []
    try:
        with FakeSlackProcess(opts.users, full=opts.full_fake) as fake:
            for workers in opts.workers:
                if opts.sqlite:
                    results.append(bench_database(opts, "sqlite", f"sqlite:///{workdir / 'bench.db'}", workdir,
                                                  fake, users, log, workers))
                if opts.postgres:
                    with throwaway_postgres(opts.postgres) as url:
                        results.append(bench_database(opts, "postgresql", url, workdir, fake, users, log, workers))
            lookups = fake.calls("users.info")
            log(f"users.info calls in total: {lookups} (for {len(users)} users per database)")
            unknown = fake.calls("unknown_method")
            if unknown:
                log(f"{unknown} Web API calls the lean fake Slack does not answer: run with --full-fake, "
                    "or teach bench/lean_fake_slack.py those methods")
    except BaseException:
        log(f"server logs kept in {workdir}")
        raise
    section = render(results, opts, command)
    print(section)
    if opts.write:
        write_section(section)
        log(f"wrote {BENCHMARKS.relative_to(ROOT)}")
    if opts.keep_logs:
        log(f"server logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    ok = not unknown and all(verdict(m).startswith("ok") for r in results for m, _ in [*r.runs, *r.wrk_runs])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
