"""Writes the three sample rolls of tests/rolls/data (and the demo): run once, files committed.

Each roll has its own shape, as agencies' exports do: IAAM's pension roll in UTF-8 with commas
and separate name columns; DIF's single mothers' roll in Latin-1 with semicolons, a full name
with surnames first, and numeric sex codes; SEDESO's community kitchens roll as .xlsx with Excel
dates. Several persons appear in two rolls (and one twice in the same roll), with the
corruptions old systems leave: mojibake, lost accents and Ñ, O for 0 in CURPs, old borough names.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

from redangel.person.curp import build

HERE = Path(__file__).parent / "data"

PEOPLE = [
    # given, first, second, birth, sex, state, borough
    ("María Guadalupe", "Hernández", "López", date(1950, 3, 15), "M", "DF", "Iztapalapa"),
    ("José Luis", "Muñoz", "García", date(1948, 11, 2), "H", "DF", "Coyoacán"),
    ("Ana Sofía", "de la Cruz", "Ramírez", date(1990, 6, 21), "M", "DF", "Tlalpan"),
    ("Juana", "Peña", "Ortiz", date(1985, 1, 9), "M", "MC", "Gustavo A. Madero"),
    ("Roberto", "Sánchez", None, date(1952, 8, 30), "H", "DF", "Xochimilco"),
    ("Laura", "Martínez", "Flores", date(1993, 12, 5), "M", "DF", "Benito Juárez"),
    ("Francisco", "Gómez", "Núñez", date(1949, 4, 17), "H", "DF", "Miguel Hidalgo"),
    ("Carmen", "Ruiz", "Vega", date(1988, 7, 3), "M", "PL", "Tláhuac"),
]


def curp(i: int) -> str:
    g, f, s, b, x, st, _ = PEOPLE[i]
    return build(given_names=g, first_surname=f, second_surname=s, birth_date=b, sex=x,
                 birth_state=st)


def iaam() -> None:
    lines = ["NOMBRE,PATERNO,MATERNO,FEC_NAC,SEXO,CURP,DELEGACION,CP,TELEFONO,FECHA_ALTA,ESTATUS"]
    rows = [
        ("MARIA GUADALUPE", "HERNANDEZ", "LOPEZ", "15/03/1950", "M", curp(0), "IZTAPALAPA",
         "09800", "55 1234 5678", "01/02/2020", "ACTIVO"),
        ("Jose Luis", "Munoz", "Garcia", "02/11/1948", "H", curp(1).replace("0", "O", 1),
         "Coyoacan", "04000", "044 55 8765 4321", "15/06/2019", "ACTIVO"),
        ("ROBERTO", "SANCHEZ", "", "30/08/52", "H", "", "Delegación Xochimilco", "16000",
         "5555-1111", "01/01/2021", "SUSPENDIDO"),
        ("FRANCISCO", "GOMEZ", "NUNEZ", "17/04/1949", "H", curp(6), "M Hidalgo", "11000",
         "", "10/10/2018", "ACTIVO"),
        ("Ma. Guadalupe", "Hernandez", "Lopez", "15/03/1950", "M", "", "Iztapalapa", "09800",
         "", "01/02/2020", "ACTIVO"),
        ("PEDRO", "", "", "01/01/1950", "H", "", "", "", "", "", "ACTIVO"),
    ]
    for row in rows:
        lines.append(",".join(row))
    (HERE / "iaam_pension.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def dif() -> None:
    lines = ["NOMBRE_COMPLETO;F_NACIMIENTO;SEXO;CURP;ALCALDIA;C_POSTAL;TEL;ALTA;SITUACION"]
    rows = [
        ("DE LA CRUZ RAMIREZ ANA SOFIA", "1990-06-21", "2", curp(2), "Tlalpan", "14000",
         "5512340000", "2021-03-01", "VIGENTE"),
        ("PEÑA ORTIZ JUANA", "1985-01-09", "2", curp(3), "GAM", "07000", "", "2020-09-15",
         "VIGENTE"),
        ("MARTINEZ FLORES LAURA", "1993-12-05", "2", "", "Benito Juarez", "03100", "",
         "2022-01-10", "BAJA"),
        ("RUIZ VEGA CARMEN", "1988-07-03", "2", curp(7), "", "13000", "", "2019-05-20",
         "VIGENTE"),
        ("LOPEZ PEREZ", "1991-13-45", "2", "", "Tlalpan", "14000", "", "2021-03-01", "VIGENTE"),
    ]
    for row in rows:
        lines.append(";".join(row))
    (HERE / "dif_madres.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))


def sedeso() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Nombre(s)", "Apellido paterno", "Apellido materno", "Fecha de nacimiento",
                  "Sexo", "CURP", "Delegacion", "Codigo postal", "Inicio", "Estado"])
    sheet.append(["HernÃ¡ndez".replace("HernÃ¡ndez", "MarÃ\xada Guadalupe"), "HernÃ¡ndez",
                  "LÃ³pez", date(1950, 3, 15), "F", curp(0), "Iztapalapa", "09800",
                  date(2022, 4, 1), "Activo"])
    sheet.append(["Juana", "Pena", "Ortiz", date(1985, 1, 9), "F", "", "Gustavo A Madero",
                  "07000", date(2022, 4, 1), "Activo"])
    sheet.append(["Carmen", "Ruiz", "Vega", 32327, "F", "", "Tlahuac", "13000",
                  date(2022, 5, 1), "Activo"])
    sheet.append(["Alberto", "Núñez", "Soto", date(1975, 2, 14), "M", "", "Cuauhtemoc",
                  "06000", date(2022, 5, 1), "Activo"])
    sheet.append(["Laura", "Martines", "Flores", date(1993, 12, 5), "F", "", "Coyoacan",
                  "04000", date(2022, 6, 1), "Activo"])
    book.save(HERE / "sedeso_comedores.xlsx")


MAPPINGS = {
    "iaam_pension.yaml": """\
columns:
  given_names: NOMBRE
  first_surname: PATERNO
  second_surname: MATERNO
  birth_date: FEC_NAC
  sex: SEXO
  curp: CURP
  borough: DELEGACION
  postal_code: CP
  phone: TELEFONO
  start_date: FECHA_ALTA
  status: ESTATUS
dates:
  birth_date: dmy
  start_date: dmy
status_codes:
  ACTIVO: active
  SUSPENDIDO: suspended
""",
    "dif_madres.yaml": """\
columns:
  full_name: NOMBRE_COMPLETO
  birth_date: F_NACIMIENTO
  sex: SEXO
  curp: CURP
  borough: ALCALDIA
  postal_code: C_POSTAL
  phone: TEL
  start_date: ALTA
  status: SITUACION
full_name_order: surnames_first
dates:
  birth_date: ymd
  start_date: ymd
sex_codes:
  "1": H
  "2": M
status_codes:
  VIGENTE: active
  BAJA: exited
""",
    "sedeso_comedores.yaml": """\
columns:
  given_names: Nombre(s)
  first_surname: Apellido paterno
  second_surname: Apellido materno
  birth_date: Fecha de nacimiento
  sex: Sexo
  curp: CURP
  borough: Delegacion
  postal_code: Codigo postal
  start_date: Inicio
  status: Estado
dates:
  birth_date: excel
sex_codes:
  F: M
  M: H
status_codes:
  ACTIVO: active
""",
}

if __name__ == "__main__":
    iaam()
    dif()
    sedeso()
    for name, text in MAPPINGS.items():
        (HERE / name).write_text(text, encoding="utf-8")
