"""The read models of the analysts' console: filters, and tables of figures already made safe.

Every number a table holds has passed through `suppression.protect`: a hidden one is None, and
the pages, the CSV and the Parquet files show exactly these values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

ColumnKind = Literal["count", "ratio", "days", "money"]
View = Literal["coverage", "centre", "decisions", "deliveries", "feedback", "quality"]
VIEWS: tuple[View, ...] = ("coverage", "centre", "decisions", "deliveries", "feedback", "quality")
By = Literal["borough", "sex", "age_band"]


@dataclass(frozen=True)
class Filters:
    """What an analyst narrowed the figures to (empty: everything)."""

    program: str = ""
    agency: str = ""
    borough: str = ""
    target: str = ""
    since: date | None = None
    until: date | None = None
    by: By = "borough"

    def as_detail(self) -> dict[str, str]:
        """The filters as the audit records them."""
        return {k: str(v) for k, v in (("program", self.program), ("agency", self.agency),
                                       ("borough", self.borough), ("target", self.target),
                                       ("since", self.since or ""), ("until", self.until or ""),
                                       ("by", self.by)) if v}


@dataclass(frozen=True)
class Column:
    """A column of a table: its key (the pages hold its words) and what it holds."""

    key: str
    kind: ColumnKind = "count"


@dataclass(frozen=True)
class Row:
    """A group's values; the key names the group (a borough, a program, a month...)."""

    key: str
    values: list[float | None]
    flagged: bool = False
    """The group's coverage is under 0.8 of the whole's (a disparity to look at)."""


@dataclass(frozen=True)
class Table:
    """One figure: its table (the accessible alternative of its chart). The pages hold its title,
    the note on how it was computed and the words of its groups, by `id` and `row_kind`."""

    id: str
    row_kind: str
    columns: list[Column]
    rows: list[Row]
    total: Row | None = None
    chart: list[str] = field(default_factory=list)
    """The columns the chart draws (counts side by side, or one ratio)."""

    def column(self, key: str) -> int:
        """The position of a column."""
        return [c.key for c in self.columns].index(key)


@dataclass(frozen=True)
class Figures:
    """A view of the console: its tables, the day the data was taken, and the threshold."""

    view: View
    tables: list[Table]
    taken_at: datetime | None
    k: int
    filters: Filters
    slice_borough: str = ""
    """A supervisor's office borough: the only slice they see."""
