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
