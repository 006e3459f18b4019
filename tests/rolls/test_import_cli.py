"""`redangel import roll` as a process, on SQLite and PostgreSQL: three differently shaped rolls
merged, a killed import resumed without losing or duplicating a row, bad files refused whole."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ROOT, make_settings, migrate

DATA = Path(__file__).parent / "data"
ROLLS = (
    ("iaam_pension.csv", "iaam", "pension_adultos_mayores"),
    ("dif_madres.csv", "dif", "apoyo_madres_solas"),
    ("sedeso_comedores.xlsx", "sedeso", "comedores_comunitarios"),
)


@pytest.fixture
def db(fresh_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A migrated database with the catalog loaded, and the environment of a command on it."""
    settings = make_settings(fresh_url, tmp_path)
    migrate(settings)
    env = dict(os.environ, REDANGEL_DATABASE_URL=settings.effective_database_url,
               REDANGEL_DATA_DIR=str(tmp_path), REDANGEL_ENVIRONMENT="test",
               REDANGEL_PROJECT_DIR=str(ROOT))
    _run(env, "catalog", "load")
    yield env


def _run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "redangel.cli", *args], env=env, cwd=ROOT,
                          check=False, capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(done.stderr[-2000:])
    return done


def _import(env: dict[str, str], name: str, agency: str, program: str, *extra: str,
            check: bool = True) -> subprocess.CompletedProcess[str]:
    mapping = Path(name).with_suffix(".yaml") if "/" in name else DATA / (Path(name).stem + ".yaml")
    if not mapping.is_file():
        mapping = DATA / "iaam_pension.yaml"
    return _run(env, "import", "roll", str(DATA / name) if "/" not in name else name,
                "--agency", agency, "--program", program, "--mapping", str(mapping), *extra,
                check=check)


def _scalar(env: dict[str, str], sql: str) -> int:
    engine = create_engine(env["REDANGEL_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar() or 0)
    finally:
        engine.dispose()


def test_three_rolls_merge_into_one_record_per_person(db: dict[str, str]) -> None:
    results = [json.loads(_import(db, name, agency, program, "--merge").stdout)
               for name, agency, program in ROLLS]
    assert [r["status"] for r in results] == ["merged"] * 3
    iaam, dif, sedeso = results
    # IAAM: one row without a surname refused, María twice in the roll became one person.
    assert iaam["outcomes"] == {"new": 4, "refused": 1, "same_as_row": 1}
    assert dif["outcomes"] == {"new": 4, "refused": 1}
    # SEDESO's María (mojibake), Juana (Ñ lost) and Carmen (Excel date) are found registered.
    # Laura, her surname mistyped and no CURP, waits for a steward: held back at merge.
    assert sedeso["outcomes"] == {"held": 1, "linked": 3, "new": 1}
    assert _scalar(db, "SELECT count(*) FROM person") == 9
    assert _scalar(db, "SELECT count(*) FROM enrollment") == 12
    assert _scalar(db, "SELECT count(DISTINCT person_id) FROM enrollment") == 9
    # Nothing personal in clear in the rows: the surname of a row is only in the sealed blob.
    assert _scalar(db, "SELECT count(*) FROM roll_row WHERE flags IS NULL") == 0
    stderr = _import(db, "iaam_pension.csv", "iaam", "pension_adultos_mayores").stderr
    assert "HERNANDEZ" not in stderr.upper()


def _big_roll(path: Path, rows: int) -> None:
    lines = ["NOMBRE,PATERNO,MATERNO,FEC_NAC,SEXO,CURP,DELEGACION,CP,TELEFONO,FECHA_ALTA,ESTATUS"]
    for i in range(rows):
        day = 1 + i % 28
        month = 1 + (i // 28) % 12
        lines.append(f"Persona{i},Apellido{i % 997},Segundo{i % 13},{day:02d}/{month:02d}/"
                     f"{1940 + i % 50},{'HM'[i % 2]},,Tlalpan,14000,,01/01/2020,ACTIVO")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_kill9_while_reading_then_resume_loses_and_duplicates_nothing(
        db: dict[str, str], tmp_path: Path) -> None:
    roll = tmp_path / "iaam_pension.csv"
    total = 4000
    _big_roll(roll, total)
    (tmp_path / "iaam_pension.yaml").write_text((DATA / "iaam_pension.yaml").read_text())
    args = [sys.executable, "-m", "redangel.cli", "import", "roll", str(roll), "--agency", "iaam",
            "--program", "pension_adultos_mayores", "--mapping", str(tmp_path / "iaam_pension.yaml")]
    process = subprocess.Popen(args, env=db, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    written = 0
    while time.monotonic() < deadline and written == 0:
        time.sleep(0.05)
        try:
            written = _scalar(db, "SELECT count(*) FROM roll_row")
        except Exception:  # the table may be busy while the first batch commits
            written = 0
    process.send_signal(signal.SIGKILL)
    process.wait()
    at_kill = _scalar(db, "SELECT count(*) FROM roll_row")
    assert 0 < at_kill < total, "the import must be killed halfway to test resuming"
    done = subprocess.run(args, env=db, cwd=ROOT, check=False, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _scalar(db, "SELECT count(*) FROM roll_import") == 1
    assert _scalar(db, "SELECT count(*) FROM roll_row") == total
    assert _scalar(db, "SELECT count(DISTINCT line) FROM roll_row") == total
    assert _scalar(db, "SELECT min(line) FROM roll_row") == 2
    assert _scalar(db, "SELECT max(line) FROM roll_row") == total + 1


@pytest.mark.parametrize(("content", "code", "where"), [
    (b"", "roll_empty", "bad.csv:1"),
    (b"NOMBRE,PATERNO\nAna,Ruiz\n", "roll_column_missing", "bad.csv:1 [MATERNO]"),
    (b"NOMBRE,PATERNO,MATERNO,FEC_NAC,SEXO,CURP,DELEGACION,CP,TELEFONO,FECHA_ALTA,ESTATUS\n"
     b"Ana,Ruiz,Vega,01/01/1950,M,,,,,,ACTIVO\nAna,Ruiz,Vega,01/01/1950,M,,,,,,ACTIVO,extra\n",
     "roll_too_many_fields", "bad.csv:3"),
    (b"NOMBRE,PATERNO,MATERNO,FEC_NAC,SEXO,CURP,DELEGACION,CP,TELEFONO,FECHA_ALTA,ESTATUS\n"
     b"Ana,Ruiz,Vega\n", "roll_too_few_fields", "bad.csv:2"),
    (b"NOMBRE,PATERNO,MATERNO,FEC_NAC,SEXO,CURP,DELEGACION,CP,TELEFONO,FECHA_ALTA,ESTATUS\n",
     "roll_no_rows", "bad.csv:2"),
])
def test_bad_files_are_refused_whole(db: dict[str, str], tmp_path: Path, content: bytes,
                                     code: str, where: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    done = _import(db, str(bad), "iaam", "pension_adultos_mayores", check=False)
    assert done.returncode == 1
    assert code in done.stderr and where in done.stderr
    assert _scalar(db, "SELECT count(*) FROM roll_import") == 0
    assert _scalar(db, "SELECT count(*) FROM roll_row") == 0


def test_bad_mapping_names_file_and_line(db: dict[str, str], tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  given_names: A\n  first_surname: B\n  birth_date: C\n"
                       "  shoe_size: D\n")
    done = _run(db, "import", "roll", str(DATA / "iaam_pension.csv"), "--agency", "iaam",
                "--program", "pension_adultos_mayores", "--mapping", str(mapping), check=False)
    assert done.returncode == 1
    assert "m.yaml:5" in done.stderr and "shoe_size" in done.stderr


def test_oversize_file_refused(db: dict[str, str], tmp_path: Path) -> None:
    roll = tmp_path / "iaam_pension.csv"
    _big_roll(roll, 40)
    (tmp_path / "iaam_pension.yaml").write_text((DATA / "iaam_pension.yaml").read_text())
    env = dict(db, REDANGEL_ROLL_MAX_BYTES="1000")
    done = _import(env, str(roll), "iaam", "pension_adultos_mayores", check=False)
    assert done.returncode == 1 and "roll_too_large" in done.stderr
    assert _scalar(db, "SELECT count(*) FROM roll_import") == 0


def test_duplicate_share_stops_before_merging(db: dict[str, str], tmp_path: Path) -> None:
    roll = tmp_path / "iaam_pension.csv"
    row = "Ana,Ruiz,Vega,01/01/1950,M,,Tlalpan,14000,,01/01/2020,ACTIVO"
    others = [f"Persona{i},Apellido{i},Segundo{i},{i + 1:02d}/02/1961,H,,Coyoacan,04000,,"
              "01/01/2020,ACTIVO" for i in range(8)]
    roll.write_text("NOMBRE,PATERNO,MATERNO,FEC_NAC,SEXO,CURP,DELEGACION,CP,TELEFONO,FECHA_ALTA,"
                    "ESTATUS\n" + "\n".join([row] * 4 + others) + "\n")
    (tmp_path / "iaam_pension.yaml").write_text((DATA / "iaam_pension.yaml").read_text())
    # 3 of 12 rows repeat another: over the steward's limit of 20 %, the import stops.
    done = _import(db, str(roll), "iaam", "pension_adultos_mayores", "--merge",
                   "--duplicate-limit", "0.2", check=False)
    assert done.returncode == 3
    assert json.loads(done.stdout)["stop_reason"] == "duplicate_share"
    assert _scalar(db, "SELECT count(*) FROM person") == 0


def test_exclusion_list_names_people_in_two_exclusive_programs(db: dict[str, str]) -> None:
    # The same roll merged into two programs the catalog says exclude each other.
    for agency, program in (("styfe", "seguro_desempleo"), ("injuve", "apoyo_jovenes_riesgo")):
        _import(db, "iaam_pension.csv", agency, program, "--merge")
    lines = _run(db, "import", "exclusions").stdout.splitlines()
    assert lines[0] == "person_id,program,excluded_program"
    persons = _scalar(db, "SELECT count(DISTINCT person_id) FROM enrollment")
    assert len(lines) - 1 == persons == 4
    assert all(line.endswith(",apoyo_jovenes_riesgo,seguro_desempleo") for line in lines[1:])
