"""Each view of the console as safe tables, summed from the aggregate cells under the filters.

Every table goes through `tables.build` (suppression of counts under k with their margins, then
the derived figures); nothing here reads a person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from redangel.analytics import repository
from redangel.analytics.compute import AGE_BANDS, BOROUGH_KEYS, SEXES, month_of
from redangel.analytics.schemas import Column, Filters, Table
from redangel.analytics.tables import Group, build, percentile, ratio

COVERAGE = [Column("covered"), Column("excluded")]
ORDER = {"borough": list(BOROUGH_KEYS), "sex": list(SEXES), "age_band": list(AGE_BANDS)}


def _where(f: Filters, *, program: bool = True, agency: bool = True, borough: bool = True,
           target: bool = False, months: bool = False) -> list[Any]:
    col = repository.column
    out = []
    if program and f.program:
        out.append(col("program_code") == f.program)
    if agency and f.agency:
        out.append(col("agency_code") == f.agency)
    if borough and f.borough:
        out.append(col("borough") == f.borough)
    if target:
        out.append(col("target") == f.target)
    if months and f.since:
        out.append(col("month") >= month_of(f.since))
    if months and f.until:
        out.append(col("month") <= month_of(f.until))
    return out


def _grid(found: Sequence[tuple[tuple[str, ...], str, float]], measures: list[str],
          order: list[str] | None = None) -> list[Group]:
    """Rows keyed by the first group value, one count per measure."""
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for groups, measure, value in found:
        table[groups[0]][measure] = table[groups[0]].get(measure, 0) + value
    keys = [k for k in order if k in table] if order else sorted(table)
    return [Group(k, [round(table[k].get(m, 0)) for m in measures]) for k in keys]


def latest(session: Session, figure: str, f: Filters) -> date | None:
    """The day the shown snapshot was taken (the last within the period)."""
    days = [d for d in repository.snapshot_days(session, figure)
            if (f.until is None or d <= f.until)]
    return max(days) if days else None


def coverage(session: Session, f: Filters, k: int) -> list[Table]:
    """Coverage of the target group by the chosen grouping, by program, and over time; and the
    enrolled who no longer meet the rules (inclusion errors to review)."""
    day = latest(session, "coverage", f)
    if day is None:
        return []
    base = [*_where(f, target=True), repository.column("taken_on") == day]
    measures = [c.key for c in COVERAGE]
    derived = [(Column("ratio", "ratio"), ratio("covered", "covered", "excluded"))]
    found = repository.sums(session, figure="coverage", by=[f.by], where=base)
    by = build(id=f"coverage_by_{f.by}", row_kind=f.by, columns=COVERAGE, k=k,
               groups=_grid(found, measures, ORDER[f.by]), row_totals=True, column_totals=True,
               total_key="eligible", derived=derived, chart=["ratio"], coverage="ratio")
    inclusion = build(id=f"inclusion_by_{f.by}", row_kind=f.by, columns=[Column("inclusion")], k=k,
                      groups=_grid(found, ["inclusion"], ORDER[f.by]), row_totals=False,
                      column_totals=True, chart=["inclusion"])
    programs = build(id="coverage_by_program", row_kind="program", columns=COVERAGE, k=k,
                     groups=_grid(repository.sums(session, figure="coverage", by=["program_code"],
                                                  where=base), measures),
                     row_totals=True, column_totals=False, total_key="eligible", derived=derived,
                     chart=["ratio"])
    history = [*_where(f, target=True)]
    if f.since:
        history.append(repository.column("taken_on") >= f.since)
    if f.until:
        history.append(repository.column("taken_on") <= f.until)
    over_time = build(id="coverage_over_time", row_kind="day", columns=COVERAGE, k=k,
                      groups=_grid(repository.sums(session, figure="coverage", by=["taken_on"],
                                                   where=history), measures),
                      row_totals=True, column_totals=False, total_key="eligible", derived=derived,
                      chart=["ratio"])
    return [by, programs, over_time, inclusion]


def centre(session: Session, f: Filters, k: int) -> list[Table]:
    """Programs and agencies per person and household, pairs held together, excluded pairs, and
    households nobody serves although someone in them is eligible."""
    day = latest(session, "centre", f)
    if day is None:
        return []
    where = [*_where(f, program=False, agency=False), repository.column("taken_on") == day]
    found = repository.sums(session, figure="centre", by=["key"], where=where)

    def of(measure: str) -> list[tuple[tuple[str, ...], str, float]]:
        return [(g, m, v) for g, m, v in found if m == measure]

    buckets = ["1", "2", "3", "4+"]
    tables = [build(id=measure, row_kind="bucket", columns=[Column(unit)], k=k,
                    groups=_grid(of(measure), [measure], buckets), row_totals=False,
                    column_totals=True, chart=[unit])
              for measure, unit in (("programs_per_person", "persons"),
                                    ("agencies_per_person", "persons"),
                                    ("programs_per_household", "households"))]
    pairs = sorted(_grid(of("pair"), ["pair"]), key=lambda g: -g.counts[0])[:15]
    tables.append(build(id="pairs", row_kind="pair", columns=[Column("persons")], k=k, groups=pairs,
                        row_totals=False, column_totals=False, chart=["persons"]))
    tables.append(build(id="exclusive", row_kind="pair", columns=[Column("persons")], k=k,
                        groups=_grid(of("exclusive"), ["exclusive"]), row_totals=False,
                        column_totals=False, chart=["persons"]))
    unserved = repository.sums(session, figure="centre", by=["borough"],
                               where=[*where, repository.column("measure") == "unserved_households"])
    tables.append(build(id="unserved", row_kind="borough", columns=[Column("households")], k=k,
                        groups=_grid(unserved, ["unserved_households"], ORDER["borough"]),
                        row_totals=False, column_totals=True, chart=["households"]))
    return tables


def decisions(session: Session, f: Filters, k: int) -> list[Table]:
    """Days to a decision (p50, p90), share within the promised days, approvals and rejections,
    by program and by channel; open applications past their day; the reasons of rejections."""
    where = _where(f, months=True)
    tables = []
    for by, kind in (("program_code", "program"), ("channel", "channel")):
        found = repository.sums(session, figure="decisions", by=[by, "key"],
                                where=[*where, repository.column("taken_on").is_(None)])
        days: dict[str, dict[int, float]] = defaultdict(dict)
        flat = []
        for (group, key), measure, value in found:
            if measure == "days":
                days[group][int(key)] = days[group].get(int(key), 0) + value
            else:
                flat.append(((group,), measure, value))
        breached = repository.sums(session, figure="decisions", by=[by],
                                   where=[*_where(f), repository.column("taken_on").is_not(None),
                                          repository.column("measure") == "breached"])
        latest_breach = {g[0]: v for g, _, v in breached}

        groups = _grid(flat, ["approved", "rejected", "within"])
        within = {g.key: g.counts[2] for g in groups}
        within[""] = sum(within.values())
        merged: dict[int, float] = defaultdict(float)
        for hist in days.values():
            for d, c in hist.items():
                merged[d] += c
        days[""] = merged
        extra = _timing(days, within, k)
        table = build(
            id=f"decisions_by_{kind}", row_kind=kind,
            columns=[Column("approved"), Column("rejected")], k=k,
            groups=[g.__class__(g.key, g.counts[:2]) for g in groups],
            row_totals=True, column_totals=True,
            derived=[(Column("approval", "ratio"), ratio("approved", "approved", "rejected")),
                     (Column("within_share", "ratio"), lambda s: s.get("within_share")),
                     (Column("p50", "days"), lambda s: s.get("p50")),
                     (Column("p90", "days"), lambda s: s.get("p90"))],
            chart=["approved", "rejected"], extra=extra)
        tables.append(table)
        if by == "program_code":
            tables.append(build(id="breached", row_kind="program", columns=[Column("breached")], k=k,
                                groups=_grid([((g,), "breached", v) for g, v in latest_breach.items()],
                                             ["breached"]),
                                row_totals=False, column_totals=True, chart=["breached"]))
    reasons = repository.sums(session, figure="reasons", by=["key"], where=where)
    counted = {g[0]: v for g, _, v in reasons}
    common = sorted((r for r, v in counted.items() if v >= k and r), key=lambda r: -counted[r])[:12]
    rest = sum(v for r, v in counted.items() if r not in common)
    groups = [Group(r, [round(counted[r])]) for r in common]
    if rest:
        groups.append(Group("", [round(rest)]))  # reasons each given fewer than k times, together
    tables.append(build(id="reasons", row_kind="reason", columns=[Column("rejected")], k=k,
                        groups=groups, row_totals=False, column_totals=True, chart=["rejected"]))
    return tables


def _timing(days: dict[str, dict[int, float]], within: dict[str, int], k: int) -> Any:
    """p50, p90 and the share decided in time of a row, shown only when its decisions are shown
    and number at least k, and (for the share) those in time and those late each number none or
    k or more (the share times the total gives them back)."""
    def extra(key: str, shown: dict[str, float | None]) -> dict[str, float | None]:
        decided = [shown.get("approved"), shown.get("rejected")]
        if any(d is None for d in decided) or sum(d or 0 for d in decided) < k:
            return {"p50": None, "p90": None, "within_share": None}
        count = sum(d or 0 for d in decided)
        on_time = within.get(key, 0)
        late = count - on_time
        share = on_time / count if (on_time == 0 or on_time >= k) and (late == 0 or late >= k) else None
        return {"p50": percentile(days.get(key, {}), 0.5), "p90": percentile(days.get(key, {}), 0.9),
                "within_share": share}
    return extra


def deliveries(session: Session, f: Filters, k: int) -> list[Table]:
    """Per month: persons served, deliveries and amounts, against persons enrolled."""
    found = repository.sums(session, figure="deliveries", by=["month"], where=_where(f, months=True))
    months = _grid(found, ["persons", "enrolled", "deliveries", "amount"])
    amounts = {g.key: g.counts[3] for g in months}
    counts = {g.key: g.counts[2] for g in months}

    def extra(key: str, shown: dict[str, float | None]) -> dict[str, float | None]:
        hidden = shown.get("persons") is None
        return {"deliveries_made": None if hidden else float(counts.get(key, 0)),
                "amount": None if hidden else float(amounts.get(key, 0))}

    table = build(id="deliveries_by_month", row_kind="month",
                  columns=[Column("persons"), Column("enrolled")], k=k,
                  groups=[Group(g.key, g.counts[:2]) for g in months],
                  row_totals=False, column_totals=False,
                  derived=[(Column("served_share", "ratio"), ratio("persons", "enrolled")),
                           (Column("deliveries_made"), lambda s: s.get("deliveries_made")),
                           (Column("amount", "money"), lambda s: s.get("amount"))],
                  chart=["persons", "enrolled"], extra=extra)
    return [table]


def quality(session: Session, f: Filters, k: int) -> list[Table]:
    """Persons with a CURP per borough; persons with every fact a program needs, per program."""
    day = latest(session, "quality", f)
    if day is None:
        return []
    where = [*_where(f, program=False, agency=False), repository.column("taken_on") == day]
    per_borough = _grid(repository.sums(session, figure="quality", by=["borough"], where=where),
                        ["with_curp", "persons"], ORDER["borough"])
    curp = build(id="curp", row_kind="borough", columns=[Column("with_curp"), Column("without_curp")],
                 k=k, groups=[Group(g.key, [g.counts[0], g.counts[1] - g.counts[0]]) for g in per_borough],
                 row_totals=True, column_totals=True,
                 derived=[(Column("curp_share", "ratio"), ratio("with_curp", "with_curp", "without_curp"))],
                 chart=["curp_share"])
    persons = sum(g.counts[1] for g in per_borough)
    complete = _grid(repository.sums(session, figure="quality", by=["program_code"],
                                     where=[*_where(f, borough=True, agency=False), *where[-1:],
                                            repository.column("measure") == "complete"]),
                     ["complete"])
    facts = build(id="completeness", row_kind="program",
                  columns=[Column("complete"), Column("incomplete")], k=k,
                  groups=[Group(g.key, [g.counts[0], max(0, persons - g.counts[0])]) for g in complete],
                  row_totals=True, column_totals=False,
                  derived=[(Column("complete_share", "ratio"), ratio("complete", "complete", "incomplete"))],
                  chart=["complete_share"])
    return [curp, facts]


BUILDERS = {"coverage": coverage, "centre": centre, "decisions": decisions,
            "deliveries": deliveries, "quality": quality}
