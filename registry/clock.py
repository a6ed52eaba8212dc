"""The one place that reads the clock, so tests can freeze it and the demo can replay a past year."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

#: Vietnam has one time zone and no daylight saving
LOCAL_TZ = timezone(timedelta(hours=7), "ICT")

_travelled_to: list[datetime] = []


def real_now() -> datetime:
    """The time of the machine (tests replace this to freeze the clock)."""
    return datetime.now(timezone.utc)


def now() -> datetime:
    """The current time, timezone-aware UTC (or the time travelled to, see ``travel``)."""
    return _travelled_to[-1] if _travelled_to else real_now()


def today() -> date:
    """Today's date in Vietnam."""
    return now().astimezone(LOCAL_TZ).date()


@contextmanager
def travel(moment: datetime) -> Iterator[datetime]:
    """Act as if it were ``moment`` (aware) inside the block; used to replay a past year in the demo data.
    Never later than the real time, so nothing is recorded in the future."""
    _travelled_to.append(min(moment.astimezone(timezone.utc), real_now()))
    try:
        yield _travelled_to[-1]
    finally:
        _travelled_to.pop()
