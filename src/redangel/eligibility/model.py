"""The catalog's objects: what a loaded, compiled catalog holds (no loading logic here)."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from redangel.eligibility.compile import Compiled
from redangel.eligibility.errors import UnknownCode
from redangel.eligibility.expr import Node
from redangel.eligibility.sentences import Sentence


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
    labels: dict[str, Text] = field(default_factory=dict)  # each option as people say it


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
    words: dict[str, str] = field(default_factory=dict)  # the label as JSON, made once
    met: Sentence | None = None  # said when it holds (default: its label)
    not_met: Sentence | None = None  # said when it does not: what is, and what is asked


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
    sensitive: bool = False  # never named on a public screen (family violence, disability)

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the program's description (not its rules)."""
        return {"code": self.code, "agency": self.agency, "name": self.name.to_dict(),
                "legal_reference": self.legal_reference,
                "valid_from": self.valid_from.isoformat() if self.valid_from else None,
                "valid_to": self.valid_to.isoformat() if self.valid_to else None,
                "expected_days_to_decision": self.expected_days,
                "documents": [d.to_dict() for d in self.documents], "excludes": self.excludes,
                "sensitive": self.sensitive}


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
    """A life event: its questions, the person facts it confirms even when known, and the
    bundle of programs it leads to."""

    code: str
    label: Text
    category: str
    proactive: bool
    questions: list[Question]
    programs: list[str]
    confirm: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"code": self.code, "label": self.label.to_dict(), "category": self.category,
                "proactive": self.proactive, "questions": [q.to_dict() for q in self.questions],
                "programs": self.programs, "confirm": self.confirm}


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
    answer_types: dict[str, str] = field(default_factory=dict)  # event question -> its type

    def parameter(self, name: str, as_of: date) -> Decimal | None:
        """A parameter's value on a day (None before its first dated value)."""
        if name not in self.parameters:
            raise UnknownCode("parameter", name)
        return self.parameters[name].at(as_of)

    def fact_label(self, name: str, lang: str) -> str:
        """How a fact (`person.x`, `member.x`, `event.x`) is called in a sentence."""
        root, _, fact = name.partition(".")
        if root in ("person", "member") and fact in self.facts:
            label: str = getattr(self.facts[fact].label, lang)
            if root == "member":
                return (f"{label} de un integrante del hogar" if lang == "es"
                        else f"{label} of a household member")
            return label
        if root == "member" and fact == "relationship":
            return "parentesco de un integrante del hogar" if lang == "es" else \
                "relationship of a household member"
        if root == "event":
            for event in self.events.values():
                for question in event.questions:
                    if question.name == fact:
                        return str(getattr(question.label, lang))
        if name.startswith('param("') and name[7:-2] in self.parameters:
            return str(getattr(self.parameters[name[7:-2]].label, lang))
        return name
