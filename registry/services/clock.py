"""The one place that reads the clock, so tests can freeze it."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

#: Vietnam has one time zone and no daylight saving
LOCAL_TZ = timezone(timedelta(hours=7), "ICT")


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def today() -> date:
    """Today's date in Vietnam."""
    return now().astimezone(LOCAL_TZ).date()
