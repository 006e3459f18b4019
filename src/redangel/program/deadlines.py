"""When an application's answer is late, or about to be: the one rule every surface shows.

Each program promises an answer within its days (`expected_decision_on`). An application still
open (submitted or in review) is late from the day after that date, by whole days on the city's
calendar; a decided one is never late. It is at risk while on time with less than a quarter of
its promised time left. The services compute both here and hand the result to the API and the
pages, which only format it (the repository's overdue query filters with the same rule:
`expected_decision_on < today`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

from redangel.common.clock import CITY_TZ
from redangel.program.models import OPEN_APPLICATION

Standing = Literal["overdue", "at_risk", "on_track", "decided"]
STANDINGS: tuple[Standing, ...] = ("overdue", "at_risk", "on_track")
"""The order a supervisor's queue shows open applications in."""


def days_late(expected: date, today: date) -> int:
    """Whole days past the expected decision date; 0 on that day or before it."""
    return max(0, (today - expected).days)


def breached_at(expected: date) -> datetime:
    """The moment a late request breached: the city's midnight after its promised date."""
    return datetime.combine(expected + timedelta(days=1), time(0), tzinfo=CITY_TZ)


def is_overdue(status: str, expected: date, today: date) -> bool:
    """True when an open application's answer is past its expected decision date."""
    return status in OPEN_APPLICATION and days_late(expected, today) > 0


def is_at_risk(status: str, submitted: date, expected: date, today: date) -> bool:
    """True when an open application is still on time with less than a quarter of the time its
    program promised left (days left × 4 < days promised)."""
    if status not in OPEN_APPLICATION or is_overdue(status, expected, today):
        return False
    promised = max(0, (expected - submitted).days)
    left = max(0, (expected - today).days)
    return left * 4 < promised


def standing(status: str, submitted: date, expected: date, today: date) -> Standing:
    """Where an application stands: overdue, at risk, on track, or decided."""
    if status not in OPEN_APPLICATION:
        return "decided"
    if is_overdue(status, expected, today):
        return "overdue"
    if is_at_risk(status, submitted, expected, today):
        return "at_risk"
    return "on_track"
