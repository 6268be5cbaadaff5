"""Closed-loop load from wrk (a C load generator) for bench/ack_latency.py.

The Python generator pays for its own threads, GIL and http.client on the same two cores as the servers
it measures: against a bare Bolt app that only acks it reads p99 12-23 ms at 8 concurrent, most of which
is the generator. wrk (Debian package `wrk`) drives N connections from one epoll loop per thread in C.

Slack's requests must be signed with a timestamp at most 300 s old and carry fresh trigger/event ids, so
every request is built and signed in Python just before the run, written to a Lua table, and handed out
once each: wrk thread k of T sends requests k, k+T, k+2T ... and stops when its share is used up (or at
the time cap). wrk times from the first byte written to the last byte read; with `Connection: close` it
reconnects for every request (as the Python generator's default does), and the connect itself is not in
its timing — the accept is, since a request waits in the socket until the server reads it.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } madoguchi_timespec;
int clock_gettime(int clk_id, madoguchi_timespec *tp);
]]
local function now_us()
  local ts = ffi.new("madoguchi_timespec")
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local requests = dofile(os.getenv("MADOGUCHI_WRK_REQUESTS"))
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(args[1])
  limit = tonumber(args[2])
  next_index = tid + 1
  ok, bad = 0, 0
  first_us, stop_us, stopped = 0, 0, false
end

function request()
  if first_us == 0 then first_us = now_us() end
  local raw = requests[next_index]
  next_index = next_index + nthreads
  if next_index - nthreads > limit then
    -- This thread's share is sent. wrk writes whatever request() returns even while stopping (its
    -- other connections may ask too, in the same loop turn), so the spares after `limit` are real,
    -- unique, signed requests: nothing is sent twice, and their answers are not read.
    if not stopped then
      stopped, stop_us = true, now_us()
      -- wrk's main thread sleeps for the whole -d; this file tells the bench to wake it (SIGINT).
      local marker = io.open(os.getenv("MADOGUCHI_WRK_DONE") .. "." .. tid, "w")
      marker:write("done")
      marker:close()
    end
    wrk.thread:stop()
  end
  return raw
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, reqs)
  local good, non2xx, first, last = 0, 0, nil, 0
  for _, thread in ipairs(threads) do
    good = good + thread:get("ok")
    non2xx = non2xx + thread:get("bad")
    local f, l = thread:get("first_us"), thread:get("stop_us")
    if l == 0 then l = now_us() end  -- stopped by the time cap
    if f > 0 and (first == nil or f < first) then first = f end
    if l > last then last = l end
  end
  local e = summary.errors
  io.write(string.format(
    'MADOGUCHI_WRK {"requests": %d, "duration_us": %d, "ok": %d, "non2xx": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"mean_us": %f}\n',
    summary.requests, last - (first or last), good, non2xx, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


@dataclass
class WrkRun:
    target: str
    concurrency: int
    requests: int  # answered
    ok: int
    non2xx: int
    socket_errors: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    truncated: bool

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failures(self) -> int:
        return self.non2xx + self.socket_errors


def available() -> bool:
    return shutil.which("wrk") is not None


def spares(concurrency: int) -> int:
    """Requests to build beyond the count: every connection of a stopping wrk thread may ask for one."""
    return 2 * concurrency + 4


def lua_string(data: bytes) -> str:
    """A Lua string literal holding exactly these bytes."""
    out = ['"']
    for byte in data:
        ch = chr(byte)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= byte < 127:
            out.append(ch)
        else:
            out.append(f"\\{byte:03d}")
    out.append('"')
    return "".join(out)


def raw_request(port: int, body: bytes, headers: dict[str, str], keep_alive: bool) -> bytes:
    lines = ["POST /slack/events HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}",
             f"Connection: {'keep-alive' if keep_alive else 'close'}"]
    lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() not in {"host", "content-length", "connection"}]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def run(name: str, port: int, requests: list[tuple[bytes, dict[str, str]]], concurrency: int,
        max_seconds: float, keep_alive: bool, threads: int = 2) -> WrkRun:
    """Send `requests` (all but the last `spares(concurrency)`, which only cover wrk's stop) once each over
    `concurrency` connections; wrk's own percentiles."""
    threads = max(1, min(threads, concurrency))
    count = len(requests) - spares(concurrency)
    with tempfile.TemporaryDirectory(prefix="madoguchi-wrk-") as tmp:
        data = Path(tmp) / "requests.lua"
        with data.open("w", encoding="ascii") as out:
            out.write("return {\n")
            for body, headers in requests:
                out.write(lua_string(raw_request(port, body, headers, keep_alive)) + ",\n")
            out.write("}\n")
        script = Path(tmp) / "madoguchi.lua"
        script.write_text(LUA, encoding="ascii")
        argv = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{int(max_seconds)}s",
                "--timeout", "10s", "-s", str(script), f"http://127.0.0.1:{port}/slack/events",
                "--", str(threads), str(count)]
        done = Path(tmp) / "done"
        env = {"MADOGUCHI_WRK_REQUESTS": str(data), "MADOGUCHI_WRK_DONE": str(done), "PATH": "/usr/bin:/bin"}
        with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as proc:
            deadline = time.monotonic() + max_seconds + 30
            while proc.poll() is None and time.monotonic() < deadline:
                if sum(1 for _ in Path(tmp).glob("done.*")) >= threads:
                    proc.send_signal(signal.SIGINT)  # wrk's handler ends its sleep; it then prints done()
                    break
                time.sleep(0.02)
            try:
                stdout, stderr = proc.communicate(timeout=max_seconds + 30)
            except subprocess.TimeoutExpired:
                proc.kill()
                stdout, stderr = proc.communicate()
    line = next((x for x in stdout.splitlines() if x.startswith("MADOGUCHI_WRK ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{stdout}\n{stderr}")
    stats = json.loads(line.split(" ", 1)[1])
    seconds = stats["duration_us"] / 1e6
    socket_errors = stats["connect"] + stats["read"] + stats["write"] + stats["timeout"]
    answered = stats["ok"] + stats["non2xx"]
    return WrkRun(
        target=name, concurrency=concurrency, requests=answered, ok=stats["ok"], non2xx=stats["non2xx"],
        socket_errors=socket_errors, seconds=seconds, p50_ms=stats["p50_us"] / 1000,
        p90_ms=stats["p90_us"] / 1000, p99_ms=stats["p99_us"] / 1000, max_ms=stats["max_us"] / 1000,
        truncated=answered + socket_errors < count and seconds >= max_seconds - 1,
    )
