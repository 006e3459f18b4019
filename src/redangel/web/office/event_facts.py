"""The person facts the life-event wizard asks: to confirm before the verdicts, or missing after.

`lifeevent.service.facts_to_ask` says which facts (the event's `confirm` list, and what an
evaluation lacked, a household member's fact once per member); this module makes them form
fields labelled from the catalog's schema, reads them with the one form-answer parser
(`web.answers`) and says a refused value beside its field, in words and with what to do.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from starlette.datastructures import FormData

from redangel.errors import AppError
from redangel.i18n import message
from redangel.lifeevent.service import FactToAsk
from redangel.web import answers, i18n
from redangel.web.i18n import _
from redangel.web.office import labels
from redangel.web.office.forms import text

# What to do about a value the person service refused, by the API's reason code.
REFUSED = {
    "date_future": _("This date is in the future. Write a date up to today."),
    "date_range": _("This date is too far in the past or in the future. Check the year."),
    "field_range": _("This amount is out of range. Write the amount the person states, from 0."),
}


@dataclass(frozen=True)
class FactField:
    """One fact as a form field: its name, label, input kind, choices, value and any error."""

    field: str
    label: str
    kind: str
    choices: list[tuple[str, str]]
    value: str
    error: str
    known: bool
    input_type: str


def field_of(item: FactToAsk) -> str:
    """The form field of a fact about one person."""
    return f"fact-{item.person_id.hex}-{item.fact}"


def _kind(item: FactToAsk) -> str:
    return answers.kind_of(item.kind, item.options)


def _as_typed(value: Any) -> str:
    """A known value as the clerk would type it (what the field starts with)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, Decimal)):
        return format(Decimal(str(value)), "f")
    return str(value)


def _is_iso_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def fields(items: list[FactToAsk], lang: i18n.Lang, typed: dict[str, str] | None = None,
           errors: dict[str, str] | None = None) -> list[FactField]:
    """The fields to show: what was typed if the form came back, else what the record holds."""
    out = []
    for item in items:
        name = field_of(item)
        label = item.label.get(lang) or item.label["es"]
        label = label[:1].upper() + label[1:]
        if item.member_name:
            label = f"{label}: {item.member_name}"
        value = typed[name] if typed is not None and name in typed else _as_typed(item.known)
        words = labels.FACT_OPTIONS.get(item.fact, {})
        kind = _kind(item)
        # A date the browser's picker cannot show (typed by other means) stays visible as text.
        input_type = "date" if kind == "date" and (not value or _is_iso_day(value)) else "text"
        out.append(FactField(name, label, kind, [(o, words.get(o, o)) for o in item.options],
                             value, (errors or {}).get(name, ""), item.known is not None,
                             input_type))
    return out


def read(items: list[FactToAsk], form: FormData, lang: i18n.Lang
         ) -> tuple[dict[tuple[uuid.UUID, str], Any], dict[str, str], dict[str, str]]:
    """The stated facts by (person, fact), the text as typed, and the reasons for refusals."""
    by_field = {field_of(i): i for i in items}
    asked = [answers.Asked(name, _kind(i), i.options) for name, i in by_field.items()]
    values, typed, errors = answers.read(asked, lambda name: text(form, name, 40), lang)
    stated = {(by_field[name].person_id, by_field[name].fact): value
              for name, value in values.items()}
    return stated, typed, errors


def refused(error: AppError, items: list[FactToAsk], lang: i18n.Lang) -> dict[str, str]:
    """The person service's refusal (fields `<person id>.<fact>`) beside the form's fields."""
    by_key = {f"{i.person_id}.{i.fact}": field_of(i) for i in items}
    out: dict[str, str] = {}
    for item in error.fields:
        name = by_key.get(item.field)
        if name is None:
            continue
        if item.code in REFUSED:
            out[name] = i18n.translate(lang, REFUSED[item.code])
        else:
            reason = message(item.code, lang, **item.params)
            out[name] = reason[:1].upper() + reason[1:] + "."
    return out


def kept_labels(items: list[FactToAsk], kept: list[tuple[uuid.UUID, str]],
                lang: i18n.Lang) -> list[str]:
    """The facts just kept on a record, as their fields are labelled (for the clerk's notice)."""
    shown = {(i.person_id, i.fact): f.label for i, f in zip(items, fields(items, lang), strict=True)}
    return [shown[k] for k in kept if k in shown]
