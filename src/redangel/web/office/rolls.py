"""The data steward's pages at /office/rolls: upload an agency's roll with its mapping, see the
first rows as mapped before anything is written, follow the import's progress, review pairs
with the keyboard, merge or cancel, and read the data-quality report (page, JSON, CSV).

Pages call the rolls service; the import itself runs as a job on a thread of the app and
resumes from its last committed batch when started again.
"""

from __future__ import annotations

import threading
import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import JSONResponse, RedirectResponse, Response

from redangel.common.clock import city_today
from redangel.common.types import BOROUGHS
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.rolls import report as reports
from redangel.rolls import service as rolls
from redangel.rolls.errors import RollFileError
from redangel.rolls.mapping import parse_mapping
from redangel.rolls.readers import read_roll
from redangel.web.auth import StewardUser
from redangel.web.i18n import _
from redangel.web.office import roll_labels as labels
from redangel.web.office.roll_charts import bars
from redangel.web.templating import render

router = APIRouter(prefix="/rolls")
Code = Annotated[str, Form(max_length=48, pattern=r"^[a-z0-9_]+$")]
Threshold = Annotated[float, Form(ge=0.01, le=1.0)]


def _form(request: Request, session: DbSession, principal: StewardUser, *, error: RollFileError | None = None,
          status_code: int = 200) -> Response:
    return render(request, "office/rolls.html", {
        "nav": "rolls", "imports": rolls.list_imports(session, principal=principal),
        "programs": rolls.programs_for_import(session, principal=principal),
        "labels": labels, "error": error}, status_code=status_code)


@router.get("")
def index(request: Request, session: DbSession, principal: StewardUser) -> Response:
    """The imports so far and the form to upload a new roll."""
    return _form(request, session, principal)


@router.post("")
def upload(request: Request, session: DbSession, principal: StewardUser,
           keyring: KeyringDep, program: Code, roll: Annotated[UploadFile, File()],
           mapping: Annotated[str, Form(max_length=20_000)] = "",
           link: Threshold = 0.99, review: Threshold = 0.60) -> Response:
    """Check the whole file against its mapping; show its first rows before anything is read."""
    name = (roll.filename or "roll")[:200]
    data = roll.file.read()  # on a worker thread, as every page that uses the database
    chosen = next((p for p in rolls.programs_for_import(session, principal=principal)
                   if p.code == program), None)
    try:
        parsed = parse_mapping(mapping, name="mapping.yaml")
        checked = read_roll(data, name=name, mapping=parsed,
                            max_bytes=request.app.state.settings.roll_max_bytes)
    except RollFileError as exc:
        return _form(request, session, principal, error=exc, status_code=422)
    if chosen is None:
        return _form(request, session, principal, status_code=422,
                     error=RollFileError("roll_mapping_invalid", file=name, detail="program"))
    imp = rolls.start(session, keyring=keyring, principal=principal, roll=checked, data=data,
                      agency_code=chosen.agency_code, program_code=chosen.code, mapping=parsed,
                      link_threshold=link, review_threshold=min(review, link), preview=True)
    return RedirectResponse(f"/office/rolls/{imp.id}", status_code=303)


@router.get("/exclusions")
def exclusions(request: Request, session: DbSession, principal: StewardUser,
               format: str = "html") -> Response:
    """People enrolled in two programs that exclude each other, for the agencies (page or CSV)."""
    clashes = rolls.exclusion_clashes(session, principal=principal)
    if format == "csv":
        return Response(rolls.clashes_csv(clashes), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="exclusions.csv"'})
    return render(request, "office/roll_exclusions.html", {"nav": "rolls", "clashes": clashes})


@router.get("/summary")
def summary(request: Request, session: DbSession, principal: StewardUser) -> Response:
    """Every agency's imports over time, with what became of their rows."""
    return render(request, "office/roll_summary.html", {
        "nav": "rolls", "imports": rolls.summary(session, principal=principal), "labels": labels,
        "outcomes": ("linked", "new", "same_as_row", "review", "held", "refused")})


@router.get("/{import_id}")
def show(request: Request, session: DbSession, principal: StewardUser, keyring: KeyringDep,
         import_id: uuid.UUID) -> Response:
    """An import: its preview, its progress while reading, or what linking found."""
    imp = rolls.get(session, principal=principal, import_id=import_id)
    preview = rolls.preview_rows(keyring, imp, today=city_today()) if imp.status == "preview" else []
    summary = rolls.quality(session, principal=principal, imp=imp)
    return render(request, "office/roll.html", {
        "nav": "rolls", "imp": imp, "preview": preview, "summary": summary, "labels": labels,
        "boroughs": BOROUGHS,
        "percent": round(100 * imp.rows_done / imp.rows_total) if imp.rows_total else 100})


def _run_in_background(request: Request, principal: object, import_id: uuid.UUID) -> None:
    state = request.app.state
    threading.Thread(target=rolls.run_when_committed, daemon=True, name=f"roll-{import_id}",
                     kwargs={"sessions": state.sessionmaker, "keyring": state.keyring,
                             "principal": principal, "import_id": import_id,
                             "today": city_today()}).start()


@router.post("/{import_id}/start")
def start(request: Request, session: DbSession, principal: StewardUser,
          import_id: uuid.UUID) -> Response:
    """Start (or resume) reading and linking the roll as a job."""
    imp = rolls.get(session, principal=principal, import_id=import_id)
    if imp.status == "preview":
        rolls.begin(session, principal=principal, imp=imp)
    _run_in_background(request, principal, imp.id)
    return RedirectResponse(f"/office/rolls/{imp.id}", status_code=303)


@router.post("/{import_id}/link")
def relink(session: DbSession, principal: StewardUser, keyring: KeyringDep, import_id: uuid.UUID,
           link: Threshold, review: Threshold) -> Response:
    """Link again with the steward's thresholds."""
    imp = rolls.get(session, principal=principal, import_id=import_id)
    rolls.link(session, keyring=keyring, principal=principal, imp=imp, link_threshold=link,
               review_threshold=min(review, link))
    return RedirectResponse(f"/office/rolls/{imp.id}", status_code=303)


@router.post("/{import_id}/merge")
def merge(session: DbSession, principal: StewardUser, keyring: KeyringDep,
          import_id: uuid.UUID) -> Response:
    """Merge the import into the registry (one unit)."""
    imp = rolls.get(session, principal=principal, import_id=import_id)
    rolls.merge(session, keyring=keyring, principal=principal, imp=imp, today=city_today())
    return RedirectResponse(f"/office/rolls/{imp.id}/report", status_code=303)


@router.post("/{import_id}/cancel")
def cancel(session: DbSession, principal: StewardUser, import_id: uuid.UUID) -> Response:
    """Give up the import before it is merged."""
    imp = rolls.get(session, principal=principal, import_id=import_id)
    rolls.cancel(session, principal=principal, imp=imp)
    return RedirectResponse(f"/office/rolls/{imp.id}", status_code=303)


@router.get("/{import_id}/review")
def review(request: Request, session: DbSession, principal: StewardUser, keyring: KeyringDep,
           import_id: uuid.UUID) -> Response:
    """The next pair to review, side by side, field by field, with the score's reasons."""
    imp = rolls.get(session, principal=principal, import_id=import_id)
    found = rolls.next_pair(session, principal=principal, keyring=keyring, imp=imp)
    return render(request, "office/roll_review.html", {
        "nav": "rolls", "imp": imp, "found": found, "labels": labels, "boroughs": BOROUGHS,
        "sexes": {"M": _("Woman"), "H": _("Man"), "X": _("Non-binary")}})


@router.post("/{import_id}/pairs/{pair_id}")
def decide(session: DbSession, principal: StewardUser, import_id: uuid.UUID, pair_id: int,
           decision: Annotated[str, Form(pattern=r"^(same|different|skip)$")]) -> Response:
    """The steward's decision on a pair; the next pair follows."""
    imp = rolls.get(session, principal=principal, import_id=import_id)
    rolls.decide(session, principal=principal, imp=imp, pair_id=pair_id, decision=decision)
    return RedirectResponse(f"/office/rolls/{imp.id}/review", status_code=303)


@router.get("/{import_id}/report")
def quality(request: Request, session: DbSession, principal: StewardUser, import_id: uuid.UUID,
            format: str = "html") -> Response:
    """The data-quality report: a page with charts, or JSON, or CSV."""
    imp = rolls.get(session, principal=principal, import_id=import_id)
    found = rolls.quality(session, principal=principal, imp=imp)
    if format == "json":
        return JSONResponse(found.model_dump(mode="json"))
    if format == "csv":
        return Response(reports.as_csv(found), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="quality-{imp.id}.csv"'})
    charts = {
        "outcomes": bars(_("What became of each row"),
                         [(_(labels.OUTCOMES.get(k, k)), v) for k, v in found.outcomes.items()]),
        "completeness": bars(_("Filled in, per column"),
                             list(found.completeness.items()), percent=True),
        "flags": bars(_("Changes and flags"),
                      [(_(labels.FLAGS.get(k, k)), v) for k, v in found.flags.items()]),
    }
    return render(request, "office/roll_report.html", {
        "nav": "rolls", "imp": imp, "report": found, "charts": charts, "labels": labels})
