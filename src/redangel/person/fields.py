"""Which person fields each agency receives: the minimum its programs need (data minimisation).

The allowlist is policy, not catalog data: the catalog says what a program *is*; what an agency
may *see* is decided by the registry's data-protection owner and reviewed here, in one place.
An agency missing from the table gets `MINIMAL`. `id` is always present; nobody receives the
family-violence flag. Every agency answer is filtered through `view(...)`, so a field that is
not listed never leaves the registry (the tests check response keys against this table).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from redangel.crypto.keyring import Keyring
from redangel.person.models import Person

PLAIN = ("given_names", "first_surname", "second_surname", "sex", "birth_date", "birth_state",
         "borough", "postal_code", "deceased_on")
CONTACT = ("phone", "email", "address")
SENSITIVE = ("disability", "health_coverage")
ATTRIBUTES = ("schooling_level", "school_sector", "studying", "employment_status",
              "monthly_income", "grade_average", "arts_training", "marital_status",
              "low_development_area")
AVAILABLE = frozenset(("id", "curp", *PLAIN, *CONTACT, *SENSITIVE, *ATTRIBUTES))

MINIMAL = frozenset({"id", "given_names", "first_surname", "second_surname", "sex",
                     "birth_date", "borough"})
_IDENTIFY = MINIMAL | {"curp", "deceased_on"}

ALLOWLIST: dict[str, frozenset[str]] = {
    "iaam": _IDENTIFY | {"phone", "address"},
    "styfe": _IDENTIFY | {"phone", "email", "employment_status"},
    "dif": _IDENTIFY | {"phone", "address", "disability", "marital_status", "monthly_income"},
    "fideicomiso_eg": _IDENTIFY | {"schooling_level", "school_sector", "grade_average"},
    "sedeso": _IDENTIFY | {"postal_code", "low_development_area", "schooling_level",
                           "school_sector"},
    "salud": _IDENTIFY | {"health_coverage", "phone"},
    "injuve": _IDENTIFY | {"schooling_level", "studying", "employment_status"},
    "cultura": _IDENTIFY | {"arts_training"},
}
assert all(fields <= AVAILABLE for fields in ALLOWLIST.values())

TABLE = "person"


def allowed(agency_code: str | None) -> frozenset[str]:
    """The fields an agency may receive."""
    return ALLOWLIST.get(agency_code or "", MINIMAL)


def needs_contact(fields: frozenset[str]) -> bool:
    """Whether the sealed contact column must be opened for these fields."""
    return any(f in fields for f in CONTACT)


def needs_sensitive(fields: frozenset[str]) -> bool:
    """Whether the sealed sensitive column must be opened for these fields."""
    return any(f in fields for f in SENSITIVE)


def needs_attributes(fields: frozenset[str]) -> bool:
    """Whether the attributes column is needed for these fields."""
    return any(f in fields for f in ATTRIBUTES)


def view(row: Any, *, person_id: Any, keyring: Keyring, fields: frozenset[str]) -> dict[str, Any]:
    """The allowlisted view of a person row (sealed columns opened only when needed)."""
    return views([row], person_ids=[person_id], keyring=keyring, fields=fields)[0]


def _columns(rows: Sequence[Any], names: Sequence[str],
             keys: Sequence[str] | None = None) -> dict[str, list[Any]]:
    """Each named column of the rows as one list: by position from result rows or plain
    tuples named by `keys` (a tuple index, not an attribute lookup per value), by attribute
    from ORM objects."""
    if keys is None:
        keys = getattr(rows[0], "_fields", None) if rows else None
    if keys is not None:
        return {name: [row[index] for row in rows]
                for name, index in ((name, keys.index(name)) for name in names)}
    return {name: [getattr(row, name) for row in rows] for name in names}


def views(rows: Sequence[Any], *, person_ids: Sequence[Any], keyring: Keyring,
          fields: frozenset[str], keys: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The allowlisted views of many person rows, column by column: each sealed column opened
    for the whole batch at once (and only when the fields need it). Plain tuples name their
    columns with `keys`."""
    plain = [name for name in PLAIN if name in fields]
    sealed = [name for name, needed in (("curp_sealed", "curp" in fields),
                                        ("contact_sealed", needs_contact(fields)),
                                        ("sensitive_sealed", needs_sensitive(fields)),
                                        ("attributes", needs_attributes(fields))) if needed]
    columns = _columns(rows, plain + sealed, keys)
    texts = [[value.isoformat() if isinstance(value, date) else value for value in columns[name]]
             for name in plain]
    out = [{"id": str(pid), **dict(zip(plain, values, strict=True))}
           for pid, values in zip(person_ids, zip(*texts, strict=True) if plain
                                  else [()] * len(rows), strict=True)]
    if "curp" in fields:
        curps = keyring.open_many(columns["curp_sealed"], table=TABLE, column="curp",
                                  row_ids=person_ids)
        for one, curp in zip(out, curps, strict=True):
            one["curp"] = curp.decode() if curp is not None else None
    for column, names, opened in (
            ("contact", [name for name in CONTACT if name in fields], needs_contact(fields)),
            ("sensitive", [name for name in SENSITIVE if name in fields],
             needs_sensitive(fields))):
        if opened:
            values = keyring.open_json_many(columns[f"{column}_sealed"], table=TABLE,
                                            column=column, row_ids=person_ids)
            for one, value in zip(out, values, strict=True):
                found = value or {}
                for name in names:
                    one[name] = found.get(name)
    attribute_fields = [name for name in ATTRIBUTES if name in fields]
    if attribute_fields:
        for one, attributes in zip(out, columns["attributes"], strict=True):
            found = attributes or {}
            for name in attribute_fields:
                one[name] = found.get(name)
    return out


def person_columns(fields: frozenset[str]) -> list[Any]:
    """The person columns a query must select to build `view` for these fields."""
    columns: list[Any] = [Person.id.label("pid")]
    columns += [getattr(Person, name) for name in PLAIN if name in fields]
    if "curp" in fields:
        columns.append(Person.curp_sealed)
    if needs_contact(fields):
        columns.append(Person.contact_sealed)
    if needs_sensitive(fields):
        columns.append(Person.sensitive_sealed)
    if needs_attributes(fields):
        columns.append(Person.attributes)
    return columns
