"""Many threads writing to the embedded SQLite database at once all succeed, in turn."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from bot import outbox
from models import OutboxMessage
from models.db import make_engine, make_read_session_factory, make_session_factory


def test_thirty_two_concurrent_writers_never_see_database_is_locked(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/w.db")
    from bot.migrate import upgrade

    upgrade(engine)
    factory, reader = make_session_factory(engine), make_read_session_factory(engine)
    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            for i in range(20):
                with factory() as session, session.begin():
                    outbox.post(session, f"C{n:04d}", f"message {i}")
                with reader() as session:  # readers never queue behind writers
                    session.scalar(select(func.count()).select_from(OutboxMessage))
        except Exception as exc:  # collected: the assertion below names them
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    with reader() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 32 * 20
    engine.dispose()
