"""The playground's clock: real time flowing, jumps forward on demand, never backwards; and the next
digest time counted in the company's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.playground.clock import SimulatedClock, next_weekday_at

MONDAY = 0


class Wall:
    """Real time, moved by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def test_time_keeps_flowing_and_a_jump_adds_to_it():
    wall = Wall(datetime(2026, 11, 27, 0, 0, tzinfo=UTC))
    clock = SimulatedClock(real_now=wall)

    clock.advance(timedelta(hours=4))
    wall.at += timedelta(minutes=10)

    assert clock.now() == datetime(2026, 11, 27, 4, 10, tzinfo=UTC)
    assert clock.offset == timedelta(hours=4)


def test_the_clock_never_goes_backwards():
    clock = SimulatedClock(real_now=Wall(datetime(2026, 11, 27, tzinfo=UTC)))
    with pytest.raises(ValueError):
        clock.advance(timedelta(hours=-1))
    clock.advance_to(datetime(2026, 11, 1, tzinfo=UTC))  # already past: stays
    assert clock.now() == datetime(2026, 11, 27, tzinfo=UTC)


@pytest.mark.parametrize(("now", "expected"), [
    # Friday 10:00 JST → Monday 09:00 JST (= 00:00 UTC)
    (datetime(2026, 11, 27, 1, 0, tzinfo=UTC), datetime(2026, 11, 30, 0, 0, tzinfo=UTC)),
    # Monday 08:59 JST → the same morning
    (datetime(2026, 11, 29, 23, 59, tzinfo=UTC), datetime(2026, 11, 30, 0, 0, tzinfo=UTC)),
    # Monday 09:00 JST exactly → a week later (strictly after now)
    (datetime(2026, 11, 30, 0, 0, tzinfo=UTC), datetime(2026, 12, 7, 0, 0, tzinfo=UTC)),
    # Sunday 23:30 UTC is already Monday 08:30 in Tokyo
    (datetime(2026, 11, 29, 23, 30, tzinfo=UTC), datetime(2026, 11, 30, 0, 0, tzinfo=UTC)),
])
def test_the_next_digest_is_counted_in_tokyo_time(now, expected):
    assert next_weekday_at(now, MONDAY, time(9, 0), "Asia/Tokyo") == expected


def test_a_given_start_is_the_simulated_time_now_and_time_flows_from_there():
    wall = Wall(datetime(2026, 12, 3, 11, 0, tzinfo=UTC))
    thursday_1600_jst = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    clock = SimulatedClock(real_now=wall, start=thursday_1600_jst)

    assert clock.now() == thursday_1600_jst
    wall.at += timedelta(minutes=3)
    assert clock.now() == thursday_1600_jst + timedelta(minutes=3)
