"""The analysts' console: each view's figures as charts with their tables, and each table as a CSV
or Parquet file. Analysts see the whole city, supervisors their office's borough.

The figures come from `analytics.service` (scope, suppression and the audit are there); this
module reads the filters, says each group in the page's language and draws the charts. The
routes only read (`@read_only`: on SQLite a snapshot, never waiting for writers) and may be
served by a read replica (`@reads_from_replica`: the figures are a refresh's, already older than
any lag a replica is allowed); their audit events are written beside them, on the primary.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from redangel.analytics import service as analytics
from redangel.analytics.schemas import VIEWS, By, Figures, Filters, Table, View
from redangel.common.clock import city_today
from redangel.common.types import BOROUGHS
from redangel.db import DbSession, read_only, reads_from_replica
from redangel.errors import FieldError, InvalidInput, NotFound
from redangel.web import i18n
from redangel.web.analytics import export, labels
from redangel.web.analytics.charts import Bar, bars
from redangel.web.auth import AnalyticsUser
from redangel.web.i18n import _, translate
from redangel.web.templating import long_datetime, render

router = APIRouter(prefix="/office/analytics", include_in_schema=False)
Word = Annotated[str, Query(max_length=48)]
Day = Annotated[str, Query(max_length=10)]
MONTHLY = ("decisions", "deliveries")
HIDDEN = _("hidden")
HIDDEN_NOTE = _("Hidden: a count under %(k)s, or a count that would let a hidden one be worked "
                "out from the totals.")
FLAG = _("below 0.8 of everyone")
FLAG_COLUMN = _("Coverage under 0.8 of everyone's")
TAKEN = _("Data taken on %(day)s.")
NOT_YET = _("The figures have not been computed yet. They appear after the next refresh "
            "(redangel analytics refresh).")
FEEDBACK_EMPTY = _("No citizen feedback yet: ratings per agency and program, and complaints by "
                   "category, will appear here once citizens can give them.")


def _day(name: str, raw: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(fields=[FieldError(name, "field_date")]) from None


def _filters(view: str, program: str, agency: str, borough: str, target: str, since: str,
             until: str, by: str) -> Filters:
    start = _day("since", since)
    if start is None and view in MONTHLY:
        start = (city_today().replace(day=1) - timedelta(days=335)).replace(day=1)
    grouping: By = "sex" if by == "sex" else "age_band" if by == "age_band" else "borough"
    return Filters(program=program, agency=agency, borough=borough, target=target, since=start,
                   until=_day("until", until), by=grouping)


def _view(view: str) -> View:
    for known in VIEWS:
        if known == view:
            return known
    raise NotFound()


def _figures(request: Request, session: DbSession, principal: Any, view: str, export_as: str,
             program: str, agency: str, borough: str, target: str, since: str, until: str,
             by: str) -> Figures:
    settings = request.app.state.settings
    return analytics.figures(session, catalog=request.app.state.catalog, principal=principal,
                             view=_view(view), k=settings.analytics_min_cell, export=export_as,
                             filters=_filters(view, program, agency, borough, target, since,
                                              until, by))


@router.get("")
def home() -> Response:
    """The console opens on coverage."""
    return RedirectResponse("/office/analytics/coverage", status_code=303)


@router.get("/{view}")
@read_only
@reads_from_replica
def view_page(request: Request, session: DbSession, principal: AnalyticsUser, view: str,
              program: Word = "", agency: Word = "", borough: Word = "", target: Word = "",
              since: Day = "", until: Day = "", by: Word = "borough") -> Response:
    """One view of the console: each figure as a chart beside its table, with downloads."""
    found = _figures(request, session, principal, view, "", program, agency, borough, target,
                     since, until, by)
    lang = i18n.page_lang(request)
    catalog = request.app.state.catalog
    query = request.url.query
    shown = [_shown(found, table, lang, catalog) for table in found.tables]
    programs = sorted(((code, labels.program(code, lang, catalog)) for code in catalog.programs),
                      key=lambda item: item[1])
    agencies = sorted(((code, names.to_dict()[lang]) for code, names in catalog.agencies.items()),
                      key=lambda item: item[1])
    return render(request, "analytics/view.html", {
        "nav": "analytics", "view": found.view, "views": labels.VIEWS, "found": found,
        "figures": shown, "programs": programs, "agencies": agencies,
        "boroughs": sorted(BOROUGHS.items(), key=lambda item: item[1]), "targets": labels.TARGETS,
        "by_options": labels.BY, "query": query, "hidden_note": HIDDEN_NOTE, "not_yet": NOT_YET,
        "feedback_empty": FEEDBACK_EMPTY, "taken": TAKEN,
        "monthly": found.view in MONTHLY,
    })


def _fmt(kind: str, value: float | None, lang: str) -> str:
    if value is None:
        return translate(lang, HIDDEN)
    if kind == "ratio":
        return f"{value * 100:.1f} %"
    if kind == "money":
        return f"$ {value:,.2f}"
    return f"{round(value):,}"


def _shown(found: Figures, table: Table, lang: str, catalog: Any) -> dict[str, Any]:
    """A table as the page shows it: words, formatted cells, its chart."""
    words = [labels.group(table.row_kind, r.key, lang, catalog) for r in table.rows]
    charted = [table.column(c) for c in table.chart]
    kind = table.columns[charted[0]].kind if charted else "count"
    series = [translate(lang, labels.COLUMNS[table.columns[i].key]) for i in charted]
    title = translate(lang, labels.TITLES[table.id])
    mark = translate(lang, FLAG)
    reference = None
    if kind == "ratio" and table.total is not None and table.total.values[charted[0]] is not None:
        whole = float(table.total.values[charted[0]] or 0)
        reference = (whole, f"{translate(lang, labels.ALL)}: {_fmt('ratio', whole, lang)}")
    chart = bars(chart_id=f"chart-{table.id}", title=title,
                 description=translate(lang, _("The same figures are in the table beside the chart.")),
                 series=series, hidden_word=translate(lang, HIDDEN),
                 rows=[Bar(w, [r.values[i] for i in charted], mark if r.flagged else "")
                       for w, r in zip(words, table.rows, strict=True)],
                 fmt=lambda v: _fmt(kind, v, lang), scale_max=1.0 if kind == "ratio" else None,
                 reference=reference) if table.rows and charted else None
    return {
        "id": table.id, "title": title, "group": translate(lang, labels.GROUPS[table.row_kind]),
        "columns": [translate(lang, labels.COLUMNS[c.key]) for c in table.columns],
        "rows": [(w, [_fmt(c.kind, v, lang) for c, v in zip(table.columns, r.values, strict=True)],
                  r.flagged) for w, r in zip(words, table.rows, strict=True)],
        "total": [_fmt(c.kind, v, lang) for c, v in zip(table.columns, table.total.values, strict=True)]
        if table.total is not None else None,
        "notes": [translate(lang, n) for n in labels.note(found.view, table.id)],
        "chart": chart, "flag": mark,
    }


def _about(found: Figures, table: Table, lang: str) -> list[str]:
    taken = translate(lang, TAKEN) % {"day": long_datetime(found.taken_at, lang) if found.taken_at else "—"}
    return [translate(lang, labels.TITLES[table.id]),
            *(translate(lang, n) for n in labels.note(found.view, table.id)),
            taken, translate(lang, HIDDEN_NOTE) % {"k": found.k}]


def _download(request: Request, session: DbSession, principal: Any, view: str, table_id: str,
              kind: str, params: dict[str, str]) -> Response:
    found = _figures(request, session, principal, view, kind, **params)
    table = next((t for t in found.tables if t.id == table_id), None)
    if table is None:
        raise NotFound()
    lang = i18n.page_lang(request)
    catalog = request.app.state.catalog
    words = [labels.group(table.row_kind, r.key, lang, catalog) for r in table.rows]
    columns = [translate(lang, labels.COLUMNS[c.key]) for c in table.columns]
    group = translate(lang, labels.GROUPS[table.row_kind])
    name = f"{view}-{table.id}-{city_today().isoformat()}"
    if kind == "csv":
        body = export.csv_bytes(table, group_label=group, column_labels=columns, group_words=words,
                                total_word=translate(lang, labels.ALL),
                                flag_label=translate(lang, FLAG_COLUMN),
                                about=_about(found, table, lang))
        media = "text/csv; charset=utf-8"
    else:
        about = _about(found, table, lang)
        body = export.parquet_bytes(table, group_label=group, column_labels=columns,
                                    group_words=words, total_word=translate(lang, labels.ALL),
                                    about={"title": about[0], "note": " ".join(about[1:])},
                                    taken_at=found.taken_at)
        media = "application/vnd.apache.parquet"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}.{kind}"', "Cache-Control": "no-store"})


@router.get("/{view}/{table_id}.csv")
@read_only
@reads_from_replica
def download_csv(request: Request, session: DbSession, principal: AnalyticsUser, view: str,
                 table_id: str, program: Word = "",
                 agency: Word = "", borough: Word = "", target: Word = "", since: Day = "",
                 until: Day = "", by: Word = "borough") -> Response:
    """One figure's table as CSV, suppressed as on the page."""
    return _download(request, session, principal, view, table_id, "csv", {
        "program": program, "agency": agency, "borough": borough, "target": target,
        "since": since, "until": until, "by": by})


@router.get("/{view}/{table_id}.parquet")
@read_only
@reads_from_replica
def download_parquet(request: Request, session: DbSession, principal: AnalyticsUser, view: str,
                     table_id: str, program: Word = "",
                     agency: Word = "", borough: Word = "", target: Word = "", since: Day = "",
                     until: Day = "", by: Word = "borough") -> Response:
    """One figure's table as Parquet, suppressed as on the page."""
    return _download(request, session, principal, view, table_id, "parquet", {
        "program": program, "agency": agency, "borough": borough, "target": target,
        "since": since, "until": until, "by": by})
