"""A stand-in for the 国税庁 適格請求書発行事業者公表システム Web-API on 127.0.0.1: GET /1/valid answers, in the
JSON shape the real one gives (type=21), what the registry held for a 登録番号 on a day."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

APPLICATION_ID = "KTESTAPPID0001"


@dataclass
class FakeNta:
    # 登録番号 → (name, registered on, expired on or "", cancelled on or "")
    registry: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)
    asked: list[dict[str, str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/1/"

    def start(self) -> FakeNta:
        nta = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                nta.asked.append(query)
                status, body = nta.answer(parts.path, query)
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if path != "/1/valid" or query.get("id") != APPLICATION_ID or query.get("type") != "21":
            return 400, {"errors": [{"code": "0201", "message": "bad request"}]}
        day, number = query.get("day", ""), query.get("number", "")
        held = self.registry.get(number)
        if held is None or held[1] > day:  # not registered (yet) on that day: nothing is announced
            return 200, {"lastUpdateDate": "2026-12-01", "count": "0", "divideNumber": "1", "divideSize": "1",
                         "announcement": []}
        name, registered, expired, cancelled = held
        process = "04" if cancelled and cancelled <= day else "03" if expired and expired <= day else "01"
        return 200, {"lastUpdateDate": "2026-12-01", "count": "1", "divideNumber": "1", "divideSize": "1",
                     "announcement": [{"sequenceNumber": "1", "registratedNumber": number, "process": process,
                                       "correct": "0", "kind": "2", "country": "1", "latest": "1",
                                       "registrationDate": registered, "updateDate": registered,
                                       "disposalDate": cancelled, "expireDate": expired, "name": name}]}
