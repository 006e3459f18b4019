"""The mapping of one agency's export: which column holds what, and how dates and codes read.

Read strictly (unknown or duplicate keys refused, the file and line named), like the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from redangel.eligibility.errors import CatalogError
from redangel.eligibility.yamlfile import Mapping, read_mapping, read_text
from redangel.rolls.dates import DATE_ORDERS
from redangel.rolls.errors import RollFileError

FIELDS = ("given_names", "first_surname", "second_surname", "full_name", "birth_date", "sex",
          "curp", "borough", "postal_code", "phone", "address", "start_date", "status")
"""What a column can hold."""
STATUSES = ("active", "suspended", "exited")
SEXES = ("H", "M", "X")


@dataclass(frozen=True)
class RollMapping:
    """Which column holds each field, and how its values read."""

    columns: dict[str, str]
    full_name_order: str = "surnames_first"
    date_orders: dict[str, str] = field(default_factory=dict)
    sex_codes: dict[str, str] = field(default_factory=dict)
    status_codes: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        """The mapping as stored with the import (column names and codes, no personal data)."""
        return {"columns": self.columns, "full_name_order": self.full_name_order,
                "date_orders": self.date_orders, "sex_codes": self.sex_codes,
                "status_codes": self.status_codes}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> RollMapping:
        """The mapping stored with an import."""
        return cls(columns=dict(data["columns"]),  # type: ignore[call-overload]
                   full_name_order=str(data["full_name_order"]),
                   date_orders=dict(data["date_orders"]),  # type: ignore[call-overload]
                   sex_codes=dict(data["sex_codes"]),  # type: ignore[call-overload]
                   status_codes=dict(data["status_codes"]))  # type: ignore[call-overload]


def _texts(node: Mapping, key: str, allowed: tuple[str, ...] | None) -> dict[str, str]:
    value = node.get(key, Mapping())
    if not isinstance(value, Mapping):
        raise node.fail(f"`{key}` must be a mapping", key)
    out: dict[str, str] = {}
    for name, target in value.items():
        if not isinstance(target, str | int) or isinstance(target, bool):
            raise value.fail(f"`{name}` must be text", name)
        if allowed is not None and str(target) not in allowed:
            raise value.fail(f"`{name}` must be one of {', '.join(allowed)}", name)
        out[str(name).strip().upper()] = str(target)
    return out


def _parse(node: Mapping) -> RollMapping:
    node.check_keys({"columns"}, {"full_name_order", "dates", "sex_codes", "status_codes"})
    columns_node = node.mapping("columns")
    columns_node.check_keys(set(), set(FIELDS))
    columns = {name: columns_node.text(name) for name in columns_node}
    has_parts = "given_names" in columns and "first_surname" in columns
    if not has_parts and "full_name" not in columns:
        raise columns_node.fail("name either `full_name` or `given_names` and `first_surname`")
    if "birth_date" not in columns:
        raise columns_node.fail("missing key `birth_date`")
    order = node.get("full_name_order", "surnames_first")
    if order not in ("surnames_first", "given_first"):
        raise node.fail("`full_name_order` must be surnames_first or given_first",
                        "full_name_order")
    dates = _texts(node, "dates", DATE_ORDERS)
    for key in dates:
        if key.lower() not in ("birth_date", "start_date"):
            raise node.fail(f"`dates` names `{key.lower()}`, not a date column", "dates")
    return RollMapping(
        columns=columns, full_name_order=str(order),
        date_orders={k.lower(): v for k, v in dates.items()},
        sex_codes=_texts(node, "sex_codes", SEXES),
        status_codes=_texts(node, "status_codes", STATUSES),
    )


def load_mapping(path: Path) -> RollMapping:
    """Read a mapping file strictly; a mistake names the file and line."""
    if not path.is_file():
        raise RollFileError("roll_file_missing", file=path.name)
    try:
        return _parse(read_mapping(path, path.parent))
    except CatalogError as exc:
        raise RollFileError("roll_mapping_invalid", file=exc.file or path.name, line=exc.line,
                            detail=exc.message) from exc


def parse_mapping(text: str, *, name: str) -> RollMapping:
    """A mapping sent as text (the steward's upload), read as strictly as a file."""
    if len(text) > 20_000:
        raise RollFileError("roll_mapping_invalid", file=name, detail="too long")
    try:
        node = read_text(text, name)
        if not isinstance(node, Mapping):
            raise CatalogError("the file must be a mapping of keys to values", file=name, line=1)
        return _parse(node)
    except CatalogError as exc:
        raise RollFileError("roll_mapping_invalid", file=name, line=exc.line,
                            detail=exc.message) from exc
