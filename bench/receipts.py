"""Receipts benchmark (issue 17): storing and searching 100,000 receipt records, and the export's throughput.

    python -m bench.receipts [--records 100000] [--backend sqlite|postgresql|both] [--write-doc]

- **Store**: the product's own path for one submission's evidence (`bot.receipts.records.keep`: the file into
  the evidence store, the record, its file entries, the audit event, one transaction), 500 times with a fresh
  ~100 KB file each; records/s and ms per record.
- **Load**: the rest of the 100,000 records in bulk (COPY on PostgreSQL, executemany on SQLite): three years
  of transactions, 2,000 counterparties, amounts from ¥100 to ¥5,000,000, one or two files each (files drawn
  from a pool of 400 distinct ~100 KB files, so the database stays a few hundred MB).
- **Search**: 400 searches with random combinations of the criteria (date range, amount range,
  counterparty part, 登録番号, 書類区分; 1 to 4 of them), through `bot.receipts.search.search` with its file
  lists, as the CLI and the Slack search run it. Budget: p95 ≤ 50 ms for any combination.
- **Export**: `bot.receipts.export.export` of one month (every file read back and checked against its hash,
  written into the ZIP), then `verify` of that ZIP; MB/s of file bytes.

Results go between the bench:receipts markers of docs/BENCHMARKS.md with --write-doc.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench.docblock import write_block
from bot.config import load_workspace
from bot.migrate import upgrade
from bot.receipts import records
from bot.receipts.export import export, verify
from bot.receipts.records import counterparty_key
from bot.receipts.search import Criteria, search
from bot.receipts.storage import DatabaseStore
from bot.settings import BUNDLED_CONFIG
from models import Ticket
from models.db import make_engine, make_session_factory

BEGIN, END = "<!-- bench:receipts:begin -->", "<!-- bench:receipts:end -->"
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
FIRST_DAY = date(2023, 12, 1)
DAYS = (date(2026, 11, 30) - FIRST_DAY).days
FILE_BYTES = 100_000
POOL = 400
STORED_BY_SERVICE = 500
SEARCHES = 400
KINDS = ("receipt", "invoice", "receipt", "receipt", "quote", "contract", "delivery_note")
PREFIXES = ("株式会社", "有限会社", "合同会社", "")
STEMS = ("サンプル商事", "東西交通", "ひかり文具", "みなと印刷", "ことぶき食堂", "アルファ電機", "さくら旅館",
         "テスト物流", "ABC Consulting", "ＮＥＸＴシステム", "山川設備", "丸の内ホテル")


def counterparties(n: int = 2000) -> list[str]:
    rng = random.Random(11)
    return [f"{rng.choice(PREFIXES)}{rng.choice(STEMS)}{i:04d}" for i in range(n)]


def invoice_numbers(n: int = 2000) -> list[str]:
    """Well-formed 登録番号 (法人番号 check digit) for the counterparties."""
    out = []
    for i in range(n):
        base = f"{1_000_000_000_00 + i * 7919:012d}"[-12:]
        total = sum(int(d) * (1 if k % 2 == 0 else 2) for k, d in enumerate(reversed(base)))
        out.append(f"T{9 - total % 9}{base}")
    return out


def file_pool(rng: random.Random) -> list[tuple[str, bytes]]:
    pool = []
    for _ in range(POOL):
        data = b"%PDF-1.7\n" + rng.randbytes(FILE_BYTES - 16) + b"\n%%EOF\n"
        pool.append((hashlib.sha256(data).hexdigest(), data))
    return pool


def rows(n: int, first_id: int, pool: list[tuple[str, bytes]]):
    """(ticket, record, [file entries]) tuples for records first_id … first_id + n - 1."""
    rng = random.Random(first_id)
    names, numbers = counterparties(), invoice_numbers()
    for i in range(first_id, first_id + n):
        who = rng.randrange(len(names))
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        amount = int(10 ** rng.uniform(2, 6.7))
        entered = datetime.combine(day, datetime.min.time(), ZoneInfo("Asia/Tokyo")) + timedelta(
            days=rng.choice((1, 2, 5, 14, 90)))
        created = entered.astimezone(UTC)
        ticket = (i, f"R{i:07d}", "finance", i, "expense", f"t{i}", "{}", f"U{i % 5000:05d}", "resolved",
                  created, created)
        record = (i, i, 1, None, rng.choice(KINDS), day, amount, None, names[who], counterparty_key(names[who]),
                  numbers[who] if rng.random() < 0.8 else None, created, f"U{i % 5000:05d}",
                  (entered.date() - day).days > 70, date(day.year + 8, 3, 31))
        files = [(i * 2 + k, i, k + 1, pool[rng.randrange(POOL)][0], f"receipt_{i}_{k + 1}.pdf", "application/pdf",
                  FILE_BYTES) for k in range(rng.choice((1, 1, 1, 2)))]
        yield ticket, record, files


TICKET_COLS = ("id", "number", "department", "seq", "request_type", "title", "fields", "requester_id", "status",
               "created_at", "updated_at")
TICKET_FIXED = {"confidential": False, "locale": "ja", "version": 1}
RECORD_COLS = ("id", "ticket_id", "version", "previous_id", "kind", "transaction_date", "amount", "amounts_by_rate",
               "counterparty", "counterparty_key", "invoice_number", "entered_at", "entered_by", "late",
               "retain_until")
FILE_COLS = ("id", "record_id", "position", "sha256", "name", "mimetype", "size", "slack_file_id")


def load(engine, n: int, first_id: int, pool: list[tuple[str, bytes]]) -> float:
    started = time.perf_counter()
    with engine.begin() as conn:
        for sha, data in pool:
            conn.execute(text("INSERT INTO evidence_blobs (sha256, size, backend, data, stored_at) "
                              "VALUES (:s, :n, 'database', :d, :t)"), {"s": sha, "n": len(data), "d": data, "t": NOW})
    fixed = tuple(TICKET_FIXED.values())
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cur.copy(f"COPY tickets ({', '.join(TICKET_COLS + tuple(TICKET_FIXED))}) FROM STDIN") as copy:
                for ticket, _, _ in rows(n, first_id, pool):
                    copy.write_row(ticket + fixed)
            with cur.copy(f"COPY receipt_records ({', '.join(RECORD_COLS)}) FROM STDIN") as copy:
                for _, record, _ in rows(n, first_id, pool):
                    copy.write_row(record)
            with cur.copy(f"COPY receipt_files ({', '.join(FILE_COLS)}) FROM STDIN") as copy:
                for _, _, files in rows(n, first_id, pool):
                    for f in files:
                        copy.write_row((*f, None))
            raw.commit()
        else:
            def iso(v):
                if isinstance(v, datetime):
                    return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                return v.isoformat() if isinstance(v, date) else v

            inserts = {
                "tickets": f"INSERT INTO tickets ({', '.join(TICKET_COLS + tuple(TICKET_FIXED))}) VALUES "
                           f"({', '.join('?' * (len(TICKET_COLS) + len(fixed)))})",
                "records": f"INSERT INTO receipt_records ({', '.join(RECORD_COLS)}) VALUES "
                           f"({', '.join('?' * len(RECORD_COLS))})",
                "files": f"INSERT INTO receipt_files ({', '.join(FILE_COLS)}) VALUES "
                         f"({', '.join('?' * len(FILE_COLS))})",
            }
            batch: dict[str, list] = defaultdict(list)
            for ticket, record, files in rows(n, first_id, pool):
                batch["tickets"].append(tuple(iso(v) for v in ticket) + fixed)
                batch["records"].append(tuple(iso(v) for v in record))
                batch["files"].extend((*f, None) for f in files)
                if len(batch["tickets"]) >= 20_000:
                    for key in ("tickets", "records", "files"):
                        cur.executemany(inserts[key], batch[key])
                    raw.commit()
                    batch.clear()
            for key in ("tickets", "records", "files"):
                cur.executemany(inserts[key], batch.get(key, []))
            raw.commit()
    finally:
        raw.close()
    with engine.begin() as conn:  # what records.keep adds one by one: each counterparty once
        conn.exec_driver_sql("INSERT INTO receipt_counterparties (key, name) SELECT counterparty_key, "
                             "min(counterparty) FROM receipt_records r WHERE NOT EXISTS (SELECT 1 FROM "
                             "receipt_counterparties c WHERE c.key = r.counterparty_key) GROUP BY counterparty_key")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    return time.perf_counter() - started


def store_through_the_service(engine, n: int) -> dict[str, float]:
    """records.keep for n submissions, each with a fresh file: the product's own write path."""
    config = load_workspace(BUNDLED_CONFIG)
    rt = config.request_type("expense")
    clock = SimpleNamespace(now=lambda: NOW)
    services = SimpleNamespace(clock=clock, evidence=DatabaseStore(),
                               calendar=SimpleNamespace(tz=ZoneInfo("Asia/Tokyo")), config=config)
    rng = random.Random(3)
    sessions = make_session_factory(engine)
    took = []
    for i in range(1, n + 1):
        data = b"%PDF-1.7\n" + rng.randbytes(FILE_BYTES - 16) + b"\n%%EOF\n"
        sha = hashlib.sha256(data).hexdigest()
        values = {"spent_on": "2026-11-20", "amount": 1000 + i, "payee": f"株式会社ベンチ{i}",
                  "invoice_number": None, "receipts": [{"id": f"F{i:010d}", "name": f"r{i}.pdf", "size": len(data),
                                                        "mimetype": "application/pdf", "sha256": sha}]}
        started = time.perf_counter()
        with sessions() as session, session.begin():
            ticket = Ticket(id=i, number=f"S{i:07d}", department="finance", seq=i, request_type="expense",
                            title="bench", fields=values, requester_id="UBENCH", status="submitted",
                            created_at=NOW, updated_at=NOW)
            session.add(ticket)
            session.flush()
            fetched = {sha: SimpleNamespace(data=data)}
            records.keep(session, services, ticket, rt, values, fetched, "UBENCH")  # type: ignore[arg-type]
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    return {"store_ms_median": statistics.median(took), "store_ms_p95": took[int(len(took) * 0.95) - 1],
            "store_per_s": 1000 / statistics.mean(took)}


def random_criteria(rng: random.Random) -> tuple[str, Criteria]:
    names, numbers = counterparties(), invoice_numbers()
    chosen = rng.sample(["date", "amount", "counterparty", "number", "kind"], rng.randint(1, 4))
    fields: dict[str, object] = {}
    if "date" in chosen:
        start = FIRST_DAY + timedelta(days=rng.randrange(DAYS - 90))
        fields.update(date_from=start, date_to=start + timedelta(days=rng.choice((7, 31, 90))))
    if "amount" in chosen:
        low = int(10 ** rng.uniform(2, 6))
        fields.update(amount_min=low, amount_max=low * rng.choice((2, 5, 10)))
    if "counterparty" in chosen:
        name = rng.choice(names)
        fields["counterparty"] = name[-6:] if rng.random() < 0.5 else name  # a part, or the whole name
    if "number" in chosen:
        fields["invoice_number"] = rng.choice(numbers)
    if "kind" in chosen:
        fields["kind"] = rng.choice(KINDS)
    return "+".join(sorted(chosen)), Criteria(**fields)  # type: ignore[arg-type]


def measure_search(engine) -> dict[str, object]:
    rng = random.Random(5)
    sessions = make_session_factory(engine)
    took: list[float] = []
    took_1000: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    found = []
    with sessions() as session:
        for _ in range(20):  # warm the caches as a running server's are
            search(session, random_criteria(rng)[1])
        for _ in range(SEARCHES):
            kind, criteria = random_criteria(rng)
            started = time.perf_counter()
            result = search(session, criteria)
            ms = (time.perf_counter() - started) * 1000
            took.append(ms)
            by_kind[kind].append(ms)
            found.append(len(result))
            started = time.perf_counter()
            search(session, criteria, limit=1000)
            took_1000.append((time.perf_counter() - started) * 1000)
    took.sort()
    took_1000.sort()
    worst = max(by_kind.items(), key=lambda kv: statistics.median(kv[1]))
    return {"search_ms_median": statistics.median(took), "search_ms_p95": took[int(len(took) * 0.95) - 1],
            "search_1000_ms_p95": took_1000[int(len(took_1000) * 0.95) - 1],
            "search_ms_max": took[-1], "search_found_median": statistics.median(found),
            "slowest_combination": worst[0], "slowest_combination_ms_median": statistics.median(worst[1])}


def measure_export(engine) -> dict[str, float]:
    sessions = make_session_factory(engine)
    with tempfile.TemporaryDirectory() as tmp, sessions() as session:
        out = Path(tmp) / "month.zip"
        started = time.perf_counter()
        done = export(session, DatabaseStore(), Criteria(date_from=date(2026, 10, 1), date_to=date(2026, 10, 31)),
                      out, now=NOW)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        problems = verify(out)
        verify_s = time.perf_counter() - started
        assert not problems, problems
        return {"export_records": done.records, "export_files": done.files, "export_mb": done.bytes / 1e6,
                "export_s": seconds, "export_mb_per_s": done.bytes / 1e6 / seconds,
                "verify_mb_per_s": os.path.getsize(out) / 1e6 / verify_s}


def run(engine, n: int) -> dict[str, object]:
    upgrade(engine)
    stored = store_through_the_service(engine, STORED_BY_SERVICE)
    pool = file_pool(random.Random(9))
    load_s = load(engine, n - STORED_BY_SERVICE, STORED_BY_SERVICE + 1, pool)
    with engine.connect() as conn:
        total = conn.exec_driver_sql("SELECT count(*) FROM receipt_records").scalar()
    return {"records": total, "load_s": load_s, **stored, **measure_search(engine), **measure_export(engine)}


def run_backend(backend: str, n: int) -> dict[str, object]:
    if backend == "postgresql":
        from tests.service.scheduler_replica import throwaway_postgres

        server = os.environ.get("MADOGUCHI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
        with throwaway_postgres(server) as url:
            engine = make_engine(url, statement_timeout_ms=0)
            try:
                return {"backend": backend, **run(engine, n)}
            finally:
                engine.dispose()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'receipts.db'}")
        try:
            return {"backend": backend, **run(engine, n)}
        finally:
            engine.dispose()


def write_doc(results: list[dict[str, object]], command: str) -> None:
    lines = ["## Receipts: storing, searching and exporting 100,000 records (`python -m bench.receipts`)", "",
             "Three years of synthetic receipts: 2,000 counterparties, ¥100–¥5,000,000, one or two ~100 KB files each. "
             f"Store = the product's write path (`records.keep`: file, record, file entries, audit event; "
             f"{STORED_BY_SERVICE} submissions, each its own transaction). Search = {SEARCHES} random combinations of "
             "1–4 criteria (date range, amount range, counterparty part, 登録番号, 書類区分) through "
             "`bot.receipts.search.search` with the file lists, a page of 100 (the CLI's default; the Slack search "
             "shows 40): budget p95 ≤ 50 ms. The last column: the same searches for pages of 1,000. "
             "Export = one month through `receipts export` (each file read back and hash-checked), then "
             "`receipts verify`.", "",
             "| backend | records | store median / p95 (records/s) | search median / p95 / max | slowest combination "
             "(median) | export: records, files, MB | export MB/s | verify MB/s | pages of 1,000: p95 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r['backend']} | {r['records']:,} | {r['store_ms_median']:.1f} / {r['store_ms_p95']:.1f} ms "
            f"({r['store_per_s']:.0f}/s) | {r['search_ms_median']:.1f} / {r['search_ms_p95']:.1f} / "
            f"{r['search_ms_max']:.1f} ms | {r['slowest_combination']} ({r['slowest_combination_ms_median']:.1f} ms) | "
            f"{r['export_records']:,}, {r['export_files']:,}, {r['export_mb']:.0f} | {r['export_mb_per_s']:.0f} | "
            f"{r['verify_mb_per_s']:.0f} | {r['search_1000_ms_p95']:.0f} ms |")
    lines += ["", f"Command: `{command}`. Measured {datetime.now(UTC):%Y-%m-%d} on this repository's CI-class machine "
              "(2 cores)."]
    write_block(BEGIN, END, lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Receipts: store, search and export 100,000 records (issue 17).")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args()
    results = []
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        result = run_backend(backend, args.records)
        print(json.dumps(result, default=str), flush=True)
        results.append(result)
    if args.write_doc:
        command = "python -m bench.receipts"
        if args.records != 100_000:
            command += f" --records {args.records}"
        if args.backend != "both":
            command += f" --backend {args.backend}"
        write_doc(results, command + " --write-doc")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
