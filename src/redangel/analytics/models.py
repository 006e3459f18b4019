"""The aggregate tables the analytics pages read: counts only, never a person.

`analytics_cell` holds one number per figure, day or month, and group (program, agency,
borough, sex, age band, target group, channel, and a figure's own key such as a reason or a
combination of programs). Every group is coarse enough to be added up: the pages sum the cells
of the groups a filter selects, then suppress small counts (`suppression.py`). `analytics_run`
records each refresh: when the data was taken, how long it took and up to when the monthly
figures are complete (the watermark the next refresh starts from).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from redangel.db import Base, UTCDateTime, utcnow

FIGURES = ("coverage", "centre", "decisions", "reasons", "deliveries", "quality")


class AnalyticsRun(Base):
    """One refresh of the aggregates."""

    __tablename__ = "analytics_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    """'full' or 'incremental' (monthly figures recomputed only from the first month touched)."""
    since_month: Mapped[str] = mapped_column(String(7), default="")
    watermark: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    persons: Mapped[int] = mapped_column(Integer, default=0)
    cells: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class AnalyticsCell(Base):
    """One aggregate number: a count (or an amount) of one figure for one group."""

    __tablename__ = "analytics_cell"
    __table_args__ = (
        Index("ix_analytics_cell_figure", "figure", "taken_on", "month", "program_code"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    figure: Mapped[str] = mapped_column(String(16))
    taken_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    """The day of a snapshot figure (coverage, centre, quality); empty for monthly ones."""
    month: Mapped[str] = mapped_column(String(7), default="")
    program_code: Mapped[str] = mapped_column(String(48), default="")
    agency_code: Mapped[str] = mapped_column(String(32), default="")
    borough: Mapped[str] = mapped_column(String(32), default="")
    sex: Mapped[str] = mapped_column(String(1), default="")
    age_band: Mapped[str] = mapped_column(String(8), default="")
    target: Mapped[str] = mapped_column(String(16), default="")
    channel: Mapped[str] = mapped_column(String(16), default="")
    key: Mapped[str] = mapped_column(String(120), default="")
    measure: Mapped[str] = mapped_column(String(24))
    value: Mapped[float] = mapped_column(Float, default=0.0)
