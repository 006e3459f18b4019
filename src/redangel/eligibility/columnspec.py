"""Which columns `evaluate_columns` reads for a program, so a caller can fetch exactly those.

Person facts are named as in the schema (`birth_date`), event facts `event.<question>`, and each
household aggregate by `columns.aggregate_key(node)`; a column left out is unknown for everyone.
"""

from __future__ import annotations

from redangel.eligibility.columns import aggregate_key
from redangel.eligibility.expr import Node
from redangel.eligibility.model import Catalog, Criterion
from redangel.eligibility.sections import FACT_TYPES

AGGREGATE_KINDS = {"count": "number", "sum": "money", "any": "bool", "all": "bool"}


def _walk(node: Node, catalog: Catalog, out: dict[str, str]) -> None:
    if node.kind == "aggregate":
        spec: tuple[str, str | None] = node.value  # type: ignore[assignment]
        out[aggregate_key(node)] = AGGREGATE_KINDS[spec[0]]
        return
    if node.kind == "name":
        root, _, fact = str(node.value).partition(".")
        if root == "person" and fact in catalog.facts:
            out[fact] = catalog.facts[fact].type
        elif root == "event":
            kinds = {q.name: q.type for e in catalog.events.values() for q in e.questions}
            out[f"event.{fact}"] = FACT_TYPES.get(kinds.get(fact, "text"), "string")
    for child in node.children:
        _walk(child, catalog, out)


def _criteria(criteria: list[Criterion], catalog: Catalog, out: dict[str, str]) -> None:
    for criterion in criteria:
        if criterion.node is not None:
            _walk(criterion.node, catalog, out)
        _criteria(criterion.children, catalog, out)


def required_columns(catalog: Catalog, program_code: str | None = None) -> dict[str, str]:
    """Column name -> type (date, number, money, bool, string) for one program or the catalog."""
    out: dict[str, str] = {}
    codes = [program_code] if program_code is not None else list(catalog.programs)
    for code in codes:
        _criteria(catalog.programs[code].criteria, catalog, out)
    return dict(sorted(out.items()))
