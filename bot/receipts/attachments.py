"""A submission's attached files, fetched whole before anything is stored.

Slack waits at most 3 seconds for the answer to a modal's submission, and a field error can only be shown in
that answer; so every file is fetched (a few at a time) within FETCH_BUDGET_S, and when one fails or time runs
out the submission is refused with a field error on that input: no ticket, no record, no file is kept, and the
person can simply submit again (Slack keeps the picked files in the modal)."""

from __future__ import annotations

import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.config.catalog import RequestType
from bot.config.evidence import EvidenceConfig
from bot.errors import ValidationFailed
from bot.forms.state import block_id
from bot.i18n import t
from bot.receipts.fetch import Fetched, FetchFailed, FileSource

log = logging.getLogger(__name__)

FETCH_BUDGET_S = 2.0
PARALLEL = 4

Fetches = dict[str, Fetched]  # sha256 → the fetched file


def file_fields(rt: RequestType) -> list[str]:
    return [f.key for f in rt.fields if f.type == "file"]


def fetch_attached(rt: RequestType, values: dict[str, Any], source: FileSource | None, *, locale: str,
                   evidence: EvidenceConfig, budget_s: float = FETCH_BUDGET_S) -> Fetches:
    """Fetch every attached file not stored yet (those without a sha256), and write each one's sha256 and real
    size into `values`. ValidationFailed, naming the input, when any cannot be fetched whole in time."""
    wanted = [(key, file) for key in file_fields(rt) for file in values.get(key) or [] if not file.get("sha256")]
    if not wanted:
        return {}
    deadline = time.monotonic() + budget_s
    max_bytes = evidence.max_file_mb * 1024 * 1024
    if source is None:  # a surface that cannot fetch (none today): refuse rather than keep a file unseen
        key, file = wanted[0]
        raise ValidationFailed({block_id(key): t(locale, "form.errors.file_download", name=file.get("name"))})

    def one(file: dict[str, Any]) -> Fetched:
        return source.fetch(str(file["id"]), max_bytes=max_bytes, deadline=deadline)

    pool = ThreadPoolExecutor(max_workers=min(PARALLEL, len(wanted)), thread_name_prefix="fetch")
    fetched: Fetches = {}
    try:
        futures = [(key, file, pool.submit(one, file)) for key, file in wanted]
        for key, file, future in futures:
            try:
                got = future.result(timeout=max(0.0, deadline - time.monotonic()) + 0.5)
            except FetchFailed as exc:
                log.warning("submission refused: attached file %s not fetched (%s)", exc.file_id, exc.reason)
                late = time.monotonic() >= deadline
                raise ValidationFailed({block_id(key): t(locale, "form.errors.file_slow") if late else
                                        t(locale, "form.errors.file_download", name=file.get("name"))}) from None
            except TimeoutError:
                log.warning("submission refused: attached file %s not fetched in %.1f s", file.get("id"), budget_s)
                raise ValidationFailed({block_id(key): t(locale, "form.errors.file_slow")}) from None
            sha256 = hashlib.sha256(got.data).hexdigest()
            file.update(sha256=sha256, size=len(got.data), mimetype=got.mimetype or file.get("mimetype", ""))
            fetched[sha256] = got
    finally:
        # A refusal answers now; a download still running ends at the deadline by itself.
        pool.shutdown(wait=False, cancel_futures=True)
    return fetched
