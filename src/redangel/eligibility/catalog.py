"""The catalog as data: agencies, dated parameters, programs with their rules, life events.

Loading is strict (unknown keys, duplicates, dangling references and ill-typed rules all fail
with file and line) and compiles every rule once, so evaluation only runs closures.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from redangel.eligibility.compile import Compiled, Scope, compile_expression
from redangel.eligibility.errors import CatalogError
from redangel.eligibility.expr import Node, parse
from redangel.eligibility.yamlfile import Mapping, read

FACT_TYPES = {"date": "date", "money": "money", "number": "number", "integer": "number",
              "boolean": "bool", "enum": "string", "text": "string"}


@dataclass(frozen=True)
class Text:
    """A phrase in Spanish and English."""

    es: str
    en: str

    def to_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"es": self.es, "en": self.en}


@dataclass(frozen=True)
class Fact:
    """A fact of the schema: its type and its label."""

    name: str
    type: str
    label: Text
    options: tuple[str, ...] = ()


@dataclass
class Criterion:
    """A named rule (leaf) or a grouping of rules (all_of / any_of / none_of)."""

    id: str
    label: Text
    reference: str
    kind: str
    source: str = ""
    node: Node | None = None
    fn: Compiled | None = None
    children: list[Criterion] = field(default_factory=list)
    file: str = ""
    line: int = 0


@dataclass
class Program:
    """A program: who runs it, what it asks for, and its rules."""

    code: str
    agency: str
    name: Text
    legal_reference: str
    valid_from: date | None
    valid_to: date | None
    expected_days: int
    documents: list[Text]
    excludes: list[str]
    criteria: list[Criterion]
    manual: list[Text]
    file: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the program's description (not its rules)."""
        return {"code": self.code, "agency": self.agency, "name": self.name.to_dict(),
                "legal_reference": self.legal_reference,
                "valid_from": self.valid_from.isoformat() if self.valid_from else None,
                "valid_to": self.valid_to.isoformat() if self.valid_to else None,
                "expected_days_to_decision": self.expected_days,
                "documents": [d.to_dict() for d in self.documents], "excludes": self.excludes}


@dataclass(frozen=True)
class Question:
    """A fact a life event asks the clerk (or citizen) for."""

    name: str
    type: str
    label: Text
    required: bool
    options: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "type": self.type, "label": self.label.to_dict(),
                "required": self.required, "options": list(self.options)}


@dataclass
class Event:
    """A life event: its questions and the bundle of programs it leads to."""

    code: str
    label: Text
    category: str
    proactive: bool
    questions: list[Question]
    programs: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"code": self.code, "label": self.label.to_dict(), "category": self.category,
                "proactive": self.proactive, "questions": [q.to_dict() for q in self.questions],
                "programs": self.programs}


@dataclass
class Parameter:
    """A dated value: a rule change is a new dated value, not an edit of history."""

    name: str
    type: str
    label: Text
    reference: str
    starts: list[date]
    values: list[Decimal]

    def at(self, day: date) -> Decimal | None:
        """The value in force on a day."""
        index = bisect_right(self.starts, day) - 1
        return self.values[index] if index >= 0 else None


@dataclass
class Catalog:
    """Everything the engine knows, compiled."""

    version: str
    agencies: dict[str, Text]
    programs: dict[str, Program]
    events: dict[str, Event]
    parameters: dict[str, Parameter]
    facts: dict[str, Fact]
    root: Path

    def parameter(self, name: str, as_of: date) -> Decimal | None:
        """A parameter's value on a day."""
        return self.parameters[name].at(as_of)


def _text(m: Mapping, prefix: str = "label") -> Text:
    es, en = m.get(f"{prefix}_es"), m.get(f"{prefix}_en")
    if not isinstance(es, str) or not isinstance(en, str) or not es.strip() or not en.strip():
        raise m.fail(f"`{prefix}_es` and `{prefix}_en` are both required text")
    return Text(es, en)


def _phrase(item: Any, file: str, line: int) -> Text:
    if not isinstance(item, Mapping):
        raise CatalogError("expected `es:` and `en:`", file=file, line=line)
    item.check_keys({"es", "en"}, set())
    return Text(str(item["es"]), str(item["en"]))


def _date(m: Mapping, key: str) -> date | None:
    value = m.get(key)
    if value is None:
        return None
    if not isinstance(value, date):
        raise m.fail(f"`{key}` must be a date YYYY-MM-DD", key)
    return value


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml"))


def version_of(root: Path) -> str:
    """The catalog's content hash: which rules made a decision."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.yaml")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _schema(root: Path) -> dict[str, Fact]:
    data = read(root / "schema.yaml", root)
    data.check_keys({"person"}, set())
    facts = {}
    for name, spec in data["person"].items():
        if not isinstance(spec, Mapping):
            raise data["person"].fail(f"fact `{name}` needs a type and labels", name)
        spec.check_keys({"type", "label_es", "label_en"}, {"options"})
        if spec["type"] not in FACT_TYPES:
            raise spec.fail(f"unknown type `{spec['type']}`", "type")
        facts[name] = Fact(name, FACT_TYPES[spec["type"]], _text(spec),
                           tuple(str(o) for o in spec.get("options", [])))
    return facts


def _parameters(root: Path) -> dict[str, Parameter]:
    data = read(root / "parameters.yaml", root)
    out = {}
    for name, spec in data.items():
        if not isinstance(spec, Mapping):
            raise data.fail(f"parameter `{name}` must be a mapping", name)
        spec.check_keys({"type", "label_es", "label_en", "values"}, {"reference"})
        if spec["type"] not in ("money", "number"):
            raise spec.fail("a parameter is `money` or `number`", "type")
        starts: list[date] = []
        values: list[Decimal] = []
        for item in spec["values"]:
            item.check_keys({"from", "value"}, set())
            start = _date(item, "from")
            if start is None:
                raise item.fail("each dated value needs `from`", "from")
            if starts and start <= starts[-1]:
                raise item.fail("dated values must be in increasing order of `from`", "from")
            starts.append(start)
            values.append(Decimal(str(item["value"])))
        out[name] = Parameter(name, spec["type"], _text(spec), str(spec.get("reference", "")),
                              starts, values)
    return out


def _criteria(items: Any, m: Mapping, scope: Scope, seen: set[str]) -> list[Criterion]:
    if not isinstance(items, list) or not items:
        raise m.fail("criteria must be a non-empty list")
    out = []
    for item in items:
        if not isinstance(item, Mapping):
            raise m.fail("each criterion must be a mapping")
        groups = [k for k in ("all_of", "any_of", "none_of") if k in item]
        item.check_keys({"id", "label_es", "label_en"},
                        {"reference", "expression", "all_of", "any_of", "none_of"})
        cid = str(item["id"])
        if cid in seen:
            raise item.fail(f"duplicate criterion id `{cid}`", "id")
        seen.add(cid)
        if len(groups) + ("expression" in item) != 1:
            raise item.fail("a criterion has exactly one of expression, all_of, any_of, none_of")
        criterion = Criterion(cid, _text(item), str(item.get("reference", "")),
                              groups[0] if groups else "leaf", file=item.file, line=item.line)
        if groups:
            criterion.children = _criteria(item[groups[0]], item, scope, seen)
        else:
            line = item.line_of("expression")
            leaf_scope = Scope(scope.person, scope.event, scope.params, item.file, line)
            criterion.source = str(item["expression"])
            criterion.node = parse(criterion.source, file=item.file, line=line)
            criterion.fn, _ = compile_expression(criterion.node, leaf_scope, want="bool")
        out.append(criterion)
    return out


def _questions(m: Mapping) -> list[Question]:
    out = []
    for item in m.get("questions", []):
        item.check_keys({"name", "type", "label_es", "label_en"}, {"required", "options"})
        if item["type"] not in FACT_TYPES:
            raise item.fail(f"unknown question type `{item['type']}`", "type")
        if item["type"] == "enum" and not item.get("options"):
            raise item.fail("an enum question needs options", "type")
        out.append(Question(str(item["name"]), str(item["type"]), _text(item),
                            bool(item.get("required", True)),
                            tuple(str(o) for o in item.get("options", []))))
    return out


def load_catalog(root: Path) -> Catalog:
    """Load, check and compile the whole catalog under `root`."""
    root = Path(root)
    if not (root / "schema.yaml").exists():
        raise CatalogError(f"no catalog at {root} (schema.yaml missing)")
    facts = _schema(root)
    parameters = _parameters(root)
    agencies_file = read(root / "agencies.yaml", root)
    agencies: dict[str, Text] = {}
    for item in agencies_file.get("agencies", []):
        item.check_keys({"code", "name_es", "name_en"}, set())
        if item["code"] in agencies:
            raise item.fail(f"duplicate agency `{item['code']}`", "code")
        agencies[str(item["code"])] = _text(item, "name")
    events: dict[str, Event] = {}
    event_facts: dict[str, str] = {}
    for path in _files(root / "events"):
        m = read(path, root)
        m.check_keys({"code", "label_es", "label_en", "category", "programs"},
                     {"proactive", "questions"})
        if m["code"] in events:
            raise m.fail(f"duplicate life event `{m['code']}`", "code")
        questions = _questions(m)
        for q in questions:
            kind = FACT_TYPES[q.type]
            if event_facts.setdefault(q.name, kind) != kind:
                raise m.fail(f"event fact `{q.name}` has two different types across events")
        events[str(m["code"])] = Event(str(m["code"]), _text(m), str(m["category"]),
                                       bool(m.get("proactive", False)), questions,
                                       [str(p) for p in m["programs"]])
        events[str(m["code"])].__dict__["_mapping"] = m
    scope = Scope({n: f.type for n, f in facts.items()}, event_facts,
                  {n: p.type for n, p in parameters.items()}, "", 0)
    programs: dict[str, Program] = {}
    for path in _files(root / "programs"):
        m = read(path, root)
        m.check_keys({"code", "agency", "name_es", "name_en", "legal_reference", "criteria",
                      "expected_days_to_decision"},
                     {"valid_from", "valid_to", "documents", "excludes", "manual"})
        code = str(m["code"])
        if code in programs:
            raise m.fail(f"duplicate program `{code}`", "code")
        if m["agency"] not in agencies:
            raise m.fail(f"unknown agency `{m['agency']}`", "agency")
        programs[code] = Program(
            code=code, agency=str(m["agency"]), name=_text(m, "name"),
            legal_reference=str(m["legal_reference"]), valid_from=_date(m, "valid_from"),
            valid_to=_date(m, "valid_to"), expected_days=int(m["expected_days_to_decision"]),
            documents=[_phrase(d, m.file, m.line_of("documents")) for d in m.get("documents", [])],
            excludes=[str(x) for x in m.get("excludes", [])],
            criteria=_criteria(m["criteria"], m, scope, set()),
            manual=[_phrase(d, m.file, m.line_of("manual")) for d in m.get("manual", [])],
            file=m.file,
        )
        programs[code].__dict__["_mapping"] = m
    for program in programs.values():
        m = program.__dict__.pop("_mapping")
        for other in program.excludes:
            if other not in programs:
                raise m.fail(f"`{program.code}` excludes unknown program `{other}`", "excludes")
            if program.code not in programs[other].excludes:
                raise m.fail(f"`{program.code}` excludes `{other}` but not the other way round",
                             "excludes")
    for event in events.values():
        m = event.__dict__.pop("_mapping")
        for code in event.programs:
            if code not in programs:
                raise m.fail(f"life event `{event.code}` lists unknown program `{code}`", "programs")
    return Catalog(version_of(root), agencies, programs, events, parameters, facts, root)
