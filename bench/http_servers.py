"""What the HTTP server alone costs: a WSGI app that does nothing, under waitress and under Granian.

    .venv/bin/python bench/http_servers.py [--seconds 8] [--concurrency 8]

Each server runs in a process of its own on 127.0.0.1 with one worker; wrk (Debian package `wrk`) sends
POSTs of a Slack-sized body (900 bytes), a new TCP connection per request as Slack delivers. Printed:
requests per second and the server's CPU milliseconds per request (from /proc) — the second is what
the server takes from the GIL our listeners need. gunicorn (gthread) and uWSGI are measured too when
they are importable (`pip install gunicorn pyuwsgi` in a scratch venv); madoguchi depends on neither.
This is why `madoguchi serve` runs Granian (bot/granian_server.py). Prints a markdown table."""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.proc_cpu import cpu_seconds  # noqa: E402

APP = '''
def app(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
'''
WAITRESS = '''
import sys
from waitress import serve
from noop_app import app
serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=16, backlog=1024, _quiet=True)
'''
LUA = '''
wrk.method = "POST"
wrk.body = string.rep("a", 900)
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Connection"] = "close"
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def servers(tmp: Path, port: int) -> dict[str, list[str]]:
    bin_dir = Path(sys.executable).parent
    out = {
        "waitress 3 (16 threads)": [sys.executable, str(tmp / "waitress_main.py"), str(port)],
        "Granian (1 worker, 2 threads)": [sys.executable, "-m", "granian", "--interface", "wsgi", "--host",
                                          "127.0.0.1", "--port", str(port), "--workers", "1", "--blocking-threads",
                                          "2", "--no-ws", "--log-level", "warning", "noop_app:app"],
    }
    if importlib.util.find_spec("gunicorn"):
        out["gunicorn gthread (16 threads)"] = [str(bin_dir / "gunicorn"), "-k", "gthread", "--threads", "16", "-w",
                                                "1", "-b", f"127.0.0.1:{port}", "noop_app:app"]
    if importlib.util.find_spec("pyuwsgi"):
        out["uWSGI (16 threads)"] = [str(bin_dir / "uwsgi"), "--http-socket", f"127.0.0.1:{port}", "--wsgi-file",
                                     str(tmp / "noop_app.py"), "--callable", "app", "--threads", "16",
                                     "--disable-logging"]
    return out


def wait_listening(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="madoguchi-http-") as name:
        tmp = Path(name)
        (tmp / "noop_app.py").write_text(APP)
        (tmp / "waitress_main.py").write_text(WAITRESS)
        (tmp / "post.lua").write_text(LUA)
        for label in servers(tmp, 0):
            port = free_port()
            argv = servers(tmp, port)[label]
            proc = subprocess.Popen(argv, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_listening(port)
                time.sleep(1.0)
                before = cpu_seconds(proc.pid)
                out = subprocess.run(["wrk", "-t2", f"-c{args.concurrency}", f"-d{args.seconds}s", "-s",
                                      str(tmp / "post.lua"), f"http://127.0.0.1:{port}/"],
                                     capture_output=True, text=True, timeout=args.seconds + 30).stdout
                used = cpu_seconds(proc.pid) - before
            finally:
                proc.terminate()
                proc.wait(timeout=10)
            total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
            rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
            rows.append(f"| {label} | {rate:,.0f} | {1000 * used / total:.3f} |")
    print(f"| server (no-op WSGI app, {args.concurrency} concurrent, new connection per request) | req/s "
          "| server CPU ms/request |")
    print("|---|---:|---:|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
