"""Which person fields each agency receives: the minimum its programs need (data minimisation).

The allowlist is policy, not catalog data: the catalog says what a program *is*; what an agency
may *see* is decided by the registry's data-protection owner and reviewed here, in one place.
An agency missing from the table gets `MINIMAL`. `id` is always present; nobody receives the
family-violence flag. Every agency answer is filtered through `view(...)`, so a field that is
not listed never leaves the registry (the tests check response keys against this table).
"""

from __future__ import annotations

from collections.abc import Sequence
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


def views(rows: Sequence[Any], *, person_ids: Sequence[Any], keyring: Keyring,
          fields: frozenset[str]) -> list[dict[str, Any]]:
    """The allowlisted views of many person rows, each sealed column opened for the whole
    batch at once (and only when the fields need it)."""
    plain = [name for name in PLAIN if name in fields]
    curps = (keyring.open_many([r.curp_sealed for r in rows], table=TABLE, column="curp",
                               row_ids=person_ids) if "curp" in fields else None)
    contacts = (keyring.open_json_many([r.contact_sealed for r in rows], table=TABLE,
                                       column="contact", row_ids=person_ids)
                if needs_contact(fields) else None)
    sensitives = (keyring.open_json_many([r.sensitive_sealed for r in rows], table=TABLE,
                                         column="sensitive", row_ids=person_ids)
                  if needs_sensitive(fields) else None)
    contact_fields = [name for name in CONTACT if name in fields]
    sensitive_fields = [name for name in SENSITIVE if name in fields]
    attribute_fields = [name for name in ATTRIBUTES if name in fields]
    out = []
    for i, (row, pid) in enumerate(zip(rows, person_ids, strict=True)):
        one: dict[str, Any] = {"id": str(pid)}
        for name in plain:
            value = getattr(row, name)
            one[name] = value.isoformat() if hasattr(value, "isoformat") else value
        if curps is not None:
            curp = curps[i]
            one["curp"] = curp.decode() if curp is not None else None
        if contacts is not None:
            contact = contacts[i] or {}
            for name in contact_fields:
                one[name] = contact.get(name)
        if sensitives is not None:
            sensitive = sensitives[i] or {}
            for name in sensitive_fields:
                one[name] = sensitive.get(name)
        if attribute_fields:
            attributes = row.attributes or {}
            for name in attribute_fields:
                one[name] = attributes.get(name)
        out.append(one)
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
