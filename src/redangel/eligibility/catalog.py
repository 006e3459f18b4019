"""The catalog as data: agencies, dated parameters, programs with their rules, life events.

Loading is strict (unknown keys, duplicates, dangling references and ill-typed rules all fail
with file and line) and compiles every rule once, so evaluation only runs closures.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from redangel.eligibility import sections
from redangel.eligibility.compile import Scope
from redangel.eligibility.errors import CatalogError
from redangel.eligibility.model import (
    Catalog,
    Criterion,
    Event,
    Fact,
    Parameter,
    Program,
    Question,
    Text,
)
from redangel.eligibility.sections import FACT_TYPES
from redangel.eligibility.yamlfile import Mapping

__all__ = ["FACT_TYPES", "Catalog", "Criterion", "Event", "Fact", "Parameter", "Program",
           "Question", "Text", "load_catalog", "version_of"]


def version_of(root: Path) -> str:
    """The catalog's content hash: which rules made a decision."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.yaml")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _events(root: Path) -> tuple[dict[str, Event], dict[str, Mapping]]:
    events: dict[str, Event] = {}
    sources: dict[str, Mapping] = {}
    types: dict[str, tuple[str, Mapping]] = {}
    for path in sorted((root / "events").glob("*.yaml")):
        found, m = sections.event(path, root)
        if found.code in events:
            raise m.fail(f"duplicate life event `{found.code}`", "code")
        for question in found.questions:
            kind = FACT_TYPES[question.type]
            first = types.setdefault(question.name, (kind, m))
            if first[0] != kind:
                raise m.fail(f"event fact `{question.name}` is a {kind} here but a {first[0]} in "
                             f"{first[1].file}", "questions")
        events[found.code], sources[found.code] = found, m
    return events, sources


def _programs(root: Path, scope: Scope, agencies: dict[str, Text]) -> dict[str, Program]:
    programs: dict[str, Program] = {}
    sources: dict[str, Mapping] = {}
    for path in sorted((root / "programs").glob("*.yaml")):
        found, m = sections.program(path, root, scope)
        if found.code in programs:
            raise m.fail(f"duplicate program `{found.code}` (also in {programs[found.code].file})",
                         "code")
        sections.check_reference(m, "agency", found.agency, agencies, "agency")
        programs[found.code], sources[found.code] = found, m
    for code, found in programs.items():
        m = sources[code]
        for other in found.excludes:
            sections.check_reference(m, "excludes", other, programs, "program")
            if code not in programs[other].excludes:
                raise m.fail(f"`{code}` excludes `{other}` but `{other}` does not exclude `{code}`"
                             " (exclusions must be written on both programs)", "excludes")
    return programs


def load_catalog(path: Path) -> Catalog:
    """Load, check and compile the whole catalog under `path`."""
    root = Path(path)
    for required in ("schema.yaml", "parameters.yaml", "agencies.yaml", "programs", "events"):
        if not (root / required).exists():
            raise CatalogError(f"no catalog at {root} ({required} missing)")
    facts = sections.schema(root)
    parameters = sections.parameters(root)
    agencies = sections.agencies(root)
    events, event_sources = _events(root)
    event_facts = {q.name: FACT_TYPES[q.type] for e in events.values() for q in e.questions}
    scope = Scope({n: f.type for n, f in facts.items()}, event_facts,
                  {n: p.type for n, p in parameters.items()}, "", 0,
                  options=sections.enum_options(facts, list(events.values())))
    programs = _programs(root, scope, agencies)
    for code, event in events.items():
        for program in event.programs:
            sections.check_reference(event_sources[code], "programs", program, programs, "program")
        for fact in event.confirm:
            sections.check_reference(event_sources[code], "confirm", fact, facts, "person fact")
    return Catalog(version_of(root), agencies, programs, events, parameters, facts, root,
                   answer_types=event_facts)
