"""When an application's answer is late: the one rule every surface shows.

Each program promises an answer within its days (`expected_decision_on`). An application still
open (submitted or in review) is late from the day after that date, by whole days on the city's
calendar; a decided one is never late. The services compute it here and hand the number to the
API and the pages, which only format it (the repository's overdue query filters with the same
rule: `expected_decision_on < today`).
"""

from __future__ import annotations

from datetime import date

from redangel.program.models import OPEN_APPLICATION


def days_late(expected: date, today: date) -> int:
    """Whole days past the expected decision date; 0 on that day or before it."""
    return max(0, (today - expected).days)


def is_overdue(status: str, expected: date, today: date) -> bool:
    """True when an open application's answer is past its expected decision date."""
    return status in OPEN_APPLICATION and days_late(expected, today) > 0
