"""The citizen's data in plain words: statuses, dates and who looked, in Spanish or English.

Why here and not in templates: a status such as "Received, under review; answer expected on
March 3, 2027" joins a state, a date and a warning; building it once keeps every kiosk page and
its tests saying the same sentence.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from redangel.common.clock import city_day
from redangel.web.i18n import translate
from redangel.web.templating import long_date, long_datetime


def _names(names: dict[str, str] | None, lang: str) -> str:
    return (names or {}).get(lang) or (names or {}).get("es", "")


def _city_day(moment: str | None, lang: str) -> str:
    """The day of a UTC moment on the city's clock, in words."""
    if not moment:
        return ""
    return long_date(city_day(datetime.fromisoformat(moment.replace("Z", "+00:00"))), lang)


def application_status(app: dict[str, Any], lang: str) -> str:
    """'Received, under review; answer expected on 3 March 2027' and the like."""
    status, expected = app["status"], long_date(app.get("expected_decision_on"), lang)
    decided = _city_day(app.get("decided_at"), lang)
    if status == "submitted":
        text = translate(lang, "Received; answer expected on %(date)s") % {"date": expected}
    elif status == "in_review":
        text = translate(lang, "Received, under review; answer expected on %(date)s") % {
            "date": expected}
    elif status == "approved":
        text = translate(lang, "Approved on %(date)s") % {"date": decided}
    elif status == "rejected":
        text = translate(lang, "Not approved (%(date)s). Ask at an office why.") % {"date": decided}
    else:
        text = status
    if app.get("overdue"):
        text += " " + translate(lang, "The answer is late: please ask at an office.")
    return text


def application_tone(app: dict[str, Any]) -> str:
    """The badge colour of an application's status."""
    if app.get("overdue") or app["status"] == "rejected":
        return "bad" if app["status"] == "rejected" else "warn"
    return "ok" if app["status"] == "approved" else "info"


def enrollment_status(row: dict[str, Any], lang: str) -> str:
    """'Active since 3 March 2027', 'Suspended: please ask at an office', 'Ended on …'."""
    if row["status"] == "active":
        return translate(lang, "Active since %(date)s") % {"date": long_date(row["started_on"], lang)}
    if row["status"] == "suspended":
        return translate(lang, "Suspended: please ask at an office.")
    return translate(lang, "Ended on %(date)s") % {"date": long_date(row.get("ended_on"), lang)}


def applications(overview: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Open applications first, then decided ones, each with its sentence."""
    out = []
    for app in [*overview["open_applications"], *overview["decided_applications"]]:
        out.append({"folio": app["folio"], "program": _names(app["program_name"], lang),
                    "agency": _names(app["agency"]["name"], lang),
                    "status": application_status(app, lang), "tone": application_tone(app),
                    "open": app["status"] in ("submitted", "in_review")})
    return out


def enrollments(overview: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The person's programs with their state in words."""
    return [{"program": _names(row["program_name"], lang), "agency": _names(row["agency"]["name"], lang),
             "status": enrollment_status(row, lang), "active": row["status"] == "active"}
            for row in overview["enrollments"]]


def deliveries(overview: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The latest deliveries, newest first: what, when, where."""
    return [{"program": _names(row["program_name"], lang),
             "when": long_date(row["delivered_on"], lang), "place": row.get("place") or "",
             "amount": row.get("amount")} for row in overview["deliveries"]]


def upcoming(overview: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Dates ahead: the answers expected on open applications, soonest first."""
    items = sorted((a for a in overview["open_applications"]), key=lambda a: a["expected_decision_on"])
    return [{"program": _names(a["program_name"], lang),
             "when": long_date(a["expected_decision_on"], lang),
             "late": bool(a.get("overdue"))} for a in items]


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
    }
    return known.get(purpose, translate(lang, "another reason"))


def who_words(row: dict[str, Any], lang: str) -> str:
    """Who opened the data: the office or the agency."""
    if row.get("office"):
        return str(row["office"])
    if row.get("agency"):
        return _names(row["agency"], lang)
    return translate(lang, "The Red Ángel system")


def accesses(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """'Módulo Iztapalapa · attention at an office · 3 March 2027, 14:05', one per access."""
    return [{"who": who_words(r, lang), "why": purpose_words(r["purpose"], lang),
             "when": long_datetime(r["at"], lang), "denied": r.get("outcome", "ok") != "ok"}
            for r in rows if not own_visit(r)]


def own_visit(row: dict[str, Any]) -> bool:
    """The citizen's own use of a kiosk with their card (not listed: they know about it)."""
    return row.get("by") == "kiosk"
