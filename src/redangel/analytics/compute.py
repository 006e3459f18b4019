"""The arithmetic of a refresh: from the registry's columns and the program history to cells.

Everything is counted per coarse group (borough, sex, age band, target group, program, month,
channel): the registry with numpy over whole columns, the decisions, deliveries and enrollments
from the database's own counts per group (`repository`); no loop here runs per person, per
decision or per delivery.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from itertools import combinations
from typing import Any

import numpy as np

from redangel.common.clock import city_day
from redangel.common.types import BOROUGHS
from redangel.eligibility.catalog import Catalog
from redangel.eligibility.columns import evaluate_columns
from redangel.eligibility.expr import Node
from redangel.lifeevent.outreach import Registry, household_columns

AGE_BANDS = ("0-5", "6-17", "18-29", "30-44", "45-64", "65+")
AGE_EDGES = (6, 18, 30, 45, 65)
SEXES = ("H", "M", "X")
TARGETS = ("elderly", "school_age", "single_mother", "low_income")
ALONE = ("single", "divorced", "widowed", "separated")
NO_BOROUGH = "none"
DAY_CAP = 366  # days to a decision past a year are counted together
Cell = dict[str, Any]


@lru_cache(maxsize=131_072)
def _city_day_of_hour(hour: datetime) -> date:
    return city_day(hour)


def on_city_calendar(moment: datetime) -> date:
    """`city_day`, looked up once per hour of the clock (the city's offsets are whole hours)."""
    return _city_day_of_hour(moment.replace(minute=0, second=0, microsecond=0))


def day_bin(days: int) -> int:
    """Days to a decision as counted: one by one up to 60, then by 5 up to 180, then by 30 up to
    a year, then together (each bin named by its first day); the percentiles read the bins."""
    days = max(0, days)
    if days <= 60:
        return days
    if days <= 180:
        return days - days % 5
    return min(DAY_CAP, days - days % 30)


def month_of(day: date) -> str:
    """'YYYY-MM' of a day."""
    return f"{day.year:04d}-{day.month:02d}"


def bucket(n: int) -> str:
    """'1', '2', '3' or '4+'."""
    return str(n) if n < 4 else "4+"


def cell(figure: str, measure: str, value: float, **groups: Any) -> Cell:
    """One aggregate row (groups not named are empty)."""
    row: Cell = {"figure": figure, "taken_on": None, "month": "", "program_code": "",
                 "agency_code": "", "borough": "", "sex": "", "age_band": "", "target": "",
                 "channel": "", "key": "", "measure": measure, "value": float(value)}
    row.update(groups)
    return row


@dataclass
class People:
    """The registry's coarse groups, one entry per living person (positions as in `Registry`)."""

    borough: np.ndarray  # index into BOROUGH_KEYS
    sex: np.ndarray
    age: np.ndarray
    targets: dict[str, np.ndarray]


BOROUGH_KEYS = (*BOROUGHS, NO_BOROUGH)


def ages(birth: np.ndarray, as_of: date) -> np.ndarray:
    """Whole years on `as_of` for each birth date."""
    b = birth.astype("datetime64[D]")
    years = b.astype("datetime64[Y]").astype(int) + 1970
    months = b.astype("datetime64[M]").astype(int) % 12 + 1
    days = (b - b.astype("datetime64[M]")).astype(int) + 1
    before = (months > as_of.month) | ((months == as_of.month) & (days > as_of.day))
    return np.asarray(as_of.year - years - before.astype(int))


def people(catalog: Catalog, registry: Registry, as_of: date) -> People:
    """Group every person of the registry: borough, sex, age band and target groups."""
    cols = registry.columns
    n = len(registry.ids)
    borough_index = {b: i for i, b in enumerate(BOROUGH_KEYS)}
    borough = np.array([borough_index.get(b or NO_BOROUGH, len(BOROUGHS)) for b in cols.get(
        "borough", np.array([], dtype=object))], dtype=np.int64).reshape(n)
    sex_index = {s: i for i, s in enumerate(SEXES)}
    sex = np.array([sex_index.get(s, 2) for s in cols.get("sex", np.array([], dtype=object))],
                   dtype=np.int64).reshape(n)
    years = ages(cols["birth_date"], as_of) if n else np.zeros(0, dtype=np.int64)
    age = np.searchsorted(np.array(AGE_EDGES), years, side="right").astype(np.int64)
    homes = registry.household
    members = homes >= 0
    size = int(homes.max()) + 1 if members.any() else 0
    minors = np.zeros(n, dtype=bool)
    low = np.zeros(n, dtype=bool)
    income = np.nan_to_num(cols["monthly_income"].astype(float)) if n else np.zeros(0)
    known = ~np.isnan(cols["monthly_income"].astype(float)) if n else np.zeros(0, dtype=bool)
    wage = catalog.parameter("salario_minimo_mensual", as_of) or Decimal(0)
    times = catalog.parameter("salarios_umbral_bajo_ingreso", as_of) or Decimal(0)
    line = float(wage * times)
    if size:
        child = np.bincount(homes[members], weights=(years[members] < 18).astype(float),
                            minlength=size)
        minors[members] = child[homes[members]] > 0
        total = np.bincount(homes[members], weights=income[members], minlength=size)
        told = np.bincount(homes[members], weights=known[members].astype(float), minlength=size)
        low[members] = (told[homes[members]] > 0) & (total[homes[members]] < line)
    alone = ~members
    low[alone] = known[alone] & (income[alone] < line)
    marital = cols.get("marital_status", np.array([None] * n, dtype=object))
    single = np.array([m in ALONE for m in marital], dtype=bool).reshape(n)
    targets = {
        "elderly": years >= 65,
        "school_age": (years >= 6) & (years < 18),
        "single_mother": (sex == sex_index["M"]) & (years >= 15) & single & minors,
        "low_income": low,
    }
    return People(borough, sex, age, targets)


def _counts(group: People, mask: np.ndarray) -> np.ndarray:
    """People of a mask per (borough, sex, age band), flattened."""
    key = (group.borough * len(SEXES) + group.sex) * len(AGE_BANDS) + group.age
    return np.bincount(key[mask], minlength=len(BOROUGH_KEYS) * len(SEXES) * len(AGE_BANDS))


def _unflatten(index: int) -> tuple[str, str, str]:
    rest, age = divmod(index, len(AGE_BANDS))
    borough, sex = divmod(rest, len(SEXES))
    return BOROUGH_KEYS[borough], SEXES[sex], AGE_BANDS[age]


def coverage(catalog: Catalog, registry: Registry, group: People, enrolled: dict[str, np.ndarray],
             agencies: dict[str, str], as_of: date) -> tuple[list[Cell], np.ndarray]:
    """Per program and group: eligible and enrolled (covered), eligible and not (excluded),
    enrolled and no longer eligible (inclusion errors to review); and who is eligible for
    anything (for the households nobody serves)."""
    rows: list[Cell] = []
    n = len(registry.ids)
    eligible_any = np.zeros(n, dtype=bool)
    for code, held in enrolled.items():
        if code not in catalog.programs or n == 0:
            continue
        columns = {**registry.columns, **household_columns(catalog, code, registry, as_of)}
        verdict = evaluate_columns(catalog, program_code=code, columns=columns, as_of=as_of)
        eligible = verdict == 1
        eligible_any |= eligible
        masks = {"covered": eligible & held, "excluded": eligible & ~held,
                 "inclusion": (verdict == 0) & held}
        for target in ("", *TARGETS):
            within = group.targets[target] if target else np.ones(n, dtype=bool)
            for measure, mask in masks.items():
                counts = _counts(group, mask & within)
                for index in np.flatnonzero(counts):
                    borough, sex, age = _unflatten(int(index))
                    rows.append(cell("coverage", measure, int(counts[index]), taken_on=as_of,
                                     program_code=code, agency_code=agencies.get(code, ""),
                                     borough=borough, sex=sex, age_band=age, target=target))
    return rows, eligible_any


def centre(catalog: Catalog, registry: Registry, group: People, enrolled: dict[str, np.ndarray],
           agencies: dict[str, str], eligible_any: np.ndarray, as_of: date) -> list[Cell]:
    """Programs and agencies per person and household, pairs of programs held together, pairs
    the rules exclude, and households where someone is eligible and nobody is enrolled."""
    n = len(registry.ids)
    if n == 0:
        return []
    codes = sorted(enrolled)
    held = np.zeros(n, dtype=np.int64)
    by_agency: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(n, dtype=bool))
    for code in codes:
        held += enrolled[code]
        by_agency[agencies.get(code, "")] |= enrolled[code]
    agency_count = np.sum([m.astype(np.int64) for m in by_agency.values()], axis=0) if by_agency \
        else np.zeros(n, dtype=np.int64)
    rows: list[Cell] = []
    for measure, values in (("programs_per_person", held), ("agencies_per_person", agency_count)):
        for b in range(len(BOROUGH_KEYS)):
            mine = (group.borough == b) & (values > 0)
            for key, count in Counter(bucket(int(v)) for v in values[mine]).items():
                rows.append(cell("centre", measure, count, taken_on=as_of, borough=BOROUGH_KEYS[b],
                                 key=key))
    excluded: set[tuple[str, ...]] = {
        tuple(sorted((code, other))) for code in codes if code in catalog.programs
        for other in catalog.programs[code].excludes if other in enrolled}
    for first, second in combinations(codes, 2):
        both = enrolled[first] & enrolled[second]
        if not both.any():
            continue
        counts = np.bincount(group.borough[both], minlength=len(BOROUGH_KEYS))
        for bi in np.flatnonzero(counts):
            rows.append(cell("centre", "pair", int(counts[bi]), taken_on=as_of,
                             borough=BOROUGH_KEYS[bi], key=f"{first}+{second}"))
            if (first, second) in excluded:
                rows.append(cell("centre", "exclusive", int(counts[bi]), taken_on=as_of,
                                 borough=BOROUGH_KEYS[bi], key=f"{first}+{second}"))
    homes = registry.household
    members = homes >= 0
    if members.any():
        size = int(homes.max()) + 1
        where = np.zeros(size, dtype=np.int64)
        where[homes[members]] = group.borough[members]  # a household counts in its members' borough
        per_home = np.zeros(size, dtype=np.int64)
        any_served = np.zeros(size, dtype=bool)
        any_eligible = np.zeros(size, dtype=bool)
        for code in codes:
            has = np.zeros(size, dtype=bool)
            has[homes[members & enrolled[code]]] = True
            per_home += has
        any_served[homes[members & (held > 0)]] = True
        any_eligible[homes[members & eligible_any]] = True
        for b in range(len(BOROUGH_KEYS)):
            mine = where == b
            present = np.zeros(size, dtype=bool)
            present[homes[members]] = True
            mine &= present
            for key, count in Counter(bucket(int(v)) for v in per_home[mine & (per_home > 0)]).items():
                rows.append(cell("centre", "programs_per_household", count, taken_on=as_of,
                                 borough=BOROUGH_KEYS[b], key=key))
            unserved = int(np.sum(mine & any_eligible & ~any_served))
            if unserved:
                rows.append(cell("centre", "unserved_households", unserved, taken_on=as_of,
                                 borough=BOROUGH_KEYS[b]))
    return rows


def needed_facts(catalog: Catalog, code: str) -> list[str]:
    """The person's facts a program's rules read (`person.<fact>`), in order."""
    found: dict[str, None] = {}

    def walk(node: Node) -> None:
        if node.kind == "name" and isinstance(node.value, str) and node.value.startswith("person."):
            found[node.value.split(".", 1)[1]] = None
        for child in node.children:
            walk(child)

    def criteria(items: list[Any]) -> None:
        for criterion in items:
            if criterion.node is not None:
                walk(criterion.node)
            criteria(criterion.children)

    criteria(catalog.programs[code].criteria)
    return list(found)


def quality(catalog: Catalog, registry: Registry, group: People, curp: Iterable[Any],
            as_of: date) -> list[Cell]:
    """Persons with a CURP, each fact known, and all of each program's facts known, per borough."""
    rows: list[Cell] = []
    for borough, persons, with_curp in curp:
        b = borough or NO_BOROUGH
        rows.append(cell("quality", "persons", persons, taken_on=as_of, borough=b))
        rows.append(cell("quality", "with_curp", with_curp, taken_on=as_of, borough=b))
    n = len(registry.ids)
    if n == 0:
        return rows
    known: dict[str, np.ndarray] = {}
    for name, values in registry.columns.items():
        if values.dtype.kind == "f":
            known[name] = ~np.isnan(values)
        elif values.dtype.kind == "M":
            known[name] = ~np.isnat(values)
        else:
            known[name] = np.array([v is not None and v != "" for v in values], dtype=bool)
    for code in catalog.programs:
        facts = [f for f in needed_facts(catalog, code) if f in known]
        complete = np.ones(n, dtype=bool)
        for fact in facts:
            complete &= known[fact]
        counts = np.bincount(group.borough[complete], minlength=len(BOROUGH_KEYS))
        for bi in np.flatnonzero(counts):
            rows.append(cell("quality", "complete", int(counts[bi]), taken_on=as_of,
                             borough=BOROUGH_KEYS[bi], program_code=code, key=",".join(facts)[:120]))
    return rows


def reason_key(reason: str | None) -> str:
    """A rejection reason as counted: trimmed, spaces collapsed, lower case, 120 characters."""
    return " ".join((reason or "").split()).casefold()[:120]


def decisions(rows: Iterable[Any], agencies: dict[str, str]) -> list[Cell]:
    """Per program, month decided, channel and borough: approved, rejected, decided within the
    promised days, the days each took (as counts per day), and the reasons of rejections; from
    the decisions counted per (program, channel, status, borough, month, days, in time, reason)."""
    counts: Counter[tuple[str, str, str, str, str, str]] = Counter()
    for program, channel, status, borough, month, days, within, reason, n in rows:
        base = (program, month, channel, borough or NO_BOROUGH)
        counts[(*base, status, "")] += n
        counts[(*base, "days", str(day_bin(int(days))))] += n
        if within:
            counts[(*base, "within", "")] += n
        if status == "rejected":
            counts[(*base, "reason", reason_key(reason))] += n
    out = []
    for (program, month, channel, borough, measure, key), value in counts.items():
        figure = "reasons" if measure == "reason" else "decisions"
        out.append(cell(figure, "rejected" if figure == "reasons" else measure, value, month=month,
                        program_code=program, agency_code=agencies.get(program, ""),
                        channel=channel, borough=borough, key=key))
    return out


def backlog(rows: Iterable[Any], agencies: dict[str, str], as_of: date) -> list[Cell]:
    """Open applications past their promised day, per program, channel and borough (today)."""
    return [cell("decisions", "breached", count, taken_on=as_of, program_code=program,
                 agency_code=agencies.get(program, ""), channel=channel,
                 borough=borough or NO_BOROUGH)
            for program, channel, borough, count in rows]


def deliveries(rows: Iterable[Any], spans: Iterable[Any], agencies: dict[str, str],
               since: date, until: date) -> list[Cell]:
    """Per program, month and borough: deliveries, persons served, amount (as counted by the
    database), and live enrollments."""
    out = []
    for program, month, borough, count, persons, amount in rows:
        groups = {"month": month, "program_code": program, "agency_code": agencies.get(program, ""),
                  "borough": borough or NO_BOROUGH}
        out.append(cell("deliveries", "deliveries", count, **groups))
        out.append(cell("deliveries", "persons", persons, **groups))
        out.append(cell("deliveries", "amount", float(amount or Decimal(0)), **groups))
    for (program, month, borough), count in _live_per_month(spans, _months(since, until)).items():
        out.append(cell("deliveries", "enrolled", count, month=month, program_code=program,
                        agency_code=agencies.get(program, ""), borough=borough))
    return out


def _month_number(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _live_per_month(spans: Iterable[Any], months: list[tuple[date, date]]) -> Counter[tuple[str, str, str]]:
    """Enrollments live at some time in each month, per program and borough (a running sum over
    each group's starts and ends, counted per month begun and ended, not a loop over months)."""
    if not months:
        return Counter()
    base = months[0][0].year * 12 + months[0][0].month - 1
    last = len(months) - 1
    groups: dict[tuple[str, str], int] = {}
    starts: list[int] = []
    ends: list[int] = []
    which: list[int] = []
    weights: list[int] = []
    for program, borough, began, ended, count in spans:
        first = _month_number(began) - base
        final = last if ended is None else _month_number(ended) - base
        first, final = max(0, first), min(last, final)
        if first > final:
            continue
        which.append(groups.setdefault((program, borough or NO_BOROUGH), len(groups)))
        starts.append(first)
        ends.append(final + 1)
        weights.append(int(count))
    diff = np.zeros((len(groups), len(months) + 1), dtype=np.int64)
    at = np.array(which, dtype=np.int64)
    times = np.array(weights, dtype=np.int64)
    np.add.at(diff, (at, np.array(starts, dtype=np.int64)), times)
    np.add.at(diff, (at, np.array(ends, dtype=np.int64)), -times)
    running = np.cumsum(diff[:, :-1], axis=1)
    out: Counter[tuple[str, str, str]] = Counter()
    for (program, borough), g in groups.items():
        for j in np.flatnonzero(running[g]):
            out[(program, month_of(months[j][0]), borough)] = int(running[g, j])
    return out


def _months(since: date, until: date) -> list[tuple[date, date]]:
    """(first day, last day) of each month from `since`'s to `until`'s."""
    out = []
    year, month = since.year, since.month
    while (year, month) <= (until.year, until.month):
        first = date(year, month, 1)
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        out.append((first, date.fromordinal(nxt.toordinal() - 1)))
        year, month = nxt.year, nxt.month
    return out
