"""The chain of command for late requests, read strictly from `life_events/escalation.yaml`.

A chain names who is told when a request's promised answer is late: the office's supervisor,
then the agency's program lead, then the city's coordination unit, each reached a number of
hours after the breach (a program may shorten or lengthen those hours). The file links each
level to the next (`escalates_to`), so an author can reorder it; a link to a role nobody
knows, a chain that comes back to itself, hours that do not grow along the chain, or a
program the catalog does not have are refused naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from redangel.eligibility.errors import CatalogError
from redangel.eligibility.yamlfile import Mapping, read_mapping

ROLES = ("office_supervisor", "program_lead", "coordinator")
"""Who can be told: the office's supervisor, the agency's program lead, the coordination unit."""
FILE = "escalation.yaml"


@dataclass(frozen=True)
class Level:
    """One step of the chain: who is told, and how many hours after the breach."""

    number: int
    role: str
    after_hours: int


@dataclass(frozen=True)
class Chain:
    """The chain of command: its levels in order, per-program hours, and the restart promise."""

    levels: tuple[Level, ...]
    restart_days: int
    overrides: dict[str, dict[str, int]] = field(default_factory=dict)

    def for_program(self, program: str) -> tuple[Level, ...]:
        """The levels as they apply to one program's requests."""
        hours = self.overrides.get(program)
        if not hours:
            return self.levels
        return tuple(Level(lv.number, lv.role, hours.get(lv.role, lv.after_hours))
                     for lv in self.levels)

    def due(self, levels: tuple[Level, ...], hours_late: float) -> int:
        """How many of these levels are due this many hours after the breach."""
        return sum(1 for lv in levels if lv.after_hours <= hours_late)

    def level(self, number: int) -> Level | None:
        """The level with that number (1 is the first), if the chain has it."""
        return self.levels[number - 1] if 1 <= number <= len(self.levels) else None


def told(role: str, agency_code: str, office_code: str | None) -> str:
    """Who a level's role is, for the record of who was told: the office, the agency, or the
    coordination unit."""
    if role == "office_supervisor":
        return f"office:{office_code}" if office_code else "office:-"
    if role == "program_lead":
        return f"agency:{agency_code}"
    return "coordination"


def _role(m: Mapping, key: str, value: object) -> str:
    if not isinstance(value, str) or value not in ROLES:
        raise m.fail(f"unknown role `{value}` (known roles: {', '.join(ROLES)})", key)
    return value


def _walk(root: Mapping, levels: Mapping) -> list[tuple[str, int]]:
    """Follow `escalates_to` from `start`: the roles in order with their hours; refuses cycles."""
    current = _role(root, "start", root.get("start"))
    order: list[tuple[str, int]] = []
    seen: set[str] = set()
    while True:
        if current in seen:
            raise levels.fail(f"the chain comes back to `{current}`: a cycle "
                              f"({' → '.join([*(r for r, _ in order), current])})", current)
        seen.add(current)
        spec = levels.get(current)
        if not isinstance(spec, Mapping):
            raise levels.fail(f"the chain reaches `{current}`, which has no level here")
        spec.check_keys({"after_hours"}, {"escalates_to"})
        hours = spec.integer("after_hours")
        if order and hours <= order[-1][1]:
            raise spec.fail(f"`after_hours` of `{current}` must be more than the level before "
                            f"it ({order[-1][1]})", "after_hours")
        order.append((current, hours))
        if "escalates_to" not in spec:
            break
        current = _role(spec, "escalates_to", spec["escalates_to"])
    for role in levels:
        _role(levels, role, role)
        if role not in seen:
            raise levels.fail(f"level `{role}` is not reached from `start`", role)
    return order


def _overrides(root: Mapping, roles: set[str], programs: set[str] | None) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    if "programs" not in root:
        return found
    for code, spec in root.mapping("programs").items():
        if programs is not None and code not in programs:
            raise root["programs"].fail(f"unknown program `{code}`", code)
        if not isinstance(spec, Mapping):
            raise root["programs"].fail(f"`{code}` must be a mapping", code)
        spec.check_keys({"after_hours"}, set())
        hours = spec.mapping("after_hours")
        found[code] = {}
        for role in hours:
            if _role(hours, role, role) not in roles:
                raise hours.fail(f"role `{role}` is not in the chain", role)
            found[code][role] = hours.integer(role)
    return found


def parse(root: Mapping, *, programs: set[str] | None = None) -> Chain:
    """A chain from its YAML mapping, strictly."""
    root.check_keys({"start", "levels", "restart_days"}, {"programs"})
    levels = root.mapping("levels")
    order = _walk(root, levels)
    overrides = _overrides(root, {r for r, _ in order}, programs)
    chain = Chain(tuple(Level(n, r, h) for n, (r, h) in enumerate(order, start=1)),
                  root.integer("restart_days", minimum=1), overrides)
    for code in overrides:
        hours = [lv.after_hours for lv in chain.for_program(code)]
        if hours != sorted(set(hours)):
            raise root["programs"].fail(f"the hours of `{code}` must grow along the chain", code)
    return chain


def load(root: Path, *, programs: set[str] | None = None) -> Chain:
    """Read `escalation.yaml` from the catalog folder (`programs`: the codes it may name)."""
    path = root / FILE
    if not path.exists():
        raise CatalogError("the chain of command file is missing", file=FILE, line=0)
    return parse(read_mapping(path, root), programs=programs)


__all__ = ["FILE", "ROLES", "CatalogError", "Chain", "Level", "load", "parse"]
