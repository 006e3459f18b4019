"""Prometheus metrics: request latency by route template, the database pool, the audit
sealer's lag and the background jobs' runs.

Latency is labelled by the route's template (`/api/v1/persons/{person_id}`), never by the raw
path, which carries ids. Each app has its own registry (tests run several apps in one process).
Pool, lag and job figures are read when Prometheus scrapes, from the objects that own them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, text

from redangel.db import utcnow

log = logging.getLogger(__name__)
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_UNSEALED_SQLITE = text(
    "SELECT count(*), min(e.at) FROM audit_event e, audit_head h WHERE h.id = 1 AND e.id > h.horizon")
_UNSEALED_PG = text(
    "SELECT count(*), min(e.at) FROM audit_event e LEFT JOIN audit_seal s ON s.event_id = e.id "
    "WHERE s.event_id IS NULL AND e.xid >= coalesce((SELECT horizon FROM audit_head WHERE id = 1), 0)")


class Metrics:
    """One app's registry: the latency histogram, and a collector reading the app's state."""

    def __init__(self, state: Any) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "redangel_request_seconds", "Time to answer a request, by route template",
            ["method", "route", "status"], buckets=BUCKETS, registry=self.registry)
        self.registry.register(_StateCollector(state))

    def observe(self, *, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.latency.labels(method, route, str(status)).observe(seconds)

    def render(self) -> bytes:
        """The text exposition format Prometheus scrapes."""
        return generate_latest(self.registry)


class _StateCollector(Collector):
    def __init__(self, state: Any) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        engine: Engine = self.state.engine
        yield from _pool(engine)
        yield from _audit_lag(engine)
        yield from _jobs(self.state)


def _pool(engine: Engine) -> Iterator[Metric]:
    pool = engine.pool
    checked_out = getattr(pool, "checkedout", None)
    if checked_out is None:  # SQLite opens a connection per session (NullPool)
        return
    in_use = GaugeMetricFamily("redangel_db_pool_connections", "Database pool connections",
                               labels=["state"])
    in_use.add_metric(["in_use"], float(checked_out()))
    in_use.add_metric(["idle"], float(pool.checkedin()))  # type: ignore[attr-defined]
    yield in_use
    size = GaugeMetricFamily("redangel_db_pool_size", "Connections the pool keeps open")
    size.add_metric([], float(pool.size()))  # type: ignore[attr-defined]
    yield size


def _audit_lag(engine: Engine) -> Iterator[Metric]:
    query = _UNSEALED_PG if engine.dialect.name == "postgresql" else _UNSEALED_SQLITE
    try:
        with engine.connect().execution_options(readonly=True) as conn:
            count, oldest = conn.execute(query).one()
    except Exception:
        log.warning("the audit lag could not be read", exc_info=True)
        return
    unsealed = GaugeMetricFamily("redangel_audit_unsealed_events",
                                 "Audit events recorded but not yet chained")
    unsealed.add_metric([], float(count or 0))
    yield unsealed
    lag = GaugeMetricFamily("redangel_audit_sealer_lag_seconds",
                            "Age of the oldest audit event not yet chained (0 when none)")
    if isinstance(oldest, str):  # SQLite returns the stored text
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    lag.add_metric([], (utcnow() - oldest).total_seconds() if oldest is not None else 0.0)
    yield lag


def _jobs(state: Any) -> Iterator[Metric]:
    runs = CounterMetricFamily("redangel_job_runs", "Background job runs, by job and outcome",
                               labels=["job", "outcome"])
    sealer = getattr(state, "sealer", None)
    if sealer is not None:
        runs.add_metric(["audit_sealer", "ok"], float(sealer.runs))
        runs.add_metric(["audit_sealer", "failed"], float(sealer.failures))
    writer = getattr(state, "side_writer", None)
    if writer is not None:
        runs.add_metric(["side_writer", "ok"], float(writer.groups))
        runs.add_metric(["side_writer", "failed"], float(writer.failures))
        backlog = GaugeMetricFamily("redangel_side_writer_backlog",
                                    "Reading requests waiting for the writer's next commit")
        backlog.add_metric([], float(writer.backlog()))
        yield backlog
    yield runs
