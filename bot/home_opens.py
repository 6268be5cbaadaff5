"""Who opened App Home recently, per process: the memory that lets a burst of opens cost nothing.

Kept apart from bot/home.py because `Services` holds one (bot/services.py), and that module may depend
on nothing that names the features."""

from __future__ import annotations

# Every change to what a Home shows queues its own refresh (outbox.refresh_home), so an open only has
# to catch up with the clock ("待ち 3時間", due times). Slack sends app_home_opened on every switch
# to the tab; re-rendering each time would cost a person's queries and a rate-limited views.publish
# per click for labels that change by the hour.
OPEN_REFRESH_WINDOW_S = 30.0


class RecentOpens:
    """Who opened Home in this process within the last `window` seconds: their open is answered
    without touching the database (see OPEN_REFRESH_WINDOW_S)."""

    MAX_PEOPLE = 50_000  # pruned beyond this; a few bytes a person

    def __init__(self, window: float) -> None:
        self.window = window
        self._seen: dict[str, float] = {}

    def seen_recently(self, user: str, now: float) -> bool:
        last = self._seen.get(user)
        return last is not None and 0 <= now - last < self.window

    def mark(self, user: str, now: float) -> None:
        if self.window <= 0:
            return
        if len(self._seen) >= self.MAX_PEOPLE:
            self._seen = {u: t for u, t in list(self._seen.items()) if now - t < self.window}
        self._seen[user] = now
