"""Calendar months as the archives name them (YYYY-MM, UTC), and the refusal an archive gives
when a month cannot leave the database yet."""

from __future__ import annotations

from datetime import UTC, datetime


class ArchiveRefused(ValueError):
    """The month cannot be archived now; the message says why, in words."""


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first instant of a YYYY-MM month and of the next one (UTC)."""
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise ArchiveRefused(f"{month!r} is not a month written as YYYY-MM") from None
    end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start, end


def months_between(earlier: datetime, later: datetime) -> int:
    """How many month boundaries lie between two instants."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def may_leave(month: str, *, retention_months: int, oldest: datetime | None, now: datetime,
              kept_by: str) -> tuple[datetime, datetime]:
    """The bounds of a month that may be archived now: it is over, older than the retention
    (`kept_by` names what keeps it, in the refusal), and no older month is left in the database
    (`oldest`: the oldest thing still there). Otherwise `ArchiveRefused`, saying why."""
    start, end = month_bounds(month)
    this_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if end > this_month:
        raise ArchiveRefused(f"{month} is not over yet")
    if months_between(start, this_month) <= retention_months:
        raise ArchiveRefused(f"{month} is within the {retention_months} months {kept_by} keeps")
    if oldest is not None and oldest < start:
        raise ArchiveRefused(f"archive {oldest:%Y-%m} first: months leave in order")
    return start, end
