"""The fake Slack Web API in a process of its own, for benchmarks.

In one process with the load generator, the fake's request threads and the generator's worker threads
share one GIL: a views.open or views.publish from the server under test then waits for the load
generator, and the benchmark measures itself. Real Slack is not on the bot's machine at all; a separate
process is the closer stand-in (it still shares the 2 cores).

    python bench/fake_slack_process.py --users 20 [--full]

By default the stand-in is bench/lean_fake_slack.py (why: its docstring); --full serves the test harness's
FakeSlackServer instead.

Prints one line `READY <api_url> <control_url>` and serves until stdin closes. GET <control_url>?method=M
answers {"calls": N} (all calls when no method is given)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import lean_fake_slack  # noqa: E402
from bot.fakeslack import FakeSlackServer, FakeUser  # noqa: E402


def bench_users(count: int) -> list[str]:
    return [f"U0BENCH{n:03d}" for n in range(count)]


def serve_full(users: int) -> None:
    """The test harness's FakeSlackServer (Block Kit checks, full call record)."""
    # The fake records every call (params, headers, the view it answered) for the whole run, so the
    # cyclic GC's full collections grow with the run: 8 concurrent calls saw p99 74 ms and pauses up
    # to 190 ms with it, 17.5 / 28 ms without. Slack's pauses are not what the bench measures, and
    # the run is bounded, so the stand-in frees by reference counting only.
    gc.disable()
    with FakeSlackServer(users=people(users)) as fake:

        class Control(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                method = parse_qs(urlsplit(self.path).query).get("method", [None])[0]
                body = json.dumps({"calls": len(fake.calls(method))}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
        threading.Thread(target=control.serve_forever, daemon=True).start()
        print(f"READY {fake.url} http://127.0.0.1:{control.server_address[1]}/calls", flush=True)
        sys.stdin.read()  # the parent closes stdin (or dies) to stop us
        control.shutdown()


def serve_lean(users: int) -> None:
    """bench/lean_fake_slack.py on an asyncio loop; stops when stdin closes."""
    loop = asyncio.new_event_loop()
    ready: asyncio.Future[int] = loop.create_future()
    task = loop.create_task(lean_fake_slack.serve(lean_fake_slack.LeanSlack(people(users)), ready))
    port = loop.run_until_complete(ready)
    print(f"READY http://127.0.0.1:{port}/api/ http://127.0.0.1:{port}/calls", flush=True)

    def wait_for_stdin() -> None:
        sys.stdin.read()
        loop.call_soon_threadsafe(task.cancel)

    threading.Thread(target=wait_for_stdin, daemon=True).start()
    with contextlib.suppress(asyncio.CancelledError):
        loop.run_until_complete(task)
    loop.close()


def people(users: int) -> list[FakeUser]:
    return [FakeUser(id=u, name=u.lower(), real_name=f"Bench {u[-3:]}", locale="ja-JP") for u in bench_users(users)]


class FakeSlackProcess:
    """The parent's handle: `url` for SLACK_API_URL, `calls(method)` to count what arrived."""

    def __init__(self, users: int, *, full: bool = False) -> None:
        argv = [sys.executable, __file__, "--users", str(users)] + (["--full"] if full else [])
        self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self._proc.stdout.readline().split() if self._proc.stdout else []
        if len(line) != 3 or line[0] != "READY":
            self.stop()
            raise RuntimeError(f"the fake Slack process did not start: {line}")
        self.url, self._control = line[1], line[2]

    @property
    def pid(self) -> int:
        return self._proc.pid

    def calls(self, method: str | None = None) -> int:
        query = f"?method={method}" if method else ""
        with urlopen(self._control + query, timeout=5) as response:
            return int(json.load(response)["calls"])

    def stop(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()

    def __enter__(self) -> FakeSlackProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--full", action="store_true", help="the test harness's FakeSlackServer, not the lean one")
    args = parser.parse_args()
    (serve_full if args.full else serve_lean)(args.users)
