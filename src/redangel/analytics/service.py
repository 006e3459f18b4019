"""The one door of analytics: the refresh job that fills the aggregate tables, and the views of
the console, each scoped to who asks, suppressed and audited as an aggregate access.

Analysts see the whole city; a supervisor sees their office's borough only; nobody else sees
anything. No view reads or returns a person: the audit event names the view and its filters,
never a person.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from redangel.analytics import compute, repository
from redangel.analytics.compute import BOROUGH_KEYS, TARGETS, month_of
from redangel.analytics.models import AnalyticsRun
from redangel.analytics.schemas import VIEWS, Figures, Filters, View
from redangel.analytics.views import BUILDERS
from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.eligibility.catalog import Catalog
from redangel.errors import FieldError, Forbidden, InvalidInput

READERS = ("analyst", "supervisor")
MONTHS_BACK = 24  # live enrollments are counted per month over the last two years
Progress = Callable[[str], None]
STEPS = ("registry", "coverage", "centre", "quality", "decisions", "deliveries", "saved")


def _reader(principal: Principal) -> None:
    if principal.kind != "staff" or principal.role not in READERS:
        raise Forbidden()


def scoped(principal: Principal, filters: Filters) -> Filters:
    """The filters a principal may use: a supervisor's borough is always their office's."""
    _reader(principal)
    if principal.role == "supervisor":
        if not principal.office_borough:
            raise Forbidden()
        return Filters(**{**filters.__dict__, "borough": principal.office_borough})
    return filters


def check(catalog: Catalog, filters: Filters) -> None:
    """Refuse filters that name nothing known, naming the field."""
    problems = []
    if filters.program and filters.program not in catalog.programs:
        problems.append(FieldError("program", "not_found"))
    if filters.agency and filters.agency not in catalog.agencies:
        problems.append(FieldError("agency", "not_found"))
    if filters.borough and filters.borough not in BOROUGH_KEYS:
        problems.append(FieldError("borough", "not_found"))
    if filters.target and filters.target not in TARGETS:
        problems.append(FieldError("target", "not_found"))
    if filters.since and filters.until and filters.since > filters.until:
        problems.append(FieldError("since", "date_range", {"min": "", "max": str(filters.until)}))
    if problems:
        raise InvalidInput(fields=problems)


def figures(session: Session, *, catalog: Catalog, principal: Principal, view: View,
            filters: Filters, k: int, export: str = "") -> Figures:
    """A view's tables under the filters, counts under k suppressed; audited (no person)."""
    if view not in VIEWS:
        raise InvalidInput(fields=[FieldError("view", "not_found")])
    filters = scoped(principal, filters)
    check(catalog, filters)
    run = repository.last_run(session)
    tables = BUILDERS[view](session, filters, k) if view in BUILDERS else []
    audit.record(session, principal=principal, action="analytics.read", person_id=None,
                 purpose="analytics",
                 detail={"view": view, "k": k, **({"export": export} if export else {}),
                         **filters.as_detail()})
    return Figures(view=view, tables=tables, taken_at=run.taken_at if run else None, k=k,
                   filters=filters,
                   slice_borough=filters.borough if principal.role == "supervisor" else "")


def refresh(session: Session, *, catalog: Catalog, keyring: Keyring, full: bool = False,
            today: date | None = None, progress: Progress | None = None,
            reads: Session | None = None) -> AnalyticsRun:
    """Recompute the aggregates: today's snapshots (coverage, the person at the centre, data
    quality) in full; the monthly figures from the first month touched since the last refresh
    (all of them with `full`, or when there was none). The registry and its history are read
    from `reads` (a replica's session) when given, in one snapshot; the cells are written in
    `session` (the primary's)."""
    started = time.perf_counter()
    step = progress or (lambda _name: None)
    taken_at = utcnow()
    source = reads if reads is not None else session
    watermark = min(taken_at, repository.replayed_until(source) or taken_at)
    today = today or city_today()
    last = repository.last_run(session)
    agencies = repository.program_agencies(source)
    registry, enrolled = repository.registry(source, keyring=keyring, programs=sorted(agencies))
    group = compute.people(catalog, registry, today)
    step("registry")
    rows, eligible_any = compute.coverage(catalog, registry, group, enrolled, agencies, today)
    step("coverage")
    rows += compute.centre(catalog, registry, group, enrolled, agencies, eligible_any, today)
    step("centre")
    rows += compute.quality(catalog, registry, group, repository.curp_counts(source), today)
    rows += compute.backlog(repository.open_overdue(source, today), agencies, today)
    step("quality")
    since_month = ""
    since_at: Any = None
    if not full and last is not None and last.watermark is not None:
        touched = repository.first_touched(source, last.watermark)
        first = min(d for d in (touched, last.taken_on) if d is not None)
        since_month = month_of(first)
        since_at = first.replace(day=1)
    after = datetime.combine(since_at - timedelta(days=1), datetime.min.time(), UTC) if since_at else None
    decided = repository.decided_applications(source, after)
    rows += [c for c in compute.decisions(decided, agencies) if c["month"] >= since_month]
    step("decisions")
    window = (today.replace(day=1) - timedelta(days=31 * MONTHS_BACK)).replace(day=1)
    start = max(since_at, window) if since_at else window
    delivered = repository.deliveries(source, start)
    spans = repository.enrollment_spans(source, today)
    rows += [c for c in compute.deliveries(delivered, spans, agencies, start, today)
             if c["month"] >= since_month]
    step("deliveries")
    repository.replace_snapshot(session, ["coverage"], today, keep_history=True)
    repository.replace_snapshot(session, ["centre", "quality", "decisions"], today, keep_history=False)
    repository.drop_months(session, ["decisions", "reasons", "deliveries"], since_month)
    repository.insert_cells(session, rows)
    repository.analyse_cells(session)
    run = AnalyticsRun(taken_at=taken_at, taken_on=today, kind="incremental" if since_month else "full",
                       since_month=since_month, watermark=watermark, persons=len(registry.ids),
                       cells=len(rows), seconds=round(time.perf_counter() - started, 3))
    repository.add_run(session, run)
    step("saved")
    return run
