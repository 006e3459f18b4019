"""Which person fields each agency receives: the minimum its programs need (data minimisation).

The allowlist is policy, not catalog data: the catalog says what a program *is*; what an agency
may *see* is decided by the registry's data-protection owner and reviewed here, in one place.
An agency missing from the table gets `MINIMAL`. `id` is always present; nobody receives the
family-violence flag. Every agency answer is filtered through `view(...)`, so a field that is
not listed never leaves the registry (the tests check response keys against this table).
"""

from __future__ import annotations

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
    pid = person_id
    out: dict[str, Any] = {"id": str(pid)}
    for name in PLAIN:
        if name in fields:
            value = getattr(row, name)
            out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    if "curp" in fields:
        sealed = row.curp_sealed
        out["curp"] = (keyring.open(sealed, table=TABLE, column="curp", row_id=pid).decode()
                       if sealed else None)
    if needs_contact(fields):
        contact = keyring.open_json(row.contact_sealed, table=TABLE, column="contact",
                                    row_id=pid) or {}
        for name in CONTACT:
            if name in fields:
                out[name] = contact.get(name)
    if needs_sensitive(fields):
        sensitive = keyring.open_json(row.sensitive_sealed, table=TABLE, column="sensitive",
                                      row_id=pid) or {}
        for name in SENSITIVE:
            if name in fields:
                out[name] = sensitive.get(name)
    if needs_attributes(fields):
        attributes = row.attributes or {}
        for name in ATTRIBUTES:
            if name in fields:
                out[name] = attributes.get(name)
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
