"""The data-quality report of one import: every row accounted for, counts by outcome, refusals
with their lines, completeness per column, CURPs and dates fixed or flagged, decisions."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel

from redangel.rolls.models import RollImport, RollPair, RollRow


class Refused(BaseModel):
    """Rows refused for one reason, with their line numbers."""

    reason: str
    lines: list[int]


class QualityReport(BaseModel):
    """What an import read, refused, changed, linked and merged."""

    import_id: str
    file_name: str
    agency: str
    program: str
    status: str
    stop_reason: str | None
    rows_read: int
    refused: list[Refused]
    completeness: dict[str, float]
    flags: dict[str, int]
    outcomes: dict[str, int]
    held: dict[str, int]
    decisions: dict[str, int]
    pairs_for_review: int
    enrolled: dict[str, int]
    accounted: bool


def build(imp: RollImport, rows: Sequence[RollRow], pairs: Sequence[RollPair]) -> QualityReport:
    """The report from an import's rows and pairs (no personal values: lines, codes, counts)."""
    refused: dict[str, list[int]] = {}
    for row in rows:
        if row.refusal:
            refused.setdefault(row.refusal, []).append(row.line)
    columns = list(dict(imp.mapping.get("columns", {})).values())
    filled = Counter(c for row in rows for c in row.filled)
    total = len(rows)
    outcomes = Counter(row.outcome or "refused" for row in rows)
    return QualityReport(
        import_id=str(imp.id), file_name=imp.file_name, agency=imp.agency_code,
        program=imp.program_code, status=imp.status, stop_reason=imp.stop_reason,
        rows_read=total,
        refused=[Refused(reason=k, lines=v) for k, v in sorted(refused.items())],
        completeness={c: round(filled[c] / total, 4) if total else 0.0 for c in columns},
        flags=dict(sorted(Counter(f for row in rows for f in row.flags).items())),
        outcomes=dict(sorted(outcomes.items())),
        held=dict(Counter(row.held_reason for row in rows if row.held_reason)),
        decisions=dict(Counter(p.decision or "undecided" for p in pairs)),
        pairs_for_review=sum(1 for p in pairs if p.decision in (None, "skip")),
        enrolled=dict(Counter(row.enrolled for row in rows if row.enrolled)),
        accounted=sum(outcomes.values()) == total == imp.rows_total,
    )


def as_csv(report: QualityReport) -> str:
    """The report as CSV: one line per measure."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "value"])
    writer.writerow(["rows", "read", report.rows_read])
    for item in report.refused:
        writer.writerow(["refused", item.reason, " ".join(map(str, item.lines))])
    for section, values in (("completeness", report.completeness), ("flags", report.flags),
                            ("outcomes", report.outcomes), ("held", report.held),
                            ("decisions", report.decisions), ("enrolled", report.enrolled)):
        for key, value in values.items():
            writer.writerow([section, key, value])
    return out.getvalue()
