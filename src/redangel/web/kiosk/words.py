"""The citizen's data in plain words: statuses, dates and who looked, in Spanish or English.

Why here and not in templates: a status such as "Received, under review; answer expected on
March 3, 2027" joins a state, a date and a warning; building it once keeps every kiosk page and
its tests saying the same sentence.
"""

from __future__ import annotations

from typing import Any

from redangel.audit.schemas import SubjectAccess
from redangel.common.clock import city_day
from redangel.common.types import Names
from redangel.program.schemas import (
    OpenApplication,
    OverviewApplication,
    OverviewEnrollment,
    PersonOverview,
)
from redangel.web.i18n import translate
from redangel.web.templating import long_date, long_datetime


def _names(names: Names | None, lang: str) -> str:
    return names.get(lang) if names is not None else ""


def application_status(app: OverviewApplication, lang: str) -> str:
    """'Received, under review; answer expected on 3 March 2027' and the like."""
    expected = long_date(app.expected_decision_on, lang)
    decided = long_date(city_day(app.decided_at), lang) if app.decided_at else ""
    if app.status == "submitted":
        text = translate(lang, "Received; answer expected on %(date)s") % {"date": expected}
    elif app.status == "in_review":
        text = translate(lang, "Received, under review; answer expected on %(date)s") % {
            "date": expected}
    elif app.status == "approved":
        text = translate(lang, "Approved on %(date)s") % {"date": decided}
    else:
        text = translate(lang, "Not approved (%(date)s). Ask at an office why.") % {"date": decided}
    if _late(app):
        text += " " + translate(lang, "The answer is late: please ask at an office.")
    return text


def _late(app: OverviewApplication) -> bool:
    return isinstance(app, OpenApplication) and app.overdue


def application_tone(app: OverviewApplication) -> str:
    """The badge colour of an application's status."""
    if app.status == "rejected":
        return "bad"
    if _late(app):
        return "warn"
    return "ok" if app.status == "approved" else "info"


def enrollment_status(row: OverviewEnrollment, lang: str) -> str:
    """'Active since 3 March 2027', 'Suspended: please ask at an office', 'Ended on …'."""
    if row.status == "active":
        return translate(lang, "Active since %(date)s") % {"date": long_date(row.started_on, lang)}
    if row.status == "suspended":
        return translate(lang, "Suspended: please ask at an office.")
    return translate(lang, "Ended on %(date)s") % {"date": long_date(row.ended_on, lang)}


def applications(overview: PersonOverview, lang: str) -> list[dict[str, Any]]:
    """Open applications first, then decided ones, each with its sentence."""
    return [{"folio": app.folio, "program": _names(app.program_name, lang),
             "agency": _names(app.agency.name, lang),
             "status": application_status(app, lang), "tone": application_tone(app),
             "open": isinstance(app, OpenApplication)}
            for app in [*overview.open_applications, *overview.decided_applications]]


def enrollments(overview: PersonOverview, lang: str) -> list[dict[str, Any]]:
    """The person's programs with their state in words."""
    return [{"program": _names(row.program_name, lang), "agency": _names(row.agency.name, lang),
             "status": enrollment_status(row, lang), "active": row.status == "active"}
            for row in overview.enrollments]


def deliveries(overview: PersonOverview, lang: str) -> list[dict[str, Any]]:
    """The latest deliveries, newest first: what, when, where."""
    return [{"program": _names(row.program_name, lang),
             "when": long_date(row.delivered_on, lang), "place": row.place or "",
             "amount": row.amount} for row in overview.deliveries]


def upcoming(overview: PersonOverview, lang: str) -> list[dict[str, Any]]:
    """Dates ahead: the answers expected on open applications, soonest first."""
    items = sorted(overview.open_applications, key=lambda a: a.expected_decision_on)
    return [{"program": _names(a.program_name, lang),
             "when": long_date(a.expected_decision_on, lang), "late": a.overdue} for a in items]


def purpose_words(purpose: str, lang: str) -> str:
    """Why the data was opened, in words."""
    known = {
        "attention": translate(lang, "attention at an office"),
        "registration": translate(lang, "registration"),
        "application": translate(lang, "an application"),
        "follow_up": translate(lang, "follow-up of a request"),
        "verification": translate(lang, "verification"),
        "supervision": translate(lang, "supervision"),
        "card_issuance": translate(lang, "issuing your card"),
        "program_administration": translate(lang, "running a program"),
        "self_service": translate(lang, "your own visit to a kiosk"),
        "data_subject_access": translate(lang, "you checked who looked at your data"),
        "search": translate(lang, "a search at an office"),
        "access_attempt": translate(lang, "an access attempt"),
        "rectification": translate(lang, "a correction of your data"),
        "data_subject_rights": translate(lang, "a request about your data rights"),
        "complaint": translate(lang, "a complaint you made"),
    }
    return known.get(purpose, translate(lang, "another reason"))


def who_words(row: SubjectAccess, lang: str) -> str:
    """Who opened the data: the office or the agency."""
    if row.office:
        return row.office
    if row.agency is not None:
        return _names(row.agency, lang)
    return translate(lang, "The Red Ángel system")


def accesses(rows: list[SubjectAccess], lang: str) -> list[dict[str, Any]]:
    """'Módulo Iztapalapa · attention at an office · 3 March 2027, 14:05', one per access."""
    return [{"who": who_words(r, lang), "why": purpose_words(r.purpose, lang),
             "when": long_datetime(r.at, lang), "denied": r.outcome != "ok"}
            for r in rows if not own_visit(r)]


def own_visit(row: SubjectAccess) -> bool:
    """The citizen's own use of a kiosk with their card (not listed: they know about it)."""
    return row.by == "kiosk"
